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

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlite_utils

from tracker.fingerprint import containment, jaccard, shingles, shingles_from_bytes
from tracker.normalize import normalize_text
from tracker.store import clusters as store
from tracker.store import utcnow
from tracker.timestamps import parse_time
from tracker.urls import normalize_url, site_of

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
# Attribution's kind for a bare link in the article body: a credit only to a member it links to.
LINK_KIND = "link"


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
class Member:
    """A cluster member as provenance weighs it: its times, site names and credits."""

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
        if raw is None or when is None or when > limit or when < _EARLIEST_PLAUSIBLE:
            continue
        if best is None or when < best[0]:
            best = (when, raw)
    return best


def load_members(db: sqlite_utils.Database, cluster_id: int) -> dict[int, Member]:
    """The members of a cluster with their times, site names and their version's credits."""
    rows = store.member_pages(db, cluster_id)
    members: dict[int, Member] = {}
    for page_id, version_id, url, canonical, site, first_seen_raw, site_name in rows:
        versions = store.page_versions(db, page_id)
        if not versions:
            continue
        chosen = next((v for v in versions if v[0] == version_id), versions[0])
        first_seen = parse_time(first_seen_raw)
        member = Member(
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
        for credit in store.page_credits(db, list(members)):
            member = members[credit["page_id"]]  # type: ignore[index]
            if credit["version_id"] is None or credit["version_id"] == member.version_id:
                member.credits.append(credit)
    return members


def credit_targets(credit: dict, source: Member, members: dict[int, Member]) -> list[int]:
    """The members a credit points to (never the crediting page or its own site).

    A bare link in the article body (kind ``link``) credits only the member it links to, by its
    URL or that member's canonical URL; a link anywhere else (a tag, a related story) is no credit.
    """
    others = [m for m in members.values() if m.page_id != source.page_id and m.site != source.site]
    target_page = credit.get("target_page_id")
    if target_page is not None and any(m.page_id == target_page for m in others):
        return [target_page]
    if credit.get("kind") == LINK_KIND:
        url = normalize_url(credit["target_url"]) if credit.get("target_url") else None
        return [m.page_id for m in others if url and url in _urls_of(m)][:1]
    # A credit resolved to a crawled page that is not a member ("originally appeared on
    # <link to the site's home page>") still names a site: match it by site or name below.
    target_url = credit.get("target_url")
    if target_url:
        url = normalize_url(target_url)
        exact = [m.page_id for m in others if url in _urls_of(m)]
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


def _urls_of(member: Member) -> set[str]:
    urls = {member.url, normalize_url(member.url)}
    if member.canonical_url:
        urls |= {member.canonical_url, normalize_url(member.canonical_url)}
    return urls


def credit_marks(credit: dict) -> set[str]:
    """What a credit names, as comparable marks: its URL, its site and its name keys.

    Two credits naming the same page, site or outlet share a mark, however each is written
    (a link to original.antiwar.com and "Antiwar.com" both name antiwar.com).

    Examples:
        >>> a = {"target_url": "https://original.antiwar.com/x", "target_name": None}
        >>> b = {"target_name": "Antiwar.com", "target_url": None}
        >>> bool(credit_marks(a) & credit_marks(b))
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


def credit_edges(members: dict[int, Member]) -> list[CreditEdge]:
    """Every credit from one member to another, in member then credit order."""
    edges: list[CreditEdge] = []
    seen: set[tuple[int, int]] = set()
    for member in sorted(members.values(), key=lambda m: m.page_id):
        for credit in member.credits:
            for target in credit_targets(credit, member, members):
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


def _candidates(members: dict[int, Member], reach: dict[int, set[int]]) -> set[int]:
    """Members crediting no member, or only members of a credit cycle they belong to."""
    return {p for p in members if all(p in reach.get(q, ()) for q in reach.get(p, ()))}


def effective_time(
    members: dict[int, Member], reach: dict[int, set[int]], page_id: int
) -> datetime:
    """When a member existed by, on all evidence: its own time, or the time of any member
    crediting it directly or through others (a credit ``X -> Y`` says Y came before X)."""
    times = [members[page_id].time[0]]
    times.extend(
        members[q].time[0]
        for q, reached in reach.items()
        if page_id in reached and q not in reach.get(page_id, ())  # not a cycle
    )
    return min(times)


def choose_origin(members: dict[int, Member], edges: list[CreditEdge]) -> tuple[int, str]:
    """The origin's page id and the evidence that decided it (a keyword, then ``": "`` and a
    sentence when the evidence conflicts).

    The origin is the earliest of the members that credit no member (by :func:`effective_time`):
    a chain's top competes on dates with uncredited members, and a page crediting another never
    wins, whatever its date. The keyword is ``credits`` when the origin is credited by members,
    else what dated it (``published`` or ``first_seen``).
    """
    reach = _reaches(edges)
    pool = _candidates(members, reach)
    credited_tops = {p for p in pool if any(p in r for q, r in reach.items() if q != p)}
    if any(members[p].published is None for p in credited_tops):
        # A chain top with no published date of its own is known only to exist by some time:
        # a dated page that credits no one does not show it came later, so credits decide.
        pool = credited_tops
    far = datetime.max.replace(tzinfo=UTC)
    chosen = min(
        pool,
        key=lambda p: (
            effective_time(members, reach, p),
            members[p].first_seen or far,
            p,
        ),
    )
    origin = members[chosen]
    credited_by = sorted(q for q, reached in reach.items() if chosen in reached and q != chosen)
    in_cycle = chosen in reach.get(chosen, ())
    keyword = "credits" if credited_by and not in_cycle else origin.time[1]
    if not any(m.published is not None for m in members.values()):
        keyword = "credits" if keyword == "credits" else "first_seen"
    reasons = []
    tops = sorted(
        (p for p in pool - {chosen} if any(p in r for q, r in reach.items() if q != p)),
        key=lambda p: members[p].order,
    )
    if tops and not in_cycle:
        top = members[tops[0]]
        reasons.append(
            f"{origin.site} ({_day(effective_time(members, reach, chosen))}) is earlier than"
            f" {top.site} ({_day(effective_time(members, reach, top.page_id))}), which other"
            " members credit but which credits no member itself, so dates decide between them"
        )
    if reasons:
        return chosen, f"{keyword}: " + "; ".join(reasons) + "."
    return chosen, keyword


def _day(when: datetime) -> str:
    return when.date().isoformat() if when.year < 9999 else "date unknown"


def explain_unclear(members: dict[int, Member], origin_id: int, unclear: list[int]) -> str:
    """The sentence for members marked unclear (dated before the origin, crediting no one)."""
    one = len(unclear) == 1
    names = ", ".join(sorted(members[p].site for p in unclear))
    return (
        f"{names} {'is' if one else 'are'} dated before {members[origin_id].site} but"
        f" {'credits' if one else 'credit'} no member and no credit places"
        f" {'it' if one else 'them'} after it, so {'its' if one else 'their'} precedence is unclear"
    )


def _excerpt(similarity: float, member_in_origin: float, origin_in_member: float) -> bool:
    # A teaser is mostly inside the origin; an article embedded in a roundup holds most of the
    # origin. Either way the two texts are far apart in size, hence the low Jaccard.
    if similarity >= EXCERPT_MAX_JACCARD:
        return False
    return (
        member_in_origin >= EXCERPT_MIN_CONTAINMENT or origin_in_member >= EXCERPT_MIN_CONTAINMENT
    )


def _shingles_of(db: sqlite_utils.Database, member: Member) -> np.ndarray:
    """The member's shingles as clustering stored them (boilerplate paragraphs left out), else
    from its text: a repost printing a site's comment policy under the article is no less a repost."""
    blob = store.fingerprint_blob(db, member.version_id, "shingles")
    if blob is not None:
        return shingles_from_bytes(blob)
    return shingles(store.version_text(db, member.version_id))


def _member_values(
    db: sqlite_utils.Database, members: dict[int, Member], edges: list[CreditEdge], origin_id: int
) -> dict[int, dict[str, object]]:
    origin = members[origin_id]
    origin_shingles = _shingles_of(db, origin)
    reach = _reaches(edges)
    upstream = {origin_id} | {page for page, reached in reach.items() if origin_id in reached}
    # What the origin itself credits outside the cluster is upstream of it: a copy crediting the
    # same original (never collected) credits the source as well as the origin does.
    beyond = outside_marks(origin, members)
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
        chosen = (on_chain or mine)[0] if mine else None
        shared = (
            None if mine else next((c for c in member.credits if credit_marks(c) & beyond), None)
        )
        credited: int | None
        if mine:
            # A credit X -> Y says X took the text from Y: naming the member it copied, even a
            # copy that does not credit upstream itself, is a credit.
            credited = 1
        elif member.site == origin.site:
            # Another URL of the origin's own site (AMP, print, moved page) needs no credit.
            credited = 1
        elif shared is not None:
            credited = 1
        elif origin.published is not None and member.time[0] < origin.published:
            # Dated before the origin, crediting no one: the evidence conflicts, so it is marked
            # unclear (NULL, role not origin) and never called an uncredited copy.
            credited = None
        else:
            credited = 0
        if member.site == origin.site and not mine:
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


def outside_marks(member: Member, members: dict[int, Member]) -> set[str]:
    """The marks of what a member credits outside the cluster (never its own site)."""
    marks: set[str] = set()
    for credit in member.credits:
        if credit.get("kind") == LINK_KIND or credit_targets(credit, member, members):
            continue
        own = credit_marks(credit)
        if "site:" + member.site in own:
            continue  # "more from us" is no upstream source
        marks |= own
    return marks


def _differs(old: object, new: object) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        if not isinstance(old, int | float) or not isinstance(new, int | float):
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
    summary = store.cluster_summary(db, cluster_id)
    if summary is None:
        return 0
    members = load_members(db, cluster_id)
    if not members:
        return 0
    edges = credit_edges(members)
    origin_id, evidence = choose_origin(members, edges)
    judged = _member_values(db, members, edges, origin_id)
    unclear = [p for p, v in judged.items() if v["role"] != "origin" and v["credited"] is None]
    if unclear:
        reason = explain_unclear(members, origin_id, unclear)
        evidence = (
            f"{evidence.rstrip('.')}; {reason}." if ": " in evidence else f"{evidence}: {reason}."
        )
    changed = 0
    current = store.member_judgements(db, cluster_id)
    for page_id, new in judged.items():
        old = current.get(page_id, {})
        delta = {k: v for k, v in new.items() if _differs(old.get(k), v)}
        if delta:
            store.update_member_judgement(db, cluster_id, page_id, delta)
            changed += 1
    published = [m for m in members.values() if m.published is not None]
    seen = [m.first_seen_raw for m in members.values() if m.first_seen_raw]
    new_cluster = {
        "origin_page_id": origin_id,
        "size": len(current),
        "first_seen": min(seen, key=lambda raw: parse_time(raw) or datetime.max.replace(tzinfo=UTC))
        if seen
        else None,
        "first_published": min(published, key=lambda m: m.time[0]).published_raw
        if published
        else None,
        "origin_evidence": evidence,
        "title": members[origin_id].title,
    }
    delta = {k: v for k, v in new_cluster.items() if _differs(summary[k], v)}
    if delta or changed:
        delta["updated"] = utcnow()
        store.update_cluster_summary(db, cluster_id, delta)
        changed += 1
    return changed
