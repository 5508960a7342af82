"""Distributed crawl throughput through Redis: pages/s with 1 and 2 crawl workers plus the one
ingester over the loopback site of ``bench/bench_crawl.py``, and how many extraction workers one
ingester keeps up with (its storing + clustering rate against one worker's extraction rate).

Everything runs on this machine: a private ``redis-server`` on a free loopback port (stopped at
the end), the loopback site, the workers (``tracker crawl --redis``, one extraction process
each) and the ingester (``tracker ingest``) as separate processes, exactly as
docs/deployment.md runs them. Politeness is off (no AutoThrottle, 16 requests at a time): it
measures the machinery. On one 2-core machine two workers compete with each other and with the
ingester for the CPUs, so the 2-worker figure shows the overhead, not the scaling of N machines.

Usage: python bench/bench_redis.py [--pages 400] [--synthetic] [--skip-lsh]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_crawl import make_pages, serve  # noqa: E402
from tests.redis_server import redis_server  # noqa: E402
from tracker.distributed.connection import connect  # noqa: E402
from tracker.distributed.results import RESULTS  # noqa: E402
from tracker.items import FetchedPage  # noqa: E402
from tracker.record import build_records  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=16"]
FAST += ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "TRACKER_EXTRACT_PROCESSES=1"]


def tracker(*args: str, log: Path) -> subprocess.Popen:
    out = open(log, "a")
    return subprocess.Popen(
        [sys.executable, "-c", "from tracker.cli import cli; cli()", *args],
        cwd=ROOT,
        env=ENV,
        stdout=out,
        stderr=out,
    )


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("select count(*) from pages").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or busy
        return 0


def distributed_run(tmp: Path, url: str, port: int, pages: int, workers: int) -> float:
    """Seconds from starting ``workers`` workers and the ingester to all pages stored."""
    run = tmp / f"run{workers}"
    run.mkdir()
    sources = run / "sources.yml"
    sources.write_text(
        f"sites:\n  - name: Bench Daily\n    sitemaps: [http://127.0.0.1:{port}/sitemap.xml]\n"
        "follow_credits: 0\nallow_private: true\n"
    )
    db = run / "tracker.db"
    started = time.perf_counter()
    writer = tracker("ingest", "--redis", url, "--db", str(db), "--batch", "100", log=run / "i.log")
    crawlers = [
        tracker(
            "crawl",
            "--sources",
            str(sources),
            "--db",
            str(run / f"w{i}.db"),
            "--spider",
            "sitemap",
            "--redis",
            url,
            "--run-id",
            f"bench-{workers}",
            *FAST,
            log=run / f"w{i}.log",
        )  # fmt: skip
        for i in range(workers)
    ]
    client = connect(url)
    # Done when every worker has finished and the ingester has acknowledged (and so deleted)
    # every entry of the results stream.
    while any(c.poll() is None for c in crawlers) or client.xlen(RESULTS):
        if writer.poll() is not None or time.perf_counter() - started > 1800:
            raise RuntimeError(f"run with {workers} workers stopped early; see {run}")
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    print(f"  ({stored(db)} of {pages} pages had article text and were stored)", flush=True)
    writer.send_signal(signal.SIGINT)
    writer.wait(timeout=60)
    return seconds


def ingest_capacity(url: str, records: list, tmp: Path) -> float:
    """Records per second one ingester stores, clusters and diffs (batches of 100)."""
    from tracker.distributed.ingest import ingest
    from tracker.distributed.results import push_record
    from tracker.store import open_db

    client = connect(url)
    for record in records:
        push_record(client, record)
    db = open_db(tmp / "capacity.db")
    started = time.perf_counter()
    run = ingest(client, db, batch=100, idle_exit=0.0, block_ms=10)
    return run.entries / (time.perf_counter() - started)


def _p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def lsh_figures(url: str, records: list) -> None:
    """Insert and query rates of the shared Redis LSH index against the in-memory one."""
    from datasketch import MinHashLSH

    from tracker import fingerprint as fp
    from tracker import signatures as sig
    from tracker.distributed.lsh import RedisLSH
    from tracker.lsh import LSH_PARAMS

    sketches = [sig.minhash(fp.shingles(r.text)) for r in records]
    memory = MinHashLSH(num_perm=sig.NUM_PERM, params=LSH_PARAMS)
    started = time.perf_counter()
    for i, m in enumerate(sketches):
        memory.insert(i, m)
    memory_rate = len(sketches) / (time.perf_counter() - started)
    plain = RedisLSH(url, basename=b"bench:lsh:plain")
    started = time.perf_counter()
    for i, m in enumerate(sketches):
        plain.insert(i, m)
    plain_rate = len(sketches) / (time.perf_counter() - started)
    session = RedisLSH(url, basename=b"bench:lsh:session")
    started = time.perf_counter()
    session.insert_many(enumerate(sketches))
    session_rate = len(sketches) / (time.perf_counter() - started)
    print(
        f"LSH insert: in memory {memory_rate:,.0f}/s; Redis plain {plain_rate:,.0f}/s,"
        f" with insertion_session {session_rate:,.0f}/s"
    )
    timings: dict[str, list[float]] = {"memory": [], "sequential": [], "pipelined": []}
    for i, m in enumerate(sketches):
        for name, query in (
            ("memory", memory.query),
            ("sequential", session.query_sequential),
            ("pipelined", session.query),
        ):
            started = time.perf_counter()
            found = query(m)
            timings[name].append(time.perf_counter() - started)
            assert i in found
    print(
        "LSH query p50: in memory {:.3f} ms; Redis sequential (one trip per band) {:.3f} ms,"
        " pipelined (one trip) {:.3f} ms".format(*(_p50_ms(t) for t in timings.values()))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--synthetic", action="store_true", help="fully generated pages")
    parser.add_argument("--skip-lsh", action="store_true", help="no Redis LSH figures")
    args = parser.parse_args()
    pages = make_pages(args.pages, args.seed, args.synthetic)
    print(f"{args.pages} pages, {os.cpu_count()} CPUs; workers extract in 1 process each")

    fetched = [
        FetchedPage(
            url=f"http://127.0.0.1:1/a/{i:05d}.html", body=b, fetched_at="2024-01-01T00:00:00+00:00"
        )  # fmt: skip
        for i, b in enumerate(pages)
    ]
    started = time.perf_counter()
    records = [r for _, r in build_records(fetched, jobs=1) if not isinstance(r, Exception)]
    extract_rate = len(fetched) / (time.perf_counter() - started)
    print(f"extraction, one process: {extract_rate:.1f} pages/s")

    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = context.Queue()
    served = context.Array("i", len(pages))  # bench_crawl's per-page count of 200 responses
    site = context.Process(target=serve, args=(queue, pages, served), daemon=True)
    site.start()
    port = queue.get(timeout=120)
    with tempfile.TemporaryDirectory() as tmp_name, redis_server(Path(tmp_name)) as url:
        tmp = Path(tmp_name)
        rates = {}
        for workers in (1, 2):
            seconds = distributed_run(tmp, url, port, args.pages, workers)
            rates[workers] = args.pages / seconds
            print(
                f"{workers} worker(s) + 1 ingester: {args.pages} pages stored in {seconds:.1f} s"
                f" = {rates[workers]:.1f} pages/s"
            )
        print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}")
        capacity = ingest_capacity(url, records, tmp)
        print(
            f"one ingester alone (store + cluster + diff, batches of 100): {capacity:.1f} pages/s"
            f" = the extraction of {capacity / extract_rate:.1f} worker processes"
        )
        if not args.skip_lsh:
            lsh_figures(url, records)
    site.terminate()


if __name__ == "__main__":
    main()
