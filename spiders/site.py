"""``site``: follow links inside each watched site from its start URLs, within depth and page
limits; pages matching ``article_urls`` (every in-site page when a site gives no pattern) are
stored, the others only lead to them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from spiders.base import TrackerSpider
from tracker.sources import Site
from tracker.urls import normalize_url, site_of


class SiteSpider(TrackerSpider):
    """Crawl each watched site from its start URLs."""

    name = "site"
    links = LinkExtractor(deny_extensions=None, unique=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requested: Counter[str] = Counter()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sources.sites:
            for url in site.start_urls:
                self.requested[site.site] += 1
                yield self.listing_request(url, site, depth=0)

    def listing_request(self, url: str, site: Site, depth: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            cb_kwargs={"domain": site.site, "depth": depth},
        )

    def parse_listing(self, response: Response, domain: str, depth: int) -> Iterator[Any]:
        """A start page, or an index page of a site with article patterns: followed, not stored."""
        self.inc("listings_fetched")
        yield from self.follow(response, self.watched_site(domain), depth)

    def parse_article(self, response: Response, domain: str, depth: int) -> Iterator[Any]:
        """An article page: stored, and followed further within the depth limit."""
        site = self.watched_site(domain)
        yield from self.page_items(response)
        yield from self.follow(response, site, depth)

    def follow(self, response: Response, site: Site, depth: int) -> Iterator[scrapy.Request]:
        if depth >= site.max_depth or not isinstance(response, TextResponse):
            return
        for link in self.links.extract_links(response):
            url = normalize_url(link.url)
            if site_of(url) != site.site or self.requested[site.site] >= site.max_pages:
                continue
            kwargs = {"domain": site.site, "depth": depth + 1}
            if site.article_urls and not site.is_article(url):
                self.requested[site.site] += 1
                yield self.listing_request(url, site, depth + 1)
                continue
            request = self.page_request(url, callback=self.parse_article)
            if request is not None:
                request = request.replace(cb_kwargs=kwargs)
                yield request
                # The schedule middleware has seen it by now: only pages let through count.
                if not request.meta.get("tracker_not_due"):
                    self.requested[site.site] += 1
