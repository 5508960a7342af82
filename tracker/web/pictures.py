"""The pictures of tracker's pages: a story's timeline, its credit chain and the network of sites.

SVG drawn on the server: no JavaScript, nothing fetched from elsewhere. Labels are scraped text
and reach the markup escaped.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from tracker.web.format import clip, human_delay

COLOURS = {
    "origin": "#1d3f6e",
    "credited": "#2e7d32",
    "uncredited": "#c62828",
    "axis": "#6b7280",
    "grid": "#e5e7eb",
    "edge": "#4b6584",
}


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
