"""The Scrapy item pipeline: extract pages in worker processes (:mod:`tracker.workers`), store
them (through :mod:`tracker.pipeline`), move the recheck schedule on, tell the spider which pages
a stored page credits (the ``credits_found`` signal) and, when the spider closes, run the later
stages and write a ``crawl_runs`` row.

Every database write happens on the reactor thread; only extraction (pure, CPU-bound) runs in
other processes, so the crawl keeps downloading while pages are being parsed.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals

from tracker.items import NotModifiedItem, PageItem, UrlNoteItem, credits_found
from tracker.pipeline import IngestSummary, run_stages, store_record
from tracker.record import BadInput
from tracker.schedule import CrawlSchedule, crawl_db_path, stat_key
from tracker.store import utcnow
from tracker.store.schedule import crawl_db, insert_crawl_run
from tracker.urls import normalize_url
from tracker.workers import ExtractionBatcher, extraction_pool, shutdown_pool

__all__ = ["StorePipeline", "shutdown_pool"]

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

# ``crawl_runs`` columns, from the tracker counts in Scrapy's stats.
RUN_COLUMNS = (
    "pages_fetched",
    "pages_new",
    "versions_new",
    "not_modified",
    "skipped_non_html",
    "errors",
)


class StorePipeline:
    """Extract (in workers), store, report credits; at close, run the stages, record the run."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.summary = IngestSummary()
        self.started = utcnow()
        self.processes = crawler.settings.getint("TRACKER_EXTRACT_PROCESSES")
        self.batcher = ExtractionBatcher(
            self.processes, size=crawler.settings.getint("TRACKER_EXTRACT_BATCH", 8)
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        # The run row is written once the close reason is known (after this pipeline closed).
        crawler.signals.connect(pipeline.record_run, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.db = crawl_db(crawl_db_path(self.crawler))
        self.schedule = CrawlSchedule.for_crawler(self.crawler)
        assert self.crawler.stats is not None
        self.stats = self.crawler.stats
        self.started = utcnow()
        extraction_pool(self.processes)

    def _inc(self, name: str, count: int = 1) -> None:
        self.stats.inc_value(stat_key(name), count)

    def _redirected(self, sources: list[str], url: str) -> None:
        for old in sources:
            self.schedule.url_done(old, 301, "redirect", page_url=normalize_url(url))

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, NotModifiedItem):
            self._inc("not_modified")
            self.schedule.page_fetched(normalize_url(item.url), new_page=False, hops=0)
            self._redirected(item.redirected_from, item.url)
            return {"url": item.url, "result": "not modified"}
        if isinstance(item, UrlNoteItem) and item.give_up:
            self.schedule.url_given_up(
                item.url, item.redirected_from, item.status, item.note, item.retry_after
            )
            return {"url": item.url, "result": item.note}
        if isinstance(item, UrlNoteItem):
            self.schedule.url_done(item.url, item.status, item.note)
            self._redirected(item.redirected_from, item.url)
            return {"url": item.url, "result": item.note}
        if not isinstance(item, PageItem):
            return item
        self.summary.read += 1
        try:
            record = await self.batcher.extract(item.fetched_page())
        except BadInput as exc:
            self._inc("errors")
            self.schedule.url_done(item.url, item.http_status, f"not a page: {exc}")
            log.warning("%s: %s, skipped", item.url, exc)
            return {"url": item.url, "result": f"error: {exc}"}
        except Exception as exc:  # a page that breaks extraction must not stop the crawl
            self._inc("errors")
            self.schedule.url_done(item.url, item.http_status, f"extraction failed: {exc!r}")
            log.exception("%s: extraction failed", item.url)
            return {"url": item.url, "result": f"error: {exc!r}"}
        before = (self.summary.pages_new, self.summary.versions_new)
        try:
            result = store_record(self.db, record, self.summary)
        except Exception as exc:  # its transaction was rolled back; the crawl goes on
            self._inc("errors")
            self.schedule.url_done(item.url, item.http_status, f"store failed: {exc!r}")
            log.exception("%s: storing the page failed", item.url)
            return {"url": item.url, "result": f"error: {exc!r}"}
        self._redirected(item.redirected_from, record.url)
        if result is None:
            self._inc("no_text")
            self.schedule.url_done(record.url, item.http_status, "no article text")
            outcome = "no article text"
        else:
            self._inc("pages_new", self.summary.pages_new - before[0])
            self._inc("versions_new", self.summary.versions_new - before[1])
            self.schedule.page_fetched(record.url, result.new_page, item.hops)
            outcome = (
                "new page"
                if result.new_page
                else "new version"
                if result.new_version
                else "unchanged"
            )
            if record.credits:
                self.crawler.signals.send_catch_log(
                    credits_found, url=record.url, credits=record.credits, hops=item.hops
                )
        return {"url": record.url, "result": outcome, "title": record.title}

    def close_spider(self) -> None:
        started = time.perf_counter()
        stages = run_stages(self.db, self.summary)
        # crawl.py reads these keys for its summary.
        for key, value in stages.counts.items():
            self.stats.set_value(stat_key(f"after_ingest/{key}"), value)
        self.stats.set_value(
            stat_key("after_ingest_seconds"), round(time.perf_counter() - started, 3)
        )

    def record_run(self, reason: str) -> None:
        """One ``crawl_runs`` row per spider run, with its counts and all of Scrapy's stats."""
        self.stats.set_value(stat_key("finish_reason"), reason)
        stats = self.stats.get_stats()
        row = {name: int(stats.get(stat_key(name), 0)) for name in RUN_COLUMNS}
        spider = self.crawler.spider
        insert_crawl_run(
            self.db,
            {
                "spider": spider.name if spider else "",
                "started": self.started,
                "finished": utcnow(),
                **row,
                "stats": json.dumps(stats, default=str, sort_keys=True),
            },
        )
