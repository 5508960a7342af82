"""``urls``: fetch a list of page URLs, one per line, from a file or standard input (``-``).

Blank lines and lines starting with ``#`` are ignored. A bad line (not UTF-8, not an http(s)
URL, a port out of range) is logged once with its line number, counted as an error and
skipped; the rest of the list is still fetched. A sources file is optional here; it brings
the recheck schedule and ``follow_credits``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import scrapy

from spiders.base import TrackerSpider
from tracker.sources import url_problem


@dataclass
class ListedUrl:
    """One line of a URL list: where it was, its text, and why it cannot be used (if so)."""

    line: int
    url: str
    problem: str | None = None


def read_url_list(source: str) -> list[ListedUrl]:
    """The URLs of a list file, or of standard input when ``source`` is ``-``, by line.

    Lines are decoded one by one, so a line that is not UTF-8 spoils only itself.

    Raises:
        ValueError: when the file cannot be read.
    """
    try:
        data = _read_stdin() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise ValueError(f"{source}: cannot read the URL list: {exc.strerror}") from None
    listed = []
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            shown = raw.decode("utf-8", errors="replace").strip()
            listed.append(ListedUrl(number, shown, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})"))
            continue
        if line and not line.startswith("#"):
            listed.append(ListedUrl(number, line))
    return listed


def _read_stdin() -> bytes:
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer.read()
    # A text-only stdin (a test harness): surrogateescape gives back the original bytes.
    return sys.stdin.read().encode("utf-8", errors="surrogateescape")


class UrlsSpider(TrackerSpider):
    """Fetch the pages of a URL list (``-a urls=FILE``, ``-`` for stdin)."""

    name = "urls"
    needs_sources = False

    def __init__(self, urls: str | list[str] | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if urls is None:
            raise ValueError("spider urls needs a list of URLs: -a urls=FILE (or - for stdin)")
        if isinstance(urls, list):
            self.list_name = "URL list"
            self.url_list = [ListedUrl(number, url) for number, url in enumerate(urls, start=1)]
        else:
            self.list_name = "stdin" if urls == "-" else urls
            self.url_list = read_url_list(urls)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for listed in self.url_list:
            problem = listed.problem or url_problem(listed.url)
            request = None
            if problem is None:
                try:
                    request = self.page_request(listed.url)
                except ValueError as exc:
                    # A URL that passes the syntax check can still be refused later (e.g. lone
                    # surrogates from undecodable input): it must not end the whole list.
                    problem = f"{type(exc).__name__}: {exc}"
            if problem is not None:
                self.logger.warning(
                    "%s line %d: %s, skipped: %r", self.list_name, listed.line, problem, listed.url
                )
                self.inc("errors")
                continue
            if request is not None:
                yield request
