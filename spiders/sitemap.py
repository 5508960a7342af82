"""``sitemap``: articles listed in the watched sites' sitemaps (indexes, news sitemaps, gzip),
refetched early when a ``lastmod`` or news ``publication_date`` is newer than the last fetch.

A site without ``sitemaps`` in the sources file gets the ones its robots.txt names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots

from spiders.base import TrackerSpider, local_name, parse_xml
from tracker.sources import Site
from tracker.timestamps import parse_time
from tracker.urls import is_http_url, normalize_url


@dataclass
class SitemapEntry:
    """One ``<url>`` (an article) or ``<sitemap>`` (another sitemap) of a sitemap file."""

    url: str
    #: The latest of ``lastmod`` and the news ``publication_date`` (timezone-aware), if any.
    lastmod: datetime | None
    is_sitemap: bool


def parse_sitemap(body: bytes, base_url: str) -> list[SitemapEntry]:
    """The entries of a sitemap or sitemap index (gzip or plain); news dates count as lastmod."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body, max_size=50 * 1024 * 1024)
    root = parse_xml(body)
    if root is None:
        return []
    entries = []
    for element in root:
        kind = local_name(element)
        if kind not in ("url", "sitemap"):
            continue
        loc: str | None = None
        lastmod: datetime | None = None
        for child in element.iter():
            name = local_name(child)
            if name == "loc" and loc is None:
                loc = (child.text or "").strip()
            elif name in ("lastmod", "publication_date") and child.text:
                # The latest date wins: a news sitemap may carry both, with different UTC
                # offsets, so they are compared as instants, not as strings.
                when = parse_time(child.text)
                if when is not None and (lastmod is None or when > lastmod):
                    lastmod = when
        if loc:
            url = urljoin(base_url, loc)
            if is_http_url(url):
                entries.append(SitemapEntry(normalize_url(url), lastmod, kind == "sitemap"))
    return entries


class SitemapSpider(TrackerSpider):
    """Fetch every watched site's sitemaps (following indexes), then the articles due."""

    name = "sitemap"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sources.sites:
            if site.sitemaps:
                for url in site.sitemaps:
                    yield self.sitemap_request(url, site)
            else:
                robots = urljoin(
                    site.start_urls[0] if site.start_urls else f"https://{site.domain}/",
                    "/robots.txt",
                )
                yield scrapy.Request(
                    robots,
                    callback=self.parse_robots,
                    errback=self.listing_failed,
                    cb_kwargs={"domain": site.site},
                )

    def sitemap_request(self, url: str, site: Site) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_sitemap,
            errback=self.listing_failed,
            cb_kwargs={"domain": site.site},
        )

    def parse_robots(self, response: Response, domain: str) -> Iterator[scrapy.Request]:
        site = self.watched_site(domain)
        found = list(sitemap_urls_from_robots(response.body, base_url=response.url))
        if not found:
            self.logger.info("%s: no sitemap listed in robots.txt", site.name)
        for url in found:
            yield self.sitemap_request(url, site)

    def parse_sitemap(self, response: Response, domain: str) -> Iterator[scrapy.Request]:
        site = self.watched_site(domain)
        self.inc("sitemaps_fetched")
        entries = parse_sitemap(response.body, response.url)
        if not entries:
            self.logger.warning("%s: no sitemap entries found", response.url)
        for entry in entries:
            if entry.is_sitemap:
                yield self.sitemap_request(entry.url, site)
            elif site.is_article(entry.url):
                request = self.page_request(entry.url, lastmod=entry.lastmod)
                if request is not None:
                    yield request
