"""Text normalisation shared by fingerprints and diffs, in the spirit of diffengine's fingerprint:
quote styles, dashes, case, punctuation and whitespace are not edits."""

from __future__ import annotations

import re
import unicodedata

# Quotes, dashes and no-break spaces need no mapping of their own: like every character that is
# not a letter or digit they become a word break. Only the invisible ones are dropped outright, so
# "co\u00adoperate" (a soft hyphen) stays one word.
INVISIBLE = "\u200b\u00ad\ufeff"
# The quote, dash and space characters that fold to a word break (for fast paths that fold them
# one by one, as :mod:`tracker.fingerprint` does).
QUOTES_DASHES = (
    "\u2018\u2019\u201a\u201b\u2032`\u00b4\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00a0"
)
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
# The former fold table's shape ({code point: replacement}), which the sketching benchmark's
# baseline (an earlier fingerprint.py read from git) imports.
_QUOTES_DASHES = {ord(c): " " for c in QUOTES_DASHES} | {ord(c): "" for c in INVISIBLE}
# Anything that is not a letter or digit (underscores included) is a word break.
_BREAKS = re.compile(r"[\W_]+", re.UNICODE)
# Scripts written without spaces between words need character shingles.
_NO_SPACE_SCRIPTS = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]"
)


def normalize_text(text: str) -> str:
    """Fold a text to its fingerprint form: NFKC, case-folded, quotes and dashes unified,
    punctuation dropped, whitespace collapsed.

    Examples:
        >>> normalize_text("“Hello,”  she said — ‘twice’.")
        'hello she said twice'
    """
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return _BREAKS.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    normalized = normalize_text(text)
    return normalized.split() if normalized else []


def is_unspaced_script(text: str, sample: int = 2000) -> bool:
    """True when most letters of ``text`` belong to a script written without spaces (CJK, Thai)."""
    head = text[:sample]
    letters = sum(ch.isalpha() for ch in head)
    return letters > 0 and len(_NO_SPACE_SCRIPTS.findall(head)) > 0.3 * letters
