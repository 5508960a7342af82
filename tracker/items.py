"""What the spiders hand to the pipeline: a fetched page, or a recheck that found nothing new."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FetchedPage:
    """A page as fetched or read from an archive, before extraction."""

    url: str
    body: bytes | str
    fetched_at: str
    source: str = "import"
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    extra_credits: list[dict] = field(default_factory=list)
    content_type: str | None = None  # the HTTP Content-Type header: its charset decodes the body


@dataclass
class PageItem:
    """An HTML page as downloaded, with what the spider knows about how it got there.

    ``hops`` counts credit links followed from a watched site (0 for a page found on one);
    ``redirected_from`` lists the URLs that redirected to ``url``.
    """

    url: str
    body: bytes
    fetched_at: str
    spider: str
    http_status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    extra_credits: list[dict] = field(default_factory=list)
    hops: int = 0
    redirected_from: list[str] = field(default_factory=list)
    content_type: str | None = None

    def fetched_page(self) -> FetchedPage:
        """The page as :mod:`tracker.ingest` takes it (``source`` names the spider)."""
        return FetchedPage(
            url=self.url,
            body=self.body,
            fetched_at=self.fetched_at,
            source="crawl:credit" if self.hops else f"crawl:{self.spider}",
            http_status=self.http_status,
            etag=self.etag,
            last_modified=self.last_modified,
            extra_credits=list(self.extra_credits),
            content_type=self.content_type,
        )


@dataclass
class NotModifiedItem:
    """A recheck answered 304 Not Modified: only the schedule moves on."""

    url: str
    fetched_at: str
    redirected_from: list[str] = field(default_factory=list)
