"""URLs the crawl gave up on (refused internal address, redirect loop or too many redirects,
a body over ``DOWNLOAD_MAXSIZE`` or a decompression bomb, a long ``Retry-After``): remembered in
``crawl_urls`` with the reason and a back-off, so the next run does not ask again at once.

The back-off doubles with each failure of the same URL (1 h, 2 h, 4 h, ... at most 7 days),
and is never shorter than what the site asked for with ``Retry-After``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from tracker.store.schema import utcnow

FIRST_BACKOFF = timedelta(hours=1)
MAX_BACKOFF = timedelta(days=7)


def backoff(failures: int, retry_after: float | None = None) -> timedelta:
    """How long to wait after the ``failures``-th failure in a row (1-based).

    Examples:
        >>> backoff(1), backoff(3)
        (datetime.timedelta(seconds=3600), datetime.timedelta(seconds=14400))
        >>> backoff(1, retry_after=7200)
        datetime.timedelta(seconds=7200)
        >>> backoff(50)
        datetime.timedelta(days=7)
    """
    wait = FIRST_BACKOFF * (2 ** min(max(failures, 1) - 1, 16))
    if retry_after:
        wait = max(wait, timedelta(seconds=retry_after))
    return min(wait, MAX_BACKOFF)


def record_failure(
    db: sqlite_utils.Database,
    url: str,
    reason: str,
    status: int | None = None,
    retry_after: float | None = None,
    now: str | None = None,
) -> str:
    """Remember that fetching ``url`` failed for ``reason``; returns its next check (ISO 8601).

    Args:
        db: the crawl database.
        url: the normalised URL that failed.
        reason: one line for people, e.g. ``"refused: internal address 127.0.0.1"``.
        status: the HTTP status, when there was an answer.
        retry_after: seconds the site asked to wait (``Retry-After``).
        now: the current time (ISO 8601; default: now).
    """
    now = now or utcnow()
    row = db.execute("select first_seen, checks from crawl_urls where url = ?", [url]).fetchone()
    checks = (row[1] or 0) + 1 if row else 1
    due = datetime.fromisoformat(now) + backoff(checks, retry_after)
    next_check = due.replace(microsecond=0).isoformat()
    db.table("crawl_urls").upsert(
        {
            "url": url,
            "page_url": None,
            "status": status,
            "note": reason[:300],
            "first_seen": row[0] if row else now,
            "last_fetched": now,
            "next_check": next_check,
            "checks": checks,
        },
        pk="url",
    )
    return next_check
