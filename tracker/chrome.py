"""The fixed chrome phrase list: paragraphs that read like site furniture, not article text.

It is only a prior: :mod:`tracker.boilerplate` applies it to sites with too few pages to learn
their own boilerplate from, and the store compares a new fetch with a version stored before
migration 0011 (whose extraction dropped these paragraphs) without them. A light module (no
extractor imports), so the store can use it.
"""

from __future__ import annotations

import re

__all__ = ["is_chrome"]

# Paragraphs that are page chrome, not article text. Each pattern must match at the start of a
# paragraph and describe the site's furniture, never the story (kept general: no site names).
_CHROME_PATTERNS = [
    r"disclaimer\s*:?\s*the (statements|views|opinions)",
    r"the (statements|views|opinions),? (views )?(and|&) opinions expressed",
    r"(share|click to share|share this( article| story)?)( on \w+)?\s*[:.]?\s*$",
    r"(follow us|like us) on (facebook|twitter|x|instagram)",
    r"(sign up|subscribe) (for|to) (our|the) (free )?(daily |weekly )?newsletter",
    r"(we welcome|comments are|please keep) (your )?(comments|moderated|civil)",
    r"comment policy\b",
    r"purchase\s*:\s*order reprint",
    r"(all rights reserved|copyright ©|© \d{4})[^.]{0,80}$",
    r"(related|related articles|read more|more from|recommended)\s*:?\s*$",
    r"advertisement\s*$",
    r"this (article|story) (is|was) (free|brought to you)[^.]{0,40}(donat|support|subscri)",
]
_CHROME = re.compile(r"^\s*(?:" + "|".join(_CHROME_PATTERNS) + ")", re.IGNORECASE)


def is_chrome(paragraph: str) -> bool:
    """True when a paragraph reads like site furniture (disclaimer, share prompt, comment
    policy…): the prior :mod:`tracker.boilerplate` applies to sites with too few pages to learn
    their own boilerplate from."""
    return bool(_CHROME.match(paragraph))
