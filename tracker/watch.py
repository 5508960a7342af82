"""``tracker watch``: report the uncredited copies that appeared since the last run.

Each run takes the copies that joined a story after the position the previous run stored (per
watched site), prints them or POSTs them as JSON to a webhook, then stores the new position. The
read, the report and the new position happen under one write lock, so two runs started together
by cron never report the same copy twice; a failed POST stores nothing, so the next run reports the
same copies again.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tracker.store import watch as store
from tracker.timestamps import parse_time
from tracker.urls import is_http_url

ALL_SITES = "*"
WEBHOOK_TIMEOUT = 20  # seconds


class WatchError(Exception):
    """A watch run that could not report (bad ``--since``, webhook refused); one line."""


@dataclass
class WatchReport:
    """What one run found and where it stopped."""

    site: str | None
    copies: list[dict[str, Any]] = field(default_factory=list)
    position: store.Position | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON a webhook receives."""
        return {
            "event": "uncredited_copies",
            "site": self.site,
            "count": len(self.copies),
            "copies": self.copies,
        }


def parse_since(text: str | None, now: datetime | None = None) -> str | None:
    """``--since`` as an ISO 8601 UTC time: an ISO date or time, or a span back from now
    (``30m``, ``12h``, ``7d``, ``2w``).

    Raises:
        WatchError: when the text is neither.

    Examples:
        >>> parse_since("2026-11-01")
        '2026-11-01T00:00:00+00:00'
        >>> parse_since("2d", datetime(2026, 11, 3, tzinfo=UTC))
        '2026-11-01T00:00:00+00:00'
    """
    if text is None or not text.strip():
        return None
    text = text.strip()
    span = re.fullmatch(r"(\d+)\s*([mhdw])", text, re.I)
    if span:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[span.group(2).lower()]
        moment = (now or datetime.now(UTC)) - timedelta(**{unit: int(span.group(1))})
        return moment.replace(microsecond=0).isoformat()
    parsed = parse_time(text) if re.match(r"^\d{4}-\d{2}", text) else None
    if parsed is None:
        raise WatchError(
            f"--since {text!r}: give an ISO date or time (2026-11-01, 2026-11-01T08:00) or a span"
            " back from now (30m, 12h, 7d, 2w)"
        )
    return parsed.isoformat()


def _copy(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "cluster_id": row["cluster_id"],
        "story": row["story"],
        "original_site": row["original_site"],
        "original_url": row["original_url"],
        "republished_by": row["republished_by"],
        "copy_url": row["copy_url"],
        "copy_title": row["copy_title"],
        "role": row["role"],
        "similarity": row["similarity"],
        "seen": row["seen"],
        "joined": row["joined"],
    }


def describe(copy: dict[str, Any]) -> str:
    """One line for a person: when, who copied whom, the story and the copy's URL."""
    seen = (copy["seen"] or copy["joined"] or "")[:16].replace("T", " ")
    return (
        f"{seen}  {copy['republished_by']} copied {copy['original_site']} without credit:"
        f" {copy['story'] or copy['copy_title'] or '(untitled)'}  {copy['copy_url']}"
        f"  (story {copy['cluster_id']})"
    )


def post_json(url: str, payload: dict[str, Any]) -> None:
    """POST ``payload`` as JSON; :class:`WatchError` unless the answer is 2xx."""
    if not is_http_url(url):
        raise WatchError(f"--webhook {url}: not an http(s) URL")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "tracker-watch"},
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as refused:
        raise WatchError(f"--webhook {url}: answered {refused.code} {refused.reason}") from None
    except (urllib.error.URLError, OSError) as failed:
        reason = getattr(failed, "reason", failed)
        raise WatchError(f"--webhook {url}: {reason}") from None
    if not 200 <= status < 300:
        raise WatchError(f"--webhook {url}: answered {status}")


def run_watch(
    conn: sqlite3.Connection,
    *,
    site: str | None = None,
    since: str | None = None,
    webhook: str | None = None,
    now: datetime | None = None,
    report: Any = None,
) -> WatchReport:
    """Report the uncredited copies that appeared since the last run and remember where it stopped.

    Args:
        conn: A read-write connection to the tracker database.
        site: Watch copies of this site's stories only (``None``: every site).
        since: ISO time; copies that joined earlier are never reported (the first run reports
            everything after it; later runs whatever came after the stored position).
        webhook: POST the report as JSON here (only when there is something new) instead of
            handing the lines to ``report``.
        now: The current time (tests).
        report: Called with each line to print when there is no webhook.

    Returns:
        The copies reported and the stored position.

    Raises:
        WatchError: when the webhook refused; nothing is stored then.
    """
    watcher = site or ALL_SITES
    stamp = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    # One writer at a time from reading the position to storing the new one: runs started
    # together by cron wait for each other instead of reporting the same copies twice.
    with store.one_writer(conn):
        store.ensure_watch_table(conn)
        after = store.position(conn, watcher)
        rows = store.uncredited_copies(conn, site=site, after=after, since=since)
        result = WatchReport(site, [_copy(row) for row in rows], after)
        if rows:
            if webhook:
                post_json(webhook, result.payload())
            elif report is not None:
                for copy in result.copies:
                    report(describe(copy))
            last = rows[-1]
            result.position = store.Position(last["joined"], last["cluster_id"], last["page_id"])
            store.save_position(conn, watcher, result.position, stamp)
    return result
