"""tracker's Datasette plugin: the views a table cannot give.

Pages (``<db>`` is the Datasette database name, the file's stem):

- ``/<db>/-/tracker``: overview with the biggest clusters, recent changes and links;
- ``/<db>/-/tracker/cluster/<id>``: one story: the origin on top, the members in time order with
  site, date, role, similarity and credit, the credit chain drawn as arrows, a timeline chart;
- ``/<db>/-/tracker/diff/<id>``: a diff side by side with word-level highlights;
- ``/<db>/-/tracker/network``: which sites republish which, as a weighted graph;
- ``/-/tracker.css``: the pages' stylesheet.

Every chart is SVG generated here, on the server: no JavaScript, nothing fetched from elsewhere.
Scraped text is hostile input: every string reaches the page through Jinja's autoescape or
:func:`markupsafe.escape`, and only ``http(s)`` URLs ever become links.
"""

from __future__ import annotations

import copy
import importlib.resources
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from datasette import Response, hookimpl
from datasette.utils.asgi import NotFound
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup, escape

from tracker.timestamps import parse_time

TRACKER_TABLES = ("clusters", "cluster_members", "diffs", "diff_ops", "versions")

COLOURS = {
    "origin": "#1d3f6e",
    "credited": "#2e7d32",
    "uncredited": "#c62828",
    "axis": "#6b7280",
    "grid": "#e5e7eb",
    "edge": "#4b6584",
}


# --------------------------------------------------------------------------- small helpers


def safe_href(url: str | None) -> str | None:
    """The URL when it is http(s), else ``None``: ``javascript:`` and ``data:`` never become links."""
    if url and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def clip(text: str | None, limit: int) -> str:
    """Text shortened to ``limit`` characters with an ellipsis."""
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def human_delay(delta: timedelta) -> str:
    """A delay as people say it: ``+45 min``, ``+3 h``, ``+2 d``."""
    seconds = delta.total_seconds()
    sign = "+" if seconds >= 0 else "−"
    seconds = abs(seconds)
    if seconds < 60:
        return "same time" if seconds < 1 else f"{sign}{int(seconds)} s"
    if seconds < 3600:
        return f"{sign}{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        hours = seconds / 3600
        return f"{sign}{hours:.0f} h" if hours >= 10 else f"{sign}{hours:.1f} h"
    return f"{sign}{seconds / 86400:.0f} d"


def fts_query(text: str | None) -> str:
    """A user's search words as a safe FTS5 query: words are quoted (so punctuation cannot raise a
    syntax error), ``"quoted phrases"`` stay phrases, ``OR``/``NOT`` between terms stay operators
    and a trailing ``*`` keeps prefix search."""
    parts = re.findall(r'"[^"]*"|\S+', text or "")
    out: list[str] = []
    for part in parts:
        if part in ("OR", "NOT", "AND"):
            if out and out[-1] not in ("OR", "NOT", "AND"):
                out.append(part)
            continue
        if len(part) >= 2 and part[0] == part[-1] == '"':
            core, prefix = part[1:-1], False
        else:
            core, prefix = part.rstrip("*"), part.endswith("*")
        core = core.replace('"', "")
        if not core.strip():
            continue
        out.append(f'"{core}"' + ("*" if prefix else ""))
    while out and out[-1] in ("OR", "NOT", "AND"):
        out.pop()
    return " ".join(out) if out else '""'


# --------------------------------------------------------------------------- word-level diffs


def word_diff(a: str | None, b: str | None) -> tuple[Markup, Markup]:
    """Both texts as HTML with removed words in ``<del>`` (left) and added words in ``<ins>`` (right).

    Used for ``replace`` and reworded ``move`` operations, whose stored row keeps only the two
    paragraphs. Words are compared as :func:`tracker.diffs.word_changes` does (normalised), so the
    page highlights what ``tracker diff`` reports.
    """
    # Imported here: tracker.diffs pulls in pandas, which only diff pages need.
    from tracker.diffs import word_changes

    left: list[Markup] = []
    right: list[Markup] = []
    for tag, old, new in word_changes(a or "", b or ""):
        if tag == "equal":
            left.append(escape(old))
            right.append(escape(new))
            continue
        if old:
            left.append(Markup("<del>{}</del>").format(old))
        if new:
            right.append(Markup("<ins>{}</ins>").format(new))
    return Markup("").join(left), Markup("").join(right)


@dataclass
class DiffRow:
    """One aligned row of the side-by-side view."""

    seq: int
    op: str
    left: Markup
    right: Markup
    similarity: float | None
    note: str = ""


def diff_rows(ops: Iterable[dict[str, Any]]) -> list[DiffRow]:
    """Stored ``diff_ops`` rows as side-by-side HTML cells."""
    rows = []
    for op in ops:
        kind = op["op"]
        a_text = op.get("a_text") or ""
        # The store leaves b_text NULL when B's paragraph is byte-identical to A's.
        b_text = op.get("b_text")
        if b_text is None and kind in ("equal", "move"):
            b_text = a_text
        b_text = b_text or ""
        if kind == "equal" or (kind == "move" and a_text == b_text):
            left, right = escape(a_text), escape(b_text)
        elif kind == "insert":
            left, right = Markup(""), Markup("<ins>{}</ins>").format(b_text)
        elif kind == "delete":
            left, right = Markup("<del>{}</del>").format(a_text), Markup("")
        else:
            left, right = word_diff(a_text, b_text)
        note = ""
        if kind == "move" and op.get("a_index") is not None and op.get("b_index") is not None:
            note = f"moved from paragraph {op['a_index'] + 1} to {op['b_index'] + 1}"
        rows.append(DiffRow(op["seq"], kind, left, right, op.get("similarity"), note))
    return rows


# --------------------------------------------------------------------------- SVG: timeline


@dataclass
class TimelinePoint:
    """One member on the timeline."""

    label: str
    when: datetime
    status: str  # origin, credited or uncredited
    role: str
    anchor: str = ""


def _nice_step(span: timedelta) -> timedelta:
    steps = [
        timedelta(minutes=m)
        for m in (1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080, 20160, 43200, 129600, 525600)
    ]
    for step in steps:
        if span / step <= 7:
            return step
    return steps[-1]


def timeline_svg(points: Sequence[TimelinePoint], *, width: int = 880) -> Markup:
    """A dot-per-member chart of a story's spread: one row per member in time order, the delay after
    the origin written beside each dot, a dashed line at the origin's time."""
    if not points:
        return Markup("")
    row_h, top, left, right_pad = 26, 44, 210, 90
    height = top + row_h * len(points) + 34
    start = min(p.when for p in points)
    end = max(p.when for p in points)
    span = max(end - start, timedelta(hours=1))
    # Pad so the first and last dots are not drawn on the chart's edge.
    lo, hi = start - span * 0.04, end + span * 0.04
    plot_w = width - left - right_pad

    def x(moment: datetime) -> float:
        return left + plot_w * ((moment - lo) / (hi - lo))

    origin = next((p for p in points if p.status == "origin"), points[0])
    out: list[Markup] = [
        Markup(
            '<svg class="tracker-timeline" xmlns="http://www.w3.org/2000/svg" role="img" '
            'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="tl-title">'
            '<title id="tl-title">Timeline: when each copy appeared</title>'
        ).format(w=width, h=height)
    ]
    step = _nice_step(hi - lo)
    fmt = "%d %b %H:%M" if (hi - lo) < timedelta(days=3) else "%d %b %Y"
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    tick = epoch + ((lo - epoch) // step + 1) * step
    axis_y = top + row_h * len(points) + 6
    while tick < hi:
        tx = x(tick)
        out.append(
            Markup(
                '<line x1="{x:.1f}" y1="{t}" x2="{x:.1f}" y2="{b}" stroke="{c}" stroke-width="1"/>'
                '<text x="{x:.1f}" y="{ty}" font-size="11" fill="{a}" text-anchor="middle">{label}</text>'
            ).format(
                x=tx,
                t=top - 6,
                b=axis_y,
                c=COLOURS["grid"],
                ty=axis_y + 16,
                a=COLOURS["axis"],
                label=tick.strftime(fmt),
            )
        )
        tick += step
    ox = x(origin.when)
    out.append(
        Markup(
            '<line x1="{x:.1f}" y1="{t}" x2="{x:.1f}" y2="{b}" stroke="{c}" stroke-dasharray="4 3"/>'
            '<text x="{x:.1f}" y="{ty}" font-size="11" fill="{c}" text-anchor="middle">origin</text>'
        ).format(x=ox, t=top - 10, b=axis_y, c=COLOURS["origin"], ty=top - 14)
    )
    legend = [
        ("origin", "origin"),
        ("credited", "credited copy"),
        ("uncredited", "uncredited copy"),
    ]
    lx = left
    for key, text in legend:
        out.append(
            Markup(
                '<circle cx="{x}" cy="12" r="5" fill="{c}"/>'
                '<text x="{tx}" y="16" font-size="12" fill="#374151">{t}</text>'
            ).format(x=lx, c=COLOURS[key], tx=lx + 9, t=text)
        )
        lx += 24 + 7 * len(text)
    out.append(
        Markup(
            '<circle cx="{x}" cy="12" r="5" fill="white" stroke="#374151" stroke-width="2"/>'
            '<text x="{tx}" y="16" font-size="12" fill="#374151">hollow: excerpt</text>'
        ).format(x=lx, tx=lx + 9)
    )
    for i, point in enumerate(points):
        cy = top + row_h * i + row_h / 2
        px = x(point.when)
        colour = COLOURS.get(point.status, COLOURS["uncredited"])
        if i % 2 == 0:
            out.append(
                Markup('<rect x="0" y="{y}" width="{w}" height="{h}" fill="#f8fafc"/>').format(
                    y=cy - row_h / 2, w=width, h=row_h
                )
            )
        out.append(
            Markup(
                '<text x="{x}" y="{y:.1f}" font-size="12" fill="#111827" text-anchor="end">{t}</text>'
            ).format(x=left - 14, y=cy + 4, t=clip(point.label, 26))
        )
        if point.status != "origin":
            out.append(
                Markup(
                    '<line x1="{a:.1f}" y1="{y:.1f}" x2="{b:.1f}" y2="{y:.1f}" stroke="{c}" '
                    'stroke-width="2" stroke-opacity="0.35"/>'
                ).format(a=ox, b=px, y=cy, c=colour)
            )
        fill = "white" if point.role == "excerpt" else colour
        out.append(
            Markup(
                '<circle class="tl-dot tl-{s}" cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{f}" '
                'stroke="{c}" stroke-width="2.5"><title>{tip}</title></circle>'
            ).format(
                s=point.status,
                x=px,
                y=cy,
                f=fill,
                c=colour,
                tip=f"{point.label} — {point.role}, {point.when:%Y-%m-%d %H:%M} UTC",
            )
        )
        delay = "origin" if point.status == "origin" else human_delay(point.when - origin.when)
        out.append(
            Markup('<text x="{x:.1f}" y="{y:.1f}" font-size="11" fill="{c}">{t}</text>').format(
                x=px + 11, y=cy + 4, c=COLOURS["axis"], t=delay
            )
        )
    out.append(Markup("</svg>"))
    return Markup("").join(out)


# --------------------------------------------------------------------------- SVG: credit chain


@dataclass
class ChainNode:
    """One member in the credit-chain picture."""

    page_id: int
    label: str
    sub: str
    status: str
    credits: int | None  # page id this member credits, inside the cluster
    depth: int = 0
    row: int = 0


def chain_svg(nodes: Sequence[ChainNode], origin_id: int | None, *, width: int = 880) -> Markup:
    """The credit chain: the origin on the left, each copy in a column by how many credit links
    separate it from the origin, an arrow from every copy to the page it credits, and a red dashed
    arrow to the origin from every copy that credits nobody."""
    if not nodes:
        return Markup("")
    by_id = {n.page_id: n for n in nodes}

    def depth_of(node: ChainNode, seen: frozenset[int] = frozenset()) -> int:
        if node.page_id == origin_id:
            return 0
        parent = by_id.get(node.credits) if node.credits is not None else None
        if parent is None or parent.page_id in seen:
            return 1
        return 1 + depth_of(parent, seen | {node.page_id})

    for node in nodes:
        node.depth = depth_of(node)
    columns: dict[int, list[ChainNode]] = defaultdict(list)
    for node in nodes:  # already in time order
        columns[node.depth].append(node)
    for col in columns.values():
        for row, node in enumerate(col):
            node.row = row
    box_w, box_h, gap_y = 196, 46, 18
    n_cols = max(columns) + 1
    gap_x = max(60, min(140, (width - 20 - n_cols * box_w) // max(n_cols - 1, 1)))
    width = max(width, 20 + n_cols * box_w + (n_cols - 1) * gap_x)
    height = 24 + max(len(c) for c in columns.values()) * (box_h + gap_y)

    def pos(node: ChainNode) -> tuple[float, float]:
        return 10 + node.depth * (box_w + gap_x), 14 + node.row * (box_h + gap_y)

    out: list[Markup] = [
        Markup(
            '<svg class="tracker-chain" xmlns="http://www.w3.org/2000/svg" role="img" '
            'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="ch-title">'
            '<title id="ch-title">Credit chain: arrows point to the page each copy credits</title>'
            "<defs>"
            '<marker id="ch-arrow-ok" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{ok}"/></marker>'
            '<marker id="ch-arrow-bad" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{bad}"/></marker>'
            "</defs>"
        ).format(w=width, h=height, ok=COLOURS["credited"], bad=COLOURS["uncredited"])
    ]
    for node in nodes:
        if node.page_id == origin_id:
            continue
        target = by_id.get(node.credits) if node.credits is not None else None
        credited = target is not None and node.status == "credited"
        if target is None:
            target = by_id.get(origin_id) if origin_id is not None else None
        if target is None or target is node:
            continue
        sx, sy = pos(node)
        tx, ty = pos(target)
        x1, y1 = sx, sy + box_h / 2
        x2, y2 = tx + box_w, ty + box_h / 2
        if target.depth >= node.depth:  # a credit sideways or backwards in the layout
            x1, x2 = sx + box_w / 2, tx + box_w / 2
            y1, y2 = sy, ty + box_h
        mid = (x1 + x2) / 2
        out.append(
            Markup(
                '<path class="chain-edge {cls}" d="M{x1:.1f},{y1:.1f} C{mx:.1f},{y1:.1f} {mx:.1f},{y2:.1f} '
                '{x2:.1f},{y2:.1f}" fill="none" stroke="{c}" stroke-width="2"{dash} marker-end="url(#{m})"/>'
            ).format(
                cls="credited" if credited else "uncredited",
                x1=x1,
                y1=y1,
                x2=x2,
                y2=y2,
                mx=mid,
                c=COLOURS["credited"] if credited else COLOURS["uncredited"],
                dash=Markup("") if credited else Markup(' stroke-dasharray="6 4"'),
                m="ch-arrow-ok" if credited else "ch-arrow-bad",
            )
        )
        if not credited:
            out.append(
                Markup(
                    '<text x="{x:.1f}" y="{y:.1f}" font-size="11" fill="{c}" text-anchor="middle">no credit</text>'
                ).format(x=x1 - 34, y=y1 - 6, c=COLOURS["uncredited"])
            )
    for node in nodes:
        bx, by = pos(node)
        colour = COLOURS.get(node.status, COLOURS["uncredited"])
        out.append(
            Markup(
                '<g class="chain-node chain-{s}"><rect x="{x:.1f}" y="{y:.1f}" width="{w}" height="{h}" rx="6" '
                'fill="white" stroke="{c}" stroke-width="{sw}"/>'
                '<rect x="{x:.1f}" y="{y:.1f}" width="6" height="{h}" rx="3" fill="{c}"/>'
                '<text x="{tx:.1f}" y="{t1:.1f}" font-size="13" font-weight="600" fill="#111827">{label}</text>'
                '<text x="{tx:.1f}" y="{t2:.1f}" font-size="11" fill="#4b5563">{sub}</text></g>'
            ).format(
                s=node.status,
                x=bx,
                y=by,
                w=box_w,
                h=box_h,
                c=colour,
                sw=2.5 if node.page_id == origin_id else 1.5,
                tx=bx + 14,
                t1=by + 19,
                t2=by + 36,
                label=clip(node.label, 24),
                sub=clip(node.sub, 30),
            )
        )
    out.append(Markup("</svg>"))
    return Markup("").join(out)


# --------------------------------------------------------------------------- SVG: network


@dataclass
class Edge:
    """Copies of one site's stories carried by another site."""

    source: str  # the site that published first
    target: str  # the site that republished
    credited: int = 0
    uncredited: int = 0

    @property
    def total(self) -> int:
        return self.credited + self.uncredited


@dataclass
class NetworkLayout:
    """Where each site sits, and which sites were left out of the picture."""

    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    hidden: int = 0


def network_svg(
    edges: Sequence[Edge], labels: dict[str, str], *, size: int = 760, max_sites: int = 36
) -> tuple[Markup, NetworkLayout]:
    """Sites on a circle, an arrow from the original site to each site that republished it,
    thickness by number of stories; credited copies solid blue-grey, uncredited red dashed."""
    layout = NetworkLayout()
    if not edges:
        return Markup(""), layout
    weight: dict[str, int] = defaultdict(int)
    for edge in edges:
        weight[edge.source] += edge.total
        weight[edge.target] += edge.total
    ranked = sorted(weight, key=lambda s: (-weight[s], s))
    shown = set(ranked[:max_sites])
    layout.hidden = len(ranked) - len(shown)
    # Alternate heavy and light sites around the circle so thick edges do not bunch on one side.
    order = ranked[: len(shown)]
    order = order[::2] + order[1::2][::-1]
    margin = 150
    width = size + 2 * margin
    height = size + 60
    cx, cy, radius = width / 2, height / 2 + 10, size / 2 - 40
    for i, site in enumerate(order):
        angle = -math.pi / 2 + 2 * math.pi * i / len(order)
        layout.positions[site] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    max_weight = max(weight.values())

    def node_r(site: str) -> float:
        return 7 + 13 * math.sqrt(weight[site] / max_weight)

    out: list[Markup] = [
        Markup(
            '<svg class="tracker-network" xmlns="http://www.w3.org/2000/svg" role="img" '
            'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="nw-title">'
            '<title id="nw-title">Which sites republish which</title><defs>'
            '<marker id="nw-arrow-ok" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="13" '
            'markerHeight="13" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{ok}"/></marker>'
            '<marker id="nw-arrow-bad" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="13" '
            'markerHeight="13" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{bad}"/></marker>'
            "</defs>"
        ).format(w=width, h=height, ok=COLOURS["edge"], bad=COLOURS["uncredited"])
    ]
    for edge in sorted(edges, key=lambda e: e.total):
        if edge.source not in shown or edge.target not in shown:
            continue
        (x1, y1), (x2, y2) = layout.positions[edge.source], layout.positions[edge.target]
        dist = math.hypot(x2 - x1, y2 - y1) or 1.0
        nx, ny = -(y2 - y1) / dist, (x2 - x1) / dist  # left of the direction of travel
        for kind, count, bend in (
            ("credited", edge.credited, 0.10),
            ("uncredited", edge.uncredited, 0.22),
        ):
            if not count:
                continue
            ctrl_x, ctrl_y = (x1 + x2) / 2 + nx * dist * bend, (y1 + y2) / 2 + ny * dist * bend
            # Stop the curve at the target node's rim so the arrowhead stays visible.
            ex, ey = x2 - ctrl_x, y2 - ctrl_y
            elen = math.hypot(ex, ey) or 1.0
            end_x = x2 - ex / elen * (node_r(edge.target) + 2)
            end_y = y2 - ey / elen * (node_r(edge.target) + 2)
            # An absolute scale, so one story looks the same in every database.
            stroke_w = min(12.0, 1.5 + 2.2 * math.log2(1 + count))
            bad = kind == "uncredited"
            out.append(
                Markup(
                    '<path class="nw-edge nw-{k}" d="M{x1:.1f},{y1:.1f} Q{qx:.1f},{qy:.1f} {x2:.1f},{y2:.1f}" '
                    'fill="none" stroke="{c}" stroke-width="{sw:.1f}" stroke-opacity="0.8"{dash} '
                    'marker-end="url(#{m})"><title>{tip}</title></path>'
                ).format(
                    k=kind,
                    x1=x1,
                    y1=y1,
                    qx=ctrl_x,
                    qy=ctrl_y,
                    x2=end_x,
                    y2=end_y,
                    c=COLOURS["uncredited"] if bad else COLOURS["edge"],
                    sw=stroke_w,
                    dash=Markup(' stroke-dasharray="7 5"') if bad else Markup(""),
                    m="nw-arrow-bad" if bad else "nw-arrow-ok",
                    tip=f"{labels.get(edge.target, edge.target)} republished {count} "
                    f"{'story' if count == 1 else 'stories'} of {labels.get(edge.source, edge.source)} "
                    f"{'without' if bad else 'with'} credit",
                )
            )
            mx, my = 0.25 * x1 + 0.5 * ctrl_x + 0.25 * x2, 0.25 * y1 + 0.5 * ctrl_y + 0.25 * y2
            out.append(
                Markup(
                    '<text x="{x:.1f}" y="{y:.1f}" font-size="13" font-weight="700" fill="{c}" '
                    'text-anchor="middle" paint-order="stroke" stroke="white" stroke-width="3">{n}</text>'
                ).format(
                    x=mx, y=my + 4, c=COLOURS["uncredited"] if bad else COLOURS["edge"], n=count
                )
            )
    for site in order:
        x, y = layout.positions[site]
        anchor = "start" if x > cx + 1 else ("end" if x < cx - 1 else "middle")
        dx = {"start": 1, "end": -1, "middle": 0}[anchor] * (node_r(site) + 6)
        dy = 4 if anchor != "middle" else (-(node_r(site) + 8) if y < cy else node_r(site) + 16)
        out.append(
            Markup(
                '<g class="nw-node"><circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#e8eef6" '
                'stroke="{c}" stroke-width="2"><title>{site}: {n} copies in or out</title></circle>'
                '<text x="{tx:.1f}" y="{ty:.1f}" font-size="13" fill="#111827" text-anchor="{a}" '
                'paint-order="stroke" stroke="white" stroke-width="3">{label}</text></g>'
            ).format(
                x=x,
                y=y,
                r=node_r(site),
                c=COLOURS["origin"],
                site=site,
                n=weight[site],
                tx=x + dx,
                ty=y + dy,
                a=anchor,
                label=clip(labels.get(site, site), 28),
            )
        )
    out.append(Markup("</svg>"))
    return Markup("").join(out), layout


# --------------------------------------------------------------------------- data access


async def _rows(db, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
    result = await db.execute(sql, params)
    return [dict(row) for row in result.rows]


async def _tracker_db(datasette, request):
    """The database named in the URL, after the visitor's permissions are checked."""
    from datasette.utils import tilde_decode

    route = tilde_decode(request.url_vars["database"])
    try:
        db = datasette.get_database(route=route)
    except KeyError:
        raise NotFound(f"Database not found: {route}") from None
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (db.name, "clusters")), ("view-database", db.name), "view-instance"],
    )
    if not await db.table_exists("cluster_members"):
        raise NotFound(f"{db.name} is not a tracker database (no cluster_members table)")
    return db


def _base(datasette, db) -> str:
    return datasette.urls.database(db.name) + "/-/tracker"


def _member_status(row: dict[str, Any]) -> str:
    if row.get("role") == "origin":
        return "origin"
    return "credited" if row.get("credited") else "uncredited"


MEMBER_SQL = """
select m.cluster_id, m.page_id, m.version_id, m.role, m.similarity, m.containment, m.credited,
       m.credits_page_id, m.credit_evidence, m.joined,
       p.url, p.site, p.first_seen, s.name as site_name,
       v.title, v.published, v.fetched_at, v.byline, v.word_count,
       cp.url as credits_url, cp.site as credits_site,
       coalesce((select min(pv.published) from versions pv where pv.page_id = p.id), p.first_seen) as seen
from cluster_members m
join pages p on p.id = m.page_id
left join sites s on s.domain = p.site
left join versions v on v.id = m.version_id
left join pages cp on cp.id = m.credits_page_id
where m.cluster_id = ?
order by m.role != 'origin', seen, p.id
"""


async def cluster_context(datasette, db, cluster_id: int) -> dict[str, Any]:
    """Everything the cluster page shows; :class:`NotFound` for an unknown id."""
    found = await _rows(
        db,
        "select c.*, p.url as origin_url, p.site as origin_site, s.name as origin_site_name"
        " from clusters c left join pages p on p.id = c.origin_page_id"
        " left join sites s on s.domain = p.site where c.id = ?",
        [cluster_id],
    )
    if not found:
        raise NotFound(f"No cluster {cluster_id}")
    cluster = found[0]
    members = await _rows(db, MEMBER_SQL, [cluster_id])
    page_ids = [m["page_id"] for m in members]
    marks = ",".join("?" * len(page_ids)) or "null"
    diffs = await _rows(
        db,
        "select d.id, d.kind, d.retained, d.words_added, d.words_removed, d.title_changed,"
        " d.credit_removed, va.page_id as a_page, vb.page_id as b_page, vb.fetched_at as b_fetched"
        " from diffs d join versions va on va.id = d.a_version_id join versions vb on vb.id = d.b_version_id"
        f" where vb.page_id in ({marks}) order by d.id",
        page_ids,
    )
    origin_id = cluster.get("origin_page_id")
    by_member: dict[int, dict[str, Any]] = {}
    versions_changed: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for diff in diffs:
        if diff["kind"] == "version" and diff["a_page"] == diff["b_page"]:
            versions_changed[diff["b_page"]].append(diff)
        elif diff["a_page"] == origin_id:
            by_member[diff["b_page"]] = diff  # latest diff against the origin wins
    base = _base(datasette, db)
    origin_row = next((m for m in members if m["page_id"] == origin_id), None)
    origin_time = parse_time(origin_row["seen"]) if origin_row else None
    points, nodes = [], []
    for member in members:
        member["status"] = _member_status(member)
        member["href"] = safe_href(member["url"])
        member["credits_href"] = safe_href(member["credits_url"])
        member["label"] = member["site_name"] or member["site"]
        member["repost_diff"] = by_member.get(member["page_id"])
        member["version_diffs"] = versions_changed.get(member["page_id"], [])
        when = parse_time(member["seen"])
        member["delay"] = (
            human_delay(when - origin_time)
            if when and origin_time and member["status"] != "origin"
            else ""
        )
        if when:
            points.append(
                TimelinePoint(member["label"], when, member["status"], member["role"] or "")
            )
        nodes.append(
            ChainNode(
                page_id=member["page_id"],
                label=member["label"],
                sub=f"{member['role'] or 'member'} · {(member['seen'] or '')[:10]}",
                status=member["status"],
                credits=member["credits_page_id"]
                if member["credits_page_id"] in page_ids
                else None,
            )
        )
    counts = {
        "reposts": sum(1 for m in members if m["role"] == "repost"),
        "excerpts": sum(1 for m in members if m["role"] == "excerpt"),
        "uncredited": sum(1 for m in members if m["status"] == "uncredited"),
        "sites": len({m["site"] for m in members}),
    }
    return {
        "cluster": cluster,
        "origin": origin_row,
        "members": members,
        "counts": counts,
        "timeline": timeline_svg(points),
        "chain": chain_svg(nodes[:80], origin_id),
        "chain_clipped": max(0, len(nodes) - 80),
        "base": base,
        "table_url": datasette.urls.table(db.name, "cluster_members") + f"?cluster_id={cluster_id}",
        "timeline_query": datasette.urls.database(db.name)
        + f"/cluster_timeline?cluster={cluster_id}",
    }


VERSION_SQL = """
select v.id, v.page_id, v.title, v.byline, v.published, v.fetched_at, v.word_count,
       p.url, p.site, s.name as site_name
from versions v join pages p on p.id = v.page_id left join sites s on s.domain = p.site
where v.id = ?
"""


async def diff_context(datasette, db, diff_id: int) -> dict[str, Any]:
    """Everything the diff page shows; :class:`NotFound` for an unknown id."""
    found = await _rows(db, "select * from diffs where id = ?", [diff_id])
    if not found:
        raise NotFound(f"No diff {diff_id}")
    diff = found[0]
    sides = {}
    for key in ("a", "b"):
        rows = await _rows(db, VERSION_SQL, [diff[f"{key}_version_id"]])
        side = rows[0] if rows else {"title": None, "url": None, "site": "?", "site_name": None}
        side["href"] = safe_href(side.get("url"))
        side["label"] = side.get("site_name") or side.get("site")
        sides[key] = side
    ops = await _rows(db, "select * from diff_ops where diff_id = ? order by seq", [diff_id])
    rows = diff_rows(ops)
    title_left = title_right = None
    if diff.get("title_changed") or (sides["a"].get("title") != sides["b"].get("title")):
        title_left, title_right = word_diff(
            diff.get("old_title") or sides["a"].get("title"),
            diff.get("new_title") or sides["b"].get("title"),
        )
    clusters = await _rows(
        db,
        "select distinct c.id, c.title from cluster_members m join clusters c on c.id = m.cluster_id"
        " where m.page_id in (?, ?)",
        [sides["a"].get("page_id"), sides["b"].get("page_id")],
    )
    op_counts: dict[str, int] = defaultdict(int)
    for op in ops:
        op_counts[op["op"]] += 1
    return {
        "diff": diff,
        "a": sides["a"],
        "b": sides["b"],
        "rows": rows,
        "op_counts": dict(op_counts),
        "title_left": title_left,
        "title_right": title_right,
        "clusters": clusters,
        "base": _base(datasette, db),
        "row_url": datasette.urls.table(db.name, "diffs") + f"/{diff_id}",
    }


NETWORK_SQL = """
select op.site as source, p.site as target,
       sum(case when m.credited then 1 else 0 end) as credited,
       sum(case when m.credited then 0 else 1 end) as uncredited
from cluster_members m
join clusters c on c.id = m.cluster_id
join pages op on op.id = c.origin_page_id
join pages p on p.id = m.page_id
where m.role != 'origin' and p.site != op.site
group by op.site, p.site
order by count(*) desc
"""


async def network_context(datasette, db) -> dict[str, Any]:
    """The republication network: edges, site names and the SVG."""
    edges = [
        Edge(r["source"], r["target"], r["credited"], r["uncredited"])
        for r in await _rows(db, NETWORK_SQL)
    ]
    labels = {
        r["domain"]: r["name"] or r["domain"]
        for r in await _rows(db, "select domain, name from sites")
    }
    picture, layout = network_svg(edges, labels)
    return {
        "edges": edges,
        "labels": labels,
        "picture": picture,
        "hidden": layout.hidden,
        "base": _base(datasette, db),
        "query_url": datasette.urls.database(db.name) + "/who_republishes_whom",
        "uncredited_url": datasette.urls.database(db.name) + "/uncredited_reposts",
    }


async def overview_context(datasette, db) -> dict[str, Any]:
    """Counts, the biggest clusters and the latest changed articles."""
    counts = (
        await _rows(
            db,
            "select (select count(*) from sites) as sites, (select count(*) from pages) as pages,"
            " (select count(*) from versions) as versions, (select count(*) from clusters) as clusters,"
            " (select count(*) from cluster_members where role != 'origin') as copies,"
            " (select count(*) from cluster_members where role != 'origin' and not coalesce(credited, 0))"
            " as uncredited, (select count(*) from diffs where kind = 'version') as changes",
        )
    )[0]
    clusters = await _rows(
        db,
        "select c.id, c.title, c.size, c.first_seen, c.first_published, p.site as origin_site,"
        " (select count(*) from cluster_members m where m.cluster_id = c.id and m.role != 'origin'"
        "   and not coalesce(m.credited, 0)) as uncredited"
        " from clusters c left join pages p on p.id = c.origin_page_id"
        " order by c.size desc, c.id limit 25",
    )
    changes = await _rows(
        db,
        "select d.id, d.title_changed, d.old_title, d.new_title, d.retained, d.words_added, d.words_removed,"
        " d.credit_removed, p.site, p.url, vb.title, vb.fetched_at"
        " from diffs d join versions vb on vb.id = d.b_version_id join pages p on p.id = vb.page_id"
        " where d.kind = 'version' order by vb.fetched_at desc, d.id desc limit 15",
    )
    return {
        "counts": counts,
        "clusters": clusters,
        "changes": changes,
        "base": _base(datasette, db),
        "database_url": datasette.urls.database(db.name),
    }


# --------------------------------------------------------------------------- views


async def _render(datasette, request, template: str, db, context: dict[str, Any]) -> Response:
    context = {**context, "database": db.name, "database_url": datasette.urls.database(db.name)}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html)


def _int_var(request, name: str) -> int:
    value = request.url_vars[name]
    if not value.isdigit():
        raise NotFound(f"Not an id: {value}")
    return int(value)


def _friendly_404(view):
    """Answer a missing cluster, diff or database with Datasette's own 404 page; raising would make
    Datasette print a full traceback for every mistyped id."""

    async def wrapped(datasette, request):
        try:
            return await view(datasette, request)
        except NotFound as missing:
            html = await datasette.render_template(
                "error.html",
                {"ok": False, "error": str(missing), "status": 404, "title": "Not found"},
                request=request,
            )
            return Response.html(html, status=404)

    wrapped.__name__ = view.__name__
    return wrapped


@_friendly_404
async def overview_view(datasette, request):
    db = await _tracker_db(datasette, request)
    return await _render(
        datasette, request, "tracker_overview.html", db, await overview_context(datasette, db)
    )


@_friendly_404
async def cluster_view(datasette, request):
    db = await _tracker_db(datasette, request)
    context = await cluster_context(datasette, db, _int_var(request, "cluster_id"))
    return await _render(datasette, request, "tracker_cluster.html", db, context)


@_friendly_404
async def diff_view(datasette, request):
    db = await _tracker_db(datasette, request)
    context = await diff_context(datasette, db, _int_var(request, "diff_id"))
    return await _render(datasette, request, "tracker_diff.html", db, context)


@_friendly_404
async def network_view(datasette, request):
    db = await _tracker_db(datasette, request)
    return await _render(
        datasette, request, "tracker_network.html", db, await network_context(datasette, db)
    )


@_friendly_404
async def not_found_view(datasette, request):
    raise NotFound("No such tracker page")


_CSS: str | None = None


async def css_view(datasette, request):
    global _CSS
    if _CSS is None:
        _CSS = (importlib.resources.files("tracker") / "static" / "tracker.css").read_text(
            encoding="utf-8"
        )
    return Response(
        _CSS, content_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=3600"}
    )


# --------------------------------------------------------------------------- hooks


@hookimpl
def register_routes(datasette):
    db = r"(?P<database>[^/]+)"
    return [
        (r"^/-/tracker\.css$", css_view),
        (rf"^/{db}/-/tracker/?$", overview_view),
        (rf"^/{db}/-/tracker/cluster/(?P<cluster_id>[^/]+)$", cluster_view),
        (rf"^/{db}/-/tracker/diff/(?P<diff_id>[^/]+)$", diff_view),
        (rf"^/{db}/-/tracker/network$", network_view),
        # Anything else under tracker's prefix is a 404 here, not a table lookup in Datasette.
        (rf"^/{db}/-/tracker/.*$", not_found_view),
    ]


_TRACKER_FILES: dict[str, bool] = {}
_METADATA_FOR: dict[tuple[str, ...], dict[str, Any]] = {}


def _is_tracker_file(db) -> bool:
    """Whether a served database file has tracker's tables (checked once per file)."""
    path = getattr(db, "path", None)
    if not path:
        return False
    if path not in _TRACKER_FILES:
        from tracker.store import StoreError, table_names_read_only

        try:
            names = table_names_read_only(path)
        except StoreError:
            names = set()
        _TRACKER_FILES[path] = {"pages", "versions", "cluster_members"} <= names
    return _TRACKER_FILES[path]


@hookimpl
def get_metadata(datasette, key, database, table):
    """tracker's metadata for tracker databases served by plain ``datasette`` (no ``--metadata``).

    ``tracker serve`` passes the metadata itself (see :mod:`tracker.serve`), so this only fills in
    when Datasette was started some other way; local metadata still takes precedence.
    """
    if getattr(datasette, "tracker_metadata_applied", False):
        return {}
    names = tuple(sorted(name for name, db in datasette.databases.items() if _is_tracker_file(db)))
    if not names:
        return {}
    if names not in _METADATA_FOR:
        from tracker.serve import load_metadata

        _METADATA_FOR[names] = {"databases": load_metadata(names)["databases"]}
    # Datasette merges hook results into its own dicts in place: hand over a copy.
    return copy.deepcopy(_METADATA_FOR[names])


@hookimpl
def prepare_jinja2_environment(env, datasette):
    templates = str(importlib.resources.files("tracker") / "templates")
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(templates)])


@hookimpl
def prepare_connection(conn, database, datasette):
    conn.create_function("tracker_fts_query", 1, fts_query, deterministic=True)


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    # Badges in table cells (render_cell below) need the stylesheet on Datasette's own pages too.
    if table in TRACKER_TABLES or (template or "").startswith("tracker_"):
        return [datasette.urls.path("/-/tracker.css")]
    return []


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Links from plain table rows to tracker's pages."""
    if table not in TRACKER_TABLES or value is None:
        return None
    try:
        base = _base(datasette, datasette.get_database(database))
    except KeyError:
        return None
    keys = row.keys() if hasattr(row, "keys") else []

    def raw(key: str) -> Any:
        # With labels on, Datasette hands foreign-key cells over as {"value": …, "label": …}.
        cell = row[key]
        return cell["value"] if isinstance(cell, dict) and "value" in cell else cell

    if table == "clusters" and column == "title" and "id" in keys:
        return Markup('<a class="tracker-link" href="{}/cluster/{}">{}</a>').format(
            base, raw("id"), value
        )
    if table == "cluster_members" and column == "role" and "cluster_id" in keys:
        status = (
            "origin" if value == "origin" else ("credited" if raw("credited") else "uncredited")
        )
        return Markup(
            '<a class="tracker-badge badge-{s}" href="{b}/cluster/{c}#member-{p}" title="Open the cluster page">{v}</a>'
        ).format(s=status, b=base, c=raw("cluster_id"), p=raw("page_id"), v=value)
    if table == "diffs" and column == "kind" and "id" in keys:
        return Markup(
            '<a class="tracker-link" href="{}/diff/{}" title="Side-by-side view">{} diff</a>'
        ).format(base, raw("id"), value)
    if table == "diff_ops" and column == "op" and "diff_id" in keys:
        return Markup('<a class="tracker-op op-{v}" href="{b}/diff/{d}#op-{s}">{v}</a>').format(
            v=value, b=base, d=raw("diff_id"), s=raw("seq")
        )
    return None


@hookimpl
def database_actions(datasette, actor, database, request):
    async def inner():
        try:
            db = datasette.get_database(database)
        except KeyError:
            return []
        if not await db.table_exists("cluster_members"):
            return []
        base = _base(datasette, db)
        return [
            {"href": base, "label": "Stories overview (tracker)"},
            {"href": base + "/network", "label": "Republication network"},
        ]

    return inner


@hookimpl
def table_actions(datasette, actor, database, table, request):
    if table not in TRACKER_TABLES:
        return []
    base = _base(datasette, datasette.get_database(database))
    return [
        {"href": base, "label": "Stories overview (tracker)"},
        {"href": base + "/network", "label": "Republication network"},
    ]
