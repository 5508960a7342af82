"""Diff throughput: 1,000- and 5,000-word article pairs, and 10,000 cluster members against
their origins, stored in SQLite.

Goals (issue 4): at most 20 ms for a 1,000-word pair; the 10,000 member diffs, stored, in under a
minute. The word alignment behind ``retained`` (issue 11) is timed on its own on 5,000-word
re-paragraphed copies, against difflib's SequenceMatcher on the same word sequences. Texts are synthetic (seeded) with realistic edits: reworded paragraphs, quote-style
changes, paragraphs added, removed and moved; reposts cut the end, add an intro, change the
headline.

Usage: python bench/bench_diff.py [--members 10000] [--origins 500] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from difflib import SequenceMatcher  # noqa: E402

from bench_machine import print_machine, ratio  # noqa: E402

from tracker.diffs import Doc, diff_cluster_members, diff_documents, kept_words  # noqa: E402
from tracker.normalize import normalize_text  # noqa: E402
from tracker.store import content_hash, open_db  # noqa: E402


def make_vocab(rng: random.Random, size: int = 4000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(letters, k=rng.randint(2, 10))) for _ in range(size)]


def make_article(rng: random.Random, vocab: list[str], n_words: int) -> list[str]:
    paragraphs, total = [], 0
    while total < n_words:
        size = min(rng.randint(25, 80), n_words - total)
        words = rng.choices(vocab, k=size)
        words[0] = words[0].capitalize()
        if size > 6:
            words[size // 2] = f"\u201c{words[size // 2]}\u201d"
        paragraphs.append(" ".join(words) + ".")
        total += size
    return paragraphs


def edit_version(rng: random.Random, vocab: list[str], paragraphs: list[str]) -> list[str]:
    """A newsroom edit: some paragraphs reworded, one removed, two added, one moved."""
    out = list(paragraphs)
    for i in rng.sample(range(len(out)), k=max(1, len(out) // 10)):
        words = out[i].split()
        for _ in range(rng.randint(1, 4)):
            words[rng.randrange(len(words))] = rng.choice(vocab)
        out[i] = " ".join(words)
    for i in rng.sample(range(len(out)), k=max(1, len(out) // 8)):
        out[i] = out[i].replace("\u201c", '"').replace("\u201d", '"')
    del out[rng.randrange(len(out))]
    for _ in range(2):
        out.insert(rng.randrange(len(out) + 1), " ".join(rng.choices(vocab, k=40)) + ".")
    out.insert(rng.randrange(len(out)), out.pop(rng.randrange(len(out))))
    return out


def repost_of(rng: random.Random, vocab: list[str], paragraphs: list[str]) -> list[str]:
    """A repost: sometimes cut to the first two thirds, sometimes an intro, sometimes reworded."""
    out = list(paragraphs)
    roll = rng.random()
    if roll < 0.3:
        out = out[: max(1, 2 * len(out) // 3)]
    elif roll < 0.5:
        out.insert(0, "Editor's note: " + " ".join(rng.choices(vocab, k=20)) + ".")
    elif roll < 0.7:
        out = edit_version(rng, vocab, out)
    if rng.random() < 0.5:
        out.append("This article was originally published by Example News.")
    return out


def time_pairs(
    rng: random.Random, vocab: list[str], n_words: int, runs: int
) -> tuple[list[float], list[float]]:
    """ms per pair of ``diff_documents`` and, on the same pairs, of the peer: difflib's
    ``SequenceMatcher`` opcodes over the two texts' words (a plain word diff)."""
    timings, peer = [], []
    for _ in range(runs):
        a = make_article(rng, vocab, n_words)
        b = edit_version(rng, vocab, a)
        start = time.perf_counter()
        # Fresh Docs each time: normalisation is part of the cost.
        diff_documents(Doc(a, title="Headline"), Doc(b, title="Headline, updated"))
        timings.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        SequenceMatcher(None, " ".join(a).split(), " ".join(b).split()).get_opcodes()
        peer.append((time.perf_counter() - start) * 1000)
    return timings, peer


def time_word_alignment(
    rng: random.Random, vocab: list[str], n_words: int, runs: int
) -> tuple[float, float, float]:
    """Median ms of kept_words and of SequenceMatcher on an edited copy's words (re-paragraphed,
    so paragraph ops cannot help), and the mean retained share."""
    ours, peer, shares = [], [], []
    for _ in range(runs):
        paragraphs = make_article(rng, vocab, n_words)
        a = normalize_text(" ".join(paragraphs)).split()
        b = normalize_text(" ".join(edit_version(rng, vocab, paragraphs))).split()
        start = time.perf_counter()
        kept = kept_words(a, b)
        ours.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
        peer.append((time.perf_counter() - start) * 1000)
        shares.append(kept / len(a))
    return statistics.median(ours), statistics.median(peer), statistics.mean(shares)


def build_cluster_db(
    path: Path, rng: random.Random, vocab: list[str], origins: int, members: int
) -> None:
    db = open_db(path)
    now = "2026-01-01T00:00:00+00:00"
    per_origin = members // origins
    with db.atomic():
        db.conn.execute(
            "insert into sites (domain, name, first_seen) values ('bench.example', 'Bench', ?)",
            [now],
        )
        page_id = version_id = 0
        pages, versions, clusters, cluster_members = [], [], [], []

        def add(paragraphs: list[str], title: str) -> tuple[int, int]:
            nonlocal page_id, version_id
            page_id += 1
            version_id += 1
            text = "\n\n".join(paragraphs)
            pages.append((page_id, f"https://bench.example/p/{page_id}", "bench.example", now, now))
            versions.append(
                (version_id, page_id, now, content_hash(title, text), title, text,
                 json.dumps(paragraphs, ensure_ascii=False), len(text.split()), "bench")
            )  # fmt: skip
            return page_id, version_id

        for cluster_id in range(1, origins + 1):
            original = make_article(rng, vocab, rng.randint(600, 1200))
            origin_page, _ = add(original, f"Story {cluster_id}")
            clusters.append((cluster_id, origin_page, per_origin + 1, now))
            cluster_members.append((cluster_id, origin_page, "origin"))
            for _ in range(per_origin):
                title = (
                    f"Story {cluster_id}" if rng.random() < 0.6 else f"Reposted: story {cluster_id}"
                )
                member_page, _ = add(repost_of(rng, vocab, original), title)
                cluster_members.append((cluster_id, member_page, "repost"))
        db.conn.executemany(
            "insert into pages (id, url, site, first_seen, last_fetched) values (?, ?, ?, ?, ?)",
            pages,
        )
        db.conn.executemany(
            "insert into versions (id, page_id, fetched_at, content_hash, title, text, paragraphs,"
            " word_count, source) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            versions,
        )
        db.conn.executemany(
            "insert into clusters (id, origin_page_id, size, first_seen) values (?, ?, ?, ?)",
            clusters,
        )
        db.conn.executemany(
            "insert into cluster_members (cluster_id, page_id, role) values (?, ?, ?)",
            cluster_members,
        )
    db.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--origins", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    vocab = make_vocab(rng)

    print_machine("bench_diff")
    time_pairs(rng, vocab, 1000, 20)  # warm-up: imports, regex caches
    for n_words, runs, goal in ((1000, 300, 20.0), (5000, 60, None)):
        timings, peer_timings = time_pairs(rng, vocab, n_words, runs)
        median, peer_median = statistics.median(timings), statistics.median(peer_timings)
        print(
            f"{n_words:>5}-word pair: {ratio(median, peer_median):.2f}x difflib's word diff "
            f"(SequenceMatcher opcodes) on the same pairs ({peer_median:.2f} ms)"
        )
        p95 = sorted(timings)[int(0.95 * len(timings)) - 1]
        verdict = (
            ""
            if goal is None
            else f"  goal <= {goal:.0f} ms: {'met' if median <= goal else 'MISSED'}"
        )
        print(
            f"{n_words:>5}-word pair: median {median:6.2f} ms, p95 {p95:6.2f} ms over {runs} pairs{verdict}"
        )

    ours, peer, share = time_word_alignment(rng, vocab, 5000, 20)
    print(
        f"word alignment (retained), 5,000-word re-paragraphed copy: median {ours:.2f} ms, "
        f"{peer / ours:.1f}x faster than difflib on the same words ({peer:.1f} ms); "
        f"mean retained {share:.3f}"
    )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        build_cluster_db(path, rng, vocab, args.origins, args.members)
        setup = time.perf_counter() - start
        db = open_db(path)
        start = time.perf_counter()
        added = diff_cluster_members(db)
        elapsed = time.perf_counter() - start
        ops = db.execute("select count(*) from diff_ops").fetchone()[0]
        again_start = time.perf_counter()
        again = diff_cluster_members(db)
        again_elapsed = time.perf_counter() - again_start
        size_mb = (
            path.stat().st_size / 1e6 + sum(p.stat().st_size for p in Path(tmp).glob("*-wal")) / 1e6
        )
        print(
            f"{added} member diffs vs {args.origins} origins, stored: {elapsed:.1f} s "
            f"({1000 * elapsed / max(added, 1):.2f} ms each, {ops} ops rows, db {size_mb:.0f} MB; "
            f"setup {setup:.1f} s)  goal < 60 s: {'met' if elapsed < 60 else 'MISSED'}"
        )
        print(f"second call (nothing new): {again} diffs in {again_elapsed:.2f} s")


if __name__ == "__main__":
    main()
