"""Matching near-duplicates in memory: exact verification of a candidate pair, and star
clusters that a hub page cannot chain. Pure functions of shingle sets (no store), used by
:mod:`tracker.clustering` and ``bench/bench_cluster.py``.

A pair matches as a **repost** when the exact Jaccard of the shingle sets is >= ``J_THRESHOLD``,
or as an **excerpt** when the smaller set's containment in the larger is >= ``C_THRESHOLD`` with
at least ``MIN_SHARED`` shared shingles. Clusters are stars around a seed: a page joins only by
matching the seed, so a roundup carrying two articles can join one of them but never merge them.

**Settings** (``python bench/bench_cluster.py --calibrate`` on the real corpus and the synthetic
benchmark; figures in the README): ``J_THRESHOLD`` = ``C_THRESHOLD`` = 0.5: unrelated articles of
the scrapinghub set (14,706 pairs, incl. the same story covered by different outlets) reach at
most Jaccard 0.14 and containment 0.27 at k = 5 (the 0.27 is two pages of one site sharing an
"about us" block; the highest cross-outlet pair is 0.23), while the copietje variants score
containment >= 0.95 and copies with a typo every 20 words Jaccard >= 0.58.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from tracker import fingerprint as fp

J_THRESHOLD = 0.5
C_THRESHOLD = 0.5
MIN_SHINGLES = 20
MIN_SHARED = 25


@dataclass(frozen=True)
class Match:
    """A verified pair: exact Jaccard, containment of the smaller set in the larger, and which
    side is larger (``a_larger``: the first page given holds more shingles)."""

    jaccard: float
    containment: float
    shared: int
    a_larger: bool

    @property
    def is_repost(self) -> bool:
        return self.jaccard >= J_THRESHOLD


def verify(a: np.ndarray, b: np.ndarray) -> Match | None:
    """Check a candidate pair on the exact shingle sets.

    Args:
        a: Shingle set of the first page.
        b: Shingle set of the second page.

    Returns:
        The :class:`Match` when the pair is a repost or an excerpt, else ``None``.
    """
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return None
    shared = fp.intersection_size(a, b)
    union = len(a) + len(b) - shared
    jac = shared / union if union else 0.0
    cont = shared / min(len(a), len(b))
    match = Match(jac, cont, shared, len(a) > len(b))
    if jac >= J_THRESHOLD or (cont >= C_THRESHOLD and shared >= MIN_SHARED):
        return match
    return None


def measure(a: np.ndarray, b: np.ndarray, a_first: bool = True) -> Match:
    """Exact Jaccard and containment of a pair whatever their values; ``a_first`` says whether
    ``a`` is the pair's lower key (the orientation :class:`Match` records)."""
    shared = fp.intersection_size(a, b)
    union = len(a) + len(b) - shared
    smaller = min(len(a), len(b))
    larger_first = len(a) > len(b) if a_first else len(b) > len(a)
    return Match(
        shared / union if union else 0.0, shared / smaller if smaller else 0.0, shared, larger_first
    )


def star_clusters(
    nodes: Iterable[int], edges: dict[tuple[int, int], Match]
) -> list[tuple[int, list[int]]]:
    """Group pages into star clusters without chaining.

    Within each connected group of matches, the seed is the page with the most repost matches,
    then the fewest matches overall (never a roundup while an article is available), then the
    lowest key; its matches join. A page left over may still join a cluster through a member
    that is a repost of the seed (an excerpt of the original whose seed is a copy missing the
    excerpted paragraph); it joins one cluster at most, so clusters never merge.

    Args:
        nodes: Page keys to group.
        edges: Verified matches keyed ``(u, v)`` with ``u < v``.

    Returns:
        ``(seed, members)`` per cluster of two or more pages.
    """
    neighbours: dict[int, dict[int, Match]] = defaultdict(dict)
    universe = set(nodes)
    for (u, v), match in edges.items():
        if u in universe and v in universe:
            neighbours[u][v] = match
            neighbours[v][u] = match
    out: list[tuple[int, list[int]]] = []
    seen: set[int] = set()
    for start in sorted(neighbours):
        if start in seen:
            continue
        component, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node not in component:
                component.add(node)
                stack.extend(n for n in neighbours[node] if n not in component)
        seen |= component
        remaining = set(component)
        stars: dict[int, list[int]] = {}
        while True:
            best = None
            for node in remaining:
                near = [m for other, m in neighbours[node].items() if other in remaining]
                if near:
                    key = (-sum(m.is_repost for m in near), len(near), node)
                    if best is None or key < best:
                        best = key
            if best is None:
                break
            seed = best[2]
            stars[seed] = sorted(o for o in neighbours[seed] if o in remaining)
            remaining.difference_update(stars[seed])
            remaining.discard(seed)
        for node in sorted(remaining):
            options = []
            for seed, members in stars.items():
                for via in members:
                    if via in neighbours[node] and neighbours[seed][via].is_repost:
                        m = neighbours[node][via]
                        options.append((not m.is_repost, -max(m.jaccard, m.containment), seed))
            if options:
                stars[min(options)[2]].append(node)
        out.extend((seed, sorted(members)) for seed, members in sorted(stars.items()))
    return out
