"""``tracker show``: one cluster for people, its origin and why, each copy and its credit.

:func:`describe_cluster` gathers the plain data (stable keys, ``--json``); :func:`format_cluster`
(plain text) and :func:`cluster_table` (rich, on a terminal) render it. Nothing here decides:
roles, credits and the origin are read as :mod:`tracker.provenance` stored them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlite_utils

from tracker.credit_graph import (
    LINE_KIND,
    LINK_KIND,
    CreditEdge,
    credit_edges,
    credit_marks,
    credit_targets,
    load_members,
)
from tracker.provenance import outside_marks
from tracker.store import clusters as store
from tracker.urls import site_of

if TYPE_CHECKING:
    from rich.console import Group


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


def describe_cluster(db: sqlite_utils.Database, cluster_id: int) -> dict[str, Any]:
    """Everything ``tracker show`` prints about a cluster, as plain data (stable for ``--json``)."""
    summary = store.cluster_summary(db, cluster_id)
    if summary is None:
        raise KeyError(cluster_id)
    info: dict[str, Any] = {k: v for k, v in summary.items() if k != "seed_page_id"}
    members = load_members(db, cluster_id)
    edges = credit_edges(members)
    stored = store.member_judgements(db, cluster_id)
    origin = members.get(info["origin_page_id"])
    beyond = outside_marks(origin, members) if origin else set()
    rows = []
    for member in sorted(members.values(), key=lambda m: m.order):
        judged = stored[member.page_id]
        role, credited = judged["role"], judged["credited"]
        credits_page = judged["credits_page_id"]
        when, basis = member.time
        credits_site = members[credits_page].site if credits_page in members else None
        # Credited through what the origin itself credits outside the cluster: name that target.
        shared = (
            next((c for c in member.credits if credit_marks(c) & beyond), None)
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
                "similarity": judged["similarity"],
                "containment": judged["containment"],
                "credited": None if credited is None else bool(credited),
                # Dated before the origin and crediting no member: not accused of copying.
                "precedence_unclear": credited is None and role != "origin",
                "credits_page_id": credits_page,
                "credits_site": credits_site,
                "credits_beyond_origin": shared is not None,
                "credit_evidence": judged["credit_evidence"],
            }
        )
    in_cluster = {(e.source, e.evidence) for e in edges}
    outside = []
    for member in sorted(members.values(), key=lambda m: m.order):
        for credit in member.credits:
            if (
                credit.get("kind") in (LINK_KIND, LINE_KIND)  # a link or line naming no member
                or credit_targets(credit, member, members)
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
    # Ordered by the sites they name, not by page id: the same story shows the same way whatever
    # order a crawl stored its pages in.
    info["chains"] = sorted([sites[p] for p in path] for path in chain_paths(edges))
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


def to_json(info: dict[str, Any]) -> str:
    """The stable JSON form of :func:`describe_cluster`'s result."""
    return json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True)


def _credit_cell(member: dict[str, Any]) -> str:
    if member["role"] == "origin":
        return "(origin)"
    if member["credited"]:
        if member.get("credits_beyond_origin"):
            return f"yes → {member['credits_site']} (the origin's source)"
        return f"yes → {member['credits_site']}" if member["credits_site"] else "yes (same site)"
    if member["credited"] is None:
        return "unclear: dated before the origin, credits no member"
    if member["credits_site"]:
        return f"NO, credits {member['credits_site']} (not upstream)"
    return "NO: UNCREDITED REPOST" if member["role"] == "repost" else "NO: uncredited"


def _when(member: dict[str, Any]) -> str:
    """The member's time to the minute; "seen" marks a first-seen time (no published date)."""
    if not member["time"]:
        return ""
    stamp = str(member["time"])[:16].replace("T", " ")
    return stamp if member["time_basis"] == "published" else f"{stamp} seen"


def _number(value: Any) -> str:
    return "-" if value is None else f"{float(value):.2f}"


def _outside_line(credit: dict[str, Any]) -> str:
    state = "crawled, other cluster" if credit["crawled"] else "not crawled"
    line = f"{credit['site']} credits {credit['target'] or credit['target_url']} ({state})"
    if credit["target_url"]:
        line += f" <{credit['target_url']}>"
    if credit["evidence"]:
        line += f': "{credit["evidence"]}"'
    return line


def _headline(info: dict[str, Any]) -> list[str]:
    origin = info["origin"]
    lines = [f'Cluster {info["id"]}: "{info["title"] or "(untitled)"}" ({info["size"]} pages)']
    if origin:
        # origin_evidence is a keyword, then ": " and a sentence when the evidence conflicts.
        keyword, _, reason = str(info["origin_evidence"] or "").partition(": ")
        lines.append(f"Origin: {origin['url']} ({origin['site']}), decided by {keyword}")
        if reason:
            lines.append(f"Why: {reason}")
    else:
        lines.append("Origin: not decided yet (run tracker cluster)")
    for chain in info["chains"]:
        lines.append("Chain: " + " → ".join(chain))
    if not info["chains"]:
        lines.append("Chain: none (no member credits another member)")
    return lines


def format_cluster(info: dict[str, Any], page_id: int | None = None) -> str:
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


def cluster_table(info: dict[str, Any], page_id: int | None = None) -> Group:
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
            Text(member["role"], style="bold" if member["role"] == "origin" else ""),
            Text(_number(member["similarity"])),
            Text(_number(member["containment"])),
            Text(credit, style=style or ""),
            Text(str(member["url"])),
        )
    parts: list = [Text(line) for line in _headline(info)]
    parts.append(table)
    if info["credits_outside"]:
        parts.append(Text("Credits outside the cluster:"))
        parts.extend(Text("  " + _outside_line(c)) for c in info["credits_outside"])
    return Group(*parts)
