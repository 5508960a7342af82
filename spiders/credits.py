"""``credits``: fetch the pages that stored credits point to and that are not stored yet, up to
``follow_credits`` hops from a watched site, even when they are on no watched site.

The other spiders also follow the credits of the pages they fetch within the same crawl; this
spider picks up what earlier crawls and imports left unresolved. It has no start requests of its
own: :class:`tracker.schedule.StoredCreditsMiddleware` reads the unresolved credit targets from
the database and asks for them through :meth:`TrackerSpider.page_request`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from spiders.base import TrackerSpider


class CreditsSpider(TrackerSpider):
    """Fetch the pages credited by stored pages, one hop further each run, up to the limit."""

    name = "credits"
    needs_sources = False
    follow_stored_credits = True

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Nothing of its own: the middleware adds the credit targets after this (empty) start.
        return
        yield
