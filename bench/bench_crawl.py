"""Crawl throughput end to end: a loopback site of generated article pages (default 5,000),
crawled by the ``sitemap`` spider, extracted in worker processes, stored and clustered; compared
with extraction alone (``build_record`` on the same pages, same number of processes, same run).

Goals (issue 5, on a 2-core machine): at least 60 pages/s end to end, and at least 0.8 of the
extraction-only rate. Politeness is off for the measurement (no AutoThrottle, 16 requests at a
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
import multiprocessing
import os
import random
import re
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


_PARAGRAPH = re.compile(rb"(<p\b[^>]*>)(.*?)(</p>)", re.IGNORECASE | re.DOTALL)
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
    the same length (markup inside a paragraph is dropped, the paragraph itself kept)."""
    rng = random.Random(seed * 1_000_003 + index)

    def fill(match: re.Match[bytes]) -> bytes:
        length = len(_TAG.sub(b"", match.group(2)))
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < length:
            words.append(rng.choice(vocab))
        return match.group(1) + " ".join(words).encode() + match.group(3)

    return _PARAGRAPH.sub(fill, templates[index % len(templates)])


def make_pages(count: int, seed: int, synthetic: bool) -> list[bytes]:
    """The benchmark's pages: real templates with generated text, or fully generated pages."""
    vocab = make_vocab(random.Random(seed))
    if synthetic:
        return [make_page(i, vocab, seed) for i in range(count)]
    templates = corpus_templates()
    return [make_real_page(i, templates, vocab, seed) for i in range(count)]


def serve(port_queue: multiprocessing.Queue, pages: list[bytes]) -> None:
    """The loopback site, in its own (forked) process: robots.txt, a sitemap, the article pages."""
    bodies = {f"/a/{i:05d}.html": body for i, body in enumerate(pages)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            host = self.headers.get("Host")
            if self.path == "/robots.txt":
                body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
            elif self.path == "/sitemap.xml":
                locs = "".join(f"<url><loc>http://{host}{p}</loc></url>" for p in bodies)
                body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()
                kind = "application/xml"
            elif self.path in bodies:
                body, kind = bodies[self.path], "text/html; charset=utf-8"
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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--synthetic", action="store_true", help="fully generated pages")
    args = parser.parse_args()

    pages = make_pages(args.pages, args.seed, args.synthetic)
    kind = (
        "generated" if args.synthetic else "real-template (181 Scrapinghub pages, generated text)"
    )
    print(
        f"{args.pages} {kind} pages, {sum(map(len, pages)) / len(pages) / 1024:.1f} KB each on average; "
        f"{args.processes} extraction processes on {os.cpu_count()} CPUs"
    )

    # 1. Extraction alone: build_record on the same pages, same number of processes.
    fetched = [
        FetchedPage(
            url=f"http://127.0.0.1:1/a/{i:05d}.html", body=b, fetched_at="2024-01-01T00:00:00+00:00"
        )
        for i, b in enumerate(pages)
    ]
    started = time.perf_counter()
    extracted = sum(
        1
        for _, record in build_records(fetched, jobs=args.processes)
        if not isinstance(record, Exception)
    )
    extract_seconds = time.perf_counter() - started
    extract_rate = args.pages / extract_seconds
    print(
        f"extraction only: {extracted} pages in {extract_seconds:.1f} s = {extract_rate:.1f} pages/s"
    )
    del fetched

    # 2. End to end: serve, crawl (sitemap spider), extract, store, cluster and diff at close.
    # fork: the server process shares the generated pages instead of making them again
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = context.Queue()
    server = context.Process(target=serve, args=(queue, pages), daemon=True)
    server.start()
    port = queue.get(timeout=120)
    from tracker.crawl import Progress, run_crawl
    from tracker.sources import parse_sources

    with tempfile.TemporaryDirectory() as tmp:
        sources = parse_sources(
            f"sites:\n  - name: Bench Daily\n    sitemaps: [http://127.0.0.1:{port}/sitemap.xml]\nfollow_credits: 0\nallow_private: true\n",
            "bench-sources.yml",
        )
        db_path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        summary = run_crawl(
            sources,
            db_path,
            spiders=["sitemap"],
            settings={
                "AUTOTHROTTLE_ENABLED": False,
                "CONCURRENT_REQUESTS": 16,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                "TRACKER_EXTRACT_PROCESSES": args.processes,
                "TRACKER_PROGRESS_INTERVAL": 15,
            },
            progress=Progress(live=False, interval=15),
        )
        crawl_seconds = time.perf_counter() - started
    server.terminate()
    run = summary.runs[0]
    stored = run.get("pages_new")
    rate = stored / crawl_seconds
    print(
        f"end to end (crawl + extract + store + cluster): {stored} pages stored in {crawl_seconds:.1f} s "
        f"= {rate:.1f} pages/s; errors {run.get('errors')}; after the crawl: {run.stages}"
    )
    print(f"ratio to extraction only: {rate / extract_rate:.2f}  (goals: >= 60 pages/s, >= 0.8)")
    cluster_seconds = run.stats_seconds
    fetch_rate = stored / max(crawl_seconds - cluster_seconds, 1e-9)
    print(
        f"of which clustering and diffs at spider close: {cluster_seconds:.1f} s; crawl + extract + store alone: "
        f"{fetch_rate:.1f} pages/s, ratio {fetch_rate / extract_rate:.2f}"
    )


if __name__ == "__main__":
    main()
