"""``feed``: articles listed in the watched sites' RSS and Atom feeds.

An RSS ``<source url="...">`` (or Atom ``<source>``) names where an item came from; it is kept
as a credit of kind ``rss-source`` on the article.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response

from spiders.base import TrackerSpider, local_name, parse_xml
from tracker.timestamps import parse_time
from tracker.urls import is_http_url, normalize_url, site_of


@dataclass
class FeedEntry:
    """One item of a feed: the article's URL, when it last changed, and any source credit."""

    url: str
    updated: datetime | None = None
    credits: list[dict] = field(default_factory=list)


def _child(element: Any, name: str) -> Any | None:
    for child in element:
        if local_name(child) == name:
            return child
    return None


def _text(element: Any | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _atom_link(element: Any) -> str | None:
    fallback = None
    for child in element:
        if local_name(child) == "link" and child.get("href"):
            if child.get("rel", "alternate") == "alternate":
                return child.get("href")
            fallback = fallback or child.get("href")
    return fallback


def _source_credit(url: str | None, name: str, evidence: str) -> dict | None:
    if not url or not is_http_url(url):
        return None
    url = normalize_url(url)
    return {
        "kind": "rss-source",
        "evidence": evidence[:300],
        "target_url": url,
        "target_site": site_of(url),
        "target_name": name or None,
    }


def parse_feed(body: bytes, base_url: str) -> list[FeedEntry]:
    """The entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed; malformed XML is read as far as it goes."""
    root = parse_xml(body)
    if root is None:
        return []
    entries = []
    for element in root.iter():
        name = local_name(element)
        if name == "item":
            link = _text(_child(element, "link"))
            guid = _child(element, "guid")
            if not link and guid is not None and guid.get("isPermaLink", "true") != "false":
                link = _text(guid)
            updated = parse_time(
                _text(_child(element, "pubDate")) or _text(_child(element, "date")) or None
            )
            credits = []
            source = _child(element, "source")
            if source is not None:
                name_text = _text(source)
                credit = _source_credit(
                    source.get("url"),
                    name_text,
                    f'<source url="{source.get("url")}">{name_text}</source>',
                )
                if credit:
                    credits.append(credit)
        elif name == "entry":
            link = _atom_link(element) or ""
            updated = parse_time(
                _text(_child(element, "updated")) or _text(_child(element, "published")) or None
            )
            credits = []
            source = _child(element, "source")
            if source is not None:
                title = _text(_child(source, "title"))
                href = _atom_link(source)
                credit = _source_credit(
                    href, title, f'<source><link href="{href}"/><title>{title}</title></source>'
                )
                if credit:
                    credits.append(credit)
        else:
            continue
        if link:
            url = urljoin(base_url, link)
            if is_http_url(url):
                entries.append(FeedEntry(normalize_url(url), updated, credits))
    return entries


class FeedSpider(TrackerSpider):
    """Fetch every watched site's feeds, then each article they list that is new or due."""

    name = "feed"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sources.sites:
            for url in site.feeds:
                yield scrapy.Request(url, callback=self.parse_feed, errback=self.listing_failed)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        self.inc("feeds_fetched")
        entries = parse_feed(response.body, response.url)
        if not entries:
            self.logger.warning("%s: no feed entries found", response.url)
        for entry in entries:
            request = self.page_request(
                entry.url, extra_credits=entry.credits, lastmod=entry.updated
            )
            if request is not None:
                yield request
