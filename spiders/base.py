"""The base every tracker spider shares: arguments, page requests, what happens to a page
response (counted, skipped when not HTML, handed to the pipeline), following the credits the
pipeline reports, and the XML reading the feed and sitemap spiders have in common.

Spiders only yield requests and items. Whether a known page is due again is decided by
:class:`tracker.schedule.ScheduleMiddleware`; storing, and remembering URLs that are no page, by
the item pipeline (:mod:`tracker.pipelines`).

Spider arguments (``scrapy crawl NAME -a key=value``):

* ``sources``: the sources file (YAML), or a parsed :class:`tracker.sources.Sources`;
* ``db``: the SQLite database (default: the ``TRACKER_DB`` setting, ``tracker.db``);
* ``max_pages``: stop after fetching this many pages (a ``--resume``-able stop);
* ``follow_credits``: credit hops to follow, overriding the sources file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import scrapy
from lxml import etree
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from tracker import __version__
from tracker.items import NotModifiedItem, PageItem, UrlNoteItem, credits_found, fetched_now
from tracker.middlewares import give_up_note
from tracker.sources import Site, Sources, load_sources
from tracker.urls import is_http_url, normalize_url

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# An RSS <source> names a feed, not an article; a body link is only a candidate credit (provenance
# counts it when its target is a cluster member): neither is fetched.
NOT_FOLLOWED = ("rss-source", "link")


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
    #: Whether to ask, after the start requests, for credited pages earlier runs left unfetched
    #: (:class:`tracker.schedule.StoredCreditsMiddleware`).
    follow_stored_credits = False

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
        self.db = db
        self.max_pages = _as_int(max_pages, "max_pages")
        hops = _as_int(follow_credits, "follow_credits")
        self.follow_credits = self.sources.follow_credits if hops is None else hops
        self.pages_fetched = 0

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # The recheck schedule applies to every tracker spider, whatever the project settings.
        # Stored credits are added closer to the spider (60), so the schedule (50) sees them too.
        _add_component(
            settings, "DOWNLOADER_MIDDLEWARES", "tracker.schedule.ScheduleMiddleware", 50
        )
        _add_component(
            settings, "SPIDER_MIDDLEWARES", "tracker.schedule.ScheduleSpiderMiddleware", 50
        )
        _add_component(
            settings, "SPIDER_MIDDLEWARES", "tracker.schedule.StoredCreditsMiddleware", 60
        )
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
        crawler.signals.connect(spider.follow_page_credits, signal=credits_found)
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
        self.crawler.stats.inc_value(f"tracker/{name}", count)

    def page_request(
        self,
        url: str,
        hops: int = 0,
        extra_credits: list[dict] | None = None,
        lastmod: str | datetime | None = None,
        callback: Any = None,
        meta: dict | None = None,
        credit: bool = False,
    ) -> scrapy.Request | None:
        """A request for an article page, or ``None`` for a URL that is not http(s).

        The schedule middleware drops it when the page is stored and not due (then
        ``meta["tracker_not_due"]`` is set once it has been yielded), and makes a recheck
        conditional (``If-None-Match`` / ``If-Modified-Since``), so an unchanged page
        costs a 304 and no body. ``lastmod`` (sitemap, feed) makes a stored page due at once
        when newer than its last fetch; ``credit`` marks a credit link being followed.

        Raises:
            ValueError: for a URL Scrapy cannot take (e.g. one holding lone surrogates from
                undecodable input); callers with untrusted lists catch it.
        """
        if not is_http_url(url):
            return None
        return scrapy.Request(
            normalize_url(url),
            callback=callback or self.parse_page,
            errback=self.page_failed,
            meta={
                "tracker_page": True,
                "tracker_hops": hops,
                "tracker_credits": extra_credits or [],
                "tracker_lastmod": lastmod,
                "tracker_credit": credit,
                **(meta or {}),
            },
        )

    def follow_page_credits(self, url: str, credits: list[dict], hops: int) -> None:
        """The pipeline stored a page (``credits_found``): fetch, within this crawl, the pages
        it credits, up to ``follow_credits`` hops from a watched site."""
        for credit in credits:
            target = credit.get("target_url")
            # An RSS <source> names the source's feed, not an article: nothing to fetch there.
            if not target or credit.get("kind") in NOT_FOLLOWED or not is_http_url(target):
                continue
            target = normalize_url(target)
            next_hops = 0 if self.sources.site_for(target) else hops + 1
            if target == url or next_hops > self.follow_credits:
                continue
            request = self.page_request(target, hops=next_hops, credit=True)
            if request is not None:
                self.crawler.engine.crawl(request)

    def parse_page(self, response: Response) -> Iterator[Any]:
        """An article page came back: hand it to the pipeline (or count why not)."""
        yield from self.page_items(response)

    def page_items(self, response: Response) -> Iterator[Any]:
        self.pages_fetched += 1
        self.inc("pages_fetched")
        redirected = [normalize_url(u) for u in response.meta.get("redirect_urls", [])]
        if response.status == 304:
            yield NotModifiedItem(
                url=response.url, fetched_at=fetched_now(), redirected_from=redirected
            )
        else:
            content_type = (
                (response.headers.get(b"Content-Type") or b"")
                .decode("latin-1")
                .split(";")[0]
                .strip()
                .lower()
            )
            if content_type and content_type not in _HTML_TYPES:
                self.inc("skipped_non_html")
                self.logger.info("%s: %s, not HTML, skipped", response.url, content_type)
                yield UrlNoteItem(
                    url=response.url,
                    status=response.status,
                    note=f"not HTML: {content_type}",
                    redirected_from=redirected,
                )
            else:
                yield PageItem(
                    url=normalize_url(response.url),
                    body=response.body,
                    fetched_at=fetched_now(),
                    spider=self.name,
                    http_status=response.status,
                    etag=_header(response, b"ETag"),
                    last_modified=_header(response, b"Last-Modified"),
                    extra_credits=response.meta.get("tracker_credits", []),
                    hops=response.meta.get("tracker_hops", 0),
                    redirected_from=redirected,
                    content_type=_header(response, b"Content-Type"),
                    capture=response.meta.get("tracker_capture"),  # tracker.capture's WARC record
                )
        if self.max_pages and self.pages_fetched >= self.max_pages:
            # Pages already downloading still arrive and are stored; the rest waits for --resume.
            raise CloseSpider("max_pages")

    def page_failed(self, failure: Failure) -> Iterator[UrlNoteItem]:
        """A page request failed: robots.txt, HTTP error or network error; counted, and handed
        to the pipeline to remember (a page not due was dropped on purpose: nothing to do)."""
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get("tracker_not_due"):
            return
        given_up = give_up_note(request, failure.value)
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.inc("robots_forbidden" if "robots" in str(failure.value).lower() else "ignored")
            if given_up:
                yield given_up
            return
        self.inc("errors")
        if given_up:
            yield given_up
            return
        if failure.check(HttpError):
            status = failure.value.response.status
            self.logger.info("%s: HTTP %s", request.url, status)
            yield UrlNoteItem(url=request.url, status=status, note=f"HTTP {status}")
        else:
            self.logger.info("%s: %s", request.url, failure.value)
            note = f"{type(failure.value).__name__}: {failure.value}"[:300]
            yield UrlNoteItem(url=request.url, status=None, note=note)

    def listing_failed(self, failure: Failure) -> None:
        """A feed, sitemap or start page failed: counted as an error (it is fetched every run)."""
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.inc("robots_forbidden")
            return
        self.inc("errors")
        self.logger.warning("%s: %s", failure.request.url, failure.value)  # type: ignore[attr-defined]


def _add_component(settings: BaseSettings, name: str, path: str, order: int) -> None:
    """Add a middleware to a component setting (``SPIDER_MIDDLEWARES`` ...), keeping the rest."""
    components = settings.getdict(name)
    if path not in components:
        components[path] = order
        settings.set(name, components, priority=settings.getpriority(name) or "project")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
