"""Provenance: which member of a cluster is the original, why, and whether each copy credits it.

:func:`assign` runs after clustering on the clusters that changed; it is the one writer of every
member's ``role``, ``similarity``, ``containment``, ``credited``, ``credits_page_id`` and
``credit_evidence`` and of each cluster's ``origin_page_id``, ``origin_evidence``, ``size``,
``title``, ``first_seen``, ``first_published`` and ``updated``.

**The origin, by evidence that agrees.** Each credit ``X -> Y`` between members
(:mod:`tracker.credit_graph`) says Y came before X; each plausible published date (not after the
page was first seen, beyond two days' slack, nor in the future) says when a page existed, and a
first-seen time says it existed by then. The origin is the earliest of the members that credit no
member (or only members of a credit cycle they are in): a chain's top competes on dates with
uncredited members rather than winning by default, and a page crediting another never wins,
whatever its date (a backdated copy stays a copy). A member's time in that comparison is the
earliest of its own and those of the members crediting it, directly or through others. A chain
top with no published date of its own is known only to exist by some time, so a dated page
crediting no one cannot show it came later: then credits decide. Ties break on first-seen time,
then page id.

``clusters.origin_evidence`` starts with the evidence that decided: ``credits`` (the origin is
credited by members), ``published`` or ``first_seen`` (dates decided). When the evidence
conflicts, a colon and one sentence follow, which ``tracker show`` prints as "Why:": a chain's
top lost on dates to an earlier page that credits no one, or members are marked unclear.

**Members.** ``role`` is ``origin``, ``repost`` or ``excerpt``; ``similarity`` (Jaccard of word
shingles) and ``containment`` (share of the member's shingles found in the origin) are measured
against the origin's current version, on the shingles clustering stored (boilerplate left out)
or else on the text. A member is an ``excerpt`` when Jaccard < ``EXCERPT_MAX_JACCARD`` and either
it lies mostly inside the origin (a teaser) or the origin lies mostly inside it (an article
embedded in a roundup), by ``EXCERPT_MIN_CONTAINMENT``; else a ``repost``. ``credited`` is 1 when
the member credits another member (the page it copied, even a copy that does not credit upstream),
shares the origin's site, or credits a page, site or name the origin itself credits outside the
cluster (two copies crediting an original never collected); NULL for the origin; NULL too, with
a role other than ``origin``, for a member whose precedence is unclear (published before the
origin's own published date and crediting no member, or named in a short line of the origin's
own that dates overrule: never called an uncredited copy); else 0, an uncredited copy. Credits that point outside the cluster stay in ``attributions``;
``tracker show`` lists them.

Writes happen only where a value differs, so re-running on unchanged data changes no row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime

import numpy as np
import sqlite_utils

from tracker.credit_graph import (
    LINK_KIND,
    CreditEdge,
    Member,
    credit_edges,
    credit_marks,
    credit_targets,
    load_members,
    reaches,
)
from tracker.fingerprint import containment, jaccard, shingles, shingles_from_bytes
from tracker.store import clusters as store
from tracker.store import utcnow
from tracker.timestamps import parse_time

__all__ = ["assign", "choose_origin", "effective_time", "outside_marks"]

# A member is an excerpt when most of its text is in the origin (containment >= this) ...
EXCERPT_MIN_CONTAINMENT = 0.8
# ... but it is much shorter: a full repost with light edits keeps Jaccard well above this.
EXCERPT_MAX_JACCARD = 0.6
_ROUND = 4


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
    reach = reaches(edges)
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


def explain_named(members: dict[int, Member], origin_id: int, named: list[int]) -> str:
    """The sentence for members marked unclear because the origin names them in a line of its
    own although it is dated earlier (a backdated copy naming its source in words no credit
    phrase knows, or an original naming a later copy)."""
    one = len(named) == 1
    names = ", ".join(sorted(members[p].site for p in named))
    return (
        f"{members[origin_id].site} is dated earlier but names {names} in a line of its own,"
        f" so {'its' if one else 'their'} precedence is unclear"
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
    db: sqlite_utils.Database,
    members: dict[int, Member],
    edges: list[CreditEdge],
    origin_id: int,
    named_by_origin: Collection[int] = (),
) -> dict[int, dict[str, object]]:
    origin = members[origin_id]
    origin_shingles = _shingles_of(db, origin)
    reach = reaches(edges)
    upstream = {origin_id} | {page for page, reached in reach.items() if origin_id in reached}
    # What the origin itself credits outside the cluster is upstream of it: a copy crediting the
    # same original (never collected) credits the source as well as the origin does.
    beyond = outside_marks(origin, members)
    # What a member must be dated before to be unclear rather than accused: the origin's
    # published date; for an origin without one (chosen by credits), the earliest evidence that
    # it existed (when it was first seen, or the date of a member crediting it).
    before = (
        origin.published
        if origin.published is not None
        else effective_time(members, reach, origin_id)
    )
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
        elif member.time[0] < before or member.page_id in named_by_origin:
            # Dated before the origin (``before``), crediting no one, or named in a line of the
            # origin's own that dates alone overrule: the evidence conflicts, so it is marked
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
    disputed: list[CreditEdge] = []
    edges = credit_edges(members, disputed)
    origin_id, evidence = choose_origin(members, edges)
    named = {e.target for e in disputed if e.source == origin_id}
    judged = _member_values(db, members, edges, origin_id, named)
    unclear = [p for p, v in judged.items() if v["role"] != "origin" and v["credited"] is None]
    dated = [p for p in unclear if p not in named]
    reasons = [explain_unclear(members, origin_id, dated)] if dated else []
    if len(dated) < len(unclear):
        reasons.append(explain_named(members, origin_id, [p for p in unclear if p in named]))
    for reason in reasons:
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
