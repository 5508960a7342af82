"""Benchmark of fingerprinting and clustering on synthetic documents (not part of the tests).

Documents of ~800 words are drawn from a Zipf vocabulary; 30% are syndicated variants of an
original (light edits, excerpts of the first paragraphs, the original embedded in other text),
so the truth is known. Everything printed is measured in the same run:

* sketch throughput (raw text to signature, one process = one core) and its ratio to
  datasketch's default path (``MinHash(); update_batch`` with SHA1 on encoded shingles) and to
  a per-token ``update()`` loop, both on a subsample;
* candidate index insert rate, query p50/p99, memory per document (RSS delta);
* end-to-end time to cluster (sketch, index, query, exact verification, star clusters) and
  pairwise precision/recall against the generated truth, overall and per variant kind.

``--calibrate`` instead prints the corpus measurements behind ``SHINGLE_K`` and the
thresholds (needs ../shared/corpus).

Usage::

    python bench/bench_cluster.py                      # 10k and 100k documents
    python bench/bench_cluster.py --sizes 10000 --million
    python bench/bench_cluster.py --calibrate
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from datasketch import MinHash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import fingerprint as fp  # noqa: E402
from tracker.clustering import CandidateIndex, anchors_of, star_clusters, verify  # noqa: E402

WORDS_PER_DOC = 800
PARAGRAPH_WORDS = 60
VOCAB_SIZE = 50_000


def _vocabulary(seed: int) -> np.ndarray:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {
        "".join(rng.choice(letters) for _ in range(rng.randint(2, 9)))
        for _ in range(VOCAB_SIZE * 2)
    }
    return np.array(sorted(words)[:VOCAB_SIZE], dtype=object)


def generate(n: int, seed: int = 1) -> tuple[list[str], np.ndarray, list[str]]:
    """``n`` documents, the truth group of each (index of its original) and its kind."""
    rng = np.random.default_rng(seed)
    vocab = _vocabulary(seed)
    p = 1.0 / np.arange(1, VOCAB_SIZE + 1) ** 1.07
    p /= p.sum()
    n_variants = int(n * 0.3)
    n_orig = n - n_variants

    def paragraphs(count_words: int) -> list[str]:
        idx = rng.choice(VOCAB_SIZE, size=count_words, p=p)
        words = vocab[idx]
        return [
            " ".join(words[i : i + PARAGRAPH_WORDS]).capitalize() + "."
            for i in range(0, count_words, PARAGRAPH_WORDS)
        ]

    originals = [paragraphs(WORDS_PER_DOC) for _ in range(n_orig)]
    texts = ["\n\n".join(doc) for doc in originals]
    group = list(range(n_orig))
    kinds = ["original"] * n_orig
    sources = rng.integers(0, n_orig, size=n_variants)
    for src in sources.tolist():
        doc = originals[src]
        roll = rng.random()
        if roll < 0.6:
            edited = []
            for para in doc:
                words = para.split()
                for i in range(0, len(words), 40):  # a typo every ~40 words
                    j = min(len(words) - 1, i + int(rng.integers(40)))
                    words[j] = words[j][::-1] + "x"
                edited.append(" ".join(words))
            del edited[int(rng.integers(len(edited)))]
            edited.insert(
                int(rng.integers(len(edited))), "This story was updated with new details."
            )
            kind, new = "light edit", edited
        elif roll < 0.85:
            kind, new = (
                "excerpt",
                doc[: int(rng.integers(2, 5))] + ["Read more on the original site."],
            )
        else:
            kind, new = "embedded", paragraphs(300) + doc + paragraphs(300)
        texts.append("\n\n".join(new))
        group.append(src)
        kinds.append(kind)
    return texts, np.array(group), kinds


def _sketch_chunk(texts: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    sets = fp.shingles_many(texts)
    return sets, fp.signatures(sets)


def sketch(texts: list[str], jobs: int) -> tuple[list[np.ndarray], np.ndarray]:
    if jobs <= 1:
        return _sketch_chunk(texts)
    chunks = [texts[i : i + 2000] for i in range(0, len(texts), 2000)]
    sets: list[np.ndarray] = []
    sigs = []
    with Pool(jobs) as pool:
        for part_sets, part_sigs in pool.imap(_sketch_chunk, chunks):
            sets.extend(part_sets)
            sigs.append(part_sigs)
    return sets, np.concatenate(sigs)


def _rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _sha1_shingles(text: str) -> list[bytes]:
    words = fp.normalized_words(text)
    k = fp.SHINGLE_K
    return [b" ".join(words[i : i + k]) for i in range(max(1, len(words) - k + 1))]


def bench_sketch(texts: list[str], sample: int) -> dict[str, float]:
    subset = texts[:sample]
    t = time.perf_counter()
    fp.signatures(fp.shingles_many(subset))
    ours = len(subset) / (time.perf_counter() - t)
    t = time.perf_counter()
    for text in subset:
        m = MinHash(num_perm=fp.NUM_PERM)
        m.update_batch(_sha1_shingles(text))
    default = len(subset) / (time.perf_counter() - t)
    t = time.perf_counter()
    for text in subset:
        m = MinHash(num_perm=fp.NUM_PERM)
        for token in _sha1_shingles(text):
            m.update(token)
    loop = len(subset) / (time.perf_counter() - t)
    return {"ours": ours, "default": default, "loop": loop}


def pairs_of(groups: dict[int, list[int]]) -> set[tuple[int, int]]:
    out = set()
    for members in groups.values():
        for a, b in itertools.combinations(sorted(members), 2):
            out.add((a, b))
    return out


def run(n: int, jobs: int, sample: int) -> None:
    print(f"\n== {n:,} documents (~{WORDS_PER_DOC} words, 30% variants) ==", flush=True)
    t = time.perf_counter()
    texts, group, kinds = generate(n)
    print(f"generated in {time.perf_counter() - t:.1f}s", flush=True)

    rates = bench_sketch(texts, min(sample, n))
    print(
        f"sketch (1 core, raw text -> signature): {rates['ours']:,.0f} docs/s; "
        f"datasketch update_batch+SHA1: {rates['default']:,.0f} docs/s (x{rates['ours'] / rates['default']:.1f}); "
        f"per-token update(): {rates['loop']:,.0f} docs/s (x{rates['ours'] / rates['loop']:.1f})",
        flush=True,
    )

    start = time.perf_counter()
    rss0 = _rss()
    sets, sigs = sketch(texts, jobs)
    t_sketch = time.perf_counter() - start
    anchors = [anchors_of(s) for s in sets]
    rss_sketched = _rss()
    t = time.perf_counter()
    index = CandidateIndex()
    for key in range(n):
        index.add(key, sigs[key], anchors[key])
    index.freeze()
    t_index = time.perf_counter() - t
    rss_index = _rss()
    print(
        f"sketch all ({jobs} processes): {t_sketch:.1f}s ({n / t_sketch:,.0f} docs/s); "
        f"index insert: {n / t_index:,.0f} docs/s",
        flush=True,
    )

    t = time.perf_counter()
    latencies = np.empty(n)
    edges = {}
    for key in range(n):
        q0 = time.perf_counter()
        candidates = index.query(sigs[key], anchors[key])
        latencies[key] = time.perf_counter() - q0
        for other in candidates:
            if other > key:
                match = verify(sets[key], sets[other])
                if match is not None:
                    edges[(key, other)] = match
    t_query = time.perf_counter() - t
    t = time.perf_counter()
    clusters = star_clusters(range(n), edges)
    t_star = time.perf_counter() - t
    total = time.perf_counter() - start
    print(
        f"query p50 {np.percentile(latencies, 50) * 1e3:.3f} ms, p99 {np.percentile(latencies, 99) * 1e3:.3f} ms "
        f"(queries + exact verification of all docs: {t_query:.1f}s; star clusters {t_star:.1f}s)",
        flush=True,
    )
    shingle_bytes = sum(s.nbytes for s in sets) / n
    print(
        f"memory per document: signatures+anchors {(rss_sketched - rss0) / n - shingle_bytes:,.0f} B "
        f"+ exact shingles {shingle_bytes:,.0f} B + candidate index {(rss_index - rss_sketched) / n:,.0f} B "
        f"(RSS deltas)",
        flush=True,
    )
    print(f"end-to-end clustering: {total:.1f}s", flush=True)

    predicted = {seed: [seed, *members] for seed, members in clusters}
    truth: dict[int, list[int]] = defaultdict(list)
    for doc, g in enumerate(group.tolist()):
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
    for doc, kind in enumerate(kinds):
        if kind != "original":
            src = int(group[doc])
            by_kind[kind].append(
                cluster_of.get(doc) is not None and cluster_of.get(doc) == cluster_of.get(src)
            )
    print(
        "variant joined its original, by kind: "
        + ", ".join(f"{kind} {np.mean(v):.4f} (n={len(v)})" for kind, v in sorted(by_kind.items()))
    )
    lsh_only = CandidateIndex()
    print(
        f"[LSH params {lsh_only.lsh.b} bands x {lsh_only.lsh.r} rows, num_perm {fp.NUM_PERM}, k {fp.SHINGLE_K}]"
    )


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
        "--jobs", type=int, default=os.cpu_count() or 1, help="processes for sketching"
    )
    parser.add_argument(
        "--sample", type=int, default=2000, help="docs for the sketch-rate comparison"
    )
    parser.add_argument(
        "--calibrate", action="store_true", help="print the corpus calibration instead"
    )
    args = parser.parse_args()
    if args.calibrate:
        calibrate()
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.million:
        sizes.append(1_000_000)
    print(f"{os.cpu_count()} CPUs; numpy {np.__version__}")
    for n in sizes:
        run(n, args.jobs, args.sample)


if __name__ == "__main__":
    main()
