"""The base every tracker spider shares: arguments, the recheck schedule, page requests, what
happens to a page response (counted, skipped when not HTML, handed to the pipeline), and the
XML reading the feed and sitemap spiders have in common.

Spider arguments (``scrapy crawl NAME -a key=value``):

* ``sources``: the sources file (YAML), or a parsed :class:`tracker.sources.Sources`;
* ``db``: the SQLite database (default: the ``TRACKER_DB`` setting, ``tracker.db``);
* ``max_pages``: stop after fetching this many pages (a ``--resume``-able stop);
* ``follow_credits``: credit hops to follow, overriding the sources file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import scrapy
from lxml import etree
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from tracker import __version__
from tracker.items import NotModifiedItem, PageItem
from tracker.middlewares import record_give_up
from tracker.pipelines import CrawlSchedule, crawl_db, stat_key
from tracker.sources import Site, Sources, load_sources
from tracker.store import utcnow
from tracker.urls import is_http_url, normalize_url

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def parse_xml(body: bytes) -> Any | None:
    """The root element of a feed or sitemap, read as far as it goes; ``None`` when there is none.

    Entities are not resolved and nothing is fetched from the network (no XXE, no billion laughs).
    """
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return None


def local_name(element: Any) -> str:
    """An element's tag without its namespace (``""`` for comments and processing instructions)."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _as_int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"spider argument {name} must be a whole number, got {value!r}") from None


class TrackerSpider(scrapy.Spider):
    """Shared base: subclasses list where articles are and call :meth:`page_request` for each."""

    #: Whether the spider cannot work without a sources file.
    needs_sources = True

    def __init__(
        self,
        sources: str | Sources | None = None,
        db: str | None = None,
        max_pages: int | str | None = None,
        follow_credits: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(sources, Sources):
            self.sources = sources
        elif sources:
            self.sources = load_sources(sources)
        elif self.needs_sources:
            raise ValueError(f"spider {self.name} needs a sources file: -a sources=sources.yml")
        else:
            self.sources = Sources()
        self._db_arg = db
        self.max_pages = _as_int(max_pages, "max_pages")
        hops = _as_int(follow_credits, "follow_credits")
        self.follow_credits = self.sources.follow_credits if hops is None else hops
        self.pages_fetched = 0

    @classmethod
    def update_settings(cls, settings: Settings) -> None:
        super().update_settings(settings)
        # A contact URL given with -s TRACKER_CONTACT_URL=... goes into the default User-Agent.
        if (settings.getpriority("USER_AGENT") or 0) <= (
            settings.getpriority("TRACKER_CONTACT_URL") or 0
        ):
            contact = settings.get("TRACKER_CONTACT_URL")
            if contact:
                settings.set(
                    "USER_AGENT",
                    f"tracker/{__version__} (+{contact})",
                    priority=settings.getpriority("TRACKER_CONTACT_URL") or "project",
                )

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> TrackerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.db_path = str(
            Path(spider._db_arg or crawler.settings.get("TRACKER_DB") or "tracker.db").resolve()
        )
        spider.schedule = CrawlSchedule(
            crawl_db(spider.db_path), spider.sources.recheck, crawler.settings.get("TRACKER_NOW")
        )
        return spider

    def watched_site(self, domain: str) -> Site:
        """The watched site whose ``site`` key is ``domain``.

        Callbacks get a site by its domain, never by its name: domains are what tell sites
        apart (the sources file rejects a domain given twice), and a string is what a
        ``JOBDIR`` queue can store.
        """
        for site in self.sources.sites:
            if site.site == domain:
                return site
        raise LookupError(f"no watched site with domain {domain!r}")

    def inc(self, name: str, count: int = 1) -> None:
        """Add to a tracker count in Scrapy's stats (these end up in ``crawl_runs``)."""
        self.crawler.stats.inc_value(stat_key(name), count)

    def page_request(
        self,
        url: str,
        hops: int = 0,
        extra_credits: list[dict] | None = None,
        lastmod: str | datetime | None = None,
        callback: Any = None,
        meta: dict | None = None,
    ) -> scrapy.Request | None:
        """A request for an article page, or ``None`` when the page is known and not yet due.

        A recheck carries ``If-None-Match`` / ``If-Modified-Since`` so an unchanged page costs
        a 304 and no body.

        Raises:
            ValueError: for a URL the schedule or Scrapy cannot take (e.g. one holding lone
                surrogates from undecodable input); callers with untrusted lists catch it.
        """
        if not is_http_url(url):
            return None
        due = self.schedule.due(url, lastmod)
        if due is None:
            self.inc("not_due")
            return None
        return scrapy.Request(
            due.url,
            callback=callback or self.parse_page,
            errback=self.page_failed,
            headers=due.headers(),
            meta={
                "tracker_page": True,
                "tracker_hops": hops,
                "tracker_credits": extra_credits or [],
                **(meta or {}),
            },
        )

    def parse_page(self, response: Response) -> Iterator[Any]:
        """An article page came back: hand it to the pipeline (or count why not)."""
        yield from self.page_items(response)

    def page_items(self, response: Response) -> Iterator[Any]:
        self.pages_fetched += 1
        self.inc("pages_fetched")
        redirected = [normalize_url(u) for u in response.meta.get("redirect_urls", [])]
        if response.status == 304:
            yield NotModifiedItem(url=response.url, fetched_at=utcnow(), redirected_from=redirected)
        else:
            content_type = (
                response.headers.get(b"Content-Type", b"")
                .decode("latin-1")
                .split(";")[0]
                .strip()
                .lower()
            )
            if content_type and content_type not in _HTML_TYPES:
                self.inc("skipped_non_html")
                self.schedule.url_done(response.url, response.status, f"not HTML: {content_type}")
                for old in redirected:
                    self.schedule.url_done(
                        old, 301, "redirect", page_url=normalize_url(response.url)
                    )
                self.logger.info("%s: %s, not HTML, skipped", response.url, content_type)
            else:
                yield PageItem(
                    url=normalize_url(response.url),
                    body=response.body,
                    fetched_at=utcnow(),
                    spider=self.name,
                    http_status=response.status,
                    etag=_header(response, b"ETag"),
                    last_modified=_header(response, b"Last-Modified"),
                    extra_credits=response.meta.get("tracker_credits", []),
                    hops=response.meta.get("tracker_hops", 0),
                    redirected_from=redirected,
                )
        if self.max_pages and self.pages_fetched >= self.max_pages:
            # Pages already downloading still arrive and are stored; the rest waits for --resume.
            raise CloseSpider("max_pages")

    def page_failed(self, failure: Failure) -> None:
        """A page request failed: robots.txt, HTTP error or network error; counted, remembered."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.inc("robots_forbidden" if "robots" in str(failure.value).lower() else "ignored")
            record_give_up(self, request, failure.value)
            return
        self.inc("errors")
        if record_give_up(self, request, failure.value):
            return
        if failure.check(HttpError):
            status = failure.value.response.status
            self.schedule.url_done(request.url, status, f"HTTP {status}")
            self.logger.info("%s: HTTP %s", request.url, status)
        else:
            self.schedule.url_done(
                request.url, None, f"{type(failure.value).__name__}: {failure.value}"[:300]
            )
            self.logger.info("%s: %s", request.url, failure.value)

    def listing_failed(self, failure: Failure) -> None:
        """A feed, sitemap or start page failed: counted as an error (it is fetched every run)."""
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.inc("robots_forbidden")
            return
        self.inc("errors")
        self.logger.warning("%s: %s", failure.request.url, failure.value)  # type: ignore[attr-defined]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
