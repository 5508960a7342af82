"""The Scrapy glue between spiders and the store: the per-page recheck schedule, and the pipeline
that extracts pages in worker processes, stores them, follows their credit links and, when a
spider closes, brings clusters and diffs up to date and writes a ``crawl_runs`` row.

Every database write happens on the reactor thread; only extraction (pure, CPU-bound) runs in
other processes, so the crawl keeps downloading while pages are being parsed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from tracker.ingest import IngestSummary, after_ingest, store_record
from tracker.items import FetchedPage, NotModifiedItem, PageItem
from tracker.record import BadInput, build_or_error
from tracker.sources import next_check
from tracker.store import PageRecord, open_db, utcnow
from tracker.timestamps import parse_time
from tracker.urls import is_http_url, normalize_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)
# An RSS <source> names a feed, not an article; a body link is only a candidate credit (provenance
# counts it when its target is a cluster member): neither is fetched.
_NOT_FOLLOWED = ("rss-source", "link")

# Stats keys the spiders and the pipeline count under; ``crawl_runs`` columns come from them.
STAT = "tracker/"
RUN_COLUMNS = (
    "pages_fetched",
    "pages_new",
    "versions_new",
    "not_modified",
    "skipped_non_html",
    "errors",
)

# The W3C datetime profile's coarse forms (sitemaps), which fromisoformat does not read.

_dbs: dict[str, sqlite_utils.Database] = {}
_pool: ProcessPoolExecutor | None = None


def crawl_db(path: str | Path) -> sqlite_utils.Database:
    """The one connection to a database shared by the spiders and pipelines of this process."""
    key = str(Path(path).resolve())
    if key not in _dbs:
        db = open_db(key)
        # One commit per stored page: in WAL mode NORMAL skips the fsync per commit (the
        # database stays consistent; a power cut can lose only the last pages, which the next
        # crawl fetches again since they are not stored).
        db.execute("PRAGMA synchronous = NORMAL")
        _dbs[key] = db
    return _dbs[key]


def extraction_pool(processes: int = 0) -> ProcessPoolExecutor:
    """The worker processes that run :func:`tracker.record.build_record` (one per CPU by default).

    Workers come from a fork server started before any page is fetched, so they never inherit
    the reactor's threads and locks; the fork server preloads the extraction modules once.
    """
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["tracker.record", "tracker.pipelines"])
        _pool = ProcessPoolExecutor(
            max_workers=processes or os.cpu_count() or 1, mp_context=context
        )
    return _pool


def build_batch(pages: list[FetchedPage]) -> list[PageRecord | Exception]:
    """Extract several pages in one worker call; a failing page gives its exception, not the batch's."""
    return [build_or_error(page) for page in pages]


class ExtractionBatcher:
    """Send pages to the worker processes a few at a time: one hand-off per batch instead of per
    page keeps the reactor process (downloads, stores) from spending its time on process wakeups.

    A batch leaves when it is full or ``delay`` seconds after its first page, whichever is first.
    """

    def __init__(self, processes: int = 0, size: int = 8, delay: float = 0.02) -> None:
        self.processes = processes
        self.size = size
        self.delay = delay
        self.pending: list[tuple[FetchedPage, asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None

    def extract(self, page: FetchedPage) -> asyncio.Future:
        """A future for the page's :class:`PageRecord` (or its exception)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append((page, future))
        if len(self.pending) >= self.size:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(self.delay, self.flush)
        return future

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, []
        if not batch:
            return
        done = asyncio.wrap_future(
            extraction_pool(self.processes).submit(build_batch, [page for page, _ in batch])
        )

        def deliver(result: asyncio.Future) -> None:
            if result.cancelled() or result.exception() is not None:
                error = (
                    result.exception()
                    if not result.cancelled()
                    else RuntimeError("extraction cancelled")
                )
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                return
            for (_, future), record in zip(batch, result.result(), strict=True):
                if future.done():
                    continue
                if isinstance(record, Exception):
                    future.set_exception(record)
                else:
                    future.set_result(record)

        done.add_done_callback(deliver)


def shutdown_pool() -> None:
    """Stop the extraction workers (a later crawl in this process starts new ones)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


@dataclass
class Due:
    """A URL that should be fetched now, with the validators for a conditional GET."""

    url: str
    known: bool = False
    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """``If-None-Match`` / ``If-Modified-Since`` for a recheck of a stored page."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class CrawlSchedule:
    """When each URL is due: the ``recheck`` schedule stored per page, honoured across runs.

    A page is rechecked at ``first_seen`` + each ``recheck`` delay, then no more. A newer
    ``lastmod`` (sitemap) or ``updated`` date (feed) than the last fetch makes it due at once.
    """

    def __init__(
        self, db: sqlite_utils.Database, recheck: list[timedelta], clock: str | None = None
    ) -> None:
        self.db = db
        self.recheck = recheck
        # A fixed "now" for the schedule (the TRACKER_NOW setting): demos and tests play a
        # later crawl without waiting for the recheck delay.
        self.clock = parse_time(clock) if clock else None

    def now(self) -> datetime:
        return self.clock or datetime.fromisoformat(utcnow())

    def due(self, url: str, lastmod: str | datetime | None = None) -> Due | None:
        """A :class:`Due` when ``url`` should be fetched now, else ``None``."""
        url = normalize_url(url)
        now = self.now()
        changed = parse_time(lastmod)
        row = self.db.execute(
            "select next_check, last_fetched, etag, last_modified from pages where url = ?", [url]
        ).fetchone()
        if row is None:
            alias = self.db.execute(
                "select page_url, next_check, last_fetched from crawl_urls where url = ?", [url]
            ).fetchone()
            if alias is None:
                return Due(url)
            if alias[0]:
                # A redirect: the page it leads to decides, fetched again through the redirect.
                target = self.due(alias[0], lastmod)
                return Due(url) if target else None
            row = (alias[1], alias[2], None, None)
        next_due, last_fetched, etag, last_modified = row
        fetched = parse_time(last_fetched)
        if changed and fetched and changed > fetched:
            return Due(url, True, etag, last_modified)
        if next_due is not None and parse_time(next_due) <= now:
            return Due(url, True, etag, last_modified)
        return None

    def _next(self, first_seen: str | None) -> str | None:
        return next_check(first_seen or self.now().isoformat(), self.now(), self.recheck)

    def page_fetched(self, url: str, new_page: bool, hops: int) -> None:
        """A page was fetched (stored or unchanged): count the check, set when it is due next."""
        row = self.db.execute(
            "select id, first_seen, checks, crawl_hops from pages where url = ?", [url]
        ).fetchone()
        if row is None:
            return
        page_id, first_seen, checks, old_hops = row
        update: dict[str, Any] = {"next_check": self._next(first_seen), "last_fetched": utcnow()}
        if not new_page:
            update["checks"] = (checks or 0) + 1
        if old_hops is None or hops < old_hops:
            update["crawl_hops"] = hops
        self.db["pages"].update(page_id, update)

    def url_done(
        self, url: str, status: int | None, note: str, page_url: str | None = None
    ) -> None:
        """Remember a URL that is not a stored page (redirect, failure, non-HTML, no text)."""
        url = normalize_url(url)
        now = utcnow()
        row = self.db.execute(
            "select first_seen, checks from crawl_urls where url = ?", [url]
        ).fetchone()
        first_seen = row[0] if row else now
        self.db["crawl_urls"].upsert(
            {
                "url": url,
                "page_url": page_url,
                "status": status,
                "note": note,
                "first_seen": first_seen,
                "last_fetched": now,
                "next_check": None if page_url else self._next(first_seen),
                "checks": (row[1] or 0) + 1 if row else 1,
            },
            pk="url",
        )


def stat_key(name: str) -> str:
    """The Scrapy stats key of a tracker count."""
    return STAT + name


class StorePipeline:
    """Extract (worker processes), store, follow credits; at close, cluster, diff, record the run."""

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
        from scrapy import signals

        pipeline = cls(crawler)
        # The run row is written once the close reason is known (after this pipeline closed).
        crawler.signals.connect(pipeline.record_run, signal=signals.spider_closed)
        return pipeline

    @property
    def spider(self) -> Any:
        return self.crawler.spider

    def open_spider(self) -> None:
        self.db = crawl_db(self.spider.db_path)
        self.schedule: CrawlSchedule = self.spider.schedule
        self.stats = self.crawler.stats
        self.started = utcnow()
        extraction_pool(self.processes)

    def _inc(self, name: str, count: int = 1) -> None:
        self.stats.inc_value(stat_key(name), count)

    async def _extract(self, item: PageItem) -> PageRecord:
        return await self.batcher.extract(item.fetched_page())

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, NotModifiedItem):
            self._inc("not_modified")
            self.schedule.page_fetched(normalize_url(item.url), new_page=False, hops=0)
            for old in item.redirected_from:
                self.schedule.url_done(old, 301, "redirect", page_url=normalize_url(item.url))
            return {"url": item.url, "result": "not modified"}
        if not isinstance(item, PageItem):
            return item
        self.summary.read += 1
        try:
            record = await self._extract(item)
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
        result = store_record(self.db, record, self.summary)
        for old in item.redirected_from:
            self.schedule.url_done(old, 301, "redirect", page_url=record.url)
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
            self._follow_credits(record.url, record.credits or [], item.hops)
        return {"url": record.url, "result": outcome, "title": record.title}

    def _follow_credits(self, url: str, credits: list[dict], hops: int) -> None:
        """Fetch, within this crawl, the pages this page credits (up to ``follow_credits`` hops)."""
        limit = self.spider.follow_credits
        for credit in credits:
            target = credit.get("target_url")
            if not target or credit.get("kind") in _NOT_FOLLOWED or not is_http_url(target):
                continue
            target = normalize_url(target)
            next_hops = 0 if self.spider.sources.site_for(target) else hops + 1
            if target == url or next_hops > limit:
                continue
            request = self.spider.page_request(target, hops=next_hops)
            if request is not None:
                self._inc("credits_followed")
                self.crawler.engine.crawl(request)

    def close_spider(self) -> None:
        started = time.perf_counter()
        try:
            stages = after_ingest(self.db, self.summary)
        except ImportError as exc:
            # Clustering and diffs are separate stages; a crawl still stores pages without them.
            log.warning("clustering/diffs not available (%s); pages stored, run them later", exc)
            stages = {}
        for key, value in stages.items():
            self.stats.set_value(stat_key(f"after_ingest/{key}"), value)
        self.stats.set_value(
            stat_key("after_ingest_seconds"), round(time.perf_counter() - started, 3)
        )

    def record_run(self, reason: str) -> None:
        """One ``crawl_runs`` row per spider run, with its counts and all of Scrapy's stats."""
        self.stats.set_value(stat_key("finish_reason"), reason)
        stats = self.stats.get_stats()
        row = {name: int(stats.get(stat_key(name), 0)) for name in RUN_COLUMNS}
        self.db["crawl_runs"].insert(
            {
                "spider": self.spider.name,
                "started": self.started,
                "finished": utcnow(),
                **row,
                "stats": json.dumps(stats, default=str, sort_keys=True),
            }
        )
