"""Timestamps: one parser for the ISO 8601 dates and times found in pages, archives and the store."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_time(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 date or timestamp as an aware UTC datetime; naive values are taken as UTC;
    a value that only starts with a date keeps the date; None when absent or unreadable.

    Examples:
        >>> parse_time("2024-01-05T10:00:00Z").isoformat()
        '2024-01-05T10:00:00+00:00'
        >>> parse_time("2024-01-05").isoformat()
        '2024-01-05T00:00:00+00:00'
        >>> parse_time("last Tuesday") is None
        True
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif not isinstance(value, str):
        return None
    else:
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            prefix = _DATE_PREFIX.match(text)
            if not prefix:
                return None
            try:
                parsed = datetime.fromisoformat(prefix.group())
            except ValueError:
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


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
