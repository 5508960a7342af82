"""When to look again: the per-page recheck schedule, and the Scrapy middlewares that apply it.

Spiders ask for every article they find; :class:`ScheduleSpiderMiddleware` (and, for requests
that do not pass a spider's output, :class:`ScheduleMiddleware`) drops the requests for pages
that are stored and not due yet, and turns a due recheck into a conditional GET
(``If-None-Match`` / ``If-Modified-Since``). :class:`StoredCreditsMiddleware`
(a spider middleware) adds, for a spider that sets ``follow_stored_credits``, the credited pages
that earlier runs left unfetched. So spiders need neither the database nor the schedule.

The rows live in the database (:mod:`tracker.store.schedule`); the pipeline updates them as
pages are stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils
from scrapy import Request as ScrapyRequest
from scrapy.exceptions import IgnoreRequest

from tracker.sources import next_check
from tracker.store import schedule as rows
from tracker.store import utcnow
from tracker.store.failures import record_failure
from tracker.timestamps import parse_time
from tracker.urls import is_http_url, normalize_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: Stats keys the spiders, middlewares and the pipeline count under; ``crawl_runs`` columns come
#: from them.
STAT = "tracker/"

#: Request meta keys the spiders set (see ``spiders.base.TrackerSpider.page_request``): an
#: article page, a credit link being followed, the ``lastmod`` a sitemap or feed gave; and the
#: ones this module sets: let through once (retries pass), dropped as not due.
PAGE, CREDIT, LASTMOD = "tracker_page", "tracker_credit", "tracker_lastmod"
SCHEDULED, NOT_DUE = "tracker_scheduled", "tracker_not_due"


def stat_key(name: str) -> str:
    """The Scrapy stats key of a tracker count."""
    return STAT + name


def crawl_db_path(crawler: Crawler) -> str:
    """The database a crawl writes: the spider's ``db`` argument, else the ``TRACKER_DB``
    setting (``tracker.db``)."""
    given = getattr(crawler.spider, "db", None)
    return str(Path(given or crawler.settings.get("TRACKER_DB") or "tracker.db").resolve())


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

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> CrawlSchedule:
        """The schedule of a running crawl: its database, the sources' ``recheck`` delays."""
        sources = getattr(crawler.spider, "sources", None)
        return cls(
            rows.crawl_db(crawl_db_path(crawler)),
            list(sources.recheck) if sources is not None else [],
            crawler.settings.get("TRACKER_NOW"),
        )

    def now(self) -> datetime:
        """The schedule's "now" (``TRACKER_NOW`` when set)."""
        return self.clock or datetime.fromisoformat(utcnow())

    def due(self, url: str, lastmod: str | datetime | None = None) -> Due | None:
        """A :class:`Due` when ``url`` should be fetched now, else ``None``."""
        url = normalize_url(url)
        changed = parse_time(lastmod)
        row = rows.page_check(self.db, url)
        if row is None:
            alias = rows.url_check(self.db, url)
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
        if next_due is not None and (when := parse_time(next_due)) and when <= self.now():
            return Due(url, True, etag, last_modified)
        return None

    def _next(self, first_seen: str | None) -> str | None:
        return next_check(first_seen or self.now().isoformat(), self.now(), self.recheck)

    def page_fetched(self, url: str, new_page: bool, hops: int) -> None:
        """A page was fetched (stored or unchanged): count the check, set when it is due next."""
        row = rows.page_schedule(self.db, url)
        if row is None:
            return
        page_id, first_seen, checks, old_hops = row
        update: dict[str, Any] = {"next_check": self._next(first_seen), "last_fetched": utcnow()}
        if not new_page:
            update["checks"] = (checks or 0) + 1
        if old_hops is None or hops < old_hops:
            update["crawl_hops"] = hops
        rows.update_page_schedule(self.db, page_id, update)

    def url_given_up(
        self,
        url: str,
        redirected_from: Iterable[str],
        status: int | None,
        reason: str,
        retry_after: float | None,
    ) -> None:
        """Remember a URL the crawl gave up on, and the redirects that led to it, with a growing
        back-off (:func:`tracker.store.failures.record_failure`)."""
        now = self.now().isoformat()
        for each in dict.fromkeys(normalize_url(u) for u in [*redirected_from, url]):
            record_failure(self.db, each, reason, status, retry_after, now=now)

    def url_done(
        self, url: str, status: int | None, note: str, page_url: str | None = None
    ) -> None:
        """Remember a URL that is not a stored page (redirect, failure, non-HTML, no text)."""
        url = normalize_url(url)
        now = utcnow()
        seen = rows.crawl_url_seen(self.db, url)
        first_seen = (seen[0] if seen else None) or now
        rows.upsert_crawl_url(
            self.db,
            {
                "url": url,
                "page_url": page_url,
                "status": status,
                "note": note,
                "first_seen": first_seen,
                "last_fetched": now,
                "next_check": None if page_url else self._next(first_seen),
                "checks": (seen[1] or 0) + 1 if seen else 1,
            },
        )


def admit(schedule: CrawlSchedule, stats: Any, request: Request) -> bool:
    """Whether an article request goes ahead; a due recheck gets its conditional headers.

    Only requests marked as article pages (``meta["tracker_page"]``) are looked at, each once
    (retries and the redirects Scrapy follows for them pass: the request that led there was
    due). A dropped request gets ``meta["tracker_not_due"]`` and counts as ``not_due``; a due
    credit link counts as ``credits_followed``.
    """
    meta = request.meta
    if not meta.get(PAGE) or meta.get(SCHEDULED) or meta.get("redirect_urls"):
        return True
    due = schedule.due(request.url, meta.get(LASTMOD))
    if due is None:
        stats.inc_value(stat_key("not_due"))
        meta[NOT_DUE] = True
        return False
    meta[SCHEDULED] = True
    for name, value in due.headers().items():
        request.headers[name] = value
    if meta.get(CREDIT):
        stats.inc_value(stat_key("credits_followed"))
    return True


class _Gate:
    """What both schedule middlewares share: the crawler, and its schedule once the spider runs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.schedule: CrawlSchedule | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def admit(self, obj: Any) -> bool:
        if not isinstance(obj, ScrapyRequest):
            return True
        if self.schedule is None:
            self.schedule = CrawlSchedule.for_crawler(self.crawler)
        return admit(self.schedule, self.crawler.stats, obj)


class ScheduleSpiderMiddleware(_Gate):
    """Spider middleware: drop the article requests a spider yields for pages that are stored and
    not due, as they are yielded. A spider that looks at ``meta["tracker_not_due"]`` right after
    yielding a request knows whether it went ahead (the site spider's page budget counts only
    those)."""

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for obj in start:
            if self.admit(obj):
                yield obj

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for obj in result:
            if self.admit(obj):
                yield obj

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for obj in result:
            if self.admit(obj):
                yield obj


class ScheduleMiddleware(_Gate):
    """Downloader middleware: the same check for article requests that reach the downloader
    without passing a spider's output (credit links the spider schedules on ``credits_found``).
    A request not due fails with ``IgnoreRequest``; the spiders' errback lets it go."""

    def process_request(self, request: Request) -> None:
        if not self.admit(request):
            raise IgnoreRequest(f"{request.url}: not due")


class StoredCreditsMiddleware:
    """Spider middleware: after its own start requests, a spider with ``follow_stored_credits``
    asks for the credited pages that are no stored page yet (from earlier crawls and imports),
    up to the spider's ``follow_credits`` hops from a watched site."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoredCreditsMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            yield item_or_request
        spider: Any = self.crawler.spider
        if not getattr(spider, "follow_stored_credits", False):
            return
        db = rows.crawl_db(crawl_db_path(self.crawler))
        for target, hops in rows.unresolved_credit_targets(db):
            if not is_http_url(target):
                continue
            next_hops = 0 if spider.sources.site_for(target) else hops + 1
            if next_hops > spider.follow_credits:
                continue
            request = spider.page_request(normalize_url(target), hops=next_hops, credit=True)
            if request is not None:
                yield request
