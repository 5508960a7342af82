"""Small text helpers of tracker's pages: safe links, clipped labels, delays, search words."""

from __future__ import annotations

import re
from datetime import timedelta


def safe_href(url: str | None) -> str | None:
    """The URL when it is http(s), else ``None``: ``javascript:`` and ``data:`` never become links."""
    if url and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def clip(text: str | None, limit: int) -> str:
    """Text shortened to ``limit`` characters with an ellipsis."""
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def human_delay(delta: timedelta) -> str:
    """A delay as people say it: ``+45 min``, ``+3 h``, ``+2 d``."""
    seconds = delta.total_seconds()
    sign = "+" if seconds >= 0 else "−"
    seconds = abs(seconds)
    if seconds < 60:
        return "same time" if seconds < 1 else f"{sign}{int(seconds)} s"
    if seconds < 3600:
        return f"{sign}{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        hours = seconds / 3600
        return f"{sign}{hours:.0f} h" if hours >= 10 else f"{sign}{hours:.1f} h"
    return f"{sign}{seconds / 86400:.0f} d"


def fts_query(text: str | None) -> str:
    """A user's search words as a safe FTS5 query: words are quoted (so punctuation cannot raise a
    syntax error), ``"quoted phrases"`` stay phrases, ``OR``/``NOT`` between terms stay operators
    and a trailing ``*`` keeps prefix search."""
    parts = re.findall(r'"[^"]*"|\S+', text or "")
    out: list[str] = []
    for part in parts:
        if part in ("OR", "NOT", "AND"):
            if out and out[-1] not in ("OR", "NOT", "AND"):
                out.append(part)
            continue
        if len(part) >= 2 and part[0] == part[-1] == '"':
            core, prefix = part[1:-1], False
        else:
            core, prefix = part.rstrip("*"), part.endswith("*")
        core = core.replace('"', "")
        if not core.strip():
            continue
        out.append(f'"{core}"' + ("*" if prefix else ""))
    while out and out[-1] in ("OR", "NOT", "AND"):
        out.pop()
    return " ".join(out) if out else '""'


def when(value: str | None) -> str:
    """An ISO 8601 time as the tables show it: ``2026-11-17 08:30`` (dates stay dates)."""
    text = (value or "").strip()
    if len(text) <= 10:
        return text
    return text[:16].replace("T", " ")


def plural(count: int | None, one: str, many: str | None = None) -> str:
    """``1 story``, ``2 stories``: the count with the right form of the noun."""
    count = count or 0
    return f"{count} {one if count == 1 else (many or one + 's')}"


def word_change(added: int | None, removed: int | None) -> str:
    """Words added and removed, leaving out a side with none: ``+10 / −7 words``, ``+3 words``,
    ``−2 words``, ``no words changed`` (never ``−0``)."""
    parts = []
    if added:
        parts.append(f"+{added}")
    if removed:
        parts.append(f"−{removed}")
    if not parts:
        return "no words changed"
    total = (added or 0) if not removed else (removed if not added else 2)
    return " / ".join(parts) + (" word" if total == 1 else " words")


def wrap_label(text: str | None, width: int, lines: int = 2) -> list[str]:
    """A label broken at spaces into at most ``lines`` lines of about ``width`` characters; words
    are never cut unless one word alone is longer than a line, and what does not fit ends in an
    ellipsis.

    Examples:
        >>> wrap_label("The Harbour Times of the Northern Coast", 16)
        ['The Harbour', 'Times of the…']
        >>> wrap_label("Short name", 16)
        ['Short name']
    """
    words = (text or "").split()
    out: list[str] = []
    current = ""
    index = 0
    while index < len(words) and len(out) < lines:
        word = words[index]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current, index = candidate, index + 1
            continue
        if not current:  # one word longer than a line: the only case a word is cut
            current, index = word[: width - 1] + "…", index + 1
        out.append(current)
        current = ""
    if current and len(out) < lines:
        out.append(current)
        current = ""
    if index < len(words) or current:
        last = out[-1].rstrip("…")
        out[-1] = (last if len(last) < width else last[: width - 1]) + "…"
    return out
