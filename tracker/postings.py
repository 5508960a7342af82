"""Sorted postings of ``uint32`` values to integer keys, and the pairs of keys sharing values:
the store under :class:`tracker.lsh.CandidateIndex` (one group per LSH band; one for the
excerpt anchors).

Pairs are what clustering verifies, and a story copied by a thousand sites makes half a million
of them, shared by every band and nearly every anchor of its pages: :meth:`Postings.shared_pairs`
gives each pair once while holding about one copy of them (runs of equal values holding the
same keys give their pairs once; the rest a slice at a time, merged as they come), where
enumerating every run's pairs then sorting them held one copy per band or anchor (1.4 GB for
1,000 copies of one story).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

# Postings looked up (and band pairs merged) about this many at a time.
MERGE_AT = 1 << 22
# Anchor pairs are counted this many at a time (a count costs ~60 bytes a pair at its peak).
COUNT_AT = 1 << 20


class Postings:
    """A static inverted index of ``uint32`` values to integer keys, in one or more groups
    (one per LSH band; one for the anchors): per group, ``(value, key)`` pairs in two flat
    arrays sorted by value (8 bytes a posting with 32-bit keys). :meth:`pairs` reads them in
    one pass; :meth:`lookup` goes through a directory over the values' top bits (1-2 postings
    per bucket, the values being uniform hashes), built on the first lookup, so a lookup is two
    reads and a short scan instead of a binary search (measured at ~100M postings: 28 µs
    against 178 µs for 96 values). Lookups are batched: many values, of any groups, in one
    numpy pass.

    Args:
        values: ``groups x n`` (or ``n``) values.
        keys: The ``n`` keys, one per column of ``values``.
    """

    def __init__(self, values: np.ndarray, keys: np.ndarray) -> None:
        values = np.atleast_2d(np.asarray(values, dtype=np.uint32))
        keys = np.asarray(keys)
        groups, n = values.shape
        small = n == 0 or (int(keys.min()) >= 0 and int(keys.max()) < 2**31)
        self.values = np.empty(groups * n, dtype=np.uint32)
        self.keys: np.ndarray = np.empty(groups * n, dtype=np.int32 if small else np.int64)
        for group in range(groups):
            lo, hi = group * n, (group + 1) * n
            if small:
                # One uint64 sort of (value, key) pairs: numpy's SIMD sort does 100M in ~2 s,
                # a stable argsort of the values ~30 s. Built in place, split through a view.
                packed = values[group].astype(np.uint64)
                packed <<= np.uint64(32)
                packed |= keys.astype(np.uint64, copy=False)
                packed.sort()
                halves = packed.view(np.uint32).reshape(n, 2)
                little = np.little_endian
                self.values[lo:hi] = halves[:, 1 if little else 0]
                self.keys[lo:hi] = halves[:, 0 if little else 1]
                del packed, halves
            else:
                order = np.argsort(values[group], kind="stable")
                self.values[lo:hi], self.keys[lo:hi] = values[group][order], keys[order]
        self._groups, self._n = groups, n
        # About 1-2 postings per bucket (measured on 1.9M anchor postings: 0.28-0.46 s for a
        # lookup of all of them, against 1.0 s at ~7 a bucket).
        self.bits = max(4, min(28, int(np.log2(max(n, 1)))))
        self._width = (1 << self.bits) + 1
        self._directory: np.ndarray | None = None

    @property
    def directory(self) -> np.ndarray:
        """Start of each bucket of each group in the flat arrays (``groups x (2**bits + 1)``,
        flattened), built on first use."""
        if self._directory is None:
            groups, n = self._groups, self._n
            directory = np.zeros((groups, self._width), dtype=np.int64)
            for group in range(groups):
                lo, hi = group * n, (group + 1) * n
                counts = np.bincount(
                    self.values[lo:hi] >> np.uint32(32 - self.bits), minlength=1 << self.bits
                )
                directory[group, 0] = lo
                np.cumsum(counts, out=directory[group, 1:])
                directory[group, 1:] += lo
            total = groups * n
            self._directory = directory.astype(np.int32 if total < 2**31 else np.int64).ravel()
        return self._directory

    @property
    def nbytes(self) -> int:
        """Bytes held (the directory counted once built)."""
        built = self._directory.nbytes if self._directory is not None else 0
        return int(self.values.nbytes + self.keys.nbytes + built)

    def lookup(
        self, values: np.ndarray, groups: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every posting equal to one of ``values`` (in group ``groups[i]``; group 0 if
        omitted): ``(which, keys)``, ``which[i]`` being the index in ``values`` that
        ``keys[i]`` was found under."""
        values = np.asarray(values, dtype=np.uint32)
        empty = np.empty(0, dtype=np.int64)
        if not len(values) or not len(self.values):
            return empty, empty
        lo, spans = self._buckets(values, groups)
        total = int(spans.sum())
        if not total:
            return empty, empty
        # Every posting of every touched bucket, and which query value's bucket it is in.
        position = np.repeat(lo - (np.cumsum(spans) - spans), spans) + np.arange(total)
        which = np.repeat(np.arange(len(values)), spans)
        same = self.values[position] == values[which]
        return which[same], self.keys[position[same]].astype(np.int64)

    def _buckets(
        self, values: np.ndarray, groups: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Where each value's directory bucket starts in the flat arrays, and how many postings
        it holds (at least the postings equal to the value)."""
        bucket = (values >> np.uint32(32 - self.bits)).astype(np.int64)
        if groups is not None:
            bucket += np.asarray(groups, dtype=np.int64) * self._width
        lo = self.directory[bucket].astype(np.int64)
        return lo, self.directory[bucket + 1].astype(np.int64) - lo

    def bucket_sizes(self, values: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """For each of ``values`` (in group ``groups[i]``; group 0 if omitted), a bound on the
        postings :meth:`lookup` finds for it: the size of its directory bucket."""
        values = np.asarray(values, dtype=np.uint32)
        if not len(values) or not len(self.values):
            return np.zeros(len(values), dtype=np.int64)
        return self._buckets(values, groups)[1]

    def pairs(self, max_run: int | None = None) -> np.ndarray:
        """Every pair of keys holding an equal value in one group, once per such value,
        packed ``key_a << 32 | key_b`` with ``key_a < key_b`` (a value held by more than
        ``max_run`` keys of a group gives none). The keys of the postings, their lookups
        against each other, at the cost of one pass over the sorted postings plus the pairs."""
        out = []
        for group in range(self._groups):
            lo, hi = group * self._n, (group + 1) * self._n
            out.append(_run_pairs(self.values[lo:hi], self.keys[lo:hi], max_run))
        return np.concatenate(out) if out else np.empty(0, dtype=np.uint64)

    def repeated_pairs(self, max_run: int | None = None) -> int:
        """How many pairs runs holding the same key set as another run give again: what
        :meth:`shared_pairs` saves over enumerating every run (large for a story copied many
        times, about none for a corpus of many stories)."""
        found = _long_runs(self.values, self.keys, self._n, max_run)
        if found is None:
            return 0
        _, _, lengths, index, times = found
        sizes = lengths[index].astype(np.int64)
        return int(((times - 1) * sizes * (sizes - 1) // 2).sum())

    def plain_distinct_pairs(self) -> np.ndarray:
        """:meth:`distinct_pairs` by enumerating every run of every group, merged as they come
        (faster where runs rarely repeat each other's keys)."""
        out = np.empty(0, dtype=np.uint64)
        parts: list[np.ndarray] = []
        pending = 0
        for group in range(self._groups):
            lo, hi = group * self._n, (group + 1) * self._n
            parts.append(_run_pairs(self.values[lo:hi], self.keys[lo:hi], None))
            pending += len(parts[-1])
            if pending > 2 * max(len(out), MERGE_AT):
                out, parts, pending = np.unique(np.concatenate([out, *parts])), [], 0
        return np.unique(np.concatenate([out, *parts]))

    def plain_shared_pairs(self, min_shared: int, max_run: int | None = None) -> np.ndarray:
        """:meth:`shared_pairs` by enumerating every run's pairs and one sort of them all
        (faster where runs rarely repeat each other's keys; memory one copy per shared value)."""
        shared = self.pairs(max_run)
        shared.sort()
        step = min_shared - 1
        hits = shared[step:][shared[step:] == shared[:-step]] if step else shared
        return np.unique(hits)

    def distinct_pairs(self) -> np.ndarray:
        """The pairs of :meth:`pairs`, each once, sorted (see :meth:`shared_pairs`: pages
        sharing every band, one story copied many times, hold about one copy of their pairs in
        memory rather than one per band)."""
        return self.shared_pairs(1)

    def shared_pairs(self, min_shared: int, max_run: int | None = None) -> np.ndarray:
        """The pairs of :meth:`pairs` holding at least ``min_shared`` equal values, each once,
        sorted, in memory about one copy of the distinct pairs whatever their number of shared
        values (a story copied a thousand times shares each of its anchors, and each band, on
        the same thousand pages: half a million pairs, a hundred times over):

        - runs of equal values held by ``_LONG_RUN`` keys or more are grouped by their key
          set, over all groups, and each distinct set gives its pairs once, counted as many
          times as it occurs;
        - the shorter runs give their pairs a slice of postings at a time, about
          ``COUNT_AT`` pairs a slice;
        - the pairs (and their counts) are merged as they come, when the pending ones outnumber
          twice the merged ones (or ``MERGE_AT``), and once more at the end; pairs seen twice
          (``min_shared`` 2, the anchors) by plain sorts (:func:`_twice`).
        """
        counted = np.empty(0, dtype=np.uint64)
        counts = np.empty(0, dtype=np.int64)
        parts: list[tuple[np.ndarray, int]] = []
        pending = 0
        short = _LONG_RUN - 1 if max_run is None else min(max_run, _LONG_RUN - 1)

        def made() -> Iterator[tuple[np.ndarray, int]]:
            for group in range(self._groups):
                lo, hi = group * self._n, (group + 1) * self._n
                values, keys = self.values[lo:hi], self.keys[lo:hi]
                for start, stop in _slices(values, short, COUNT_AT):
                    yield _run_pairs(values[start:stop], keys[start:stop], short), 1
            yield from _long_run_pairs(self.values, self.keys, self._n, max_run)

        if min_shared == 2:
            return _twice(made())
        # merged when the pairs pending outnumber twice the merged ones (or MERGE_AT): each pair
        # is sorted a few times at most, and a run's repeats are held about once
        for part, times in made():
            parts.append((part, times))
            pending += len(part)
            if pending > 2 * max(len(counted), MERGE_AT):
                counted, counts = _count(counted, counts, parts, min_shared > 1)
                parts, pending = [], 0
        counted, counts = _count(counted, counts, parts, min_shared > 1)
        return counted[counts >= min_shared] if min_shared > 1 else counted


# Runs of equal values this long or longer are grouped by their key sets (shared_pairs).
_LONG_RUN = 16


def _long_runs(
    values: np.ndarray, keys: np.ndarray, size: int, max_run: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The runs of ``_LONG_RUN`` to ``max_run`` equal values (:func:`_long_run_pairs`): their
    keys one run after another, each run's offset and length there, and for each distinct key
    set the index of a run holding it and how many runs do; None when there is none."""
    span = _LONG_RUN - 1
    # Positions starting a window of _LONG_RUN equal values inside one group: each long run
    # is one block of consecutive such positions.
    if len(values) <= span:
        return None
    hits = np.flatnonzero(values[span:] == values[:-span])
    hits = hits[hits // size == (hits + span) // size]
    if not len(hits):
        return None
    first = np.flatnonzero(np.diff(hits, prepend=-2) != 1)
    starts = hits[first]
    lengths = np.diff(np.append(first, len(hits))) + span
    if max_run is not None:
        starts, lengths = starts[lengths <= max_run], lengths[lengths <= max_run]
    if not len(starts):
        return None
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    held = keys[np.arange(int(lengths.sum())) - np.repeat(offsets - starts, lengths)]
    summary = [lengths.astype(np.uint64)]
    for seed in (0x9E3779B97F4A7C15, 0xD1B54A32D192ED03):
        summary.append(np.add.reduceat(_mix64(held, seed), offsets))
    _, index, times = np.unique(
        np.stack(summary, axis=1), axis=0, return_index=True, return_counts=True
    )
    return held, offsets, lengths, index, times


def _long_run_pairs(
    values: np.ndarray, keys: np.ndarray, size: int, max_run: int | None
) -> Iterator[tuple[np.ndarray, int]]:
    """The pairs of each distinct key set held by runs of ``_LONG_RUN`` to ``max_run`` equal
    values (groups of ``size`` postings, each sorted by value then key), with how many runs
    hold it. A set is known by its length and two sums of its keys through different 64-bit
    mixers (equal for equal sets; two different sets agreeing on all three would lose the
    pairs of one: odds ~2**-128). Only the long runs' postings are read twice."""
    found = _long_runs(values, keys, size, max_run)
    if found is None:
        return
    held, offsets, lengths, index, times = found
    # One part per number of runs holding a set and slice of about COUNT_AT pairs, not one per
    # distinct set: a Python step per set took 7.5 s for 100,000 sets of 16 keys (every pair
    # enumerated: 0.4 s).
    for count in np.unique(times).tolist():
        chosen = index[times == count]
        sizes = lengths[chosen]
        begins = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        run_of = np.repeat(np.arange(len(chosen)), sizes)
        chosen_keys = held[np.arange(int(sizes.sum())) - np.repeat(begins - offsets[chosen], sizes)]
        for start, stop in _slices(run_of, None, COUNT_AT):
            run, run_keys = run_of[start:stop], chosen_keys[start:stop]
            yield _pairs_in_runs(run, run_keys, np.flatnonzero(run[1:] == run[:-1])), count


def _mix64(keys: np.ndarray, seed: int) -> np.ndarray:
    """``keys`` through splitmix64's finaliser after adding ``seed`` (wrapping)."""
    with np.errstate(over="ignore"):
        z = keys.astype(np.uint64) + np.uint64(seed)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


# Pairs seen once are sorted with the next ones once these are this many (2 GB) or more: a
# million pages sort theirs once, as the index did before it counted long runs once.
_SORT_AT = 1 << 28


def _twice(parts: Iterable[tuple[np.ndarray, int]]) -> np.ndarray:
    """The pairs seen at least twice in ``parts`` (each seen the given number of times), each
    once, sorted: the pairs seen once so far are kept sorted and distinct, and sorted again with
    the next ones once these outnumber them twice (or ``_SORT_AT``); a pair is seen twice when
    two equal pairs meet in a sort. Only plain sorts, no counts (where most pairs are seen once,
    counting them costs several times a sort)."""
    hits: list[np.ndarray] = []
    once = np.empty(0, dtype=np.uint64)
    pending: list[np.ndarray] = []
    waiting = 0

    def merge(rest: list[np.ndarray]) -> np.ndarray:
        merged = np.sort(np.concatenate([once, *rest]))
        if not len(merged):
            return merged
        same = merged[1:] == merged[:-1]
        hits.append(merged[1:][same])
        return merged[np.concatenate(([True], ~same))]

    for part, times in parts:
        if times >= 2:
            hits.append(part)
            continue
        pending.append(part)
        waiting += len(part)
        if waiting > 2 * max(len(once), _SORT_AT):
            once, pending, waiting = merge(pending), [], 0
    merge(pending)
    return np.unique(np.concatenate([np.empty(0, dtype=np.uint64), *hits]))


def _count(
    counted: np.ndarray, counts: np.ndarray, parts: list[tuple[np.ndarray, int]], counting: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``counted`` (distinct, with ``counts``) and the pairs of ``parts`` (each seen the
    given number of times) merged: each pair once, sorted, with how many times it was seen
    (when ``counting``; else the counts stay empty)."""
    if not parts:
        return counted, counts
    added = np.concatenate([part for part, _ in parts])
    if not counting:
        return np.unique(np.concatenate([counted, added])), counts
    weights = np.repeat([times for _, times in parts], [len(part) for part, _ in parts])
    merged, inverse = np.unique(np.concatenate([counted, added]), return_inverse=True)
    inverse = inverse.ravel()
    total = np.bincount(inverse[len(counted) :], weights=weights, minlength=len(merged))
    total = total.astype(np.int64)
    total[inverse[: len(counted)]] += counts
    return merged, total


def _slices(values: np.ndarray, max_run: int | None, budget: int) -> list[tuple[int, int]]:
    """``(start, stop)`` slices of sorted ``values`` covering them, cut between runs of equal
    values so that each slice's runs give about ``budget`` pairs (a run giving more is a slice
    of its own; a run longer than ``max_run`` gives none). Reads only the positions that have
    an equal neighbour (few, where most values are unique)."""
    n = len(values)
    live = np.flatnonzero(values[1:] == values[:-1])
    if not len(live):
        return [(0, n)] if n else []
    first = np.flatnonzero(np.diff(live, prepend=-2) != 1)
    lengths = np.diff(np.append(first, len(live))) + 1
    pairs = lengths * (lengths - 1) // 2
    if max_run is not None:
        pairs[lengths > max_run] = 0
    cumulative = np.cumsum(pairs)
    if int(cumulative[-1]) <= budget:
        return [(0, n)]
    run_starts = live[first]
    out = []
    run = begin = 0
    while run < len(first):
        before = int(cumulative[run - 1]) if run else 0
        end = max(run + 1, int(np.searchsorted(cumulative, before + budget, side="right")))
        stop = int(run_starts[end]) if end < len(first) else n
        out.append((begin, stop))
        run, begin = end, stop
    return out


def query_batches(upto: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive ranges ``(first, last)`` of queries, each finding about ``MERGE_AT``
    postings at most (a query finding more is a range of its own); ``upto[i]``: the postings
    queries before ``i`` find (``len(upto)`` is the number of queries plus one)."""
    out = []
    first, queries = 0, len(upto) - 1
    while first < queries:
        last = int(np.searchsorted(upto, upto[first] + MERGE_AT, side="right")) - 1
        last = min(queries, max(first + 1, last))
        out.append((first, last))
        first = last
    return out


def _run_pairs(values: np.ndarray, keys: np.ndarray, max_run: int | None) -> np.ndarray:
    """Pairs of keys within each run of equal ``values`` (sorted by value, then key)."""
    # Positions i with values[i] == values[i + 1]: few, where most values are unique.
    live = np.flatnonzero(values[1:] == values[:-1])
    if max_run is not None and len(live):
        # A run of length m + 1 is m consecutive positions of ``live``.
        starts = np.flatnonzero(np.diff(live, prepend=-2) != 1)
        lengths = np.diff(np.append(starts, len(live)))
        live = live[np.repeat(lengths + 1 <= max_run, lengths)]
    return _pairs_in_runs(values, keys, live)


def _pairs_in_runs(values: np.ndarray, keys: np.ndarray, live: np.ndarray) -> np.ndarray:
    """The pairs of the runs of equal ``values`` whose positions with an equal right
    neighbour are ``live``."""
    n = len(values)
    out = [np.empty(0, dtype=np.uint64)]
    distance = 1
    # Offset by offset: pairs (i, i + d) inside a run; most runs are short, so the positions
    # still having a partner d places on shrink fast.
    while len(live):
        out.append(
            (keys[live].astype(np.uint64) << np.uint64(32))
            | keys[live + distance].astype(np.uint64)
        )
        distance += 1
        live = live[live + distance < n]
        live = live[values[live + distance] == values[live]]
    return np.concatenate(out)


def pack_pairs(queries: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``(query, key)`` pairs packed in one ``uint64`` each (query in the high half)."""
    return (queries.astype(np.uint64) << np.uint64(32)) | keys.astype(np.uint64)


def unpack_pairs(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``(query, key)`` arrays of pairs made by :func:`pack_pairs`."""
    return (packed >> np.uint64(32)).astype(np.int64), (packed & np.uint64(0xFFFFFFFF)).astype(
        np.int64
    )
