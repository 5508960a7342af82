"""Crawl throughput end to end: a loopback site of generated article pages (default 5,000),
crawled by the ``sitemap`` spider, extracted in worker processes, stored and clustered; compared
with two peers measured in the same round: extraction alone (``build_record`` on the same pages,
same number of processes) and a fetch-only crawl (the same spider and settings, the storing
pipeline swapped for one that counts). Each figure is the median of ``--rounds`` rounds (3), and
the machine is printed first (``bench_machine``): the ratios travel, the rates do not.

Every page the site served must be stored or explained (a ``crawl_urls`` row with a reason,
e.g. "no article text"); otherwise the benchmark names the lost pages and exits with status 1.

Goals (issue 13, on a 2-core machine): end to end at least 0.9 of extraction alone, and every
page accounted for. Politeness is off for the measurement (no AutoThrottle, 16 requests at a
time to the one loopback site): it measures the machinery, not the delays.

By default the pages are real article pages of the Scrapinghub benchmark in
``../shared/corpus`` (``TRACKER_CORPUS`` overrides the corpus path) used as templates: page *i*
is template *i* mod 181 with the text of every ``<p>`` replaced by generated words of the same
length, so each page is distinct while markup, chrome and extraction cost stay those of real
pages. ``--synthetic`` uses fully generated pages instead (they extract several times faster
than real pages, which makes the fixed cost of crawling and storing weigh more).

Usage: python bench/bench_crawl.py [--pages 5000] [--processes 2] [--seed 5] [--synthetic]
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import multiprocessing
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_machine import print_machine, ratio  # noqa: E402

from tracker.items import FetchedPage  # noqa: E402
from tracker.record import build_records  # noqa: E402

_NAV = "".join(f'<li><a href="/section/{i}.html">Section {i}</a></li>' for i in range(25))
_FOOTER = "".join(
    f'<p class="small">Footer link {i}: about, contact, privacy, terms.</p>' for i in range(8)
)


def make_vocab(rng: random.Random, size: int = 5000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(letters, k=rng.randint(2, 10))) for _ in range(size)]


def make_page(index: int, vocab: list[str], seed: int) -> bytes:
    """A news page (header, navigation, sidebar, footer) around a 400-900 word article."""
    rng = random.Random(seed * 1_000_003 + index)
    title = " ".join(rng.choices(vocab, k=rng.randint(5, 10))).capitalize()
    paragraphs = []
    for _ in range(rng.randint(8, 14)):
        words = rng.choices(vocab, k=rng.randint(40, 75))
        words[0] = words[0].capitalize()
        paragraphs.append(" ".join(words) + ".")
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    # Real article pages carry far more chrome than text: menus, scripts, teasers, comments.
    menu = "".join(
        f'<li><a href="/topic/{rng.choice(vocab)}/">{rng.choice(vocab).title()}</a></li>'
        for _ in range(180)
    )
    script = (
        "<script>var cfg = {"
        + ",".join(f'"{rng.choice(vocab)}{i}": {rng.randrange(10**6)}' for i in range(600))
        + "};</script>"
    )
    teasers = "".join(
        f'<div class="teaser"><a href="/a/{rng.randrange(10**6)}.html"><h4>{" ".join(rng.choices(vocab, k=7))}</h4></a>'
        f"<p>{' '.join(rng.choices(vocab, k=18))}</p></div>"
        for _ in range(12)
    )
    comments = "".join(
        f'<li class="comment"><b>reader{rng.randrange(999)}</b><p>{" ".join(rng.choices(vocab, k=rng.randint(10, 40)))}</p></li>'
        for _ in range(10)
    )
    sidebar = "".join(
        f'<li><a href="/a/{rng.randrange(10**6)}.html">{rng.choice(vocab)} {rng.choice(vocab)}</a></li>'
        for _ in range(15)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Bench Daily</title>'
        f'<meta name="author" content="Staff {index % 17}"><meta property="og:site_name" content="Bench Daily">'
        f'<meta property="article:published_time" content="2024-01-{1 + index % 28:02d}T10:00:00+00:00"></head><body>'
        f"{script}<header><div class=logo>Bench Daily</div><nav><ul>{_NAV}</ul><ul class=menu>{menu}</ul></nav></header>"
        f'<main><article><h1>{html.escape(title)}</h1><p class="byline">By Staff {index % 17}</p>'
        f'<div class="article-body">{body}</div></article></main>'
        f'<section class="related">{teasers}</section><section class="comments"><ol>{comments}</ol></section>'
        f"<aside><h3>Most read</h3><ul>{sidebar}</ul></aside><footer>{_FOOTER}</footer></body></html>"
    ).encode()


# A paragraph element: ``<p>`` or ``<p`` + attributes. ``<p\b`` alone also matched the ``<p?t...``
# of a minified script (p<q comparisons), and filling that "paragraph" with words cut two real
# templates' ``</script>`` out: their 56 copies in 5,000 pages had no article text left.
_PARAGRAPH = re.compile(rb"(<p(?:\s[^>]*)?>)(.*?)(</p\s*>)", re.IGNORECASE | re.DOTALL)
_RAW_TEXT = re.compile(
    rb"<(script|style|template|textarea)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(rb"<[^>]+>")


def corpus_templates() -> list[bytes]:
    """The real pages of the Scrapinghub benchmark, decompressed, sorted by file name."""
    root = Path(
        os.environ.get("TRACKER_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
    )
    folder = root / "scrapinghub-article-extraction-benchmark" / "html"
    files = sorted(folder.glob("*.html.gz"))
    if not files:
        raise SystemExit(
            f"bench_crawl: no pages in {folder} (set TRACKER_CORPUS, or use --synthetic)"
        )
    return [gzip.decompress(f.read_bytes()) for f in files]


def make_real_page(index: int, templates: list[bytes], vocab: list[str], seed: int) -> bytes:
    """Template ``index mod n`` with every paragraph's text replaced by generated words of about
    the same length (markup inside a paragraph is dropped, the paragraph itself kept; scripts,
    styles and templates are left as they are)."""
    rng = random.Random(seed * 1_000_003 + index)

    def fill(match: re.Match[bytes]) -> bytes:
        length = len(_TAG.sub(b"", match.group(2)))
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < length:
            words.append(rng.choice(vocab))
        return match.group(1) + " ".join(words).encode() + match.group(3)

    template = templates[index % len(templates)]
    parts, last = [], 0
    for raw in _RAW_TEXT.finditer(template):
        parts.append(_PARAGRAPH.sub(fill, template[last : raw.start()]))
        parts.append(raw.group(0))
        last = raw.end()
    parts.append(_PARAGRAPH.sub(fill, template[last:]))
    return b"".join(parts)


def make_pages(count: int, seed: int, synthetic: bool) -> list[bytes]:
    """The benchmark's pages: real templates with generated text, or fully generated pages."""
    vocab = make_vocab(random.Random(seed))
    if synthetic:
        return [make_page(i, vocab, seed) for i in range(count)]
    templates = corpus_templates()
    return [make_real_page(i, templates, vocab, seed) for i in range(count)]


def serve(port_queue: multiprocessing.Queue, pages: list[bytes], served: Any) -> None:
    """The loopback site, in its own (forked) process: robots.txt, a sitemap, the article pages.

    ``served[i]`` counts the 200 responses for page *i* (shared memory, read by the benchmark
    after the crawl to account for every page)."""
    bodies = {f"/a/{i:05d}.html": (i, body) for i, body in enumerate(pages)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            host = self.headers.get("Host")
            index = None
            if self.path == "/robots.txt":
                body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
            elif self.path == "/sitemap.xml":
                locs = "".join(f"<url><loc>http://{host}{p}</loc></url>" for p in bodies)
                body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()
                kind = "application/xml"
            elif self.path in bodies:
                index, body = bodies[self.path]
                kind = "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            if index is not None:
                served[index] += 1  # one writer per index at a time: the crawl asks once

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


class CountingPipeline:
    """The fetch-only peer's item pipeline: counts the pages, extracts and stores nothing."""

    def __init__(self, crawler: Any) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> CountingPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        from tracker.items import PageItem

        if isinstance(item, PageItem):
            self.stats.inc_value("tracker/pages_new")
        return {"url": getattr(item, "url", "")}


# Scrapy stats that say where a requested page went, when it was not stored.
LOSS_STATS = (
    "dupefilter/filtered",
    "retry/count",
    "retry/max_reached",
    "robotstxt/forbidden",
    "offsite/filtered",
    "downloader/exception_count",
    "downloader/response_status_count/404",
    "httperror/response_ignored_count",
    "item_dropped_count",
    "spider_exceptions/count",
    "tracker/not_due",
    "tracker/no_text",
    "tracker/errors",
    "tracker/skipped_non_html",
    "tracker/refused_internal",
)


@dataclass
class Accounting:
    """Each served page: stored, or explained (a ``crawl_urls`` row with a reason), or lost."""

    served: int
    stored: int
    explained: dict[str, int]
    lost: list[str]
    loss_stats: dict[str, int]

    @property
    def complete(self) -> bool:
        return not self.lost and self.stored + sum(self.explained.values()) == self.served


def account(db_path: Path, port: int, served: Any) -> Accounting:
    """Compare the pages the site served with the database's ``pages`` and ``crawl_urls`` rows.

    Read-only SQL on the benchmark's own throwaway database: tracker's store has no query for
    "every URL it knows", and the benchmark must not trust the counts it is checking.
    """
    from tracker.urls import normalize_url

    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        stored_urls = {row[0] for row in db.execute("select url from pages")}
        notes = dict(db.execute("select url, note from crawl_urls where coalesce(note, '') != ''"))
        stats_rows = [json.loads(row[0]) for row in db.execute("select stats from crawl_runs")]
    finally:
        db.close()
    urls = [
        normalize_url(f"http://127.0.0.1:{port}/a/{i:05d}.html")
        for i in range(len(served))
        if served[i]
    ]
    explained: Counter[str] = Counter()
    lost, stored = [], 0
    for url in urls:
        if url in stored_urls:
            stored += 1
        elif url in notes:
            explained[notes[url].split(":")[0]] += 1
        else:
            lost.append(url)
    loss_stats = {
        key: sum(int(stats.get(key, 0)) for stats in stats_rows)
        for key in LOSS_STATS
        if any(stats.get(key) for stats in stats_rows)
    }
    return Accounting(len(urls), stored, dict(explained), lost, loss_stats)


def crawl(
    pages: list[bytes], processes: int, fetch_only: bool, seconds_limit: float
) -> tuple[float, int, Any, Accounting]:
    """One crawl of the loopback site in a fresh process (Scrapy's reactor starts once per
    process): the sitemap spider, politeness off; ``fetch_only`` swaps the storing pipeline for
    :class:`CountingPipeline`. Returns (seconds, pages handled, the spider's run, accounting)."""
    from tracker.crawl import run_crawl_in_subprocess
    from tracker.sources import parse_sources

    # fork: the server process shares the generated pages instead of making them again
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = context.Queue()
    served = context.Array("i", len(pages), lock=False)
    server = context.Process(target=serve, args=(queue, pages, served), daemon=True)
    server.start()
    try:
        port = queue.get(timeout=120)
        settings: dict[str, Any] = {
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "TRACKER_EXTRACT_PROCESSES": processes,
            "TRACKER_PROGRESS_INTERVAL": 15,
        }
        if fetch_only:
            settings["ITEM_PIPELINES"] = {f"{Path(__file__).stem}.CountingPipeline": 300}
        with tempfile.TemporaryDirectory() as tmp:
            sources = parse_sources(
                f"sites:\n  - name: Bench Daily\n    sitemaps: [http://127.0.0.1:{port}/sitemap.xml]\n"
                "follow_credits: 0\nallow_private: true\n",
                "bench-sources.yml",
            )
            db_path = Path(tmp) / "bench.db"
            started = time.perf_counter()
            summary = run_crawl_in_subprocess(
                sources,
                db_path,
                spiders=["sitemap"],
                settings=settings,
                quiet=True,
                timeout=seconds_limit,
            )
            run = summary.runs[0]
            # The spider's own time: the child process's start-up (imports) is not the crawl's.
            seconds = run.seconds or time.perf_counter() - started
            if run.reason == "failed":
                raise SystemExit(f"bench_crawl: the crawl failed: {run.error}")
            if fetch_only:
                handled = run.get("pages_new")
                accounting = Accounting(sum(1 for n in served if n), handled, {}, [], {})
            else:
                accounting = account(db_path, port, served)
                handled = accounting.stored
    finally:
        server.terminate()
        server.join(timeout=10)
    return seconds, handled, run, accounting


def extraction_only(pages: list[bytes], processes: int) -> tuple[float, int]:
    """``build_record`` on the same pages, same number of processes: (seconds, pages with text)."""
    fetched = [
        FetchedPage(
            url=f"http://127.0.0.1:1/a/{i:05d}.html", body=b, fetched_at="2024-01-01T00:00:00+00:00"
        )
        for i, b in enumerate(pages)
    ]
    started = time.perf_counter()
    extracted = sum(
        1
        for _, record in build_records(fetched, jobs=processes)
        if not isinstance(record, Exception) and record.paragraphs
    )
    return time.perf_counter() - started, extracted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="medians of this many runs")
    parser.add_argument("--synthetic", action="store_true", help="fully generated pages")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds one crawl may take (default 1800)"
    )
    args = parser.parse_args()

    print_machine("bench_crawl")
    pages = make_pages(args.pages, args.seed, args.synthetic)
    kind = (
        "generated" if args.synthetic else "real-template (181 Scrapinghub pages, generated text)"
    )
    print(
        f"{args.pages} {kind} pages, {sum(map(len, pages)) / len(pages) / 1024:.1f} KB each on average; "
        f"{args.processes} extraction processes; medians of {args.rounds} rounds",
        flush=True,
    )

    extract_rates, fetch_rates, e2e_rates, e2e_no_close = [], [], [], []
    to_extract, to_fetch, no_close_to_extract = [], [], []
    failures: list[str] = []
    for round_ in range(1, args.rounds + 1):
        seconds, extracted = extraction_only(pages, args.processes)
        extract_rates.append(args.pages / seconds)
        if extracted != args.pages:
            failures.append(f"extraction alone found article text in {extracted} of {args.pages}")
        seconds, fetched, _, acc = crawl(pages, args.processes, True, args.timeout)
        fetch_rates.append(fetched / seconds)
        if fetched != acc.served:
            failures.append(
                f"fetch-only: {fetched} pages reached the pipeline of {acc.served} served"
            )
        seconds, stored, run, acc = crawl(pages, args.processes, False, args.timeout)
        e2e_rates.append(stored / seconds)
        e2e_no_close.append(stored / max(seconds - run.stats_seconds, 1e-9))
        to_extract.append(ratio(e2e_rates[-1], extract_rates[-1]))
        to_fetch.append(ratio(e2e_rates[-1], fetch_rates[-1]))
        no_close_to_extract.append(ratio(e2e_no_close[-1], extract_rates[-1]))
        print(
            f"round {round_}: extraction alone {extract_rates[-1]:.1f} pages/s; fetch-only crawl "
            f"{fetch_rates[-1]:.1f} pages/s; end to end {e2e_rates[-1]:.1f} pages/s "
            f"({seconds:.1f} s, of which {run.stats_seconds:.1f} s clustering and diffs at close); "
            f"after the crawl: {run.stages}",
            flush=True,
        )
        explained = ", ".join(f"{n} {why}" for why, n in acc.explained.items()) or "none"
        print(
            f"round {round_}: accounted for: served {acc.served}, stored {acc.stored}, "
            f"explained in crawl_urls {sum(acc.explained.values())} ({explained}); "
            f"Scrapy stats: {acc.loss_stats or 'nothing filtered, retried or dropped'}",
            flush=True,
        )
        if acc.served != args.pages:
            failures.append(f"round {round_}: the site served {acc.served} of {args.pages} pages")
        if not acc.complete:
            failures.append(
                f"round {round_}: {len(acc.lost)} served pages neither stored nor explained "
                f"(stored {acc.stored} + explained {sum(acc.explained.values())} != served "
                f"{acc.served}), e.g. {', '.join(acc.lost[:5])}"
            )

    extract_rate, fetch_rate = statistics.median(extract_rates), statistics.median(fetch_rates)
    e2e_rate = statistics.median(e2e_rates)
    print(
        f"ratios (medians of {args.rounds} rounds, each ratio taken within its round): end to end "
        f"/ extraction alone {statistics.median(to_extract):.2f} (goal >= 0.9); end to end / "
        f"fetch-only crawl {statistics.median(to_fetch):.2f}; crawl + extract + store without "
        f"the close-time stages / extraction alone {statistics.median(no_close_to_extract):.2f}"
    )
    print(
        f"absolute: extraction alone {extract_rate:.1f} pages/s, fetch-only crawl "
        f"{fetch_rate:.1f} pages/s, end to end {e2e_rate:.1f} pages/s"
    )
    for line in failures:
        print(f"bench_crawl: FAILED: {line}", file=sys.stderr)
    if failures:
        return 1
    print(f"bench_crawl: all {args.pages} pages accounted for in every round")
    return 0


if __name__ == "__main__":
    sys.exit(main())
