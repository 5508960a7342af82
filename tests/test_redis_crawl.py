"""A distributed crawl against a real Redis (tests/redis_server.py) and the loopback fixture web
(tests/fixture_web.py): two workers and one ingester end with the same pages, versions,
clusters and diffs as a single-process crawl, and no page is fetched twice."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import corpus_path
from tests.fixture_web import FixtureWeb
from tests.redis_server import redis_server

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "TRACKER_EXTRACT_PROCESSES=1"]
FAST += ["-s", "TRACKER_ALLOW_PRIVATE=true"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
NOT_PAGES = ("/robots.txt", "/feed.xml", "/atom.xml", "/rss", "/", "/about.html")


@pytest.fixture(scope="module")
def web():
    corpus_path("scrapinghub-article-extraction-benchmark", "ground-truth.json")
    corpus = corpus_path("copietje-neardup-variants-and-newsedits").parent
    fixture = FixtureWeb(corpus, bulk_pages=80).start()
    yield fixture
    fixture.stop()


SECRET = "w0rker-Pa55"


@pytest.fixture
def redis_url(tmp_path):
    with redis_server(tmp_path, password=SECRET) as url:
        yield url


def tracker_cmd(*args: str) -> list[str]:
    return [sys.executable, "-c", "from tracker.cli import cli; cli()", *args]


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    result = subprocess.run(
        tracker_cmd(*args), capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=timeout
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def worker(
    tmp: Path, name: str, sources: Path, url: str, run_id: str, lease: float = 2.0, *extra: str
):
    """A crawl worker process (its own local state database), in a session of its own so a
    kill reaches its extraction processes too."""
    args = ["crawl", "--sources", str(sources), "--db", str(tmp / f"{name}.db"), *FAST]
    args += ["--redis", url, "--run-id", run_id, "--lease", str(lease), *extra]
    log = open(tmp / f"{name}.log", "a")
    return subprocess.Popen(
        tracker_cmd(*args), cwd=ROOT, env=ENV, stdout=log, stderr=log, start_new_session=True
    )


def ingester(tmp: Path, db: Path, url: str) -> subprocess.Popen:
    log = open(tmp / "ingest.log", "a")
    args = tracker_cmd("ingest", "--redis", url, "--db", str(db), "--batch", "5", "-v")
    return subprocess.Popen(args, cwd=ROOT, env=ENV, stdout=log, stderr=log, start_new_session=True)


def kill_hard(process: subprocess.Popen) -> None:
    """kill -9 a process this test started, with the processes it started (its session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def results_left(url: str) -> int:
    from tracker.distributed.connection import connect

    return int(connect(url).xlen("tracker:results"))


def drain(tmp: Path, db: Path, url: str) -> None:
    """Ingest what is left and stop."""
    run("ingest", "--redis", url, "--db", str(db), "--idle-exit", "1")
    assert results_left(url) == 0


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def snapshot(db: Path) -> dict[str, object]:
    """What a crawl found, independent of row ids and fetch order."""
    clusters = {}
    for cid, url in rows(
        db,
        "select m.cluster_id, p.url from cluster_members m join pages p on p.id = m.page_id",
    ):
        clusters.setdefault(cid, set()).add(url)
    version_url = (
        "(select p.url || ' ' || v.content_hash from versions v join pages p on p.id = v.page_id"
        " where v.id = {})"
    )
    # Repost diffs against each cluster's current origin. A cluster whose origin changed keeps
    # its diffs against the former origin too (tracker.diffs keeps them as history), and which
    # origins a cluster had on its way depends on the order pages arrived in: not compared.
    diffs = rows(
        db,
        f"select kind, {version_url.format('a_version_id')}, {version_url.format('b_version_id')},"
        " words_added, words_removed from diffs d where kind != 'repost' or exists ("
        " select 1 from clusters c join cluster_members m on m.cluster_id = c.id"
        " join versions a on a.page_id = c.origin_page_id"
        " where a.id = d.a_version_id and m.version_id = d.b_version_id)",
    )
    return {
        "pages": sorted(rows(db, "select url, site from pages")),
        "versions": sorted(
            rows(
                db,
                "select p.url, v.content_hash, v.title from versions v"
                " join pages p on p.id = v.page_id",
            )
        ),
        "credits": sorted(
            rows(
                db,
                "select p.url, a.kind, a.target_url from attributions a"
                " join pages p on p.id = a.page_id",
            )
        ),
        "clusters": sorted(sorted(urls) for urls in clusters.values()),
        "origins": sorted(
            rows(db, "select p.url from clusters c join pages p on p.id = c.origin_page_id")
        ),
        "diffs": sorted(diffs),
    }


def page_fetches(web: FixtureWeb) -> list[tuple[str, str]]:
    return [
        (h.site, h.path)
        for site in web.sites
        for h in web.requests(site)
        if h.path not in NOT_PAGES and "sitemap" not in h.path
    ]


def single_process(web: FixtureWeb, tmp: Path, sources: Path) -> dict[str, object]:
    db = tmp / "single.db"
    run("crawl", "--sources", str(sources), "--db", str(db), *FAST)
    return snapshot(db)


def distributed_round(tmp_path: Path, sources: Path, db: Path, url: str, run_id: str) -> None:
    """Two workers and one ingester, the ingester stopped once everything is stored."""
    writer = ingester(tmp_path, db, url)
    workers = [
        worker(tmp_path, "w1", sources, url, run_id, 2.0, "--verbose"),
        worker(tmp_path, "w2", sources, url, run_id),
    ]
    for process in workers:
        assert process.wait(timeout=240) == 0, (tmp_path / "w1.log").read_text()[-3000:]
    deadline = time.monotonic() + 60
    while results_left(url) and time.monotonic() < deadline:
        time.sleep(0.2)
    writer.send_signal(signal.SIGINT)
    assert writer.wait(timeout=30) == 0, (tmp_path / "ingest.log").read_text()[-3000:]
    drain(tmp_path, db, url)


def test_two_workers_one_ingester_equal_a_single_process_crawl(web, tmp_path, redis_url):
    sources = tmp_path / "sources.yml"
    sources.write_text(web.sources_yaml(follow_credits=2))
    web.edited_version = 1
    single = tmp_path / "single.db"
    run("crawl", "--sources", str(sources), "--db", str(single), *FAST)
    expected = snapshot(single)
    assert expected["pages"] and expected["clusters"] and expected["diffs"]

    web.clear_log()
    db = tmp_path / "tracker.db"
    distributed_round(tmp_path, sources, db, redis_url, "run-1")
    # No page fetched twice across the two workers.
    fetched = page_fetches(web)
    assert len(fetched) == len(set(fetched)), sorted(fetched)
    assert snapshot(db) == expected

    # The edited article's second version: a version diff, the same both ways.
    web.edit_page()
    run("crawl", "--sources", str(sources), "--db", str(single), *FAST)
    expected = snapshot(single)
    assert any(kind == "version" for kind, *_ in expected["diffs"]), expected["diffs"]
    distributed_round(tmp_path, sources, db, redis_url, "run-2")
    assert snapshot(db) == expected
    # Scrapy's log (INFO, with the overridden settings) and the ingester's never show the password.
    for log in tmp_path.glob("*.log"):
        assert SECRET not in log.read_text(), log.name
    assert "Overridden settings" in (tmp_path / "w1.log").read_text()


def test_workers_killed_at_random_points_lose_and_duplicate_nothing(web, tmp_path, redis_url):
    sources = tmp_path / "sources.yml"
    sources.write_text(web.sources_yaml(bulk=True))
    expected = single_process(web, tmp_path, sources)
    assert len(expected["pages"]) == web.bulk_pages

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    db = tmp_path / "tracker.db"
    writer = ingester(tmp_path, db, redis_url)
    killed_mid_crawl = 0
    for attempt in range(3):
        victim = worker(tmp_path, f"k{attempt}", sources, redis_url, "run-kill")
        time.sleep(rng.uniform(1.5, 5.0))
        killed_mid_crawl += victim.poll() is None
        kill_hard(victim)
    # A worker started after the kills takes over what the dead ones held (after the lease).
    survivor = worker(tmp_path, "last", sources, redis_url, "run-kill")
    assert survivor.wait(timeout=240) == 0, (tmp_path / "last.log").read_text()[-3000:]
    writer.send_signal(signal.SIGINT)
    writer.wait(timeout=60)
    drain(tmp_path, db, redis_url)

    assert killed_mid_crawl, f"seed {seed}: every worker finished before its kill"
    got = snapshot(db)
    assert got == expected, f"seed {seed}"
    # One version per page: what a dead worker had fetched and pushed and is fetched again is
    # stored once.
    assert len(got["versions"]) == len(got["pages"]) == web.bulk_pages, f"seed {seed}"


def test_ingester_killed_at_random_points_loses_and_duplicates_nothing(web, tmp_path, redis_url):
    sources = tmp_path / "sources.yml"
    sources.write_text(web.sources_yaml(follow_credits=2))
    expected = single_process(web, tmp_path, sources)

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    db = tmp_path / "tracker.db"
    crawler = worker(tmp_path, "w", sources, redis_url, "run-ingest")
    kills = 0
    while crawler.poll() is None or results_left(redis_url):
        writer = ingester(tmp_path, db, redis_url)
        time.sleep(rng.uniform(0.5, 3.0))
        kills += writer.poll() is None
        kill_hard(writer)
    assert crawler.wait(timeout=240) == 0, (tmp_path / "w.log").read_text()[-3000:]
    drain(tmp_path, db, redis_url)

    assert kills, f"seed {seed}"
    got = snapshot(db)
    assert got == expected, f"seed {seed}"
