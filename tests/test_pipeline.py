"""The stages in order (tracker.pipeline), the schedule middlewares, and the layout rules they
rest on: spiders need no store, a re-run on unchanged data writes nothing, an interrupted run is
picked up by the next one."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from tracker.pipeline import IngestSummary, run_stages, store_record
from tracker.store import PageRecord
from tracker.store.queries import latest_version_ids, unclustered_version_ids

_RNG = random.Random(7)
_VOCAB = [
    "".join(_RNG.choice("bdfklmnprstv") + _RNG.choice("aeiou") for _ in range(3))
    for _ in range(2000)
]


def _article(seed: int, paragraphs: int = 10, words: int = 60) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(_VOCAB, k=words)).capitalize() + "." for _ in range(paragraphs)]


def _record(url: str, paragraphs: list[str], fetched: str, credits: list[dict] | None = None):
    site = url.split("/")[2]
    return PageRecord(
        url=url,
        site=site,
        fetched_at=fetched,
        title="A story",
        byline=None,
        published=None,
        language="en",
        site_name=site,
        description=None,
        paragraphs=paragraphs,
        credits=credits,
    )


def _store_stories(db) -> IngestSummary:
    """Two stories, each with an origin, a full repost and an edited second version."""
    summary = IngestSummary()
    for story in (1, 2):
        text = _article(story)
        origin = f"https://origin.example/{story}"
        credit = [{"kind": "link", "target_url": origin, "target_site": "origin.example"}]
        for url, paragraphs, when, credits in (
            (origin, text, "2026-01-01T00:00:00+00:00", None),
            (f"https://copy.example/{story}", text, "2026-01-02T00:00:00+00:00", credit),
            (f"https://other.example/{story}", text[:-1], "2026-01-03T00:00:00+00:00", None),
            (origin, [*text, "An update."], "2026-01-04T00:00:00+00:00", None),
        ):
            store_record(db, _record(url, paragraphs, when, credits), summary)
    return summary


def test_whole_database_catch_up_on_unchanged_data_writes_no_row(fresh_db):
    summary = _store_stories(fresh_db)
    first = run_stages(fresh_db, summary)
    assert first.counts["clusters_changed"] == 2
    assert first.counts["version_diffs"] == 2
    assert first.counts["repost_diffs"] >= 4
    assert fresh_db.table("cluster_members").count == 6
    before = fresh_db.conn.total_changes
    again = run_stages(fresh_db)
    assert fresh_db.conn.total_changes == before
    assert again.counts == {
        "credits_resolved": 0,
        "version_diffs": 0,
        "clusters_changed": 0,
        "repost_diffs": 0,
    }
    # The scoped run with nothing new writes nothing either.
    run_stages(fresh_db, IngestSummary())
    assert fresh_db.conn.total_changes == before


def test_an_interrupted_run_is_picked_up_by_the_next_one(fresh_db, tmp_path):
    from tracker.store import open_db

    # A run killed after storing: pages and versions, but no clusters and no diffs.
    _store_stories(fresh_db)
    assert len(unclustered_version_ids(fresh_db)) == 6
    # The next import stores nothing new, and still does what was left undone.
    done = run_stages(fresh_db, IngestSummary())
    assert unclustered_version_ids(fresh_db) == []
    assert done.counts["version_diffs"] == 2

    uninterrupted = open_db(tmp_path / "whole.db")
    run_stages(uninterrupted, _store_stories(uninterrupted))
    for table in ("cluster_members", "diffs", "attributions"):
        assert fresh_db.table(table).count == uninterrupted.table(table).count, table


def _history(db) -> tuple[list[tuple], list[tuple]]:
    """A page's versions (fetch time, text) and version diffs (by fetch times)."""
    versions = [
        tuple(r)
        for r in db.execute("select fetched_at, text from versions order by fetched_at, id")
    ]
    at = dict(db.execute("select id, fetched_at from versions").fetchall())
    version_diffs = sorted(
        (at[a], at[b], added)
        for a, b, added in db.execute(
            "select a_version_id, b_version_id, words_added from diffs where kind = 'version'"
        )
    )
    return versions, version_diffs


def test_an_older_snapshot_arriving_late_takes_its_place_in_the_history(fresh_db, tmp_path):
    from tracker.store import open_db

    text = _article(30)
    url = "https://late.example/story"
    day = "2026-02-0{}T00:00:00+00:00".format
    snapshots = [
        (day(1), text),
        (day(2), text),  # unchanged refetch
        (day(3), [*text, "A second paragraph of news."]),
        (day(4), [*text, "A second paragraph of news.", "A third one."]),
    ]
    histories = []
    for n, order in enumerate(([0, 1, 2, 3], [3, 0], [3, 1, 2, 0], [2, 3, 1, 0])):
        db = fresh_db if n == 0 else open_db(tmp_path / f"{n}.db")
        for i in order:
            when, paragraphs = snapshots[i]
            summary = IngestSummary()
            store_record(db, _record(url, paragraphs, when), summary)
            run_stages(db, summary)
        histories.append(_history(db))
    in_order, skipped_one = histories[0], histories[1]
    assert [at for at, _ in in_order[0]] == [day(1), day(3), day(4)]
    assert [(a, b) for a, b, _ in in_order[1]] == [(day(1), day(3)), (day(3), day(4))]
    # Day 2 and 3 never arrived: day 1 to day 4 is one diff ...
    assert [(a, b) for a, b, _ in skipped_one[1]] == [(day(1), day(4))]
    # ... and once they arrive late, the history and its diffs are as if they had come in order.
    assert histories[2] == in_order
    assert histories[3] == in_order


def test_a_change_reverted_arrives_late_and_the_history_still_ends_on_the_revert(
    fresh_db, tmp_path
):
    """A -> X -> A, fetched on days 1, 2, 3 but stored in the order 1, 3, 2: day 3 made no
    version (same as day 1), so when day 2's X arrives the page's history must not end on X. It
    is the same history, diffs included, as in fetch order."""
    from tracker.store import open_db

    a = _article(31)
    x = [*a[:-1], "An edit the editors took back the next day, with more words in it."]
    url = "https://revert.example/story"
    day = "2026-03-0{}T00:00:00+00:00".format
    snapshots = {1: a, 2: x, 3: a}
    histories = []
    for n, order in enumerate(([1, 2, 3], [1, 3, 2], [3, 1, 2])):
        db = fresh_db if n == 0 else open_db(tmp_path / f"{n}.db")
        fetched = {}
        for i in order:
            summary = IngestSummary()
            store_record(db, _record(url, snapshots[i], day(i)), summary)
            run_stages(db, summary)
            fetched[i] = summary
        histories.append(_history(db))
        latest = db.execute(
            "select v.text from versions v join pages p on p.id = v.page_id"
            " order by v.fetched_at desc, v.id desc limit 1"
        ).fetchone()[0]
        assert latest == "\n\n".join(a), order
    in_order = histories[0]
    assert [at for at, _ in in_order[0]] == [day(1), day(2), day(3)]
    assert [(a_, b_) for a_, b_, _ in in_order[1]] == [(day(1), day(2)), (day(2), day(3))]
    assert histories[1] == in_order
    assert histories[2] == in_order


def test_latest_version_ids_takes_the_newest_fetch(fresh_db):
    summary = IngestSummary()
    url = "https://origin.example/x"
    # The older snapshot arrives last: it is a version, but not the latest.
    store_record(fresh_db, _record(url, ["New text."], "2026-01-05T00:00:00+00:00"), summary)
    store_record(fresh_db, _record(url, ["Old text."], "2026-01-01T00:00:00+00:00"), summary)
    [page_id] = latest_version_ids(fresh_db)
    assert latest_version_ids(fresh_db) == {page_id: summary.new_version_ids[0]}
    assert latest_version_ids(fresh_db, [page_id, 999]) == {page_id: summary.new_version_ids[0]}
    assert latest_version_ids(fresh_db, []) == {}


def test_spiders_need_no_store_and_no_pipeline():
    """Spiders yield items; the store, the pipeline and the schedule stay out of their imports
    (the fetch guard's middlewares name why a request was given up on, so they may load)."""
    code = (
        "import sys, spiders.base, spiders.credits, spiders.feed, spiders.site, spiders.sitemap,"
        " spiders.urls; print(' '.join(sorted(m for m in sys.modules if m.startswith('tracker'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert set(loaded) <= {
        "tracker",
        "tracker.items",
        "tracker.middlewares",
        "tracker.netguard",
        "tracker.sources",
        "tracker.timestamps",
        "tracker.urls",
    }


def _site_spider(tmp_path, max_pages: int):
    import re

    from scrapy.utils.test import get_crawler

    from spiders.site import SiteSpider
    from tracker.sources import Site, Sources

    sources = Sources(
        sites=[
            Site(
                name="A",
                domain="a.example",
                start_urls=["https://a.example/"],
                article_urls=[re.compile("/news/")],
                max_pages=max_pages,
            )
        ]
    )
    crawler = get_crawler(SiteSpider, {"TRACKER_DB": str(tmp_path / "tracker.db")})
    spider = SiteSpider.from_crawler(crawler, sources=sources)
    crawler.spider = spider
    return crawler, spider


def test_schedule_drops_pages_not_due_and_the_site_budget_counts_only_the_rest(tmp_path):
    from scrapy.http import HtmlResponse

    from tracker.schedule import ScheduleMiddleware, ScheduleSpiderMiddleware
    from tracker.store.schedule import crawl_db

    crawler, spider = _site_spider(tmp_path, max_pages=2)
    db = crawl_db(tmp_path / "tracker.db")
    summary = IngestSummary()
    later = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat()
    for n in (1, 2):
        url = f"https://a.example/news/{n}"
        store_record(db, _record(url, [f"Story {n}."], "2026-01-01T00:00:00+00:00"), summary)
        db.execute("update pages set next_check = ?, etag = ? where url = ?", [later, "x", url])
    db.conn.commit()

    links = "".join(f'<a href="/news/{n}">{n}</a>' for n in range(1, 6))
    listing = spider.listing_request("https://a.example/", spider.sources.sites[0], 0)
    response = HtmlResponse(listing.url, body=links.encode(), request=listing)
    middleware = ScheduleSpiderMiddleware.from_crawler(crawler)
    out = list(
        middleware.process_spider_output(response, spider.parse_listing(response, "a.example", 0))
    )
    # /news/1 and /news/2 are stored and not due: dropped, and they do not use the site's budget
    # of 2 pages, so /news/3 and /news/4 are asked for.
    assert [r.url for r in out] == ["https://a.example/news/3", "https://a.example/news/4"]
    assert crawler.stats.get_value("tracker/not_due") == 2

    # A recheck that is due becomes a conditional GET; the downloader middleware passes it once.
    earlier = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0).isoformat()
    db.execute(
        "update pages set next_check = ? where url = ?", [earlier, "https://a.example/news/1"]
    )
    db.conn.commit()
    request = spider.page_request("https://a.example/news/1", credit=True)
    ScheduleMiddleware.from_crawler(crawler).process_request(request)
    assert request.headers.get("If-None-Match") == b"x"
    assert crawler.stats.get_value("tracker/credits_followed") == 1


def test_a_page_the_store_fails_on_is_a_crawl_urls_reason_and_the_crawl_goes_on(
    tmp_path, monkeypatch
):
    import asyncio
    import sqlite3

    import tracker.pipelines
    from tracker.items import PageItem
    from tracker.store.schedule import crawl_db

    crawler, _spider = _site_spider(tmp_path, max_pages=5)
    monkeypatch.setattr(tracker.pipelines, "extraction_pool", lambda processes=0: None)
    pipeline = tracker.pipelines.StorePipeline.from_crawler(crawler)
    pipeline.open_spider()

    class Extracted:
        """Extraction without worker processes: the record is known."""

        async def extract(self, page):
            return _record(page.url, [f"Story at {page.url}."], page.fetched_at)

    pipeline.batcher = Extracted()
    real_store = tracker.pipelines.store_record

    def failing_store(db, record, summary):
        if record.url.endswith("/2"):
            raise sqlite3.OperationalError("disk I/O error")
        return real_store(db, record, summary)

    monkeypatch.setattr(tracker.pipelines, "store_record", failing_store)

    def item(n: int) -> PageItem:
        return PageItem(
            url=f"https://a.example/news/{n}",
            body=b"<html></html>",
            fetched_at="2026-01-01T00:00:00+00:00",
            spider="site",
        )

    async def process() -> list:
        return [await pipeline.process_item(item(n)) for n in (1, 2, 3)]

    results = asyncio.run(process())
    assert [r["result"] for r in results] == [
        "new page",
        "error: OperationalError('disk I/O error')",
        "new page",
    ]
    db = crawl_db(tmp_path / "tracker.db")
    stored = [row[0] for row in db.execute("select url from pages order by url")]
    assert stored == ["https://a.example/news/1", "https://a.example/news/3"]
    notes = dict(db.execute("select url, note from crawl_urls where note is not null").fetchall())
    assert notes == {"https://a.example/news/2": "store failed: OperationalError('disk I/O error')"}
    assert crawler.stats.get_value("tracker/errors") == 1
