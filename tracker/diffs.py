"""Diffs: what changed between two versions of a page, or between an original and its repost.

One engine answers both questions. Each paragraph is compared by
its normalised form (:func:`tracker.normalize.normalize_text`), so quote styles, dashes, case and
whitespace are never reported as edits. The alignment then has four steps:

1. Paragraphs with the same normalised text are anchored in order (a longest-common-subsequence
   style match on the paragraph keys, never on raw text, so long articles stay cheap).
2. Paragraphs present on both sides but left out of that in-order match changed place: each one is
   a single ``move``. After step 3, a leftover pair far apart that still shares most of its words
   is a reworded ``move`` (similarity below 1, counted as moved and as changed).
3. In every gap between two anchors, leftover paragraphs are paired as ``replace`` when they share
   enough words (a monotonic best pairing; the reported similarity is the word-level
   ``difflib`` ratio).
4. What is still left is ``delete`` (only in A) or ``insert`` (only in B).

``retained`` (and words added and removed) is counted on words, not paragraphs: the share of A's
words that B keeps in order, so a copy that merges, splits or re-flows A's paragraphs keeps all
of them. Equal and moved paragraphs keep all their words; in each gap between two equal
paragraphs, the words of the other paragraphs of both sides are aligned as two word sequences
(:func:`kept_words`), whatever their paragraph breaks.

The alignment is computed in one canonical orientation and transposed when needed, so
``diff(A, B)`` and ``diff(B, A)`` are exact mirrors: inserts become deletes, words added become
words removed.

Ops are ordered as B reads, with each deleted paragraph placed where it stood in A. Every op keeps
A's and B's original (un-normalised) text, so :func:`apply_ops` rebuilds B exactly from A.

Why no pandas here: a pair's alignment is sequential work on a few dozen paragraphs (an LCS on
paragraph keys, a small dynamic programme per gap, a word alignment), which has no column-wise
form; building the per-document frames alone took about half of a 1,000-word diff (0.5 of 1 ms
per document, measured with ``bench/bench_diff.py``'s articles), so the engine uses lists, and
summing a handful of op counts needs no frame either.

In the database a diff is one ``diffs`` row with the summary figures and its ``diff_ops`` rows,
written through :mod:`tracker.store.diffs`; :func:`diff_new_versions` and
:func:`diff_cluster_members` are the pipeline's diff stage.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from typing import Any, Literal

import sqlite_utils

from tracker.normalize import normalize_text
from tracker.store import diffs as store_diffs

OpName = Literal["equal", "replace", "insert", "delete", "move"]
DiffKind = Literal["version", "repost"]

# Two leftover paragraphs in the same gap are "the same paragraph, reworded" when at least this
# share of their distinct words is common (Dice coefficient on word sets).
REPLACE_MIN_OVERLAP = 0.5
# A paragraph that moved and was reworded must share more of its words to count as moved.
MOVE_MIN_OVERLAP = 0.7
# Above this many candidate pairs in one gap (a full rewrite of a very long text), pairing is
# skipped: the paragraphs are reported as removed and added rather than spending seconds.
MAX_GAP_PAIRS = 250_000
# The word alignment behind ``retained`` counts a run of fewer than this many equal words only
# when it lies within RUN_SLACK words (on both sides) of a longer run or of an edge: a changed
# word between two kept runs leaves its neighbours kept, while the lone "the" and "of" that any
# two English texts share in order are not text kept from A.
MIN_RUN = 3
RUN_SLACK = 3
# Word sequences up to this many word pairs are aligned by difflib directly; longer ones are
# first cut at runs of MIN_RUN words that occur once on each side (patience-diff anchors).
DIRECT_ALIGNMENT = 20_000


@dataclass(eq=False)
class Doc:
    """One side of a diff: a version's fields and its paragraphs.

    Attributes:
        paragraphs: The body, one string per paragraph, as stored (not normalised).
        title: Headline.
        byline: Author line.
        published: Publication date as the page states it.
        credits: Credit keys the page declares (see :func:`credit_keys`), e.g. ``"site:apnews.com"``.
    """

    paragraphs: list[str]
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    credits: list[str] = field(default_factory=list)

    @cached_property
    def norms(self) -> list[str]:
        """Each paragraph in normalised form (its comparison key)."""
        return [normalize_text(p) for p in self.paragraphs]

    @cached_property
    def words(self) -> list[list[str]]:
        """Each paragraph's normalised words."""
        return [norm.split() for norm in self.norms]

    @cached_property
    def word_counts(self) -> list[int]:
        return [len(words) for words in self.words]


@dataclass
class DiffOp:
    """One step from A to B.

    Attributes:
        seq: Position in the op list (0-based).
        op: ``equal``, ``replace``, ``insert``, ``delete`` or ``move``.
        a_text: A's paragraph (None for ``insert``).
        b_text: B's paragraph, original text (None for ``delete``).
        similarity: 1.0 for ``equal`` and an unchanged ``move``, the word-level ratio for
            ``replace`` and a reworded ``move``, None for ``insert``/``delete``.
        a_index: Paragraph number in A (0-based), None for ``insert``.
        b_index: Paragraph number in B (0-based), None for ``delete``.
    """

    seq: int
    op: OpName
    a_text: str | None
    b_text: str | None
    similarity: float | None
    a_index: int | None
    b_index: int | None


@dataclass
class DiffResult:
    """Summary figures and ops of one diff (the columns of ``diffs`` plus the ``diff_ops``)."""

    retained: float
    words_added: int
    words_removed: int
    paragraphs_added: int
    paragraphs_removed: int
    paragraphs_changed: int
    paragraphs_moved: int
    title_changed: bool
    old_title: str | None
    new_title: str | None
    byline_changed: bool
    published_changed: bool
    credit_added: bool
    credit_removed: bool
    ops: list[DiffOp] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The summary figures as a plain dict (no ops)."""
        data = asdict(self)
        del data["ops"]
        return data

    @property
    def body_equal(self) -> bool:
        """True when every paragraph is ``equal`` (no body edit at all)."""
        return all(op.op == "equal" for op in self.ops)


# ---------------------------------------------------------------------------------------------
# Alignment


@dataclass
class _Pair:
    a: int | None
    b: int | None
    op: OpName
    similarity: float | None
    matched_words: int  # words of A kept in B by a moved pair


def _word_match(a_norm: str, b_norm: str) -> tuple[float, int]:
    """Word-level ratio and number of matched words of two normalised paragraphs."""
    a_words, b_words = a_norm.split(), b_norm.split()
    if not a_words and not b_words:
        return 1.0, 0
    matcher = SequenceMatcher(None, a_words, b_words, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return 2.0 * matched / (len(a_words) + len(b_words)), matched


_Run = tuple[int, int, int]  # start in a, start in b, length


def _shingles(words: Sequence[str], lo: int, hi: int) -> list[str]:
    """The runs of ``MIN_RUN`` words starting at each position of ``words[lo:hi]``, as strings
    (not tuples: thousands of tuples would wake the garbage collector)."""
    columns = (words[lo + k : hi - MIN_RUN + 1 + k] for k in range(MIN_RUN))
    return list(map(" ".join, zip(*columns, strict=True)))


def _anchors(
    a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int
) -> tuple[list[int], list[int]] | None:
    """Where ``a[alo:ahi]`` and ``b[blo:bhi]`` share a run of ``MIN_RUN`` words that occurs once
    on each side: their starts, reduced to the longest chain in order on both sides (patience
    sorting); when no such run is unique, repeated runs are paired in order of occurrence. None
    when the two share no run of ``MIN_RUN`` words at all."""
    keys_a, keys_b = _shingles(a, alo, ahi), _shingles(b, blo, bhi)
    count_a, count_b = Counter(keys_a), Counter(keys_b)
    common = count_a.keys() & count_b.keys()
    if not common:
        return None
    where_b = {key: blo + j for j, key in enumerate(keys_b)}  # the only place of a unique key
    starts_a = [
        alo + i
        for i, key in enumerate(keys_a)
        if key in common and count_a[key] == 1 and count_b[key] == 1
    ]
    starts_b: list[int] = []
    if starts_a:
        starts_b = [where_b[keys_a[i - alo]] for i in starts_a]  # starts_a is in a's order
    else:
        # Only repeated runs are shared: pair the k-th occurrence on one side with the k-th on
        # the other, and keep the longest chain in order, as for unique runs.
        seen: Counter[str] = Counter()
        places_b: dict[str, list[int]] = {}
        for j, key in enumerate(keys_b):
            if key in common:
                places_b.setdefault(key, []).append(blo + j)
        for i, key in enumerate(keys_a):
            if key in common and seen[key] < len(places_b[key]):
                starts_a.append(alo + i)
                starts_b.append(places_b[key][seen[key]])
                seen[key] += 1
    if starts_b == sorted(starts_b):  # b positions are distinct: sorted means increasing
        return starts_a, starts_b  # already in order on both sides (most copies)
    # Longest chain increasing on both sides: patience sorting on the b positions.
    tails: list[int] = []  # tails[k]: index of the smallest last anchor of a chain of k + 1
    tail_js: list[int] = []  # the b position of each of those
    back = [-1] * len(starts_b)
    for k, j in enumerate(starts_b):
        pos = bisect_left(tail_js, j)
        if pos:
            back[k] = tails[pos - 1]
        if pos == len(tails):
            tails.append(k)
            tail_js.append(j)
        else:
            tails[pos] = k
            tail_js[pos] = j
    chain = []
    k = tails[-1] if tails else -1
    while k >= 0:
        chain.append(k)
        k = back[k]
    chain.reverse()
    return [starts_a[k] for k in chain], [starts_b[k] for k in chain]


def _collect_runs(
    a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int, out: list[_Run]
) -> None:
    """Append, in order, the runs of equal words aligning ``a[alo:ahi]`` with ``b[blo:bhi]``."""
    if alo >= ahi or blo >= bhi:
        return
    long_range = (ahi - alo) * (bhi - blo) > DIRECT_ALIGNMENT
    if long_range:
        anchors = _anchors(a, alo, ahi, b, blo, bhi)
        if anchors is None:
            # No run long enough to count on its own: what is left are short runs, which count
            # only beside a long run; ignoring them here misses at most a few words per range.
            return
        runs = []
        a_pos, b_pos = alo, blo
        for i, j in zip(*anchors, strict=True):
            if i < a_pos or j < b_pos:  # inside the previous run
                continue
            start_i, start_j = i, j
            while start_i > a_pos and start_j > b_pos and a[start_i - 1] == b[start_j - 1]:
                start_i, start_j = start_i - 1, start_j - 1
            end_i, end_j = i + MIN_RUN, j + MIN_RUN
            while end_i < ahi and end_j < bhi and a[end_i] == b[end_j]:
                end_i, end_j = end_i + 1, end_j + 1
            runs.append((start_i, start_j, end_i - start_i))
            a_pos, b_pos = end_i, end_j
        if runs:
            a_pos, b_pos = alo, blo
            for i, j, size in runs:
                _collect_runs(a, a_pos, i, b, b_pos, j, out)
                out.append((i, j, size))
                a_pos, b_pos = i + size, j + size
            _collect_runs(a, a_pos, ahi, b, b_pos, bhi, out)
            return
    # Small enough, or long and repetitive (shared runs, none unique): difflib, which skips
    # very frequent words as match starts on long ranges.
    matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=long_range)
    out.extend(
        (alo + block.a, blo + block.b, block.size)
        for block in matcher.get_matching_blocks()
        if block.size
    )


def kept_words(a: Sequence[str], b: Sequence[str]) -> int:
    """How many words of ``a`` appear in ``b`` in the same order (normalised word sequences).

    Runs of equal words are found by difflib, after cutting long sequences at runs of words
    that occur once on each side; short runs count only next to a longer run or an edge (see ``MIN_RUN``). The
    count does not depend on how either side is split into paragraphs.

    Examples:
        >>> a = "the mayor said the vote was close today".split()
        >>> kept_words(a, "the mayor said the poll was close today".split())
        7
    """
    n, m = len(a), len(b)
    head = 0
    while head < n and head < m and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and tail < m - head and a[n - 1 - tail] == b[m - 1 - tail]:
        tail += 1
    runs: list[_Run] = [(0, 0, head)] if head else []
    _collect_runs(a, head, n - tail, b, head, m - tail, runs)
    if tail:
        runs.append((n - tail, m - tail, tail))
    long_runs = [run for run in runs if run[2] >= MIN_RUN]
    kept = sum(size for _, _, size in long_runs)
    # A short run is kept when a longer run (or an edge) is within RUN_SLACK words on both sides.
    before: tuple[int, int] = (0, 0)  # end of the last long run
    k = 0
    for i, j, size in runs:
        if size >= MIN_RUN:
            before = (i + size, j + size)
            k += 1
            continue
        after = (long_runs[k][0], long_runs[k][1]) if k < len(long_runs) else (n, m)
        near_before = i - before[0] <= RUN_SLACK and j - before[1] <= RUN_SLACK
        near_after = after[0] - (i + size) <= RUN_SLACK and after[1] - (j + size) <= RUN_SLACK
        if near_before or near_after:
            kept += size
    return kept


def _pair_gap(
    a_idx: list[int], b_idx: list[int], a: Doc, b: Doc, a_sets: dict, b_sets: dict
) -> list[tuple[int, int]]:
    """Best monotonic pairing of the leftover paragraphs of one gap (reworded paragraphs)."""
    n, m = len(a_idx), len(b_idx)
    if not n or not m or n * m > MAX_GAP_PAIRS:
        return []
    for idx, doc, sets in ((a_idx, a, a_sets), (b_idx, b, b_sets)):
        for i in idx:
            if i not in sets:
                sets[i] = frozenset(doc.norms[i].split())
    sim = [[0.0] * m for _ in range(n)]
    any_pair = False
    for r, i in enumerate(a_idx):
        sa = a_sets[i]
        row = sim[r]
        for c, j in enumerate(b_idx):
            sb = b_sets[j]
            total = len(sa) + len(sb)
            if total and sa and sb:
                dice = 2.0 * len(sa & sb) / total
                if dice >= REPLACE_MIN_OVERLAP:
                    row[c] = dice
                    any_pair = True
    if not any_pair:
        return []
    # Monotonic alignment maximising total overlap (like an LCS weighted by similarity).
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for r in range(n - 1, -1, -1):
        here, below = score[r], score[r + 1]
        row = sim[r]
        for c in range(m - 1, -1, -1):
            best = below[c] if below[c] >= here[c + 1] else here[c + 1]
            if row[c] and row[c] + below[c + 1] > best:
                best = row[c] + below[c + 1]
            here[c] = best
    pairs = []
    r = c = 0
    while r < n and c < m:
        if sim[r][c] and score[r][c] == sim[r][c] + score[r + 1][c + 1]:
            pairs.append((a_idx[r], b_idx[c]))
            r += 1
            c += 1
        elif score[r][c] == score[r + 1][c]:
            r += 1
        else:
            c += 1
    return pairs


def _align_oriented(a: Doc, b: Doc) -> tuple[list[_Pair], int]:
    """Align ``a`` to ``b``: every paragraph of both sides appears in exactly one pair.

    Returns:
        The pairs, and how many words of ``a`` ``b`` keeps (see :func:`kept_words`).
    """
    a_norms, b_norms = a.norms, b.norms
    pairs: list[_Pair] = []
    a_done = [False] * len(a_norms)
    b_done = [False] * len(b_norms)
    anchors: list[tuple[int, int, int]] = []
    matcher = SequenceMatcher(None, a_norms, b_norms, autojunk=False)
    for block in matcher.get_matching_blocks():
        anchors.append((block.a, block.b, block.size))
        for k in range(block.size):
            i, j = block.a + k, block.b + k
            a_done[i] = b_done[j] = True
            pairs.append(_Pair(i, j, "equal", 1.0, a.word_counts[i]))

    # Same paragraph on both sides but outside the in-order match: it moved.
    waiting: dict[str, list[int]] = {}
    for i, done in enumerate(a_done):
        if not done:
            waiting.setdefault(a_norms[i], []).append(i)
    for j, done in enumerate(b_done):
        if not done and waiting.get(b_norms[j]):
            i = waiting[b_norms[j]].pop(0)
            a_done[i] = b_done[j] = True
            pairs.append(_Pair(i, j, "move", 1.0, a.word_counts[i]))

    # Reworded paragraphs: pair leftovers within each gap between anchors, in order.
    a_sets: dict[int, frozenset] = {}
    b_sets: dict[int, frozenset] = {}
    a_start = b_start = 0
    for a_end, b_end, size in anchors:  # the last block is the (len_a, len_b, 0) sentinel
        gap_a = [i for i in range(a_start, a_end) if not a_done[i]]
        gap_b = [j for j in range(b_start, b_end) if not b_done[j]]
        for i, j in _pair_gap(gap_a, gap_b, a, b, a_sets, b_sets):
            ratio, matched = _word_match(a_norms[i], b_norms[j])
            a_done[i] = b_done[j] = True
            pairs.append(_Pair(i, j, "replace", round(ratio, 4), matched))
        a_start, b_start = a_end + size, b_end + size

    # Moved and reworded: leftovers far apart that are still clearly the same paragraph.
    left_a = [i for i, done in enumerate(a_done) if not done]
    left_b = [j for j, done in enumerate(b_done) if not done]
    if left_a and left_b and len(left_a) * len(left_b) <= MAX_GAP_PAIRS:
        candidates = []
        for i in left_a:
            sa = a_sets.get(i) or frozenset(a_norms[i].split())
            for j in left_b:
                sb = b_sets.get(j) or frozenset(b_norms[j].split())
                if sa and sb:
                    dice = 2.0 * len(sa & sb) / (len(sa) + len(sb))
                    if dice >= MOVE_MIN_OVERLAP:
                        candidates.append((-dice, i, j))
        for _, i, j in sorted(candidates):
            if not a_done[i] and not b_done[j]:
                ratio, matched = _word_match(a_norms[i], b_norms[j])
                a_done[i] = b_done[j] = True
                pairs.append(_Pair(i, j, "move", round(ratio, 4), matched))

    pairs.extend(_Pair(i, None, "delete", None, 0) for i, done in enumerate(a_done) if not done)
    pairs.extend(_Pair(None, j, "insert", None, 0) for j, done in enumerate(b_done) if not done)

    # Words kept: all of an equal or moved paragraph (the common words of a reworded move), and
    # in each gap the words of the other paragraphs, aligned as one word sequence per side so
    # that merged, split or re-flowed paragraphs keep their words.
    kept = sum(p.matched_words for p in pairs if p.op in ("equal", "move"))
    moved_a = {p.a for p in pairs if p.op == "move"}
    moved_b = {p.b for p in pairs if p.op == "move"}
    a_start = b_start = 0
    for a_end, b_end, size in anchors:
        words_a = [w for i in range(a_start, a_end) if i not in moved_a for w in a.words[i]]
        words_b = [w for j in range(b_start, b_end) if j not in moved_b for w in b.words[j]]
        if words_a and words_b:
            kept += kept_words(words_a, words_b)
        a_start, b_start = a_end + size, b_end + size
    return pairs, kept


def _align(a: Doc, b: Doc) -> tuple[list[_Pair], int]:
    """Align in a canonical orientation so that swapping A and B mirrors the result exactly."""
    if a.norms <= b.norms:
        return _align_oriented(a, b)
    mirrored = {"insert": "delete", "delete": "insert"}
    pairs = []
    oriented, kept = _align_oriented(b, a)
    for p in oriented:
        op = mirrored.get(p.op, p.op)
        pairs.append(_Pair(p.b, p.a, op, p.similarity, p.matched_words))  # type: ignore[arg-type]
    return pairs, kept


def _order_ops(pairs: list[_Pair], a: Doc, b: Doc) -> list[DiffOp]:
    """Order ops as B reads, each deleted paragraph placed where it stood in A."""
    by_b: dict[int, _Pair] = {p.b: p for p in pairs if p.b is not None}
    deleted = {p.a for p in pairs if p.op == "delete"}
    n_a, n_b = len(a.paragraphs), len(b.paragraphs)
    # For each B position, the A index of the next in-order pair at or after it: the deletes
    # before that index belong before the B paragraph.
    next_anchor = [n_a] * (n_b + 1)
    for j in range(n_b - 1, -1, -1):
        p = by_b[j]
        next_anchor[j] = p.a if p.op in ("equal", "replace") else next_anchor[j + 1]  # type: ignore[assignment]
    ops: list[DiffOp] = []
    a_ptr = 0

    def flush_deletes(upto: int) -> None:
        nonlocal a_ptr
        while a_ptr < upto:
            if a_ptr in deleted:
                text = a.paragraphs[a_ptr]
                ops.append(DiffOp(len(ops), "delete", text, None, None, a_ptr, None))
            a_ptr += 1

    for j in range(n_b):
        p = by_b[j]
        b_text = b.paragraphs[j]
        if p.op in ("equal", "replace"):
            flush_deletes(p.a)  # type: ignore[arg-type]
            a_ptr = p.a + 1  # type: ignore[operator]
        elif p.op == "insert":
            flush_deletes(next_anchor[j])
        a_text = a.paragraphs[p.a] if p.a is not None else None
        ops.append(DiffOp(len(ops), p.op, a_text, b_text, p.similarity, p.a, j))
    flush_deletes(n_a)
    return ops


# ---------------------------------------------------------------------------------------------
# Public API


def _field_changed(old: str | None, new: str | None) -> bool:
    return normalize_text(old or "") != normalize_text(new or "")


def diff_documents(a: Doc, b: Doc) -> DiffResult:
    """Diff two documents: fields (title, byline, published, credits) and body paragraphs.

    Args:
        a: The earlier version, or the original.
        b: The later version, or the repost.

    Returns:
        The summary figures and the ops; ``apply_ops(a.paragraphs, result.ops) == b.paragraphs``.

    Examples:
        >>> r = diff_documents(Doc(["One.", "Two."]), Doc(["Two.", "One.", "Three."]))
        >>> [op.op for op in r.ops], r.paragraphs_moved, r.words_added
        (['move', 'equal', 'insert'], 1, 1)
    """
    a_total, b_total = sum(a.word_counts), sum(b.word_counts)
    if a.norms == b.norms:
        pairs = [_Pair(i, i, "equal", 1.0, n) for i, n in enumerate(a.word_counts)]
        kept = a_total
    else:
        pairs, kept = _align(a, b)
    ops = _order_ops(pairs, a, b)
    counts = Counter(p.op for p in pairs)
    reworded_moves = 0
    for p in pairs:
        if p.op == "move" and a.norms[p.a] != b.norms[p.b]:  # type: ignore[index]
            reworded_moves += 1
    a_credits, b_credits = set(a.credits), set(b.credits)
    return DiffResult(
        retained=round(kept / a_total, 4) if a_total else 1.0,
        words_added=b_total - kept,
        words_removed=a_total - kept,
        paragraphs_added=counts["insert"],
        paragraphs_removed=counts["delete"],
        paragraphs_changed=counts["replace"] + reworded_moves,
        paragraphs_moved=counts["move"],
        title_changed=_field_changed(a.title, b.title),
        old_title=a.title,
        new_title=b.title,
        byline_changed=_field_changed(a.byline, b.byline),
        published_changed=(a.published or "").strip() != (b.published or "").strip(),
        credit_added=bool(b_credits - a_credits),
        credit_removed=bool(a_credits - b_credits),
        ops=ops,
    )


def apply_ops(a_paragraphs: Sequence[str], ops: Iterable[DiffOp]) -> list[str]:
    """Rebuild B's paragraphs from A's and the ops of a diff.

    ``b_text`` None on an ``equal``/``move`` op means "as in A" (how the database stores it).

    Raises:
        ValueError: The ops do not belong to these paragraphs (an op's ``a_text`` differs from A,
            or A's paragraphs are not each used exactly once).
    """
    out: list[str] = []
    used: list[int] = []
    for op in sorted(ops, key=lambda o: o.seq):
        if op.a_index is not None:
            if op.a_index >= len(a_paragraphs) or a_paragraphs[op.a_index] != op.a_text:
                raise ValueError(f"op {op.seq} does not match paragraph {op.a_index} of A")
            used.append(op.a_index)
        if op.op == "delete":
            continue
        if op.b_text is None:
            if op.op not in ("equal", "move") or op.a_index is None:
                raise ValueError(f"op {op.seq} ({op.op}) has no text for B")
            out.append(a_paragraphs[op.a_index])
        else:
            out.append(op.b_text)
    if sorted(used) != list(range(len(a_paragraphs))):
        raise ValueError("the ops do not use every paragraph of A exactly once")
    return out


_TOKEN = re.compile(r"\S+\s*")


def word_changes(a_text: str, b_text: str) -> list[tuple[str, str, str]]:
    """Word-level changes inside a reworded paragraph, for renderers.

    Words are compared in normalised form, so a changed quote mark or comma is not highlighted.

    Returns:
        ``(tag, a_chunk, b_chunk)`` triples covering both texts in order; ``tag`` is ``equal``
        (then ``b_chunk`` is B's spelling), ``delete``, ``insert`` or ``replace``.
    """
    a_tokens, b_tokens = _TOKEN.findall(a_text), _TOKEN.findall(b_text)
    a_keys = [normalize_text(t) or t.strip() for t in a_tokens]
    b_keys = [normalize_text(t) or t.strip() for t in b_tokens]
    matcher = SequenceMatcher(None, a_keys, b_keys, autojunk=False)
    chunks: list[tuple[str, str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        chunks.append((tag, "".join(a_tokens[i1:i2]), "".join(b_tokens[j1:j2])))
    return chunks


_SENTENCE_END = re.compile(
    r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s+(?=\S)|(?<=[\u3002\uff01\uff1f])"
)


def sentences(text: str) -> list[str]:
    """A paragraph cut into sentences (full stop, question or exclamation mark, ellipsis; the CJK
    ones too), each keeping its own spacing so that joining them gives the paragraph back.

    Examples:
        >>> sentences("One. Two? Three")
        ['One. ', 'Two? ', 'Three']
    """
    cuts = [m.end() for m in _SENTENCE_END.finditer(text) if 0 < m.end() < len(text)]
    bounds = [0, *cuts, len(text)]
    return [text[i:j] for i, j in zip(bounds, bounds[1:], strict=False) if text[i:j]]


@dataclass
class SentenceChange:
    """One step of the sentence alignment inside a changed paragraph.

    Attributes:
        op: ``equal``, ``replace``, ``insert`` or ``delete``.
        a_sentence: A's sentence (None for ``insert``).
        b_sentence: B's sentence (None for ``delete``).
        similarity: 1.0 for ``equal``, the word-level ratio for ``replace``, 0.0 otherwise.
    """

    op: str
    a_sentence: str | None
    b_sentence: str | None
    similarity: float


def sentence_changes(a_text: str, b_text: str) -> list[SentenceChange]:
    """Sentence-level alignment inside a changed paragraph.

    Sentences are compared in normalised form; a run of changed sentences is paired one to one
    as ``replace`` (with the word-level similarity) as far as both sides go, the rest being
    ``delete`` or ``insert``.

    Examples:
        >>> [c.op for c in sentence_changes("One. Two.", "One. Three. Four.")]
        ['equal', 'replace', 'insert']
    """
    a_sent, b_sent = sentences(a_text), sentences(b_text)
    a_keys = [normalize_text(x) for x in a_sent]
    b_keys = [normalize_text(x) for x in b_sent]
    rows: list[SentenceChange] = []
    matcher = SequenceMatcher(None, a_keys, b_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(
                SentenceChange("equal", a_sent[i], b_sent[j], 1.0)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        paired = min(i2 - i1, j2 - j1)
        for step in range(paired):
            i, j = i1 + step, j1 + step
            ratio = SequenceMatcher(
                None, a_keys[i].split(), b_keys[j].split(), autojunk=False
            ).ratio()
            rows.append(SentenceChange("replace", a_sent[i], b_sent[j], round(ratio, 4)))
        rows.extend(SentenceChange("delete", a_sent[i], None, 0.0) for i in range(i1 + paired, i2))
        rows.extend(SentenceChange("insert", None, b_sent[j], 0.0) for j in range(j1 + paired, j2))
    return rows


# ---------------------------------------------------------------------------------------------
# The diff stage: stored versions in, ``diffs`` rows out (SQL in :mod:`tracker.store.diffs`)


def credit_keys(
    credits: Iterable[tuple[str, str | None, str | None, str | None]],
) -> list[str]:
    """Credits as comparable keys, from ``(kind, target_site, target_name, evidence)`` rows.

    A credit is keyed by its target, not by how it is stated, so a credit moving from a "Source:"
    line to a canonical link is not reported as removed: ``site:<target_site>``, else
    ``name:<normalised target_name>``, else ``<kind>:<normalised evidence>``.
    """
    keys = set()
    for kind, site, name, evidence in credits:
        if site:
            keys.add(f"site:{site.lower()}")
        elif name and normalize_text(name):
            keys.add(f"name:{normalize_text(name)}")
        else:
            keys.add(f"{kind}:{normalize_text(evidence or '')}")
    return sorted(keys)


def load_doc(db: sqlite_utils.Database, version_id: int) -> Doc:
    """A stored version as a :class:`Doc` (paragraphs, fields and credit keys).

    Raises:
        KeyError: No version has this id.
    """
    version = store_diffs.load_version(db, version_id)
    if version is None:
        raise KeyError(version_id)
    credits = credit_keys(store_diffs.version_credits(db, version_id))
    return Doc(version.paragraphs, version.title, version.byline, version.published, credits)


def _store(
    db: sqlite_utils.Database, a_version_id: int, b_version_id: int, kind: str, result: DiffResult
) -> int:
    ops = [
        (op.seq, op.op, op.a_text, op.b_text, op.similarity, op.a_index, op.b_index)
        for op in result.ops
    ]
    return store_diffs.insert_diff(db, a_version_id, b_version_id, kind, result.summary(), ops)


def diff_versions(
    db: sqlite_utils.Database, a_version_id: int, b_version_id: int, kind: DiffKind = "version"
) -> int:
    """Diff two stored versions and store the result; returns the ``diffs`` id.

    Idempotent: an existing diff of the same pair and kind is returned as is.

    Raises:
        KeyError: A version id does not exist.
    """
    existing = store_diffs.existing_diff(db, a_version_id, b_version_id, kind)
    if existing is not None:
        return existing
    result = diff_documents(load_doc(db, a_version_id), load_doc(db, b_version_id))
    with db.atomic():
        diff_id = _store(db, a_version_id, b_version_id, kind, result)
    if diff_id < 0:  # another writer stored it first
        return store_diffs.existing_diff(db, a_version_id, b_version_id, kind)  # type: ignore[return-value]
    return diff_id


def _diff_pairs(db: sqlite_utils.Database, pairs: Iterable[tuple[int, int]], kind: DiffKind) -> int:
    """Diff and store many pairs in one transaction, sharing loaded documents; returns diffs added."""
    docs: dict[int, Doc] = {}
    added = 0
    with db.atomic():
        for a_id, b_id in pairs:
            if a_id == b_id or store_diffs.existing_diff(db, a_id, b_id, kind) is not None:
                continue
            for vid in (a_id, b_id):
                if vid not in docs:
                    docs[vid] = load_doc(db, vid)
            if _store(db, a_id, b_id, kind, diff_documents(docs[a_id], docs[b_id])) >= 0:
                added += 1
            if len(docs) > 4096:  # members are visited cluster by cluster: keep the cache small
                docs.clear()
    return added


def diff_new_versions(
    db: sqlite_utils.Database, pairs: Iterable[tuple[int | None, int | None]]
) -> int:
    """Diff each new version against the previous version of its page (kind ``version``).

    Args:
        db: The tracker database.
        pairs: ``(previous_version_id, new_version_id)``, e.g. from ``StoreResult``; pairs with a
            missing side (a first version) are skipped.

    Returns:
        The number of diffs added; pairs already diffed are skipped, so repeating a call adds
        nothing.
    """
    clean = [(a, b) for a, b in pairs if a is not None and b is not None]
    return _diff_pairs(db, clean, "version")


def diff_cluster_members(
    db: sqlite_utils.Database, cluster_ids: Iterable[int] | None = None
) -> int:
    """Diff every cluster member against its cluster's origin (kind ``repost``).

    A is the origin's latest version, B the member's latest version. Pairs already diffed are
    skipped, so calling this again after clustering only diffs new members, members with a new
    version, and every member of a cluster whose origin changed.

    Args:
        db: The tracker database.
        cluster_ids: The clusters to visit; all when None.

    Returns:
        The number of diffs added.
    """
    wanted = None if cluster_ids is None else [int(c) for c in cluster_ids]
    rows = store_diffs.undiffed_member_pairs(db, wanted)
    return _diff_pairs(db, [(a, b) for _, a, b in rows], "repost")


def load_diff(db: sqlite_utils.Database, diff_id: int) -> tuple[dict, DiffResult]:
    """A stored diff: its ``diffs`` row and a :class:`DiffResult` with the ops (B text filled in).

    Raises:
        KeyError: No diff has this id.
    """
    row = store_diffs.diff_row(db, diff_id)
    if row is None:
        raise KeyError(diff_id)
    ops = []
    for op in store_diffs.diff_op_rows(db, diff_id):
        b_text = op["b_text"]
        if b_text is None and op["op"] in ("equal", "move"):
            b_text = op["a_text"]
        ops.append(
            DiffOp(
                op["seq"],
                op["op"],
                op["a_text"],
                b_text,
                op["similarity"],
                op["a_index"],
                op["b_index"],
            )
        )
    names = [k for k in DiffResult.__dataclass_fields__ if k != "ops"]
    flags = store_diffs.FLAG_COLUMNS
    fields: dict[str, Any] = {k: (bool(row[k]) if k in flags else row[k]) for k in names}
    return row, DiffResult(**fields, ops=ops)
