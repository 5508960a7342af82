"""review9: the candidate-pair counting of ebe14a0 (tracker/postings.py, batched queries, verdicts
shared by pages with one shingle set) and the ranked-once mentions of b314f02, against the code
they replaced, on random and adversarial inputs.

The functions marked OLD REFERENCE below are copied from the code before those commits
(``git show ebe14a0~1:tracker/lsh.py``, ``ebe14a0~1:tracker/clustering.py``,
``b314f02~1:tracker/credit_graph.py``), trimmed to what the comparison needs. Every text here is
written for these tests.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tracker import credit_graph, lsh, matching, mentions, postings
from tracker.credit_graph import CreditEdge, Member, credit_edges, credit_targets
from tracker.normalize import normalize_text
from tracker.postings import Postings

# --- OLD REFERENCE (ebe14a0~1:tracker/lsh.py) ----------------------------------------------


def old_run_pairs(values: np.ndarray, keys: np.ndarray, max_run: int | None) -> np.ndarray:
    """OLD REFERENCE: ``_run_pairs`` as it was before ebe14a0 (unchanged by it)."""
    n = len(values)
    live = np.flatnonzero(values[1:] == values[:-1])
    if max_run is not None and len(live):
        starts = np.flatnonzero(np.diff(live, prepend=-2) != 1)
        lengths = np.diff(np.append(starts, len(live)))
        live = live[np.repeat(lengths + 1 <= max_run, lengths)]
    out = [np.empty(0, dtype=np.uint64)]
    distance = 1
    while len(live):
        out.append(
            (keys[live].astype(np.uint64) << np.uint64(32))
            | keys[live + distance].astype(np.uint64)
        )
        distance += 1
        live = live[live + distance < n]
        live = live[values[live + distance] == values[live]]
    return np.concatenate(out)


def old_pairs(index: Postings, max_run: int | None) -> np.ndarray:
    """OLD REFERENCE: ``Postings.pairs``: every run's pairs, once per run."""
    out = [np.empty(0, dtype=np.uint64)]
    for group in range(index._groups):
        lo, hi = group * index._n, (group + 1) * index._n
        out.append(old_run_pairs(index.values[lo:hi], index.keys[lo:hi], max_run))
    return np.concatenate(out)


def old_distinct_pairs(index: Postings) -> np.ndarray:
    """OLD REFERENCE: ``Postings.distinct_pairs`` (merging early gave the same as at the end)."""
    return np.unique(old_pairs(index, None))


def old_shared_pairs(index: Postings, min_shared: int, max_run: int | None) -> np.ndarray:
    """OLD REFERENCE: the anchor counting of ``CandidateIndex.pairs`` (sort every run's pairs,
    keep those appearing ``min_shared`` times), for any ``min_shared``."""
    shared = old_pairs(index, max_run)
    shared.sort()
    step = min_shared - 1
    return np.unique(shared[step:][shared[step:] == shared[:-step]] if step else shared)


def old_query_lsh_many(index: lsh.CandidateIndex, signatures: np.ndarray):
    """OLD REFERENCE: ``CandidateIndex.query_lsh_many``, every query in one lookup."""
    if index.bands is None or not len(signatures):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    banded = lsh.band_keys(np.atleast_2d(signatures), (index.b, index.r))
    which, keys = index.bands.lookup(banded.ravel(), np.tile(np.arange(index.b), len(banded)))
    return postings.unpack_pairs(np.unique(postings.pack_pairs(which // index.b, keys)))


def old_query_anchors_many(index: lsh.CandidateIndex, anchors: np.ndarray, offsets: np.ndarray):
    """OLD REFERENCE: ``CandidateIndex.query_anchors_many``, every query in one lookup."""
    empty = np.empty(0, dtype=np.int64)
    if not len(anchors):
        return empty, empty
    which, keys = index.anchor_index.lookup(anchors)
    frequency = np.bincount(which, minlength=len(anchors))
    common = frequency[which] <= lsh.ANCHOR_MAX_DF
    which, keys = which[common], keys[common]
    query_of = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    packed = postings.pack_pairs(query_of[which], keys)
    if len(packed) < lsh.ANCHOR_MIN_SHARED:
        return empty, empty
    packed.sort()
    step = lsh.ANCHOR_MIN_SHARED - 1
    hits = packed[step:][packed[step:] == packed[:-step]] if step else packed
    return postings.unpack_pairs(np.unique(hits))


# --- OLD REFERENCE (b314f02~1:tracker/credit_graph.py) --------------------------------------


def old_credit_edges(members: dict[int, Member], disputed: list | None = None) -> list:
    """OLD REFERENCE: ``credit_edges`` with ``any(...)`` and a per-member ranking (here: the
    new ``mention_targets`` without ``others``, whose ranking and 6-gram prefilter are checked
    apart)."""
    edges: list[CreditEdge] = []
    seen: set[tuple[int, int]] = set()
    for member in sorted(members.values(), key=lambda m: m.page_id):
        for credit in member.credits:
            for target in credit_targets(credit, member, members):
                if (member.page_id, target) not in seen:
                    seen.add((member.page_id, target))
                    edges.append(CreditEdge(member.page_id, target, credit.get("evidence")))
        if any(edge.source == member.page_id for edge in edges):
            continue
        for mention in mentions.mention_targets(member, members):
            edge = CreditEdge(member.page_id, mention.target, f"mention: {mention.line}")
            if mention.disputed:
                if disputed is not None:
                    disputed.append(edge)
                continue
            seen.add((member.page_id, mention.target))
            edges.append(edge)
            break
    return edges


# --- end of OLD REFERENCE ---------------------------------------------------------------------


def _random_postings(rng: np.random.Generator) -> Postings:
    """Groups of few distinct values (runs of every length around ``_LONG_RUN``, some equal
    across a group boundary, some holding the same keys in several groups), keys below
    ``2**31``, straddling it, above it, or repeated."""
    groups = int(rng.integers(1, 6))
    columns = []
    for size in rng.integers(1, 20, int(rng.integers(1, 10))).tolist():
        column = rng.integers(0, int(rng.integers(1, 30)), groups).astype(np.uint32)
        for _ in range(size):  # a block of pages identical but for an odd value
            copy = column.copy()
            if rng.random() < 0.2:
                copy[rng.integers(0, groups)] += np.uint32(1)
            columns.append(copy)
    values = np.stack(columns, axis=1)[:, rng.permutation(len(columns))]
    n = values.shape[1]
    if rng.random() < 0.3:
        values[: min(groups, 2), : min(n, 20)] = 7
    kind = int(rng.integers(0, 4))
    keys = rng.permutation(n).astype(np.int64)
    if kind == 1:
        keys += 2**31 - n // 2
    elif kind == 2:
        keys += 2**32 - n - 1
    elif kind == 3:
        keys = rng.integers(0, n // 2 + 1, n)
    return Postings(values, keys)


@pytest.mark.parametrize("seed", range(4))
def test_shared_and_distinct_pairs_are_the_old_ones(monkeypatch, seed):
    """``distinct_pairs`` and ``shared_pairs`` give what the code before ebe14a0 gave, for every
    ``min_shared`` and ``max_run`` around ``_LONG_RUN``, whatever the slice size."""
    rng = np.random.default_rng(seed)
    for _ in range(40):
        index = _random_postings(rng)
        for budget in (1 << 20, 7):
            monkeypatch.setattr(postings, "COUNT_AT", budget)
            assert np.array_equal(index.distinct_pairs(), old_distinct_pairs(index))
            for least in (1, 2, 3):
                for max_run in (None, 5, 15, 16, 17):
                    got = index.shared_pairs(least, max_run)
                    assert got.dtype == np.uint64
                    assert np.array_equal(got, old_shared_pairs(index, least, max_run)), (
                        least,
                        max_run,
                    )


def test_empty_and_single_postings_have_no_pairs():
    for values, keys in [
        (np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.int64)),
        (np.zeros((3, 0), dtype=np.uint32), np.empty(0, dtype=np.int64)),
        (np.array([5], dtype=np.uint32), np.array([2**31 + 3])),
        (np.full((20, 1), 9, dtype=np.uint32), np.array([4])),
    ]:
        index = Postings(values, keys)
        assert len(index.distinct_pairs()) == 0
        assert len(index.shared_pairs(2, 5000)) == 0


def test_many_distinct_long_runs_are_paired_in_a_few_numpy_passes(monkeypatch):
    """Thousands of values each held by a different set of 16-40 keys (anchors of boilerplate
    phrases, bands of many small clusters): the long runs' pairs come in parts of about
    ``COUNT_AT`` pairs, not one part (a Python step) per distinct key set, which took 7.5 s
    against the old code's 0.4 s for 100,000 such runs; and they are the old pairs."""
    rng = np.random.default_rng(11)
    runs = 3000
    lengths = rng.integers(16, 41, runs)
    values = np.repeat(rng.permutation(2**20)[:runs].astype(np.uint32), lengths)
    keys = np.concatenate([rng.permutation(5000)[:length] for length in lengths.tolist()])
    # some runs twice over (a set held by two values), to be counted twice
    values = np.concatenate([values, values[:400] + np.uint32(2**21)])
    keys = np.concatenate([keys, keys[:400]])
    index = Postings(values, keys)
    parts = list(postings._long_run_pairs(index.values, index.keys, index._n, 5000))
    pairs = sum(len(part) for part, _ in parts)
    assert len(parts) <= 2 * (pairs // postings.COUNT_AT + 1) + 4
    assert np.array_equal(index.shared_pairs(2, 5000), old_shared_pairs(index, 2, 5000))
    assert np.array_equal(index.distinct_pairs(), old_distinct_pairs(index))


@pytest.mark.parametrize("merge_at", [1 << 22, 64, 1])
def test_batched_queries_are_the_old_unbatched_ones(monkeypatch, merge_at):
    """``query_lsh_many`` and ``query_anchors_many`` a batch at a time: the answer of one
    lookup of every query, with queries holding no anchor, anchors held by no page, and a
    story's anchors held by more than ``ANCHOR_MAX_DF`` pages (its tail's by fewer)."""
    from tracker import signatures as sig

    monkeypatch.setattr(postings, "MERGE_AT", merge_at)
    monkeypatch.setattr(lsh, "ANCHOR_MAX_DF", 38)
    rng = np.random.default_rng(3)
    story = np.unique(rng.integers(0, 2**32, 400, dtype=np.uint64).astype(np.uint32))
    sets = [story[: 400 - 7 * (i % 5)] for i in range(40)]
    sets += [np.unique(rng.integers(0, 2**32, 300, dtype=np.uint64)).astype(np.uint32)]
    sets += [np.union1d(story[::5], rng.integers(0, 2**32, 100).astype(np.uint32))]
    anchors = [lsh.anchors_of(s) for s in sets]
    anchors[3] = anchors[3][:0]  # a page with no anchors
    index = lsh.CandidateIndex()
    for key, (row, own) in enumerate(zip(sig.signatures(sets), anchors, strict=True)):
        index.add(key, row, own)
    index.freeze()
    queries = sets + [story[::2]]
    matrix = sig.signatures(queries)
    own = [lsh.anchors_of(s) for s in queries]
    own[7] = own[7][:0]
    own[-1] = np.concatenate([own[-1], np.arange(50, dtype=np.uint32)])  # held by none
    flat, offsets = np.concatenate(own), np.cumsum([0, *map(len, own)])
    for got, old in [
        (index.query_lsh_many(matrix), old_query_lsh_many(index, matrix)),
        (index.query_anchors_many(flat, offsets), old_query_anchors_many(index, flat, offsets)),
    ]:
        assert all(np.array_equal(a, b) for a, b in zip(got, old, strict=True))
        assert len(got[0]) > len(queries)


def test_verdicts_shared_by_equal_sets_keep_each_pairs_orientation(monkeypatch):
    """``_Shingles.verify`` answers a pair of sets once, whichever page comes first, and the
    Match says which of *these* two pages is larger: the same as verifying each pair, for pages
    with equal sets, pages whose sets come in either order, sets too small to match, and a
    cache emptied between loading ``a`` and ``b``."""
    from tracker import clustering
    from tracker import fingerprint as fp

    rng = np.random.default_rng(8)
    base = np.unique(rng.integers(0, 2**32, 300, dtype=np.uint64)).astype(np.uint32)
    shapes = [base, base[:250], base[:200], base[40:], base[:10], base[::2], base[:0]]
    page_set = {page: shapes[page % len(shapes)] for page in range(21)}
    blobs = {page: fp.shingles_to_bytes(s) for page, s in page_set.items()}
    monkeypatch.setattr(clustering.store, "fingerprint_blob", lambda db, vid, kind: blobs[vid])
    for limit in (1, 2, 20_000):
        shingles = clustering._Shingles(None, {p: (p, "") for p in page_set}, limit=limit)
        for a in page_set:
            for b in rng.permutation(list(page_set)).tolist():
                assert shingles.verify(a, b) == matching.verify(page_set[a], page_set[b])


def _member(page_id: int, site: str, name: str, day: int, text: str, credits=()) -> Member:
    when = datetime(2024, 3, 1, tzinfo=UTC) + timedelta(days=day)
    member = Member(
        page_id=page_id,
        url=f"https://{site}/story",
        canonical_url=None,
        site=site,
        first_seen=when,
        first_seen_raw=when.isoformat(),
        version_id=page_id,
        title="Harbour ferries count gulls",
        published=when,
        published_raw=when.isoformat(),
        credits=list(credits),
    )
    member.keys = credit_graph._site_keys(site, [name])
    member.names = mentions.mention_names(site, name)
    member.label = "" if name else mentions.mention_label(site)
    member.text = text
    member.paragraphs = mentions.text_paragraphs(text)
    member.lines = mentions.edge_lines(member.paragraphs)
    member.folded = f" {normalize_text(text)} "
    return member


STORY = [
    "The harbour board counted four hundred gulls on the ferry pier on Monday morning.",
    "Wardens said the birds follow the boats for the scraps the passengers throw over the rail.",
    "The board will put up signs asking passengers not to feed the birds from next week.",
]


@pytest.mark.parametrize("seed", range(3))
def test_credit_edges_are_the_old_ones(monkeypatch, seed):
    """Clusters of 5 and of 60 members (the 6-gram prefilter on or off), whose members credit
    others, name them in lines of their own (Latin, Cyrillic and Han names, names shorter than
    six characters, names with an uppercase-only form, labels), or both: the edges and the
    disputed mentions of the old ``credit_edges``."""
    rng = random.Random(seed)
    names = [
        "Harbour Voice",
        "Вести Экспресс",
        "新华网新闻中心",
        "ΣΚΑΪ ΝΕΑΣ",
        "Ab Cd",
        "Straße Post",
        "İzmir Haber",
        "",  # no name: found by its domain's label written in words
    ]
    first, second = ["basalt", "valley", "ferry", "granite"], ["wire", "gazette", "ledger"]
    for size in (5, 60):
        members: dict[int, Member] = {}
        ids = rng.sample(range(1, 10_000), size)
        words = [(first[i % 4], second[i // 4 % 3], i // 12) for i in range(size)]
        sites = [f"{a}{b}{'x' * n}.example" for a, b, n in words]
        written = [
            names[i % len(names)] or f"{a.capitalize()} {b.capitalize()}{'x' * n}"
            for i, (a, b, n) in enumerate(words)
        ]
        for i, page_id in enumerate(ids):
            lines = []
            for _ in range(rng.randrange(0, 3)):
                named = written[rng.randrange(size)]
                lines.append(f"This story first appeared in {named.upper()}.")
                lines.append(f"Originally published by {named}.")
                lines.append(f"{named} contributed to this report.")
            credits = []
            if rng.random() < 0.3:
                j = rng.randrange(size)
                credits.append({"kind": "originally", "target_site": sites[j], "evidence": "x"})
            text = "\n".join([rng.choice(lines or ["Photo: wardens."]), *STORY, *lines[-1:]])
            name = names[i % len(names)]
            members[page_id] = _member(page_id, sites[i], name, rng.randrange(9), text, credits)
        for many in (0, 10_000):
            monkeypatch.setattr(mentions, "_MANY", many)
            got_disputed: list = []
            old_disputed: list = []
            got = credit_edges(members, got_disputed)
            monkeypatch.setattr(mentions, "_MANY", 10_000)
            assert got == old_credit_edges(members, old_disputed)
            assert got_disputed == old_disputed
        mentioned = [e for e in got if (e.evidence or "").startswith("mention: ")]
        assert mentioned or size < 60
