"""Timestamps: one parser for the ISO 8601 dates and times found in pages, archives and the store."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")
_YEAR_OR_MONTH = re.compile(r"^\d{4}(?:-\d{2})?$")


def parse_time(value: str | datetime | None) -> datetime | None:
    """A stored time, a page's date, a feed or sitemap date, as an aware UTC datetime.

    Reads ISO 8601 / W3C datetimes (also ``YYYY`` and ``YYYY-MM``, and text that starts with a
    date) and RFC 2822 dates (RSS ``pubDate``); naive values are taken as UTC. None when absent
    or unreadable, so one bad date never stops a crawl or an import.

    Examples:
        >>> parse_time("2024-01-05T10:00:00Z").isoformat()
        '2024-01-05T10:00:00+00:00'
        >>> parse_time("2024-01-05").isoformat()
        '2024-01-05T00:00:00+00:00'
        >>> parse_time("2024-01-03T10:00:00+05:00") < parse_time("2024-01-03T08:00:00Z")
        True
        >>> parse_time("Tue, 02 Jan 2024 10:00:00 +0000").isoformat()
        '2024-01-02T10:00:00+00:00'
        >>> parse_time("2024-01").isoformat(), parse_time("last Tuesday")
        ('2024-01-01T00:00:00+00:00', None)
    """
    if value is None or value == "":
        return None
    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = _read(value.strip())
    else:
        parsed = None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _read(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if _YEAR_OR_MONTH.match(text):
        year, _, month = text.partition("-")
        return datetime(int(year), int(month or 1), 1)
    prefix = _DATE_PREFIX.match(text)
    if prefix:
        try:
            return datetime.fromisoformat(prefix.group())
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def iso_utc(value: object) -> str:
    """A timestamp given as text, as ISO 8601 UTC with seconds (``Z`` spelled ``+00:00``).

    Raises:
        ValueError: when the value is not a full ISO 8601 timestamp or date.

    Examples:
        >>> iso_utc("2026-11-01T10:00:00.5Z")
        '2026-11-01T10:00:00+00:00'
    """
    if not isinstance(value, str):
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0).isoformat()
