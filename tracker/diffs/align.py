"""Paragraph alignment: what changed between two documents, as ops and summary figures.

Each paragraph is compared by its normalised form (:func:`tracker.normalize.normalize_text`), so
quote styles, dashes, case and whitespace are never reported as edits. The alignment has four
steps:

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
(:func:`tracker.diffs.words.kept_words`), whatever their paragraph breaks. The paragraph ops stay
as they are, for display.

The alignment is computed in one canonical orientation and transposed when needed, so
``diff(A, B)`` and ``diff(B, A)`` are exact mirrors: inserts become deletes, words added become
words removed. Ops are ordered as B reads, with each deleted paragraph placed where it stood in
A. Every op keeps A's and B's original (un-normalised) text, so :func:`apply_ops` rebuilds B
exactly from A.

Why no pandas: a pair's alignment is sequential work on a few dozen paragraphs (an LCS on
paragraph keys, a small dynamic programme per gap, a word alignment) with no column-wise form.
The frames this module used to build (one per document, one for the summary) cost about as much
as the whole diff costs without them: 5.7 ms of frame building against 6.2 ms per 1,000-word
repost pair of ``bench/bench_diff.py``, measured in one run. Lists do the same job, and
summing a handful of op counts needs no frame either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from typing import Any, Literal

from tracker.diffs.words import kept_words
from tracker.normalize import normalize_text

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
