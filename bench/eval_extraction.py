"""Extraction accuracy on the Scrapinghub article-extraction benchmark.

Scores the article text tracker stores (trafilatura's extraction, then the boilerplate stage's
rule for a site seen on one page: :func:`tracker.boilerplate.split_boilerplate`, whose prior is
the fixed chrome phrase list; each benchmark page is its site's only page) against the benchmark's
hand-checked bodies the way the benchmark does: tokens are ``\\w+`` runs, precision and recall
come from token multisets per page, averaged over pages: a bag of words, and the upstream
script's default of 4-token shingles. Pass ``--baseline-output`` to score one
of the stored reference outputs with the same code (a check of the scorer itself).

Example:
    python bench/eval_extraction.py --corpus ../shared/corpus/scrapinghub-article-extraction-benchmark
    python bench/eval_extraction.py --timing 3   # build_record CPU ms per page, ratios to peers
    python bench/eval_extraction.py --import-timing 3   # tracker import against a bare parse
    python bench/eval_extraction.py --profile   # cProfile top 15 of build_record
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_machine import load_average, print_machine  # noqa: E402

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _ngrams(text: str, n: int) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if n == 1:
        return Counter(tokens)
    return Counter(
        tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n]
    )


def match_counts(true: str, pred: str, n: int = 1) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of ``pred``'s tokens against ``true``."""
    t, p = _ngrams(true, n), _ngrams(pred, n)
    tp = sum((t & p).values())
    return tp, sum(p.values()) - tp, sum(t.values()) - tp


def score(truth: dict[str, str], predicted: dict[str, str], n: int = 1) -> dict[str, float]:
    """The benchmark's figures: per-page precision and recall, averaged over pages (a page with
    nothing to score on one side is left out of that mean), F1 from the two means."""
    precisions, recalls = [], []
    for key, body in truth.items():
        tp, fp, fn = match_counts(body, predicted.get(key, ""), n)
        if fp == fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp:
            precisions.append(tp / (tp + fp))
        if tp + fn:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _extract_one(args: tuple[str, str, str, bool | None]) -> tuple[str, str]:
    from tracker import extraction
    from tracker.boilerplate import split_boilerplate
    from tracker.extraction import extract

    key, path, url, fast = args
    if fast is not None:
        extraction.FAST = fast
    html = gzip.decompress(Path(path).read_bytes())
    stored, _ = split_boilerplate(extract(html, url).paragraphs)
    return key, "\n\n".join(stored)


def run(
    corpus: Path, jobs: int = 2, limit: int | None = None, fast: bool | None = None
) -> tuple[dict[str, str], dict[str, str], float]:
    """Extract every page of the benchmark; returns (truth, predicted, seconds).

    ``fast`` overrides ``tracker.extraction.FAST`` (trafilatura without its fallback extractors).
    """
    truth_file = corpus / "ground-truth.json"
    if not truth_file.exists():
        raise SystemExit(
            f"eval_extraction: {truth_file} not found (is --corpus the benchmark folder?)"
        )
    ground = json.loads(truth_file.read_text(encoding="utf-8"))
    keys = sorted(ground)[:limit] if limit else sorted(ground)
    tasks = [
        (k, str(corpus / "html" / f"{k}.html.gz"), ground[k].get("url", ""), fast) for k in keys
    ]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        predicted = dict(pool.map(_extract_one, tasks, chunksize=4))
    return {k: ground[k]["articleBody"] for k in keys}, predicted, time.perf_counter() - started


def _pages(corpus: Path) -> list[Any]:
    """The benchmark's pages as :class:`tracker.items.FetchedPage`, sorted by id."""
    from tracker.items import FetchedPage

    ground = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        FetchedPage(
            url=ground[k].get("url") or f"https://example.com/{k}",
            body=gzip.decompress((corpus / "html" / f"{k}.html.gz").read_bytes()),
            fetched_at="2024-01-01T00:00:00+00:00",
        )
        for k in sorted(ground)
    ]


def timing(corpus: Path, rounds: int = 3) -> dict[str, float]:
    """Per-page CPU time of ``tracker.record.build_record`` on the benchmark pages, in this one
    process, against two peers timed on the same pages in the same rounds: a bare lxml parse of
    the same bytes and trafilatura alone (``bare_extraction`` from the bytes, tracker's options).
    Medians over pages, then the median of ``rounds`` rounds; also the credit reader's share."""
    import lxml.html
    from trafilatura import bare_extraction

    import tracker.record as record

    pages = _pages(corpus)
    find_credits = record.find_credits
    credit_seconds = [0.0]

    def timed_credits(*args, **kwargs):
        started = time.process_time()
        try:
            return find_credits(*args, **kwargs)
        finally:
            credit_seconds[0] += time.process_time() - started

    def cpu(call: Any, *args: Any, **kwargs: Any) -> float:
        started = time.process_time()
        call(*args, **kwargs)
        return time.process_time() - started

    options = {
        "with_metadata": True,
        "include_comments": False,
        "include_tables": True,
        "deduplicate": False,
        "fast": True,
        "date_extraction_params": {"original_date": True, "extensive_search": False},
    }
    record.find_credits = timed_credits
    results = []
    try:
        for _ in range(rounds):
            builds, parses, alones, credit_seconds[0] = [], [], [], 0.0
            for page in pages:
                parses.append(cpu(lxml.html.document_fromstring, page.body))
                alones.append(cpu(bare_extraction, page.body, url=page.url, **options))
                builds.append(cpu(record.build_or_error, page))
            results.append(
                (
                    statistics.median(builds),
                    statistics.median(parses),
                    statistics.median(alones),
                    credit_seconds[0] / sum(builds),
                    sum(builds) / sum(parses),
                )
            )
    finally:
        record.find_credits = find_credits
    build = statistics.median(r[0] for r in results)
    parse = statistics.median(r[1] for r in results)
    alone = statistics.median(r[2] for r in results)
    return {
        "pages": len(pages),
        "rounds": rounds,
        "build_record_ms": round(build * 1000, 2),
        "lxml_parse_ms": round(parse * 1000, 3),
        "trafilatura_alone_ms": round(alone * 1000, 2),
        "ratio_to_parse": round(build / parse, 1),
        "ratio_to_parse_of_totals": round(statistics.median(r[4] for r in results), 1),
        "ratio_to_trafilatura": round(build / alone, 2),
        "find_credits_share": round(statistics.median(r[3] for r in results), 3),
    }


def import_timing(corpus: Path, rounds: int = 3, jobs: int = 2) -> dict[str, float]:
    """Wall time of ``tracker import`` (the command, in a fresh process, clustering included) of
    the benchmark's pages, against a bare lxml parse of all of them in this process, each the
    median of ``rounds``; and the interpreter's start-up with tracker's CLI imported, the fixed
    cost every import pays. Also in CPU time, the import's processes all counted (its extraction
    workers included, on Linux): a figure other load on the machine changes less than wall time."""
    import csv
    import subprocess
    import tempfile

    import lxml.html

    pages = _pages(corpus)
    command = [sys.executable, "-c", "from tracker.cli import cli; cli()"]
    imports, import_cpu, parses, parse_cpu, startups = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as manifest:
            writer = csv.writer(manifest)
            writer.writerow(["file", "url", "fetched_at"])
            for i, page in enumerate(pages):
                (folder / f"{i:03d}.html").write_bytes(page.body)
                writer.writerow([f"{i:03d}.html", page.url, page.fetched_at])
        for round_ in range(rounds):
            db = Path(tmp) / f"import-{round_}.db"
            _adopt_orphans()
            before, started = _children_cpu(), time.perf_counter()
            subprocess.run(
                [*command, "import", str(folder), "--db", str(db), "--jobs", str(jobs)],
                check=True,
                capture_output=True,
            )
            imports.append(time.perf_counter() - started)
            _reap_orphans()
            import_cpu.append(_children_cpu() - before)
            started = time.perf_counter()
            subprocess.run([*command, "--help"], check=True, capture_output=True)
            startups.append(time.perf_counter() - started)
            started, cpu_started = time.perf_counter(), time.process_time()
            for page in pages:
                lxml.html.document_fromstring(page.body)
            parses.append(time.perf_counter() - started)
            parse_cpu.append(time.process_time() - cpu_started)
    seconds, parse = statistics.median(imports), statistics.median(parses)
    startup = statistics.median(startups)
    cpu, cpu_parse = statistics.median(import_cpu), statistics.median(parse_cpu)
    return {
        "import_cpu_seconds": round(cpu, 2),
        "lxml_parse_cpu_seconds": round(cpu_parse, 3),
        "cpu_ratio_to_parse": round(cpu / cpu_parse, 1),
        "pages": len(pages),
        "jobs": jobs,
        "import_seconds": round(seconds, 2),
        "lxml_parse_seconds": round(parse, 3),
        "startup_seconds": round(startup, 2),
        "ratio_to_parse": round(seconds / parse, 1),
        "ratio_to_parse_without_startup": round((seconds - startup) / parse, 1),
    }


def _adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (Linux): the import's fork server,
    which outlives the import briefly and reaps the extraction workers, is then reaped here, and
    its CPU time and the workers' count in :func:`_children_cpu`."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1)


_PR_SET_CHILD_SUBREAPER = 36


def _reap_orphans(seconds: float = 5.0) -> None:
    """Wait for the orphans adopted by :func:`_adopt_orphans` (the fork server exits once the
    import has)."""
    import os

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def _children_cpu() -> float:
    """User + system CPU seconds of the waited-for child processes (and theirs) so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def profile(corpus: Path, top: int = 15) -> str:
    """cProfile of ``build_record`` over the benchmark's pages: the ``top`` functions by own
    time, and by cumulative time."""
    import cProfile
    import io
    import pstats

    import tracker.record as record

    pages = _pages(corpus)
    for page in pages[:5]:  # warm up: lazy imports and caches are not the per-page path
        record.build_or_error(page)
    profiler = cProfile.Profile()
    profiler.enable()
    for page in pages:
        record.build_or_error(page)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path("../shared/corpus/scrapinghub-article-extraction-benchmark"),
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N pages (sorted by id)")
    parser.add_argument(
        "--baseline-output", help="score baseline-outputs/NAME.json instead of tracker"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--fast",
        choices=["on", "off"],
        help="trafilatura's fast path (no readability/jusText fallback) on or off; "
        "default: tracker.extraction.FAST",
    )
    parser.add_argument(
        "--timing",
        type=int,
        metavar="ROUNDS",
        help="instead of scoring: CPU time of build_record per page against a bare lxml parse "
        "and trafilatura alone, medians of ROUNDS",
    )
    parser.add_argument(
        "--import-timing",
        type=int,
        metavar="ROUNDS",
        help="instead of scoring: wall time of `tracker import` of the pages against a bare "
        "lxml parse of them, medians of ROUNDS",
    )
    parser.add_argument(
        "--profile", action="store_true", help="instead of scoring: cProfile of build_record"
    )
    args = parser.parse_args(argv)
    if args.timing or args.import_timing or args.profile:
        if not args.json:
            print_machine("eval_extraction")
        figures: dict[str, Any] = {}
        if args.timing:
            figures["build_record"] = timing(args.corpus, args.timing)
        if args.import_timing:
            figures["import"] = import_timing(args.corpus, args.import_timing, args.jobs)
        figures["load_average_after"] = load_average()
        if args.json:
            print(json.dumps(figures))
        for name, f in figures.items() if not args.json else ():
            if name == "build_record":
                print(
                    f"build_record, {f['pages']} pages, medians of {f['rounds']} rounds: "
                    f"{f['ratio_to_parse']:.1f}x a bare lxml parse (goal <= 12x; ratio of totals "
                    f"{f['ratio_to_parse_of_totals']:.1f}x), {f['ratio_to_trafilatura']:.2f}x "
                    f"trafilatura alone; find_credits {f['find_credits_share'] * 100:.1f}% of it\n"
                    f"  absolute: build_record {f['build_record_ms']:.2f} ms CPU per page (goal <= 8),"
                    f" lxml parse {f['lxml_parse_ms']:.3f} ms, trafilatura alone "
                    f"{f['trafilatura_alone_ms']:.2f} ms"
                )
            elif name == "import":
                print(
                    f"tracker import of {f['pages']} pages (--jobs {f['jobs']}, clustering "
                    f"included): {f['ratio_to_parse']:.1f}x a bare lxml parse of them (goal <= 12x),"
                    f" {f['ratio_to_parse_without_startup']:.1f}x without the interpreter's "
                    f"start-up; in CPU time (workers included) {f['cpu_ratio_to_parse']:.1f}x\n  absolute: import "
                    f"{f['import_seconds']:.2f} s ({f['import_cpu_seconds']:.2f} s CPU), start-up "
                    f"{f['startup_seconds']:.2f} s, lxml parse of all pages "
                    f"{f['lxml_parse_seconds']:.3f} s"
                )
        if args.profile:
            print(profile(args.corpus))
        if not args.json:
            print(f"load average after: {load_average()}")
        return 0
    if not args.json:
        print_machine("eval_extraction")
    if args.baseline_output:
        ground = json.loads((args.corpus / "ground-truth.json").read_text(encoding="utf-8"))
        stored = json.loads(
            (args.corpus / "baseline-outputs" / f"{args.baseline_output}.json").read_text(
                encoding="utf-8"
            )
        )
        truth = {k: v["articleBody"] for k, v in ground.items()}
        predicted = {k: v.get("articleBody") or "" for k, v in stored["output"].items()}
        seconds = 0.0
    else:
        fast = None if args.fast is None else args.fast == "on"
        truth, predicted, seconds = run(args.corpus, args.jobs, args.limit, fast)
    bag, shingles = score(truth, predicted, 1), score(truth, predicted, 4)
    result = {
        "pages": len(truth),
        "bag_of_words": bag,
        "shingles_4": shingles,
        "seconds": round(seconds, 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"pages: {len(truth)}  extraction time: {seconds:.1f}s with {args.jobs} processes")
        print(
            f"bag of words  precision {bag['precision']:.4f}  recall {bag['recall']:.4f}  F1 {bag['f1']:.4f}"
        )
        print(
            f"4-shingles    precision {shingles['precision']:.4f}  recall {shingles['recall']:.4f}  F1 {shingles['f1']:.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
