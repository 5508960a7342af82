"""``sitemap``: articles listed in the watched sites' sitemaps (indexes, news sitemaps, gzip),
refetched early when a ``lastmod`` or news ``publication_date`` is newer than the last fetch.

A site without ``sitemaps`` in the sources file gets the ones its robots.txt names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots

from spiders.base import TrackerSpider
from tracker.sources import Site
from tracker.urls import is_http_url, normalize_url


@dataclass
class SitemapEntry:
    """One ``<url>`` (an article) or ``<sitemap>`` (another sitemap) of a sitemap file."""

    url: str
    lastmod: str | None
    is_sitemap: bool


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def parse_sitemap(body: bytes, base_url: str) -> list[SitemapEntry]:
    """The entries of a sitemap or sitemap index (gzip or plain); news dates count as lastmod."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body, max_size=50 * 1024 * 1024)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    entries = []
    for element in root:
        kind = _local(element)
        if kind not in ("url", "sitemap"):
            continue
        loc = lastmod = None
        for child in element.iter():
            name = _local(child)
            if name == "loc" and loc is None:
                loc = (child.text or "").strip()
            elif name in ("lastmod", "publication_date") and child.text:
                # The latest date wins: a news sitemap may carry both.
                value = child.text.strip()
                lastmod = max(lastmod or value, value)
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
                    cb_kwargs={"site_name": site.name},
                )

    def _site(self, name: str) -> Site:
        return next(site for site in self.sources.sites if site.name == name)

    def sitemap_request(self, url: str, site: Site) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_sitemap,
            errback=self.listing_failed,
            cb_kwargs={"site_name": site.name},
        )

    def parse_robots(self, response: Response, site_name: str) -> Iterator[scrapy.Request]:
        site = self._site(site_name)
        found = list(sitemap_urls_from_robots(response.body, base_url=response.url))
        if not found:
            self.logger.info("%s: no sitemap listed in robots.txt", site.name)
        for url in found:
            yield self.sitemap_request(url, site)

    def parse_sitemap(self, response: Response, site_name: str) -> Iterator[scrapy.Request]:
        site = self._site(site_name)
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
