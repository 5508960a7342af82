"""Benchmark of fingerprinting and clustering on synthetic documents (not part of the tests).

Documents of ~800 words are drawn from a Zipf vocabulary (exponent 1.07 over 50,000 made-up
words); 30% are syndicated variants of an original (light edits: a typo every ~40 words, a
paragraph cut, a sentence added; excerpts: the first 2-4 paragraphs and a "Read more" line;
the original embedded between 300-word blocks of other text), so the truth is known. Every
document is generated from its own seed, so workers generate their share in parallel and a
million documents take about a minute.

Everything printed is measured in the same run:

* **sketch throughput**, one process (= one core), raw text to signature, on a sample: the
  vectorised batch path (:func:`tracker.fingerprint.sketch_many`), the per-document path
  (``shingles`` + ``signatures``), datasketch's default path (``MinHash(); update_batch``
  with SHA1 on the encoded shingles) and a per-token ``update()`` loop;
* **index**: build time of the LSH band postings (band keys computed by the sketching
  processes with :func:`tracker.lsh.band_keys`) and of the anchor postings;
* **candidates**: every candidate pair among the documents from the postings
  (:meth:`tracker.lsh.CandidateIndex.pairs`), their exact verification (on ``--jobs``
  processes), and, as peers in the same run, the batched query of the incremental path and
  datasketch's ``MinHashLSH`` (:class:`tracker.lsh_datasketch.CompactMinHashLSH`, insert + one
  query per document) against the vectorised index on the same signatures, with a check that
  both give the same candidates;
* **memory per document**, structure by structure (exact ``nbytes`` of the numpy arrays, RSS
  delta for the LSH), and the process's peak RSS divided by the documents;
* **end-to-end** wall time of the in-memory clustering core from raw text (sketch on
  ``--jobs`` processes, index, candidates, verification, star clusters; text generation not
  included), and pairwise precision/recall against the generated truth.

The exact shingle sets are written to a memory-mapped file (``--workdir``) and read on demand
for verification, as the store reads them from SQLite: they are on disk, not in the process's
memory budget (the page cache holds what is touched).

``--sqlite N`` instead measures the store-backed path: ``update_clusters`` on a fresh SQLite
database filled with N synthetic pages through ``store_page`` (boilerplate statistics,
fingerprints written to SQLite, index rebuilt from stored rows, clusters and provenance).

``--calibrate`` prints the corpus measurements behind ``SHINGLE_K`` and the thresholds
(needs ../shared/corpus).

Usage::

    python bench/bench_cluster.py                      # 10k and 100k documents
    python bench/bench_cluster.py --sizes 10000 --million
    python bench/bench_cluster.py --sqlite 100000
    python bench/bench_cluster.py --calibrate
    python bench/bench_cluster.py --sketch-only        # machine, sketch ratios and accuracy
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import itertools
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from datasketch import MinHash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import fingerprint as fp  # noqa: E402
from tracker import signatures as sig  # noqa: E402
from tracker.lsh import (  # noqa: E402
    LSH_PARAMS,
    CandidateIndex,
    anchor_mask,
    band_keys,
)
from tracker.lsh_datasketch import CompactMinHashLSH  # noqa: E402
from tracker.matching import star_clusters, verify  # noqa: E402

WORDS_PER_DOC = 800
PARAGRAPH_WORDS = 60
VOCAB_SIZE = 50_000
ZIPF_EXPONENT = 1.07
VARIANT_SHARE = 0.3
SEED = 1
CHUNK = 5000
# Documents per batched candidate query.
QUERY_BATCH = 20_000
# Documents the datasketch LSH peer is measured on, in the same run.
PEER_DOCS = 20_000

# --- synthetic documents ---------------------------------------------------------------------


def _vocabulary(seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 10, size=VOCAB_SIZE * 2)
    letters = rng.integers(97, 123, size=int(lengths.sum()), dtype=np.uint8).tobytes().decode()
    cuts = np.concatenate(([0], np.cumsum(lengths)))
    words = {letters[a:b] for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True)}
    return sorted(words)[:VOCAB_SIZE]


class Corpus:
    """``n`` synthetic documents, each a pure function of ``(seed, index)``.

    Documents ``0 .. originals - 1`` are originals; the rest are variants of a random original
    (``source``) of kind ``kind``.
    """

    def __init__(self, n: int, seed: int = SEED) -> None:
        self.n, self.seed = n, seed
        self.vocab = _vocabulary(seed)
        weights = 1.0 / np.arange(1, VOCAB_SIZE + 1) ** ZIPF_EXPONENT
        self.cdf = np.cumsum(weights / weights.sum())
        self.originals = n - int(n * VARIANT_SHARE)
        rng = np.random.default_rng([seed, n])
        variants = n - self.originals
        self.source = np.concatenate(
            (np.arange(self.originals), rng.integers(0, self.originals, size=variants))
        )
        rolls = rng.random(variants)
        self.kind = np.concatenate(
            (np.zeros(self.originals, dtype=np.int8), np.digitize(rolls, [0.6, 0.85]) + 1)
        ).astype(np.int8)

    KINDS = ("original", "light edit", "excerpt", "embedded")

    def _paragraphs(self, rng: np.random.Generator, words: int) -> list[str]:
        ids = np.searchsorted(self.cdf, rng.random(words)).tolist()
        vocab = self.vocab
        tokens = [vocab[i] for i in ids]
        return [
            " ".join(tokens[i : i + PARAGRAPH_WORDS]).capitalize() + "."
            for i in range(0, words, PARAGRAPH_WORDS)
        ]

    def _original(self, index: int) -> list[str]:
        return self._paragraphs(np.random.default_rng([self.seed, index]), WORDS_PER_DOC)

    def paragraphs(self, index: int) -> list[str]:
        """The paragraphs of document ``index``."""
        doc = self._original(int(self.source[index]))
        kind = self.KINDS[self.kind[index]]
        if kind == "original":
            return doc
        rng = np.random.default_rng([self.seed, index, 1])
        if kind == "light edit":
            edited = []
            for para in doc:
                words = para.split()
                for j in (
                    np.arange(0, len(words), 40)
                    + rng.integers(0, 40, size=len(range(0, len(words), 40)))
                ).tolist():
                    j = min(j, len(words) - 1)
                    words[j] = words[j][::-1] + "x"
                edited.append(" ".join(words))
            del edited[int(rng.integers(len(edited)))]
            edited.insert(
                int(rng.integers(len(edited))), "This story was updated with new details."
            )
            return edited
        if kind == "excerpt":
            return doc[: int(rng.integers(2, 5))] + ["Read more on the original site."]
        return self._paragraphs(rng, 300) + doc + self._paragraphs(rng, 300)

    def text(self, index: int) -> str:
        return "\n\n".join(self.paragraphs(index))

    def texts(self, lo: int, hi: int) -> list[str]:
        return [self.text(i) for i in range(lo, hi)]


_CORPUS: Corpus | None = None


def _corpus(n: int) -> Corpus:
    global _CORPUS
    if _CORPUS is None or _CORPUS.n != n:
        _CORPUS = Corpus(n)
    return _CORPUS


def _generate_chunk(args: tuple[int, int, int, str]) -> float:
    n, lo, hi, path = args
    t = time.process_time()
    data = "\0".join(_corpus(n).texts(lo, hi)).encode("utf-8")
    Path(path).write_bytes(data)
    return time.process_time() - t


def _sketch_chunk(
    path: str,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read one chunk of raw texts and sketch it; the exact shingle sets go to
    ``path + ".u32"`` (so they never travel through the pipe). Returns CPU seconds,
    signatures, their LSH band keys, shingle-set lengths, anchor values and anchor counts."""
    texts = Path(path).read_bytes().decode("utf-8").split("\0")
    t = time.process_time()
    sets, sigs = fp.sketch_many(texts)
    # The anchors of the whole chunk in one pass (anchors_of per document is ~8 µs of numpy
    # call overhead each, a sixth of the sketch itself).
    values = np.concatenate(sets)
    lengths = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    is_anchor = anchor_mask(values)
    doc_of_value = np.repeat(np.arange(len(sets)), lengths)
    counts = np.bincount(doc_of_value[is_anchor], minlength=len(sets)).astype(np.int64)
    anchors = values[is_anchor]
    banded = band_keys(sigs)
    seconds = time.process_time() - t
    Path(path + ".u32").write_bytes(values.tobytes())
    return seconds, sigs, banded, lengths, anchors, counts


_SETS: tuple[list[np.ndarray], np.ndarray, np.ndarray] | None = None


def _open_sets(paths: list[str], offsets: np.ndarray) -> None:
    """Pool initializer: map the chunk shingle files of this run (read on demand)."""
    global _SETS
    sets = [np.asarray(np.memmap(path, dtype=np.uint32, mode="r")) for path in paths]
    _SETS = (sets, offsets, offsets[::CHUNK])


def _verify_pairs(pairs: tuple[np.ndarray, np.ndarray]) -> list[tuple[int, int, object]]:
    """Exact verification of candidate pairs in a worker; returns the matching ones."""
    sets, offsets, base = _SETS  # type: ignore[misc]
    # Where each set lies, for the whole slice at once (numpy scalars cost ~1 µs an operation).
    where = []
    for docs in pairs:
        chunk = docs // CHUNK
        start = offsets[docs] - base[chunk]
        where.append(
            (chunk.tolist(), start.tolist(), (start + offsets[docs + 1] - offsets[docs]).tolist())
        )
    (ca, sa, ea), (cb, sb, eb) = where
    out = []
    for i, (key, other) in enumerate(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True)):
        match = verify(sets[ca[i]][sa[i] : ea[i]], sets[cb[i]][sb[i] : eb[i]])
        if match is not None:
            out.append((key, other, match))
    return out


# --- measurements ----------------------------------------------------------------------------


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _rss() -> int:
    return _status("VmRSS")


def _sha1_shingles(text: str) -> list[bytes]:
    words = fp.normalized_words(text)
    k = fp.SHINGLE_K
    return [b" ".join(words[i : i + k]) for i in range(max(1, len(words) - k + 1))]


# The commit whose ``sketch_many`` (numpy affine32 MinHash, per-length-group word hashing) is
# "today's" rate the new path is compared with, loaded from git in the same run.
BASELINE_REV = "d834887"


def machine() -> str:
    """CPU model, cores, numpy's SIMD features and the load average, for the figures' context."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            model = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                model,
            )
    except OSError:
        model = platform.processor() or model
    simd = np.show_config(mode="dicts").get("SIMD Extensions", {})  # type: ignore[union-attr]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{model}; {os.cpu_count()} cores; numpy {np.__version__} SIMD baseline "
        f"{'/'.join(simd.get('baseline', []))}, found {'/'.join(simd.get('found', []))}; "
        f"load average {load}"
    )


def baseline_module(rev: str = BASELINE_REV):
    """``tracker/fingerprint.py`` as of ``rev`` (today's ``sketch_many``), or None without git."""
    root = Path(__file__).resolve().parent.parent
    try:
        source = subprocess.run(
            ["git", "show", f"{rev}:tracker/fingerprint.py"],
            cwd=root,
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="bench-baseline-")) / "fingerprint_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("fingerprint_baseline", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def bench_sketch(texts: list[str], rounds: int = 3) -> dict[str, float]:
    """Docs per CPU second, raw text to signature, several ways, measured in one run: each round
    times every way once (interleaved, so a change in the machine's load hits all of them), and
    each way keeps its best round.

    * ``new``: :func:`tracker.fingerprint.sketch_many` (rensa R-MinHash, ``sig.SCHEME``);
    * ``new-affine32``: the same shingling with the numpy ``affine32`` MinHash;
    * ``today``: ``sketch_many`` of ``BASELINE_REV`` (falls back to ``new-affine32`` without git);
    * ``default``: datasketch ``MinHash().update_batch`` with SHA1 on the encoded shingles;
    * ``loop``: a per-token ``MinHash.update()`` loop (on a quarter of the texts).
    """
    old = baseline_module()
    quarter = texts[: max(1, len(texts) // 4)]

    def default() -> None:
        for text in texts:
            MinHash(num_perm=sig.NUM_PERM).update_batch(_sha1_shingles(text))

    def loop() -> None:
        for text in quarter:
            m = MinHash(num_perm=sig.NUM_PERM)
            for token in _sha1_shingles(text):
                m.update(token)

    ways = {
        "new": (lambda: fp.sketch_many(texts), len(texts)),
        "new-affine32": (lambda: fp.sketch_many(texts, scheme=sig.AFFINE32), len(texts)),
        "today": (
            (lambda: old.sketch_many(texts))
            if old is not None
            else (lambda: fp.sketch_many(texts, scheme=sig.AFFINE32)),
            len(texts),
        ),
        "default": (default, len(texts)),
        "loop": (loop, len(quarter)),
    }
    best = dict.fromkeys(ways, float("inf"))
    for _ in range(rounds):
        for name, (fn, _n) in ways.items():
            # CPU time of the process (every thread): on a shared machine, waiting for a core is
            # not the path's cost, and a path using more threads is not credited for them.
            t = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - t)
    rates = {name: ways[name][1] / best[name] for name in ways}
    rates["baseline-from-git"] = float(old is not None)
    return rates


def jaccard_accuracy(texts: list[str], pairs: int = 2000, seed: int = 11) -> dict[str, float]:
    """Mean absolute error of estimated against exact Jaccard, per scheme, over ``pairs`` pairs
    whose exact Jaccard spreads over 0..1: a document's shingle set against a copy keeping a
    random share of it plus shingles of another document."""
    rng = np.random.default_rng(seed)
    sets = [s for s in fp.shingles_many(texts) if len(s) >= 50]
    left, right, exact = [], [], []
    for _ in range(pairs):
        i, j = rng.choice(len(sets), size=2, replace=False)
        a, other = sets[i], sets[j]
        keep = a[rng.random(len(a)) < rng.random()]
        extra = other[: int(rng.integers(0, len(other) + 1))]
        b = np.union1d(keep, extra).astype(np.uint32)
        left.append(a)
        right.append(b)
        exact.append(fp.jaccard(a, b))
    truth = np.array(exact)
    out = {}
    for scheme in sig.SCHEMES:
        sa, sb = sig.signatures(left, scheme=scheme), sig.signatures(right, scheme=scheme)
        estimate = (sa == sb).mean(axis=1)
        out[scheme] = float(np.abs(estimate - truth).mean())
    return out


def print_sketch_figures(texts: list[str]) -> None:
    """The sketch-rate ratios (first) and the Jaccard accuracy of both schemes."""
    rates = bench_sketch(texts)
    today = "today's sketch_many" + (
        f" ({BASELINE_REV})" if rates["baseline-from-git"] else " (git missing: new affine32)"
    )
    print(
        f"sketch, raw text -> signature, {len(texts):,} docs, docs per CPU second, best of 3 "
        f"interleaved rounds:\n"
        f"  new sketch_many ({sig.SCHEME}) / {today}: x{rates['new'] / rates['today']:.2f}; "
        f"/ datasketch update_batch+SHA1: x{rates['new'] / rates['default']:.1f}; "
        f"/ per-token update(): x{rates['new'] / rates['loop']:.0f}\n"
        f"  new shingling with the numpy affine32 MinHash / today: "
        f"x{rates['new-affine32'] / rates['today']:.2f}\n"
        f"  docs/s: new {rates['new']:,.0f}; new-affine32 {rates['new-affine32']:,.0f}; "
        f"today {rates['today']:,.0f}; datasketch update_batch {rates['default']:,.0f}; "
        f"per-token update() {rates['loop']:,.0f}",
        flush=True,
    )
    mae = jaccard_accuracy(texts)
    print(
        "Jaccard estimate vs exact, mean absolute error over 2,000 pairs (J spread over 0..1): "
        + "; ".join(f"{scheme} {err:.4f}" for scheme, err in mae.items()),
        flush=True,
    )


def _pack(queries: np.ndarray, keys: np.ndarray) -> np.ndarray:
    return (queries.astype(np.uint64) << np.uint64(32)) | keys.astype(np.uint64)


def lsh_peer(sigs: np.ndarray) -> str:
    """Band index build + every document's LSH query on the same signatures, datasketch
    ``MinHashLSH`` (:class:`tracker.lsh_datasketch.CompactMinHashLSH`, insertion session and one
    ``query`` per document) against :class:`tracker.lsh.CandidateIndex` (vectorised band keys,
    batched queries); checks both give the same candidates."""
    m = len(sigs)
    t = time.perf_counter()
    stock = CompactMinHashLSH()
    with stock.insertion_session() as session:
        for key in range(m):
            session.insert(key, sig.lean_minhash(sigs[key]), check_duplication=False)
    stock_answers = [sorted(stock.query(sig.lean_minhash(sigs[key]))) for key in range(m)]
    t_stock = time.perf_counter() - t
    t = time.perf_counter()
    index = CandidateIndex()
    index.add_signatures(np.arange(m), sigs)
    index.freeze()
    queries, keys = index.query_lsh_many(sigs)
    t_new = time.perf_counter() - t
    answers: list[list[int]] = [[] for _ in range(m)]
    for q, k in zip(queries.tolist(), keys.tolist(), strict=True):
        answers[q].append(k)
    same = answers == stock_answers
    single = np.empty(min(m, 1000))
    for key in range(len(single)):
        q0 = time.perf_counter()
        index.query_lsh(sigs[key])
        single[key] = time.perf_counter() - q0
    return (
        f"LSH build + query of every document, {m:,} docs: vectorised CandidateIndex "
        f"{t_new:.2f}s, datasketch MinHashLSH (compact storage) {t_stock:.2f}s: "
        f"x{t_stock / t_new:.1f}; same candidates: {same}; one-document query (incremental "
        f"path) {_pct(single)}"
    )


def pairs_of(groups: dict[int, list[int]]) -> set[tuple[int, int]]:
    out = set()
    for members in groups.values():
        for a, b in itertools.combinations(sorted(members), 2):
            out.add((a, b))
    return out


def _pct(values: np.ndarray) -> str:
    ms = values * 1e3
    return (
        f"p50 {np.percentile(ms, 50):.3f} ms, p99 {np.percentile(ms, 99):.3f} ms, "
        f"max {ms.max():.1f} ms"
    )


def run(n: int, jobs: int, sample: int, workdir: Path) -> None:
    print(
        f"\n== {n:,} documents (~{WORDS_PER_DOC} words, {VARIANT_SHARE:.0%} variants) ==",
        flush=True,
    )
    corpus = _corpus(n)
    chunks = [
        (n, lo, min(n, lo + CHUNK), str(workdir / f"texts-{lo}.txt")) for lo in range(0, n, CHUNK)
    ]
    t = time.perf_counter()
    with Pool(jobs) as pool:
        gen_cpu = sum(pool.map(_generate_chunk, chunks))
    print(
        f"generated in {time.perf_counter() - t:.1f}s wall ({jobs} processes, {gen_cpu:.1f}s CPU)",
        flush=True,
    )

    if sample:
        print_sketch_figures(corpus.texts(0, min(sample, n)))

    gc.collect()
    rss_start = _rss()
    start = time.perf_counter()
    sigs = np.empty((n, sig.NUM_PERM), dtype=np.uint32)
    banded = np.empty((n, LSH_PARAMS[0]), dtype=np.uint32)
    offsets = np.zeros(n + 1, dtype=np.int64)
    anchor_parts, count_parts = [], []
    sketch_cpu = 0.0
    with Pool(jobs) as pool:
        lo = 0
        for seconds, part_sigs, part_banded, lengths, anchors, counts in pool.imap(
            _sketch_chunk, [c[3] for c in chunks]
        ):
            hi = lo + len(part_sigs)
            sigs[lo:hi] = part_sigs
            banded[lo:hi] = part_banded
            offsets[lo + 1 : hi + 1] = offsets[lo] + np.cumsum(lengths)
            anchor_parts.append(anchors)
            count_parts.append(counts)
            sketch_cpu += seconds
            lo = hi
    t_sketch = time.perf_counter() - start
    # One memory-mapped file per chunk of CHUNK documents, addressed by global offsets.
    anchor_values = np.concatenate(anchor_parts)
    anchor_counts = np.concatenate(count_parts)
    del anchor_parts, count_parts
    anchor_offsets = np.concatenate(([0], np.cumsum(anchor_counts)))
    print(
        f"sketch all: {t_sketch:.1f}s wall on {jobs} processes ({n / t_sketch:,.0f} docs/s; "
        f"{n / sketch_cpu:,.0f} docs/s per core of CPU time)",
        flush=True,
    )

    gc.collect()
    rss0 = _rss()
    t = time.perf_counter()
    index = CandidateIndex()
    index.add_band_keys(np.arange(n, dtype=np.int64), banded)
    del banded
    index.freeze()
    t_lsh = time.perf_counter() - t
    gc.collect()
    rss_lsh = _rss()
    t = time.perf_counter()
    index.add_anchors(np.repeat(np.arange(n, dtype=np.int32), anchor_counts), anchor_values)
    index.freeze()
    t_anchor = time.perf_counter() - t
    gc.collect()
    print(
        f"index: LSH band postings {n / t_lsh:,.0f} docs/s ({t_lsh:.1f}s); anchor postings "
        f"sorted in {t_anchor:.1f}s",
        flush=True,
    )

    edges = {}
    t = time.perf_counter()
    # Every document against every other: the candidate pairs straight from the postings
    # (what querying each document and keeping the keys above it gives; a test checks it).
    lower, upper = index.pairs()
    t_pairs = time.perf_counter() - t
    # Verification reads the memory-mapped shingle sets in ``jobs`` processes, as sketching
    # does; each gets slices of the pair list.
    step = max(1, -(-len(lower) // (jobs * 8)))
    slices = [(lower[i : i + step], upper[i : i + step]) for i in range(0, len(lower), step)]
    with Pool(
        jobs, initializer=_open_sets, initargs=([c[3] + ".u32" for c in chunks], offsets)
    ) as pool:
        for found in pool.imap(_verify_pairs, slices):
            edges.update(((key, other), match) for key, other, match in found)
    t_query = time.perf_counter() - t
    t_verify = t_query - t_pairs
    t = time.perf_counter()
    clusters = star_clusters(range(n), edges)
    t_star = time.perf_counter() - t
    total = time.perf_counter() - start
    print(
        f"candidate pairs {t_pairs:.1f}s ({2 * len(lower) / n:.2f} candidates per document); "
        f"exact verification {t_verify:.1f}s; star clusters {t_star:.1f}s",
        flush=True,
    )
    sample = min(n, QUERY_BATCH)
    t = time.perf_counter()
    index.query_many(
        sigs[:sample], anchor_values[: anchor_offsets[sample]], anchor_offsets[: sample + 1]
    )
    print(
        f"batched query (the incremental path), {sample:,} documents against all: "
        f"{(time.perf_counter() - t) / sample * 1e6:,.1f} µs per document",
        flush=True,
    )
    print(lsh_peer(sigs[: min(n, PEER_DOCS)]), flush=True)
    lsh_bytes = index.nbytes[0] / n
    anchor_bytes = index.nbytes[1] / n
    sig_bytes = sigs.nbytes / n
    print(
        f"memory per document: LSH {lsh_bytes:,.0f} B (band postings, {index.b} bands x "
        f"{index.r} rows; RSS delta {(rss_lsh - rss0) / n:,.0f} B) + anchor index "
        f"{anchor_bytes:,.0f} B "
        f"+ signatures {sig_bytes:,.0f} B (n x {sig.NUM_PERM} uint32) + shingle offsets "
        f"{offsets.nbytes / n:,.0f} B = {lsh_bytes + anchor_bytes + sig_bytes + offsets.nbytes / n:,.0f} B; "
        f"exact shingles {offsets[-1] * 4 / n:,.0f} B on disk (memory-mapped, read on demand)",
        flush=True,
    )
    print(
        f"whole process: RSS {(_rss() - rss_start) / n:,.0f} B per document above the start of "
        f"clustering (includes mapped shingle pages and the edge list); peak RSS "
        f"{_status('VmHWM') / 2**30:.2f} GiB",
        flush=True,
    )
    print(
        f"end-to-end clustering (sketch + index + candidates + verification + star clusters, "
        f"from raw text, {jobs} processes for sketching): {total:.1f}s = sketch {t_sketch:.1f}s "
        f"+ LSH index {t_lsh:.1f}s + anchor index {t_anchor:.1f}s + queries and verification "
        f"{t_query:.1f}s (pairs {t_pairs:.1f}s, verification {t_verify:.1f}s) + star clusters "
        f"{t_star:.1f}s (load average now "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())})",
        flush=True,
    )

    predicted = {seed: [seed, *members] for seed, members in clusters}
    truth: dict[int, list[int]] = defaultdict(list)
    for doc, g in enumerate(corpus.source.tolist()):
        truth[g].append(doc)
    pred_pairs, true_pairs = pairs_of(predicted), pairs_of(truth)
    hit = len(pred_pairs & true_pairs)
    precision = hit / len(pred_pairs) if pred_pairs else 1.0
    recall = hit / len(true_pairs) if true_pairs else 1.0
    print(
        f"pairwise precision {precision:.4f}, recall {recall:.4f} ({len(true_pairs):,} true pairs)"
    )
    cluster_of = {doc: seed for seed, members in predicted.items() for doc in members}
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for doc in range(corpus.originals, n):
        src = int(corpus.source[doc])
        by_kind[Corpus.KINDS[corpus.kind[doc]]].append(
            cluster_of.get(doc) is not None and cluster_of.get(doc) == cluster_of.get(src)
        )
    print(
        "variant joined its original, by kind: "
        + ", ".join(f"{kind} {np.mean(v):.4f} (n={len(v)})" for kind, v in sorted(by_kind.items()))
    )
    print(f"[LSH {index.b} bands x {index.r} rows, num_perm {sig.NUM_PERM}, k {fp.SHINGLE_K}]")
    for path in workdir.iterdir():
        path.unlink()


def run_sqlite(n: int) -> None:
    """``update_clusters`` on a SQLite database filled with ``n`` synthetic pages."""
    from tracker.clustering import update_clusters
    from tracker.store import PageRecord, open_db, store_page

    print(f"\n== SQLite path: update_clusters on {n:,} stored pages ==", flush=True)
    corpus = _corpus(n)
    folder = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    db = open_db(folder / "bench.db")
    t = time.perf_counter()
    with db.atomic():
        for i in range(n):
            rec = PageRecord(
                url=f"https://site{i % 997}.example/doc/{i}",
                site=f"site{i % 997}.example",
                fetched_at=f"2024-05-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}+00:00",
                title=f"Document {i}",
                byline=None,
                published=None,
                language="en",
                site_name=None,
                description=None,
                paragraphs=corpus.paragraphs(i),
            )
            store_page(db, rec)
    print(f"filled through store_page in {time.perf_counter() - t:.1f}s", flush=True)
    rss0 = _rss()
    t = time.perf_counter()
    result = update_clusters(db)
    first = time.perf_counter() - t
    print(
        f"first update_clusters: {first:.1f}s ({n / first:,.0f} pages/s; "
        f"{result.fingerprinted:,} fingerprinted, {len(result.new):,} clusters); "
        f"RSS +{(_rss() - rss0) / n:,.0f} B per page; peak RSS {_status('VmHWM') / 2**30:.2f} GiB",
        flush=True,
    )
    t = time.perf_counter()
    again = update_clusters(db)
    print(
        f"re-run on unchanged data: {time.perf_counter() - t:.1f}s, {again.pages_changed} changed"
    )
    db.conn.close()
    shutil.rmtree(folder)


def calibrate() -> None:
    """The corpus measurements behind SHINGLE_K and the thresholds."""
    corpus = Path(
        os.environ.get("TRACKER_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
    )
    truth = json.loads(
        (corpus / "scrapinghub-article-extraction-benchmark" / "ground-truth.json").read_text()
    )
    negatives = [v["articleBody"] for v in truth.values() if len(v["articleBody"].split()) >= 100]
    variants = {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(
            (corpus / "copietje-neardup-variants-and-newsedits" / "variants").glob("*.txt")
        )
    }
    rng = random.Random(5)

    def typos(text: str, every: int) -> str:
        words = text.split()
        for i in range(0, len(words), every):
            j = min(len(words) - 1, i + rng.randrange(every))
            words[j] = words[j][::-1] + "x"
        return " ".join(words)

    edited = [(t, typos(t, 20)) for t in negatives[:40]]
    print(
        f"{len(negatives)} unrelated real articles ({len(negatives) * (len(negatives) - 1) // 2} pairs)"
    )
    for k in range(3, 9):
        sets = [fp.shingles(t, k) for t in negatives]
        max_j = max_c = 0.0
        for a, b in itertools.combinations(sets, 2):
            shared = fp.intersection_size(a, b)
            if shared:
                max_j = max(max_j, shared / (len(a) + len(b) - shared))
                max_c = max(max_c, shared / min(len(a), len(b)))
        var = {name: fp.shingles(text, k) for name, text in variants.items()}
        pos_j = pos_c = 1.0
        for a, b in itertools.combinations(var, 2):
            if a.split("_")[0] == b.split("_")[0]:
                pos_c = min(
                    pos_c, fp.intersection_size(var[a], var[b]) / min(len(var[a]), len(var[b]))
                )
                pos_j = min(pos_j, fp.jaccard(var[a], var[b]))
        typo_j = min(fp.jaccard(fp.shingles(a, k), fp.shingles(b, k)) for a, b in edited)
        print(
            f"k={k}: unrelated max J {max_j:.3f} max C {max_c:.3f} | copietje min C {pos_c:.3f} "
            f"min J {pos_j:.3f} | 1 typo per 20 words min J {typo_j:.3f}"
        )
    for b, r in [(16, 8), (20, 6), (32, 4), (42, 3)]:
        probs = ", ".join(f"J={j}: {1 - (1 - j**r) ** b:.3f}" for j in (0.5, 0.6, 0.7, 0.8, 0.9))
        print(f"LSH {b}x{r}: candidate probability {probs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated document counts")
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 documents")
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for generating and sketching",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=2000,
        help="docs for the sketch-rate and accuracy comparison (0: skip it)",
    )
    parser.add_argument(
        "--sqlite", type=int, default=0, help="measure update_clusters on N stored pages"
    )
    parser.add_argument("--workdir", default=None, help="folder for texts and the shingle file")
    parser.add_argument(
        "--calibrate", action="store_true", help="print the corpus calibration instead"
    )
    parser.add_argument(
        "--sketch-only",
        action="store_true",
        help="print the machine and the sketch ratios and accuracy only (no clustering run)",
    )
    args = parser.parse_args()
    if args.calibrate:
        calibrate()
        return
    print(machine(), flush=True)
    if args.sketch_only:
        print_sketch_figures(_corpus(max(args.sample, 2)).texts(0, args.sample))
        return
    if args.sqlite:
        run_sqlite(args.sqlite)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.million:
        sizes.append(1_000_000)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-cluster-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        for n in sizes:
            run(n, args.jobs, args.sample, workdir)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
