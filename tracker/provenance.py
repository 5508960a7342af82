"""Provenance: which member of a cluster is the original, which evidence says so, who credits whom.

:func:`assign` runs after clustering on the clusters that changed. For each cluster it picks the
origin from the evidence, strongest first, and records which evidence decided it in
``clusters.origin_evidence``:

1. ``credits``: the declared credits of the members (``attributions`` rows of the member's
   current version) that resolve to another member, by page, by URL, by site (registrable
   domain) or by site name (a short name only as the domain's first label, "RT" for rt.com, or as
   a wire-agency brand of ``_BRAND_ALIASES``, "AP" for apnews.com). A credit linking to a stored
   page that is not a member (the credited site's home page) still names that site. Credits are
   followed up the chain (transcend.org → defenddemocracy.press → antiwar.com); the origin is the
   member at the top of a chain: credited, directly or through others, and crediting no other
   member itself.
2. ``published``: else the earliest time a member is known to have existed: its published date,
   or, for a member without a usable published date, its first-seen time (a page seen at time T
   was published by T). The evidence names which of the two decided.
3. ``first_seen``: else (no member has a usable published date) the earliest first-seen time.

Ties break on first-seen time, then page id, so the choice is deterministic.

Each member then gets its ``role`` (``origin``, ``repost`` or ``excerpt``), its ``similarity``
(Jaccard of word shingles) and ``containment`` (share of the member's shingles found in the origin)
against the origin's latest version, on the shingles clustering stored (boilerplate paragraphs
left out) or else on the text. A member is an ``excerpt`` when Jaccard < ``EXCERPT_MAX_JACCARD``
and either it lies mostly inside the origin (a teaser) or the origin lies mostly inside it (an
article embedded in a roundup), by ``EXCERPT_MIN_CONTAINMENT``; else a ``repost``. ``credited``
is 1 when it credits the origin, a member
upstream of it in the chain, or a page, site or name the origin itself credits outside the cluster
(upstream of the origin: two copies crediting an original never collected), or shares the origin's
site; 0 for an uncredited copy, NULL for the origin. Credits that point outside the cluster stay
in ``attributions``; ``tracker show`` lists them, the origin's own among them.

Writes happen only where a value differs, so re-running on unchanged data changes no row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import sqlite_utils

from tracker.fingerprint import containment, jaccard, shingles, shingles_from_bytes
from tracker.normalize import normalize_text
from tracker.store import utcnow
from tracker.timestamps import parse_time
from tracker.urls import normalize_url, site_of

if TYPE_CHECKING:
    from rich.console import Group

# A member is an excerpt when most of its text is in the origin (containment >= this) ...
EXCERPT_MIN_CONTAINMENT = 0.8
# ... but it is much shorter: a full repost with light edits keeps Jaccard well above this.
EXCERPT_MAX_JACCARD = 0.6
# Published dates after the page was first seen (beyond time-zone slack) or in the future are
# metadata errors (often an "updated" time), not evidence of who was first.
_DATE_SLACK = timedelta(days=2)
_EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
# Site-name keys shorter than this match too much by accident; a shorter key still matches a
# site whose domain's first label it is ("RT" for rt.com) or one of _BRAND_ALIASES ("AP").
_MIN_NAME_KEY = 3
# Major wire agencies and broadcasters whose brand, as credit lines write it, differs from their
# domain's first label ("Source: AP", "(AFP)", "RIA Novosti"). A deliberately small table of
# well-known outlets, not a directory: other sites match by domain, first label or site name.
_BRAND_ALIASES: dict[str, tuple[str, ...]] = {
    "apnews.com": ("AP", "Associated Press", "AP News"),
    "afp.com": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "reuters.com": ("Reuters", "Thomson Reuters"),
    "tass.com": ("TASS", "ТАСС"),
    "tass.ru": ("TASS", "ТАСС"),
    "bbc.co.uk": ("BBC", "BBC News"),
    "bbc.com": ("BBC", "BBC News"),
    "ria.ru": ("RIA Novosti", "RIA", "РИА Новости"),
    "xinhuanet.com": ("Xinhua",),
    "news.cn": ("Xinhua",),
}
_ROUND = 4


def name_key(text: str | None) -> str:
    """A site name or domain folded for comparison: "The Atlantic", "theatlantic.com" -> "atlantic".

    Examples:
        >>> name_key("Defend Democracy Press") == name_key("defenddemocracy.press")
        True
    """
    if not text:
        return ""
    key = normalize_text(text).replace(" ", "")
    key = key.removeprefix("www")
    return key.removeprefix("the")


def _site_keys(domain: str, names: Iterable[str | None]) -> set[str]:
    """Every key a credit by name may use for a site: its domain, the domain's first label, its
    names, and its brand aliases.

    A key shorter than ``_MIN_NAME_KEY`` is kept only when it is the domain's first label or an
    alias: "RT" names rt.com, but a site calling itself "AP" is not thereby apnews.com.

    Examples:
        >>> sorted(_site_keys("rt.com", ["RT"]))
        ['rt', 'rtcom']
        >>> "associatedpress" in _site_keys("apnews.com", [])
        True
    """
    label = name_key(domain.split(".")[0] if "." in domain else domain)
    keys = {name_key(domain)}
    keys.update(name_key(name) for name in names)
    keys = {key for key in keys if len(key) >= _MIN_NAME_KEY}
    keys.update(name_key(alias) for alias in _BRAND_ALIASES.get(domain, ()))
    if label:
        keys.add(label)
    keys.discard("")
    return keys


@dataclass
class _Member:
    page_id: int
    url: str
    canonical_url: str | None
    site: str
    first_seen: datetime | None
    first_seen_raw: str | None
    version_id: int | None
    title: str | None
    published: datetime | None = None
    published_raw: str | None = None
    keys: set[str] = field(default_factory=set)
    credits: list[dict] = field(default_factory=list)

    @property
    def time(self) -> tuple[datetime, str]:
        """When this page is known to have existed, and which evidence says so."""
        if self.published is not None:
            return self.published, "published"
        return self.first_seen or datetime.max.replace(tzinfo=UTC), "first_seen"

    @property
    def order(self) -> tuple[datetime, datetime, int]:
        far = datetime.max.replace(tzinfo=UTC)
        return self.time[0], self.first_seen or far, self.page_id


@dataclass
class CreditEdge:
    """One member crediting another member of the same cluster."""

    source: int
    target: int
    evidence: str | None


def _plausible_published(
    raws: Iterable[str | None], first_seen: datetime | None
) -> tuple[datetime, str] | None:
    """The earliest published date of a page's versions that could be true."""
    limit = datetime.now(UTC) + _DATE_SLACK
    if first_seen is not None:
        limit = min(limit, first_seen + _DATE_SLACK)
    best: tuple[datetime, str] | None = None
    for raw in raws:
        when = parse_time(raw)
        if when is None or when > limit or when < _EARLIEST_PLAUSIBLE:
            continue
        if best is None or when < best[0]:
            best = (when, raw)
    return best


def _load_members(db: sqlite_utils.Database, cluster_id: int) -> dict[int, _Member]:
    rows = db.execute(
        "select cm.page_id, cm.version_id, p.url, p.canonical_url, p.site, p.first_seen, s.name"
        " from cluster_members cm join pages p on p.id = cm.page_id"
        " left join sites s on s.domain = p.site where cm.cluster_id = ? order by cm.page_id",
        [cluster_id],
    ).fetchall()
    members: dict[int, _Member] = {}
    for page_id, version_id, url, canonical, site, first_seen_raw, site_name in rows:
        versions = db.execute(
            "select id, title, published, site_name from versions where page_id = ?"
            " order by fetched_at desc, id desc",
            [page_id],
        ).fetchall()
        if not versions:
            continue
        chosen = next((v for v in versions if v[0] == version_id), versions[0])
        first_seen = parse_time(first_seen_raw)
        member = _Member(
            page_id=page_id,
            url=url,
            canonical_url=canonical,
            site=site,
            first_seen=first_seen,
            first_seen_raw=first_seen_raw,
            version_id=chosen[0],
            title=chosen[1],
        )
        published = _plausible_published((v[2] for v in versions), first_seen)
        if published:
            member.published, member.published_raw = published
        member.keys = _site_keys(site, [site_name, *(v[3] for v in versions)])
        members[page_id] = member
    if members:
        # Only the credits of the member's own version count: a credit line a later version
        # dropped no longer credits anyone. A credit stored without a version (by hand, by
        # another tool) counts for every version of its page.
        marks = ",".join("?" * len(members))
        cols = "id, page_id, version_id, kind, evidence, target_url, target_site, target_name"
        cols += ", target_page_id"
        for row in db.execute(
            f"select {cols} from attributions where page_id in ({marks}) order by id", list(members)
        ):
            credit = dict(zip(cols.split(", "), row, strict=True))
            member = members[credit["page_id"]]
            if credit["version_id"] is None or credit["version_id"] == member.version_id:
                member.credits.append(credit)
    return members


def _credit_targets(credit: dict, source: _Member, members: dict[int, _Member]) -> list[int]:
    """The members a credit points to (never the crediting page or its own site)."""
    others = [m for m in members.values() if m.page_id != source.page_id and m.site != source.site]
    target_page = credit.get("target_page_id")
    if target_page is not None and any(m.page_id == target_page for m in others):
        return [target_page]
    # A credit resolved to a crawled page that is not a member ("originally appeared on
    # <link to the site's home page>") still names a site: match it by site or name below.
    target_url = credit.get("target_url")
    if target_url:
        url = normalize_url(target_url)
        exact = [m.page_id for m in others if url in (m.url, m.canonical_url)]
        if exact:
            return exact
    sites = set()
    if credit.get("target_site"):
        sites.add(site_of(credit["target_site"]))
    if target_url:
        sites.add(site_of(target_url))
    by_site = [m for m in others if m.site in sites]
    if not by_site:
        key = name_key(credit.get("target_name"))
        by_site = [m for m in others if key and key in m.keys]
    # Several pages of the credited site in one cluster: the earliest one is the one credited.
    by_site.sort(key=lambda m: m.order)
    return [m.page_id for m in by_site[:1]]


def _credit_marks(credit: dict) -> set[str]:
    """What a credit names, as comparable marks: its URL, its site and its name keys.

    Two credits naming the same page, site or outlet share a mark, however each is written
    (a link to original.antiwar.com and "Antiwar.com" both name antiwar.com).

    Examples:
        >>> a = {"target_url": "https://original.antiwar.com/x", "target_name": None}
        >>> b = {"target_name": "Antiwar.com", "target_url": None}
        >>> bool(_credit_marks(a) & _credit_marks(b))
        True
    """
    marks: set[str] = set()
    sites: set[str] = set()
    if credit.get("target_url"):
        marks.add("url:" + normalize_url(credit["target_url"]))
        sites.add(site_of(credit["target_url"]))
    if credit.get("target_site"):
        sites.add(site_of(credit["target_site"]))
    for site in sites - {""}:
        marks.add("site:" + site)
        marks.update("name:" + key for key in _site_keys(site, []))
    key = name_key(credit.get("target_name"))
    if key:
        marks.add("name:" + key)
    return marks


def credit_edges(members: dict[int, _Member]) -> list[CreditEdge]:
    """Every credit from one member to another, in member then credit order."""
    edges: list[CreditEdge] = []
    seen: set[tuple[int, int]] = set()
    for member in sorted(members.values(), key=lambda m: m.page_id):
        for credit in member.credits:
            for target in _credit_targets(credit, member, members):
                if (member.page_id, target) not in seen:
                    seen.add((member.page_id, target))
                    edges.append(CreditEdge(member.page_id, target, credit.get("evidence")))
    return edges


def _reaches(edges: list[CreditEdge]) -> dict[int, set[int]]:
    """For each page, every page it credits directly or through others."""
    out: dict[int, set[int]] = {}
    for edge in edges:
        out.setdefault(edge.source, set()).add(edge.target)
    closure: dict[int, set[int]] = {}
    for start in out:
        seen: set[int] = set()
        stack = list(out[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(out.get(node, ()))
        closure[start] = seen
    return closure


def choose_origin(members: dict[int, _Member], edges: list[CreditEdge]) -> tuple[int, str]:
    """The origin's page id and the evidence that decided it."""
    sources = {e.source for e in edges}
    roots = {e.target for e in edges} - sources
    if roots:
        reach = _reaches(edges)

        def support(page_id: int) -> int:
            return sum(1 for reached in reach.values() if page_id in reached)

        best = min(roots, key=lambda p: (-support(p), members[p].order))
        return best, "credits"
    first = min(members.values(), key=lambda m: m.order)
    if any(m.published is not None for m in members.values()):
        return first.page_id, first.time[1]
    return first.page_id, "first_seen"


def _excerpt(similarity: float, member_in_origin: float, origin_in_member: float) -> bool:
    # A teaser is mostly inside the origin; an article embedded in a roundup holds most of the
    # origin. Either way the two texts are far apart in size, hence the low Jaccard.
    if similarity >= EXCERPT_MAX_JACCARD:
        return False
    return (
        member_in_origin >= EXCERPT_MIN_CONTAINMENT or origin_in_member >= EXCERPT_MIN_CONTAINMENT
    )


def _shingles_of(db: sqlite_utils.Database, member: _Member) -> np.ndarray:
    """The member's shingles as clustering stored them (boilerplate paragraphs left out), else
    from its text: a repost printing a site's comment policy under the article is no less a repost."""
    if member.version_id is not None and "fingerprints" in db.table_names():
        row = db.execute(
            "select shingles from fingerprints where version_id = ?", [member.version_id]
        ).fetchone()
        if row and row[0] is not None:
            return shingles_from_bytes(row[0])
    row = db.execute("select text from versions where id = ?", [member.version_id]).fetchone()
    return shingles(row[0] or "" if row else "")


def _member_values(
    db: sqlite_utils.Database, members: dict[int, _Member], edges: list[CreditEdge], origin_id: int
) -> dict[int, dict[str, object]]:
    origin = members[origin_id]
    origin_shingles = _shingles_of(db, origin)
    reach = _reaches(edges)
    upstream = {origin_id} | {page for page, reached in reach.items() if origin_id in reached}
    # What the origin itself credits outside the cluster is upstream of it: a copy crediting the
    # same original (never collected) credits the source as well as the origin does.
    beyond = _outside_marks(origin, members)
    values: dict[int, dict[str, object]] = {}
    for member in members.values():
        if member.page_id == origin_id:
            values[member.page_id] = {
                "role": "origin",
                "similarity": 1.0,
                "containment": 1.0,
                "credited": None,
                "credits_page_id": None,
                "credit_evidence": None,
            }
            continue
        own = _shingles_of(db, member)
        similarity = float(jaccard(own, origin_shingles)) if len(own) else 0.0
        inside = float(containment(own, origin_shingles)) if len(own) else 0.0
        holds = float(containment(origin_shingles, own)) if len(origin_shingles) else 0.0
        mine = [e for e in edges if e.source == member.page_id]
        on_chain = [e for e in mine if e.target in upstream]
        chosen = (on_chain or mine or [None])[0]
        shared = (
            None
            if on_chain
            else next((c for c in member.credits if _credit_marks(c) & beyond), None)
        )
        if on_chain:
            credited = 1
        elif member.site == origin.site:
            # Another URL of the origin's own site (AMP, print, moved page) needs no credit.
            credited = 1
        elif shared is not None:
            credited = 1
        else:
            credited = 0
        if member.site == origin.site and not on_chain:
            evidence = chosen.evidence if chosen else "same site"
        elif shared is not None:
            chosen = None  # the credited page is outside the cluster
            evidence = shared.get("evidence")
        else:
            evidence = chosen.evidence if chosen else None
        values[member.page_id] = {
            "role": "excerpt" if _excerpt(similarity, inside, holds) else "repost",
            "similarity": round(similarity, _ROUND),
            "containment": round(inside, _ROUND),
            "credited": credited,
            "credits_page_id": chosen.target if chosen else None,
            "credit_evidence": evidence,
        }
    return values


def _outside_marks(member: _Member, members: dict[int, _Member]) -> set[str]:
    """The marks of what a member credits outside the cluster (never its own site)."""
    marks: set[str] = set()
    for credit in member.credits:
        if _credit_targets(credit, member, members):
            continue
        own = _credit_marks(credit)
        if "site:" + member.site in own:
            continue  # "more from us" is no upstream source
        marks |= own
    return marks


def _differs(old: object, new: object) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        if old is None or new is None:
            return old is not new
        return abs(float(old) - float(new)) > 10**-_ROUND / 2
    return old != new


def assign(db: sqlite_utils.Database, cluster_ids: Iterable[int]) -> int:
    """Choose each cluster's origin and set every member's role, similarity and credit.

    Args:
        db: the tracker database.
        cluster_ids: the clusters to (re)assess, typically the ones clustering just changed.

    Returns:
        The number of ``clusters`` and ``cluster_members`` rows changed (0 on unchanged data).
    """
    changed = 0
    for cluster_id in sorted(set(cluster_ids)):
        with db.atomic():
            changed += _assign_one(db, cluster_id)
    return changed


def _assign_one(db: sqlite_utils.Database, cluster_id: int) -> int:
    row = db.execute(
        "select origin_page_id, size, first_seen, first_published, origin_evidence, title"
        " from clusters where id = ?",
        [cluster_id],
    ).fetchone()
    if row is None:
        return 0
    members = _load_members(db, cluster_id)
    if not members:
        return 0
    edges = credit_edges(members)
    origin_id, evidence = choose_origin(members, edges)
    changed = 0
    cols = "role, similarity, containment, credited, credits_page_id, credit_evidence"
    current = {
        r[0]: dict(zip(cols.split(", "), r[1:], strict=True))
        for r in db.execute(
            f"select page_id, {cols} from cluster_members where cluster_id = ?", [cluster_id]
        )
    }
    for page_id, new in _member_values(db, members, edges, origin_id).items():
        old = current.get(page_id, {})
        delta = {k: v for k, v in new.items() if _differs(old.get(k), v)}
        if delta:
            sets = ", ".join(f"{k} = ?" for k in delta)
            db.execute(
                f"update cluster_members set {sets} where cluster_id = ? and page_id = ?",
                [*delta.values(), cluster_id, page_id],
            )
            changed += 1
    published = [m for m in members.values() if m.published is not None]
    seen = [m.first_seen_raw for m in members.values() if m.first_seen_raw]
    new_cluster = {
        "origin_page_id": origin_id,
        "size": len(current),
        "first_seen": min(seen, key=lambda raw: parse_time(raw) or datetime.max.replace(tzinfo=UTC))
        if seen
        else None,
        "first_published": min(published, key=lambda m: m.published).published_raw
        if published
        else None,
        "origin_evidence": evidence,
        "title": members[origin_id].title,
    }
    old_cluster = dict(zip(new_cluster, row, strict=True))
    delta = {k: v for k, v in new_cluster.items() if _differs(old_cluster[k], v)}
    if delta or changed:
        delta["updated"] = utcnow()
        db["clusters"].update(cluster_id, delta)
        changed += 1
    return changed


def chain_paths(edges: list[CreditEdge]) -> list[list[int]]:
    """Credit chains as page-id paths from a page nobody credits up to a page crediting nobody.

    Examples:
        >>> chain_paths([CreditEdge(3, 2, None), CreditEdge(2, 1, None), CreditEdge(4, 1, None)])
        [[3, 2, 1], [4, 1]]
    """
    out: dict[int, list[int]] = {}
    for edge in edges:
        out.setdefault(edge.source, []).append(edge.target)
    targets = {e.target for e in edges}
    paths: list[list[int]] = []

    def walk(path: list[int]) -> None:
        nexts = [t for t in out.get(path[-1], []) if t not in path]
        if not nexts:
            paths.append(path)
            return
        for target in nexts:
            walk([*path, target])

    for start in sorted(out):
        if start not in targets:
            walk([start])
    if not paths and out:  # only cycles: show each from its smallest page id
        walk([min(out)])
    return paths


def describe_cluster(db: sqlite_utils.Database, cluster_id: int) -> dict[str, object]:
    """Everything ``tracker show`` prints about a cluster, as plain data (stable for ``--json``)."""
    cluster = db.execute(
        "select id, origin_page_id, size, first_seen, first_published, origin_evidence, title, updated"
        " from clusters where id = ?",
        [cluster_id],
    ).fetchone()
    if cluster is None:
        raise KeyError(cluster_id)
    keys = [
        "id",
        "origin_page_id",
        "size",
        "first_seen",
        "first_published",
        "origin_evidence",
        "title",
        "updated",
    ]
    info: dict[str, object] = dict(zip(keys, cluster, strict=True))
    members = _load_members(db, cluster_id)
    edges = credit_edges(members)
    stored = {
        r[0]: r[1:]
        for r in db.execute(
            "select page_id, role, similarity, containment, credited, credits_page_id, credit_evidence"
            " from cluster_members where cluster_id = ?",
            [cluster_id],
        )
    }
    origin = members.get(info["origin_page_id"])
    beyond = _outside_marks(origin, members) if origin else set()
    rows = []
    for member in sorted(members.values(), key=lambda m: m.order):
        role, similarity, contained, credited, credits_page, credit_evidence = stored[
            member.page_id
        ]
        when, basis = member.time
        credits_site = members[credits_page].site if credits_page in members else None
        # Credited through what the origin itself credits outside the cluster: name that target.
        shared = (
            next((c for c in member.credits if _credit_marks(c) & beyond), None)
            if credited and credits_site is None and origin and member.site != origin.site
            else None
        )
        if shared is not None:
            credits_site = _target_label(shared)
        rows.append(
            {
                "page_id": member.page_id,
                "url": member.url,
                "site": member.site,
                "title": member.title,
                "published": member.published_raw,
                "first_seen": member.first_seen_raw,
                "time": when.isoformat() if when.year < 9999 else None,
                "time_basis": basis,
                "role": role,
                "similarity": similarity,
                "containment": contained,
                "credited": None if credited is None else bool(credited),
                "credits_page_id": credits_page,
                "credits_site": credits_site,
                "credits_beyond_origin": shared is not None,
                "credit_evidence": credit_evidence,
            }
        )
    in_cluster = {(e.source, e.evidence) for e in edges}
    outside = []
    for member in sorted(members.values(), key=lambda m: m.order):
        for credit in member.credits:
            if (
                _credit_targets(credit, member, members)
                or (member.page_id, credit.get("evidence")) in in_cluster
            ):
                continue
            target = _target_site(credit)
            if target == member.site:
                continue  # a site crediting itself ("more from us") is no provenance
            outside.append(
                {
                    "page_id": member.page_id,
                    "site": member.site,
                    "kind": credit.get("kind"),
                    "target": target or credit.get("target_name"),
                    "target_url": credit.get("target_url"),
                    "target_name": credit.get("target_name"),
                    "target_page_id": credit.get("target_page_id"),
                    "crawled": credit.get("target_page_id") is not None,
                    "evidence": credit.get("evidence"),
                }
            )
    sites = {m.page_id: m.site for m in members.values()}
    info["origin"] = next((r for r in rows if r["page_id"] == info["origin_page_id"]), None)
    info["members"] = rows
    info["chains"] = [[sites[p] for p in path] for path in chain_paths(edges)]
    info["chain_page_ids"] = chain_paths(edges)
    info["credits_outside"] = outside
    return info


def _target_site(credit: dict) -> str | None:
    if credit.get("target_site"):
        return credit["target_site"]
    return site_of(credit["target_url"]) if credit.get("target_url") else None


def _target_label(credit: dict) -> str | None:
    """How a credit's target reads in a report: its site, else its name, else its URL."""
    return _target_site(credit) or credit.get("target_name") or credit.get("target_url")


def to_json(info: dict[str, object]) -> str:
    """The stable JSON form of :func:`describe_cluster`'s result."""
    return json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True)


def _credit_cell(member: dict[str, object]) -> str:
    if member["role"] == "origin":
        return "(origin)"
    if member["credited"]:
        if member.get("credits_beyond_origin"):
            return f"yes → {member['credits_site']} (the origin's source)"
        return f"yes → {member['credits_site']}" if member["credits_site"] else "yes (same site)"
    if member["credits_site"]:
        return f"NO, credits {member['credits_site']} (not upstream)"
    return "NO: UNCREDITED REPOST" if member["role"] == "repost" else "NO: uncredited"


def _when(member: dict[str, object]) -> str:
    """The member's time to the minute; "seen" marks a first-seen time (no published date)."""
    if not member["time"]:
        return ""
    stamp = str(member["time"])[:16].replace("T", " ")
    return stamp if member["time_basis"] == "published" else f"{stamp} seen"


def _number(value: object) -> str:
    return "-" if value is None else f"{float(value):.2f}"


def _outside_line(credit: dict[str, object]) -> str:
    state = "crawled, other cluster" if credit["crawled"] else "not crawled"
    line = f"{credit['site']} credits {credit['target'] or credit['target_url']} ({state})"
    if credit["target_url"]:
        line += f" <{credit['target_url']}>"
    if credit["evidence"]:
        line += f': "{credit["evidence"]}"'
    return line


def _headline(info: dict[str, object]) -> list[str]:
    origin = info["origin"]
    lines = [f'Cluster {info["id"]}: "{info["title"] or "(untitled)"}" ({info["size"]} pages)']
    if origin:
        lines.append(
            f"Origin: {origin['url']} ({origin['site']}), decided by {info['origin_evidence']}"
        )
    else:
        lines.append("Origin: not decided yet (run tracker cluster)")
    for chain in info["chains"]:
        lines.append("Chain: " + " → ".join(chain))
    if not info["chains"]:
        lines.append("Chain: none (no member credits another member)")
    return lines


def format_cluster(info: dict[str, object], page_id: int | None = None) -> str:
    """Plain-text report of one cluster (``tracker show`` when not on a terminal)."""
    lines = _headline(info)
    lines.append("")
    header = ("", "when", "site", "role", "sim", "cont", "credited", "url")
    rows = [header]
    for member in info["members"]:
        rows.append(
            (
                "*" if member["page_id"] == page_id else "",
                _when(member),
                member["site"],
                member["role"],
                _number(member["similarity"]),
                _number(member["containment"]),
                _credit_cell(member),
                member["url"],
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [str(c).ljust(w) for c, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, str(row[-1])]).rstrip())
    if info["credits_outside"]:
        lines.append("")
        lines.append("Credits outside the cluster:")
        lines.extend("  " + _outside_line(c) for c in info["credits_outside"])
    return "\n".join(lines)


def cluster_table(info: dict[str, object], page_id: int | None = None) -> Group:
    """The same report as :func:`format_cluster`, as rich renderables for a terminal."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False)
    for name in ("", "when", "site", "role", "sim", "cont", "credited", "url"):
        table.add_column(
            name, justify="right" if name in ("sim", "cont") else "left", overflow="fold"
        )
    for member in info["members"]:
        credit = _credit_cell(member)
        style = "bold red" if credit.startswith("NO") and member["role"] == "repost" else None
        table.add_row(
            "*" if member["page_id"] == page_id else "",
            # Text() everywhere: page URLs and names are data, never rich markup ("[/red]").
            Text(_when(member)),
            Text(str(member["site"])),
            Text(member["role"], style="bold" if member["role"] == "origin" else None),
            Text(_number(member["similarity"])),
            Text(_number(member["containment"])),
            Text(credit, style=style),
            Text(str(member["url"])),
        )
    parts: list = [Text(line) for line in _headline(info)]
    parts.append(table)
    if info["credits_outside"]:
        parts.append(Text("Credits outside the cluster:"))
        parts.extend(Text("  " + _outside_line(c)) for c in info["credits_outside"])
    return Group(*parts)
