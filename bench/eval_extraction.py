"""Extraction accuracy on the Scrapinghub article-extraction benchmark.

Scores tracker's extraction (trafilatura plus tracker's chrome filter) against the benchmark's
hand-checked bodies the way the benchmark does: tokens are ``\\w+`` runs, precision and recall
come from token multisets per page, averaged over pages: a bag of words, and the upstream
script's default of 4-token shingles. Pass ``--baseline-output`` to score one
of the stored reference outputs with the same code (a check of the scorer itself).

Example:
    python bench/eval_extraction.py --corpus ../shared/corpus/scrapinghub-article-extraction-benchmark
    python bench/eval_extraction.py --timing 3   # build_record CPU ms per page, ratio to lxml
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

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
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tracker import extraction
    from tracker.extraction import extract

    key, path, url, fast = args
    if fast is not None:
        extraction.FAST = fast
    html = gzip.decompress(Path(path).read_bytes())
    return key, extract(html, url).text


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


def timing(corpus: Path, rounds: int = 3) -> dict[str, float]:
    """Per-page CPU time of ``tracker.record.build_record`` on the benchmark pages, in this one
    process: medians over pages (median of ``rounds`` rounds), the ratio to a bare lxml parse of
    the same bytes measured in the same run, and the credit reader's share of the total."""
    import statistics

    import lxml.html

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import tracker.record as record
    from tracker.items import FetchedPage

    ground = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [
        FetchedPage(
            url=ground[k].get("url") or f"https://example.com/{k}",
            body=gzip.decompress((corpus / "html" / f"{k}.html.gz").read_bytes()),
            fetched_at="2024-01-01T00:00:00+00:00",
        )
        for k in sorted(ground)
    ]
    find_credits = record.find_credits
    credit_seconds = [0.0]

    def timed_credits(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.process_time()
        try:
            return find_credits(*args, **kwargs)
        finally:
            credit_seconds[0] += time.process_time() - started

    record.find_credits = timed_credits  # type: ignore[assignment]
    results = []
    try:
        for _ in range(rounds):
            builds, parses, credit_seconds[0] = [], [], 0.0
            for page in pages:
                started = time.process_time()
                lxml.html.document_fromstring(page.body)
                parses.append(time.process_time() - started)
                started = time.process_time()
                record.build_or_error(page)
                builds.append(time.process_time() - started)
            results.append(
                (
                    statistics.median(builds),
                    statistics.median(parses),
                    credit_seconds[0] / sum(builds),
                )
            )
    finally:
        record.find_credits = find_credits  # type: ignore[assignment]
    build = statistics.median(r[0] for r in results)
    parse = statistics.median(r[1] for r in results)
    return {
        "pages": len(pages),
        "build_record_ms": round(build * 1000, 2),
        "lxml_parse_ms": round(parse * 1000, 3),
        "ratio_to_parse": round(build / parse, 1),
        "find_credits_share": round(statistics.median(r[2] for r in results), 3),
    }


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
        help="instead of scoring: CPU time of build_record per page against a bare lxml parse",
    )
    args = parser.parse_args(argv)
    if args.timing:
        figures = timing(args.corpus, args.timing)
        if args.json:
            print(json.dumps(figures))
        else:
            print(
                f"pages: {figures['pages']}  build_record median {figures['build_record_ms']:.2f} ms"
                f" CPU  bare lxml parse {figures['lxml_parse_ms']:.3f} ms"
                f"  ratio {figures['ratio_to_parse']:.1f}x"
                f"  find_credits share {figures['find_credits_share'] * 100:.1f}%"
            )
        return 0
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
