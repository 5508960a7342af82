"""Main text and metadata of an article page, with trafilatura doing the extraction.

tracker does not write an extractor of its own: trafilatura finds the main text (called step by
step in :mod:`tracker.trafilatura_steps`); this module asks it for metadata too, fills the gaps it
leaves (full publication timestamps from markup, language from the ``<html lang>`` attribute or
py3langid). It keeps every paragraph trafilatura finds: what is a site's chrome (disclaimers,
share prompts, comment policies) is decided per site by :mod:`tracker.boilerplate`, with
:func:`is_chrome` as the prior for sites with few pages.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import lxml.html

from tracker.chrome import is_chrome
from tracker.html import parse_html
from tracker.normalize import normalize_text

if TYPE_CHECKING:
    from tracker.trafilatura_steps import Reader

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class Extracted:
    """What one page says about itself: metadata and main text as paragraphs."""

    title: str | None = None
    byline: str | None = None
    published: str | None = None
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The main text, paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)


def _markup_metadata(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """Language, canonical URL and the precise publication time declared in the page's markup."""
    found: dict[str, str] = {}
    lang = tree.get("lang") or tree.get("xml:lang")
    if lang:
        found["language"] = lang.split("-")[0].split("_")[0].lower()
    for link in tree.iterfind(".//link[@rel]"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            found.setdefault("canonical_url", link.get("href").strip())
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        value = (meta.get("content") or "").strip()
        if (
            key in ("article:published_time", "datepublished", "og:published_time", "pubdate")
            and value
        ):
            found.setdefault("published", value)
        elif key == "og:url" and value:
            found.setdefault("og_url", value)
        elif key == "og:site_name" and _site_name(value) and "site_name" not in found:
            found["site_name"] = _site_name(value) or ""
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        if "published" in found and "site_name" in found:
            break
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get("datePublished"), str):
                found.setdefault("published", item["datePublished"].strip())
        for item in _json_ld_items(data):
            publisher = _site_name(_publisher_name(item))
            if publisher and "site_name" not in found:
                found["site_name"] = publisher
    return found


_URL_LIKE = re.compile(r"^(?:https?:|www\.)|^[\w-]+(?:\.[\w-]+)+/?$", re.I)


def _site_name(value: str | None) -> str | None:
    """A site name as declared, tidied ("@nytimes" -> "nytimes", "cleveland" -> "Cleveland");
    None for a URL or a bare domain, which name no one but the domain."""
    value = (value or "").strip().lstrip("@").strip()
    if not value or _URL_LIKE.match(value):
        return None
    if not any(ch.isupper() for ch in value) and " " not in value:
        value = value.title()
    return value


def _json_ld_items(data: object) -> list[dict]:
    """The top-level JSON-LD objects of a script, ``@graph`` members included."""
    items = data if isinstance(data, list) else [data]
    found: list[dict] = []
    for item in items:
        if isinstance(item, dict):
            found.append(item)
            graph = item.get("@graph")
            if isinstance(graph, list):
                found.extend(member for member in graph if isinstance(member, dict))
    return found


def _publisher_name(item: dict) -> str | None:
    """The site's own name in JSON-LD: a ``WebSite``'s name, or an article's ``publisher``, unless
    that publisher is also named as the article's author (a wire byline, not the site)."""
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "WebSite" in kinds and isinstance(item.get("name"), str) and item["name"].strip():
        return item["name"].strip()
    publisher = item.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    name = publisher.get("name") if isinstance(publisher, dict) else None
    if not isinstance(name, str) or not name.strip():
        return None
    authors = item.get("author")
    authors = authors if isinstance(authors, list) else [authors]
    author_names = {
        str((a.get("name") or "") if isinstance(a, dict) else a).strip().casefold()
        for a in authors
        if isinstance(a, (dict, str))
    }
    return None if name.strip().casefold() in author_names else name.strip()


def declared_url(html: str | bytes | lxml.html.HtmlElement) -> str | None:
    """The URL a page declares for itself: its ``<link rel="canonical">``, else its ``og:url``."""
    tree = html if isinstance(html, lxml.html.HtmlElement) else parse_html(html)
    if tree is None:
        return None
    markup = _markup_metadata(tree)
    return markup.get("canonical_url") or markup.get("og_url")


def _guess_language(text: str) -> str | None:
    try:
        import py3langid
    except ImportError:  # optional: markup language is used when present
        return None
    code, _ = py3langid.classify(text[:5000])
    return code


# trafilatura's fast path (no readability / jusText fallback): chosen by measurement on the
# Scrapinghub benchmark, see bench/eval_extraction.py and the README.
FAST = True
# Below this median line length (and with at least _LIST_LINES lines) an extraction is a list of
# links, tags or menu entries rather than prose.
_LIST_MEDIAN_CHARS = 20
_LIST_LINES = 10
# An extraction that is mostly table rows (this share of its words) is retried without tables,
# and the retry is kept when it still holds an article's worth of words.
_LAYOUT_TABLE_SHARE = 0.8
_LAYOUT_TABLE_ROWS = 2
_MIN_WORDS_WITHOUT_TABLE = 50


def _looks_like_a_list(text: str) -> bool:
    lengths = sorted(len(line) for line in text.split("\n") if line.strip())
    return len(lengths) >= _LIST_LINES and lengths[len(lengths) // 2] < _LIST_MEDIAN_CHARS


def _layout_table(text: str) -> bool:
    """Whether most of an extraction is table rows ("| cell | cell |"): a page laid out with a
    ``<table>`` (title, article and "related" list in one cell) flattened into one row."""
    words = len(text.split())
    rows = [line for line in text.split("\n") if line.lstrip().startswith("|")]
    # A data table has many rows; a layout table is one or two rows holding the whole page.
    if not words or not rows or len(rows) > _LAYOUT_TABLE_ROWS:
        return False
    return sum(len(row.split()) for row in rows) / words >= _LAYOUT_TABLE_SHARE


def _trafilatura(reader: Reader, fast: bool) -> str | None:
    text = reader.text(fast, tables=True)
    if text is not None and _layout_table(text):
        # Read the page again without tables: the article's own paragraphs, not the layout cell.
        bare = reader.text(fast, tables=False)
        if bare is not None and len(bare.split()) >= _MIN_WORDS_WITHOUT_TABLE:
            return bare
    return text


def extract(
    html: str | bytes | lxml.html.HtmlElement | None,
    url: str | None = None,
    content_type: str | None = None,
) -> Extracted:
    """Extract metadata and main-text paragraphs from a page.

    Args:
        html: the page: its parsed tree (from :func:`tracker.html.parse_html`, not modified
            here), or its text or bytes (decoded and parsed here).
        url: where it was fetched from (helps trafilatura resolve relative links).
        content_type: the HTTP ``Content-Type`` header, for bytes.

    Examples:
        >>> page = "<html lang=en><head><title>Hi</title></head><body><article>"
        >>> page += "<p>" + "A long enough sentence for the extractor to keep. " * 5 + "</p></article></body></html>"
        >>> extract(page).language
        'en'
    """
    if isinstance(html, lxml.html.HtmlElement):
        tree: lxml.html.HtmlElement | None = html
    else:
        tree = parse_html(html, content_type) if html else None
    if tree is None:
        return Extracted()
    # Imported here: the processes that only store pages (is_chrome, declared_url) need none of
    # trafilatura, htmldate and jusText, which take a third of their start-up to load.
    from tracker.trafilatura_steps import Reader

    markup = _markup_metadata(tree)
    reader = Reader(tree, url)
    raw = _trafilatura(reader, fast=FAST)
    if FAST and raw is not None and _looks_like_a_list(raw):
        # The fast path took a page of links or tags for the article: let trafilatura compare
        # its result with readability's and jusText's, as it does without the fast path.
        raw = _trafilatura(reader, fast=False)
    site_name = markup.get("site_name")
    doc = reader.metadata
    if raw is None or doc is None:
        return Extracted(
            language=markup.get("language"),
            canonical_url=markup.get("canonical_url"),
            site_name=site_name,
        )
    # Every paragraph, chrome included: the boilerplate stage decides per site what to remove.
    paragraphs = [p.strip() for p in raw.split("\n") if p.strip()]
    # The headline is metadata: extractors often repeat it as the first line of the body (after
    # any chrome line such as a share prompt).
    at = next((i for i, p in enumerate(paragraphs) if not is_chrome(p)), len(paragraphs))
    if (
        doc.title
        and at < len(paragraphs)
        and normalize_text(paragraphs[at]) == normalize_text(doc.title)
    ):
        del paragraphs[at]
    published = markup.get("published") if _ISO_DATE.match(markup.get("published", "")) else None
    text = "\n".join(paragraphs)
    return Extracted(
        title=(doc.title or None),
        byline=(doc.author or None),
        published=published or doc.date or None,
        # The site's own markup only: trafilatura falls back to the canonical target's domain
        # and to wire bylines ("Associated Press" on sfgate.com), which name someone else.
        site_name=site_name,
        language=markup.get("language") or (_guess_language(text) if text else None),
        description=(doc.description or None),
        canonical_url=markup.get("canonical_url") or markup.get("og_url"),
        paragraphs=paragraphs,
    )
