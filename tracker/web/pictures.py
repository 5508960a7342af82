"""Where things go in the pictures of tracker's pages: a story's timeline, its credit chain and the
network of sites.

Only the layout arithmetic lives here: each ``*_picture`` function turns rows into positions,
colours and (clipped) labels. The SVG markup is written by the macros in
``templates/_pictures.html``, so every label reaches the page through Jinja's autoescape.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tracker.web.format import clip, human_delay, wrap_label

COLOURS = {
    "origin": "#1d3f6e",
    "credited": "#2e7d32",
    "uncredited": "#c62828",
    "axis": "#6b7280",
    "grid": "#e5e7eb",
    "edge": "#4b6584",
}


# --------------------------------------------------------------------------- timeline


@dataclass
class TimelinePoint:
    """One member on the timeline."""

    label: str
    when: datetime
    status: str  # origin, credited or uncredited
    role: str


@dataclass
class TimelineTick:
    """A time on the axis: a grid line and its label."""

    x: float
    label: str


@dataclass
class LegendEntry:
    """A coloured dot and what it means."""

    x: int
    colour: str
    text: str


@dataclass
class TimelineRow:
    """One member's row: its name, its dot, a line back to the origin's time and the delay."""

    label: str
    y: float  # the row's middle
    shaded: bool
    x: float
    status: str
    colour: str
    fill: str  # white for an excerpt: the dot is hollow
    tip: str
    delay: str


@dataclass
class Timeline:
    """Everything the timeline macro draws."""

    width: int
    height: int
    row_height: int
    label_x: int  # right edge of the members' names
    top: int
    axis_y: int
    origin_x: float
    ticks: list[TimelineTick]
    legend: list[LegendEntry]
    hollow_legend_x: int
    rows: list[TimelineRow]
    colours: dict[str, str] = field(default_factory=lambda: dict(COLOURS))


def _nice_step(span: timedelta) -> timedelta:
    steps = [
        timedelta(minutes=m)
        for m in (1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080, 20160, 43200, 129600, 525600)
    ]
    for step in steps:
        if span / step <= 7:
            return step
    return steps[-1]


def timeline_picture(points: Sequence[TimelinePoint], *, width: int = 880) -> Timeline | None:
    """A dot-per-member chart of a story's spread: one row per member in time order, the delay after
    the origin written beside each dot, a dashed line at the origin's time. ``None`` without points.
    """
    if not points:
        return None
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
    step = _nice_step(hi - lo)
    fmt = "%d %b %H:%M" if (hi - lo) < timedelta(days=3) else "%d %b %Y"
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    tick = epoch + ((lo - epoch) // step + 1) * step
    ticks = []
    while tick < hi:
        ticks.append(TimelineTick(x(tick), tick.strftime(fmt)))
        tick += step
    legend = []
    lx = left
    for key, text in (
        ("origin", "origin"),
        ("credited", "credited copy"),
        ("uncredited", "uncredited copy"),
    ):
        legend.append(LegendEntry(lx, COLOURS[key], text))
        lx += 24 + 7 * len(text)
    rows = []
    for i, point in enumerate(points):
        colour = COLOURS.get(point.status, COLOURS["uncredited"])
        rows.append(
            TimelineRow(
                label=" ".join(wrap_label(point.label, 26, lines=1)),
                y=top + row_h * i + row_h / 2,
                shaded=i % 2 == 0,
                x=x(point.when),
                status=point.status,
                colour=colour,
                fill="white" if point.role == "excerpt" else colour,
                tip=f"{point.label} — {point.role}, {point.when:%Y-%m-%d %H:%M} UTC",
                # The dashed line is already labelled "origin": its row needs no second one.
                delay="" if point.status == "origin" else human_delay(point.when - origin.when),
            )
        )
    return Timeline(
        width=width,
        height=height,
        row_height=row_h,
        label_x=left - 14,
        top=top,
        axis_y=top + row_h * len(points) + 6,
        origin_x=x(origin.when),
        ticks=ticks,
        legend=legend,
        hollow_legend_x=lx,
        rows=rows,
    )


# --------------------------------------------------------------------------- credit chain


@dataclass
class ChainNode:
    """One member in the credit-chain picture."""

    page_id: int
    label: str
    sub: str
    status: str
    credits: int | None  # page id this member credits, inside the cluster


@dataclass
class ChainBox:
    """A member's box: top-left corner, name and role line."""

    x: float
    y: float
    label: str
    sub: str
    status: str
    colour: str
    origin: bool
    lines: list[str] = field(default_factory=list)  # the name, wrapped at spaces


@dataclass
class ChainArrow:
    """A curve from a copy to the page it credits (or, uncredited, to the origin)."""

    x1: float
    y1: float
    x2: float
    y2: float
    mid_x: float
    credited: bool


@dataclass
class Chain:
    """Everything the chain macro draws."""

    width: int
    height: int
    box_width: int
    box_height: int
    arrows: list[ChainArrow]
    boxes: list[ChainBox]
    colours: dict[str, str] = field(default_factory=lambda: dict(COLOURS))


def chain_picture(
    nodes: Sequence[ChainNode], origin_id: int | None, *, width: int = 880
) -> Chain | None:
    """The credit chain: the origin on the left, each copy in a column by how many credit links
    separate it from the origin, an arrow from every copy to the page it credits, and a red dashed
    arrow to the origin from every copy that credits nobody. ``None`` without nodes."""
    if not nodes:
        return None
    by_id = {n.page_id: n for n in nodes}

    def depth_of(node: ChainNode, seen: frozenset[int] = frozenset()) -> int:
        if node.page_id == origin_id:
            return 0
        parent = by_id.get(node.credits) if node.credits is not None else None
        if parent is None or parent.page_id in seen:
            return 1
        return 1 + depth_of(parent, seen | {node.page_id})

    depth = {node.page_id: depth_of(node) for node in nodes}
    columns: dict[int, list[ChainNode]] = defaultdict(list)
    for node in nodes:  # already in time order
        columns[depth[node.page_id]].append(node)
    row = {node.page_id: i for col in columns.values() for i, node in enumerate(col)}
    # Long names take two lines (wrapped at spaces, never cut mid-word): then every box is taller.
    wrapped = {node.page_id: wrap_label(node.label, 24) or [""] for node in nodes}
    two_lines = any(len(lines) > 1 for lines in wrapped.values())
    box_w, box_h, gap_y = 196, (62 if two_lines else 46), 18
    n_cols = max(columns) + 1
    gap_x = max(60, min(140, (width - 20 - n_cols * box_w) // max(n_cols - 1, 1)))
    width = max(width, 20 + n_cols * box_w + (n_cols - 1) * gap_x)
    height = 24 + max(len(c) for c in columns.values()) * (box_h + gap_y)

    def pos(node: ChainNode) -> tuple[float, float]:
        return 10 + depth[node.page_id] * (box_w + gap_x), 14 + row[node.page_id] * (box_h + gap_y)

    arrows = []
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
        if depth[target.page_id] >= depth[node.page_id]:  # a credit sideways or backwards
            x1, x2 = sx + box_w / 2, tx + box_w / 2
            y1, y2 = sy, ty + box_h
        arrows.append(ChainArrow(x1, y1, x2, y2, (x1 + x2) / 2, credited))
    boxes = []
    for node in nodes:
        bx, by = pos(node)
        boxes.append(
            ChainBox(
                x=bx,
                y=by,
                label=" ".join(wrapped[node.page_id]),
                sub=clip(node.sub, 30),
                status=node.status,
                colour=COLOURS.get(node.status, COLOURS["uncredited"]),
                origin=node.page_id == origin_id,
                lines=wrapped[node.page_id],
            )
        )
    return Chain(width, height, box_w, box_h, arrows, boxes)


# --------------------------------------------------------------------------- network


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
class NetworkArrow:
    """One curve of an edge: its credited or its uncredited copies, with their count."""

    kind: str  # credited or uncredited
    x1: float
    y1: float
    control_x: float
    control_y: float
    x2: float  # stops at the target's rim
    y2: float
    count_x: float  # the count sits on the curve's middle
    count_y: float
    stroke_width: float
    colour: str
    count: int
    tip: str


@dataclass
class NetworkNode:
    """A site on the circle and where its name goes."""

    site: str
    label: str
    x: float
    y: float
    r: float
    weight: int
    label_x: float
    label_y: float
    anchor: str  # start, end or middle
    lines: list[str] = field(default_factory=list)  # the name, wrapped at spaces


@dataclass
class Network:
    """Everything the network macro draws, and how many sites it left out."""

    width: int
    height: int
    arrows: list[NetworkArrow]
    nodes: list[NetworkNode]
    hidden: int = 0
    colours: dict[str, str] = field(default_factory=lambda: dict(COLOURS))


def network_picture(
    edges: Sequence[Edge], labels: dict[str, str], *, size: int = 760, max_sites: int = 36
) -> Network | None:
    """Sites on a circle, an arrow from the original site to each site that republished it,
    thickness by number of stories; credited copies solid blue-grey, uncredited red dashed.
    ``None`` without edges."""
    if not edges:
        return None
    weight: dict[str, int] = defaultdict(int)
    for edge in edges:
        weight[edge.source] += edge.total
        weight[edge.target] += edge.total
    ranked = sorted(weight, key=lambda s: (-weight[s], s))
    shown = set(ranked[:max_sites])
    # Alternate heavy and light sites around the circle so thick edges do not bunch on one side.
    order = ranked[: len(shown)]
    order = order[::2] + order[1::2][::-1]
    margin = 150
    width = size + 2 * margin
    height = size + 60
    cx, cy, radius = width / 2, height / 2 + 10, size / 2 - 40
    positions = {}
    for i, site in enumerate(order):
        angle = -math.pi / 2 + 2 * math.pi * i / len(order)
        positions[site] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    max_weight = max(weight.values())

    def node_r(site: str) -> float:
        return 7 + 13 * math.sqrt(weight[site] / max_weight)

    arrows = []
    for edge in sorted(edges, key=lambda e: e.total):
        if edge.source not in shown or edge.target not in shown:
            continue
        (x1, y1), (x2, y2) = positions[edge.source], positions[edge.target]
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
            bad = kind == "uncredited"
            source = labels.get(edge.source, edge.source)
            target = labels.get(edge.target, edge.target)
            arrows.append(
                NetworkArrow(
                    kind=kind,
                    x1=x1,
                    y1=y1,
                    control_x=ctrl_x,
                    control_y=ctrl_y,
                    x2=x2 - ex / elen * (node_r(edge.target) + 2),
                    y2=y2 - ey / elen * (node_r(edge.target) + 2),
                    count_x=0.25 * x1 + 0.5 * ctrl_x + 0.25 * x2,
                    count_y=0.25 * y1 + 0.5 * ctrl_y + 0.25 * y2,
                    # An absolute scale, so one story looks the same in every database.
                    stroke_width=min(12.0, 1.5 + 2.2 * math.log2(1 + count)),
                    colour=COLOURS["uncredited"] if bad else COLOURS["edge"],
                    count=count,
                    tip=f"{target} republished {count} {'story' if count == 1 else 'stories'} "
                    f"of {source} {'without' if bad else 'with'} credit",
                )
            )
    nodes = []
    for site in order:
        x, y = positions[site]
        r = node_r(site)
        anchor = "start" if x > cx + 1 else ("end" if x < cx - 1 else "middle")
        dx = {"start": 1, "end": -1, "middle": 0}[anchor] * (r + 6)
        lines = wrap_label(labels.get(site, site), 22) or [site]
        extra = 15 * (len(lines) - 1)
        if anchor != "middle":
            dy = 4 - extra / 2
        else:
            dy = -(r + 8) - extra if y < cy else r + 16
        nodes.append(
            NetworkNode(
                site=site,
                lines=lines,
                label=" ".join(lines),
                x=x,
                y=y,
                r=r,
                weight=weight[site],
                label_x=x + dx,
                label_y=y + dy,
                anchor=anchor,
            )
        )
    return Network(width, height, arrows, nodes, hidden=len(ranked) - len(shown))
