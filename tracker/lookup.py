"""Find the story of what a reader has in hand: a pasted URL in any of its forms, or pasted text.

A URL is tried as stored (normalised: no fragment, no ``utm_*``/click ids), then in the forms
the same article is commonly shared under: ``http``/``https``, with or without ``www.``, with or
without a trailing slash, and the AMP (``/amp``, ``?amp=1``, ``amp.`` host) and mobile (``m.``
host) variants. Each form is matched against stored page URLs and against the canonical links the
pages declare, so an AMP copy whose canonical link names the article is found from either URL.

Text is matched with clustering's own fingerprints (:func:`tracker.fingerprint.shingles`): full-text
search proposes candidate versions, and each is scored by the exact share of the pasted text's
shingles found in the version's stored shingle set (containment), so a paragraph finds every story
that carries it, ranked by how much of it each carries.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tracker.fingerprint import SHINGLE_K, containment, shingles, shingles_from_bytes
from tracker.store import lookup as store
from tracker.urls import is_http_url, normalize_url

# Query parameters that only mark an AMP rendering of the page.
_AMP_PARAMS = {"amp", "outputtype", "amp_js_v", "usqp"}
# Pasted text shorter than this (in characters) is treated as search words, not as a passage.
MIN_PASSAGE = 12
# A story is listed when at least this share of the pasted text's shingles is in one member.
MIN_CONTAINMENT = 0.2


@dataclass(frozen=True)
class PageMatch:
    """A stored page found from a URL and how it was found."""

    page_id: int
    url: str
    site: str
    how: str  # "url", "canonical", "variant" or "canonical variant"
    cluster_ids: tuple[int, ...]


@dataclass(frozen=True)
class StoryMatch:
    """A story carrying pasted text: the best-matching member and the share of the text in it."""

    cluster_id: int | None  # None: the page is in no story yet
    title: str | None
    page_id: int
    version_id: int
    url: str
    site: str
    containment: float
    size: int | None


def looks_like_url(text: str) -> bool:
    """Whether pasted input is one URL (with or without a scheme) rather than text."""
    text = text.strip()
    if not text or any(c.isspace() for c in text):
        return False
    if re.match(r"^https?://", text, re.I):
        return True
    return bool(re.match(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)+(?::\d+)?/\S*$", text))


def _with_scheme(url: str) -> str:
    url = url.strip()
    return url if re.match(r"^https?://", url, re.I) else "https://" + url


def _host_forms(host: str) -> list[str]:
    """The host as given, with and without ``www.``."""
    bare = host[4:] if host.startswith("www.") else host
    return [host, bare, "www." + bare] if host != bare else [host, "www." + bare]


def _path_forms(path: str) -> list[str]:
    path = path or "/"
    if path == "/":
        return ["/"]
    return [path, path.rstrip("/")] if path.endswith("/") else [path, path + "/"]


def _forms(scheme: str, netloc: str, path: str, query: str) -> list[str]:
    host, _, port = netloc.partition(":")
    out = []
    for s in (scheme, "https" if scheme == "http" else "http"):
        for h in _host_forms(host):
            for p in _path_forms(path):
                out.append(urlunsplit((s, h + (":" + port if port else ""), p, query, "")))
    return out


def url_forms(url: str) -> tuple[list[str], list[str]]:
    """The forms a pasted URL is looked up under.

    Returns:
        ``(same, desktop)``: the normalised URL with its scheme, ``www.`` and trailing-slash
        forms; then the forms without AMP or mobile markers (empty when the URL has none).

    Examples:
        >>> same, desktop = url_forms("http://m.example.com/a/amp/?utm_source=x&amp=1")
        >>> same[0], desktop[0]
        ('http://m.example.com/a/amp/?amp=1', 'http://example.com/a')
    """
    parts = urlsplit(normalize_url(_with_scheme(url)))
    same = _forms(parts.scheme, parts.netloc, parts.path, parts.query)
    host = parts.netloc
    for prefix in ("amp.", "m.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
    path = re.sub(r"/amp(?:\.html?)?/?$", "", parts.path) or "/"
    path = re.sub(r"\.amp(\.html?)?$", r"\1", path)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _AMP_PARAMS
    ]
    desktop = (host, path, urlencode(query))
    if desktop == (parts.netloc, parts.path, parts.query):
        return same, []
    return same, _forms(parts.scheme, *desktop)


def _connection(db: Any) -> sqlite3.Connection:
    """A sqlite3 connection from a connection or a ``sqlite_utils.Database``."""
    return db if isinstance(db, sqlite3.Connection) else db.conn


def find_page_by_url(db: Any, url: str) -> PageMatch | None:
    """The stored page a pasted URL names, in any of its forms; ``None`` when none is stored.

    Exact forms win over AMP/mobile variants, and a page's own URL over a declared canonical link.

    Args:
        db: A ``sqlite3.Connection`` or ``sqlite_utils.Database`` of a tracker database.
        url: What the user pasted: ``http(s)://…``, ``www.…`` or ``example.com/…``.

    Raises:
        ValueError: when ``url`` is not an http(s) URL.
    """
    if not looks_like_url(url) or not is_http_url(_with_scheme(url)):
        raise ValueError(f"{url}: not an http(s) URL")
    conn = _connection(db)
    same, desktop = url_forms(url)
    for forms, suffix in ((same, ""), (desktop, " variant")):
        if not forms:
            continue
        for column, how in (("url", "url"), ("canonical_url", "canonical")):
            row = store.page_with_url(conn, column, forms)
            if row:
                clusters = tuple(store.clusters_of_page(conn, row["id"]))
                how_found = "variant" if how == "url" and suffix else how + suffix
                return PageMatch(row["id"], row["url"], row["site"], how_found, clusters)
    return None


def find_page(db: Any, url: str) -> tuple[int, str, str] | None:
    """``(id, url, site)`` of the page a pasted URL names in any form, as
    ``(id, url, site)``; ``None`` when no form is stored.

    This is the lookup ``tracker show`` uses, so a URL shared with tracking parameters, without
    ``www.``, over http, or as its AMP or mobile rendering finds the stored article.
    """
    try:
        match = find_page_by_url(db, url)
    except ValueError:
        return None
    return (match.page_id, match.url, match.site) if match else None


def stories_containing(db: Any, text: str, limit: int = 25) -> list[StoryMatch]:
    """The stories whose members carry the pasted text, most of it first.

    Candidates come from full-text search over the text's distinctive words; each candidate
    version is then scored exactly: the share of the pasted text's shingles found in its stored
    fingerprint (or in its text's shingles when it has no fingerprint yet). One row per story
    (its best member), plus pages in no story.

    Args:
        db: A ``sqlite3.Connection`` or ``sqlite_utils.Database``.
        text: A pasted paragraph or whole article.
        limit: At most this many stories.
    """
    conn = _connection(db)
    wanted_by_k: dict[int, Any] = {SHINGLE_K: shingles(text)}
    if len(wanted_by_k[SHINGLE_K]) == 0:
        return []
    words = sorted(set(re.findall(r"[^\W_]{4,}", text.lower())), key=lambda w: (-len(w), w))[:40]
    if not words:
        return []
    query = " OR ".join(f'"{w}"' for w in words)
    best: dict[Any, StoryMatch] = {}
    for row in store.version_candidates(conn, query, 400):
        k = row["k"] or SHINGLE_K
        if k not in wanted_by_k:
            wanted_by_k[k] = shingles(text, k)
        have = (
            shingles_from_bytes(row["shingles"])
            if row["shingles"]
            else shingles(row["text"] or "", k)
        )
        share = containment(wanted_by_k[k], have)
        if share < MIN_CONTAINMENT:
            continue
        key = row["cluster_id"] if row["cluster_id"] is not None else ("page", row["page_id"])
        current = best.get(key)
        if current is None or share > current.containment:
            best[key] = StoryMatch(
                cluster_id=row["cluster_id"],
                title=row["cluster_title"] or row["title"],
                page_id=row["page_id"],
                version_id=row["version_id"],
                url=row["url"],
                site=row["site"],
                containment=share,
                size=row["size"],
            )
    ranked = sorted(best.values(), key=lambda m: (-m.containment, -(m.size or 0), m.page_id))
    return ranked[:limit]
