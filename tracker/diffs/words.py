"""Word- and sentence-level alignment: how many of A's words B keeps in order, and the word and
sentence changes inside a reworded paragraph (for the reports).

:func:`kept_words` is what ``retained`` counts. It looks at two word sequences, never at their
paragraph breaks. Long sequences are first cut at runs of words that occur once on each side
(patience-diff anchors, found with hashed word runs in linear time); difflib aligns what lies
between them. A 5,000-word pair takes a few milliseconds.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from tracker.normalize import normalize_text

# The word alignment behind ``retained`` counts a run of fewer than this many equal words only
# when it lies within RUN_SLACK words (on both sides) of a longer run or of an edge: a changed
# word between two kept runs leaves its neighbours kept, while the lone "the" and "of" that any
# two English texts share in order are not text kept from A.
MIN_RUN = 3
RUN_SLACK = 3
# Word sequences up to this many word pairs are aligned by difflib directly; longer ones are
# first cut at runs of MIN_RUN words that occur once on each side (patience-diff anchors).
DIRECT_ALIGNMENT = 20_000


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
