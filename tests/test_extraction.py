"""Extraction: metadata, chrome left out, and dates that are not publication dates."""

from tracker.extraction import extract, is_chrome

BODY = "".join(
    f"<p>Paragraph {i} of a story long enough for the extractor to keep it as article text, "
    f"with a few more words about the harbour, the council and the ferries.</p>"
    for i in range(6)
)


def page(head: str = "", footer: str = "") -> str:
    return (
        f'<html lang="en-GB"><head><title>Pier to be rebuilt</title>{head}</head><body>'
        f"<nav><a href='/'>Home</a></nav><article><h1>Pier to be rebuilt</h1>{BODY}"
        "<p>DISCLAIMER: The statements, views and opinions expressed in pieces republished here are "
        "solely those of the authors.</p></article>"
        f"<footer>{footer}</footer></body></html>"
    )


def test_metadata_and_paragraphs():
    got = extract(
        page('<meta property="article:published_time" content="2026-11-17T08:30:00+01:00">'),
        "https://harbour.example/pier",
    )
    assert got.title == "Pier to be rebuilt"
    assert got.language == "en"
    assert got.published == "2026-11-17T08:30:00+01:00"
    assert len(got.paragraphs) == 6
    assert got.paragraphs[0].startswith("Paragraph 0")  # the headline is not repeated as text


def test_republication_disclaimer_is_chrome():
    got = extract(page(), "https://harbour.example/pier")
    assert not any("DISCLAIMER" in p for p in got.paragraphs)
    assert is_chrome("Share this article")
    assert not is_chrome("Share prices fell sharply on Monday after the announcement.")


def test_copyright_year_is_not_a_publication_date():
    got = extract(
        page(footer="<p>Copyright 2024 Copy Site. All rights reserved.</p>"), "https://c.example/a"
    )
    assert got.published is None


def test_empty_and_garbage_input():
    assert extract("").paragraphs == []
    assert extract(b"\x00\x01").paragraphs == []
