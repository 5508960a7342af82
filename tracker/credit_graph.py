"""The credit graph of a cluster: its members, and which member credits which.

A credit (an ``attributions`` row of the member's current version) points to another member by
page, by URL or canonical URL, by site (registrable domain) or by site name (a short name only as
the domain's first label, "RT" for rt.com, or as a wire-agency brand of ``_BRAND_ALIASES``, "AP"
for apnews.com). A credit linking to a stored page that is not a member (the credited site's home
page) still names that site. A bare link in the article body (kind ``link``) credits only the
member it links to; otherwise it is no credit at all. A member none of whose recorded credits
reaches another member may still name one in a short line of its own at the top or bottom of
its text, or just before or after the text it shares with that member
(:func:`tracker.mentions.mention_targets`, evidence ``mention: <the line>``). A credit to the crediting
page's own site is never provenance. :mod:`tracker.provenance` weighs the graph; :mod:`tracker.report.show`
prints it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlite_utils

from tracker.mentions import (
    edge_lines,
    mention_label,
    mention_names,
    mention_targets,
    ranked,
    text_paragraphs,
)
from tracker.normalize import normalize_text
from tracker.store import clusters as store
from tracker.timestamps import parse_time
from tracker.urls import normalize_url, page_key, site_of

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
# Attribution's kind for a bare link in the article body: a credit only to a member it links to.
LINK_KIND = "link"
# Attribution's kind for a short line beside the article that extraction left out: no credit by
# itself, read like the text's own edge lines by the mention rule.
LINE_KIND = "line"


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
    names: set[str] = field(default_factory=set)
    lines: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""
    label: str = ""
    folded: str = ""

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
        member.names = mention_names(site, site_name)
        # Only a site whose pages declare no name is looked for by its domain's label in words.
        member.label = "" if (site_name or "").strip() else mention_label(site)
        member.text = store.version_text(db, chosen[0])
        member.paragraphs = text_paragraphs(member.text)
        member.lines = edge_lines(member.paragraphs)
        # What the page prints, its site's boilerplate included (a partnership footer the site
        # repeats is stripped from its stored text but still on the page).
        extracted = " ".join(store.version_paragraph_list(db, chosen[0]))
        member.folded = f" {normalize_text(extracted)} {normalize_text(chosen[1] or '')} "
        members[page_id] = member
    if members:
        # Only the credits of the member's own version count: a credit line a later version
        # dropped no longer credits anyone. A credit stored without a version (by hand, by
        # another tool) counts for every version of its page.
        for credit in store.page_credits(db, list(members)):
            member = members[credit["page_id"]]  # type: ignore[index]
            if credit["version_id"] is None or credit["version_id"] == member.version_id:
                member.credits.append(credit)
        for member in members.values():
            _add_beside_lines(member)
    return members


def _add_beside_lines(member: Member) -> None:
    """The member's short lines beside its article that extraction left out (``line``
    attributions) join its edge lines and what its page prints."""
    beside = [c["evidence"] for c in member.credits if c.get("kind") == LINE_KIND]
    for line in beside:
        if line and line.strip():
            folded = normalize_text(line)
            if (line, folded) not in member.lines:
                member.lines.append((line, folded))
            member.folded += f"{folded} "
            member.text += f"\n{line}"


def credit_targets(credit: dict, source: Member, members: dict[int, Member]) -> list[int]:
    """The members a credit points to (never the crediting page or its own site).

    A bare link in the article body (kind ``link``) credits only the member it links to, by its
    URL or that member's canonical URL; a link anywhere else (a tag, a related story) is no credit.
    """
    others = [m for m in members.values() if m.page_id != source.page_id and m.site != source.site]
    if credit.get("kind") == LINE_KIND:
        return []  # a line beside the article credits a member only as a mention
    target_page = credit.get("target_page_id")
    if target_page is not None and any(m.page_id == target_page for m in others):
        return [target_page]
    if credit.get("kind") == LINK_KIND:
        # A link names a member by its URL in any of the forms a site serves it under.
        key = page_key(credit["target_url"]) if credit.get("target_url") else None
        return [m.page_id for m in others if key and key in _page_keys(m)][:1]
    # A credit resolved to a crawled page that is not a member ("originally appeared on
    # <link to the site's home page>") still names a site: match it by site or name below.
    target_url = credit.get("target_url")
    if target_url:
        key = page_key(target_url)
        exact = [m.page_id for m in others if key in _page_keys(m)]
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
        bare = _without_generic_suffix(credit.get("target_name"))
        # A name written as the domain the credit names ("Spectator.org") is that domain, not
        # another site of the same first label (spectator.co.uk).
        is_domain = bool(credit.get("target_site")) and name_key(credit["target_site"]) == key
        if not by_site and bare != key and not is_domain:
            by_site = [m for m in others if bare in m.keys]
    # Several pages of the credited site in one cluster: the earliest one is the one credited.
    by_site.sort(key=lambda m: m.order)
    return [m.page_id for m in by_site[:1]]


# Words a site's name is often written with in a credit but not on its own pages ("Spiegel
# Online", "Salon.com"): a credit by name that matches no member is tried without them. Only a
# whole word or a domain's ending is generic: "Planet" does not end in "net".
_GENERIC_NAME_ENDING = re.compile(r"(?:\s+(?:online|digital|website|web)|\.(?:com|net|org))$", re.I)


def _without_generic_suffix(name: str | None) -> str:
    """The name key of ``name`` without one generic ending ("Meridian Dispatch Online" ->
    "meridiandispatch"), when enough of a name remains (``_MIN_NAME_KEY``); else its key.

    Examples:
        >>> _without_generic_suffix("The Harbour Voice Online")
        'harbourvoice'
        >>> _without_generic_suffix("HarbourVoice.com"), _without_generic_suffix("Planet")
        ('harbourvoice', 'planet')
        >>> _without_generic_suffix("Web")
        'web'
    """
    key = name_key(name)
    bare = name_key(_GENERIC_NAME_ENDING.sub("", (name or "").strip().rstrip(".")))
    return bare if len(bare) >= _MIN_NAME_KEY else key


def _page_keys(member: Member) -> set[str]:
    return {page_key(url) for url in (member.url, member.canonical_url) if url}


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


def credit_edges(
    members: dict[int, Member], disputed: list[CreditEdge] | None = None
) -> list[CreditEdge]:
    """Every credit from one member to another, in member then credit order.

    A member none of whose recorded credits points at another member may still name one in a
    line of its own (:func:`mention_targets`): that line is its credit, with evidence
    ``mention: <the line>``. A line that does not count because dates say the naming page came
    first (a disputed mention) is appended to ``disputed`` when given, and is no credit.
    """
    edges: list[CreditEdge] = []
    seen: set[tuple[int, int]] = set()
    others = ranked(members)
    for member in sorted(members.values(), key=lambda m: m.page_id):
        for credit in member.credits:
            for target in credit_targets(credit, member, members):
                if (member.page_id, target) not in seen:
                    seen.add((member.page_id, target))
                    edges.append(CreditEdge(member.page_id, target, credit.get("evidence")))
        if edges and edges[-1].source == member.page_id:
            continue  # its own credits name a member
        for mention in mention_targets(member, members, others):
            edge = CreditEdge(member.page_id, mention.target, f"mention: {mention.line}")
            if mention.disputed:
                if disputed is not None:
                    disputed.append(edge)
                continue
            seen.add((member.page_id, mention.target))
            edges.append(edge)
            break
    return edges


def reaches(edges: list[CreditEdge]) -> dict[int, set[int]]:
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
