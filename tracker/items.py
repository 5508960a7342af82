"""What the spiders and the pipeline exchange: the items spiders yield (a fetched page, a recheck
that found nothing new, a URL that is no page) and the signal the pipeline sends back when a
stored page credits other pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Sent by the pipeline once a page is stored, with ``url``, ``credits`` (the credit dicts of
#: the record) and ``hops``; a spider that follows credits connects to it.
credits_found = object()


def fetched_now() -> str:
    """The fetch time spiders stamp on an item: now, ISO 8601 UTC with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


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
    # Where the page as fetched is kept (a WARC record: tracker.capture); the store keeps it.
    capture: dict | None = None


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
    capture: dict | None = None  # the WARC record tracker.capture wrote of the response

    def fetched_page(self) -> FetchedPage:
        """The page as :func:`tracker.record.build_record` takes it (``source``: the spider)."""
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
            capture=self.capture,
        )


@dataclass
class NotModifiedItem:
    """A recheck answered 304 Not Modified: only the schedule moves on."""

    url: str
    fetched_at: str
    redirected_from: list[str] = field(default_factory=list)


@dataclass
class UrlNoteItem:
    """A URL that gave no page (not HTML, HTTP error, network error): remembered with its
    status and a note, so the schedule does not ask again before it is due."""

    url: str
    status: int | None
    note: str
    redirected_from: list[str] = field(default_factory=list)
    # A URL given up on (refused address, redirect loop, too large, long Retry-After): it and
    # the URLs that redirected to it wait out a growing back-off (tracker.store.failures).
    give_up: bool = False
    retry_after: float | None = None


@dataclass
class PageRecord:
    """One extracted page, ready to store (made by :func:`tracker.record.build_record`, stored by
    :func:`tracker.store.store_page`; here, not in the store, so that extraction workers need no
    database library)."""

    url: str
    site: str
    fetched_at: str
    title: str | None
    byline: str | None
    published: str | None
    language: str | None
    site_name: str | None
    description: str | None
    paragraphs: list[str]
    canonical_url: str | None = None
    credits: list[dict] | None = None
    source: str = "import"
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    capture: dict | None = None  # FetchedPage.capture, kept by tracker.store.evidence

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)
