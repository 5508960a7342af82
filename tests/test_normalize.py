"""normalize_text is part of every stored content hash: a faster form must give the same text."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.normalize import normalize_text

# The form every content hash before this release was computed with (kept here as the reference).
_REFERENCE_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u200b": "", "\u00ad": "", "\ufeff": "",
    }
)  # fmt: skip


def _reference(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_REFERENCE_FOLD).casefold()
    text = re.sub(r"[^\w]+", " ", text.replace("_", " "))
    return re.sub(r"\s+", " ", text).strip()


_ALPHABET = st.sampled_from(
    [*"aZ09_ -'\".,;!?\n\t", *"‘’‚‛′`´“”„‟″«»‐‑‒–—―−", "\u00a0", "\u200b", "\u00ad", "\ufeff"]
    + [*"İßÆœﬁ①Ａ한あ中é́ŉǅ", "\u0301", "\u2028", "\u3000", "€", "…", "©"]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join) | st.text(max_size=60))
def test_normalize_text_equals_the_form_stored_hashes_were_made_with(text):
    assert normalize_text(text) == _reference(text)
