"""``urls``: fetch a list of page URLs, one per line, from a file or standard input (``-``).

Blank lines and lines starting with ``#`` are ignored. A sources file is optional here; it
brings the recheck schedule and ``follow_credits``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy

from spiders.base import TrackerSpider
from tracker.urls import is_http_url


def read_url_list(source: str) -> list[str]:
    """The URLs of a list file, or of standard input when ``source`` is ``-``."""
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


class UrlsSpider(TrackerSpider):
    """Fetch the pages of a URL list (``-a urls=FILE``, ``-`` for stdin)."""

    name = "urls"
    needs_sources = False

    def __init__(self, urls: str | list[str] | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if urls is None:
            raise ValueError("spider urls needs a list of URLs: -a urls=FILE (or - for stdin)")
        self.url_list = list(urls) if isinstance(urls, list) else read_url_list(urls)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.url_list:
            if not is_http_url(url):
                self.logger.warning("not an http(s) URL, skipped: %s", url)
                self.inc("errors")
                continue
            request = self.page_request(url)
            if request is not None:
                yield request
