"""Extraction: metadata, chrome left out, and dates that are not publication dates."""

from tracker.boilerplate import split_boilerplate
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
    stored, _ = split_boilerplate(got.paragraphs)  # as a one-page site stores it
    assert len(stored) == 6
    assert got.paragraphs[0].startswith("Paragraph 0")  # the headline is not repeated as text


def test_republication_disclaimer_is_chrome():
    got = extract(page(), "https://harbour.example/pier")
    # Extraction keeps it; the stored text of a site too small to learn from does not.
    assert "DISCLAIMER" in got.paragraphs[-1]
    stored, removed = split_boilerplate(got.paragraphs)
    assert not any("DISCLAIMER" in p for p in stored)
    assert removed == [(len(got.paragraphs) - 1, got.paragraphs[-1])]
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


# --- a site's own name ---------------------------------------------------------------------------


def _ld(data: dict) -> str:
    import json

    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_site_name_from_the_pages_own_og_site_name():
    got = extract(
        page('<meta property="og:site_name" content="Harbour Times">'),
        "https://harbour.example/pier",
    )
    assert got.site_name == "Harbour Times"


def test_site_name_is_never_a_canonical_targets_domain():
    head = '<link rel="canonical" href="https://www.original-news.example/2024/pier">'
    got = extract(page(head), "https://copier.example/pier")
    assert got.canonical_url == "https://www.original-news.example/2024/pier"
    assert got.site_name is None


def test_site_name_is_never_the_wire_in_article_markup():
    wire = {
        "@type": "NewsArticle",
        "headline": "Pier",
        "publisher": {"@type": "NewsMediaOrganization", "name": "Associated Press"},
    }
    head = '<meta property="og:site_name" content="SFGate">' + _ld(wire)
    assert extract(page(head), "https://www.sfgate.com/news/pier").site_name == "SFGate"
    byline = {
        "@type": "NewsArticle",
        "author": {"@type": "Organization", "name": "Associated Press"},
        "publisher": {"@type": "Organization", "name": "Associated Press"},
    }
    assert extract(page(_ld(byline)), "https://www.timesunion.com/pier").site_name is None


def test_site_name_from_publisher_markup_when_no_og_site_name():
    data = {
        "@type": "NewsArticle",
        "author": {"@type": "Person", "name": "Ann Lee"},
        "publisher": {"@type": "Organization", "name": "Harbour Times"},
    }
    assert extract(page(_ld(data)), "https://harbour.example/pier").site_name == "Harbour Times"
    site = {"@graph": [{"@type": "WebSite", "name": "Coast Wire"}]}
    assert extract(page(_ld(site)), "https://coast.example/pier").site_name == "Coast Wire"


def test_site_name_that_is_only_a_url_is_no_name():
    head = '<meta property="og:site_name" content="https://www.harbour.example">'
    assert extract(page(head), "https://harbour.example/pier").site_name is None


def test_extract_takes_a_parsed_tree_and_leaves_it_as_it_was():
    import lxml.html

    from tracker.html import parse_html

    tree = parse_html(page())
    before = lxml.html.tostring(tree)
    got = extract(tree, "https://harbour.example/pier")
    assert lxml.html.tostring(tree) == before
    assert got.paragraphs == extract(page(), "https://harbour.example/pier").paragraphs


def test_a_page_laid_out_in_a_table_keeps_only_its_article():
    # trafilatura flattens a layout table (headline, article and "related" list in one cell) into
    # one table row; the page is read again without tables and keeps the article alone.
    para = "Verified footage and testimony show a harrowing pattern of events in the region. " * 12
    related = "".join(
        f'<div><a href="/n/{i}">Another headline number {i}</a> A teaser for related story {i}.</div>'
        for i in range(6)
    )
    html = (
        "<html><head><title>Report</title></head><body><table><tbody><tr><td>"
        f'<h1>Report</h1><div class="article_body"><p>{para}</p></div>{related}'
        "</td></tr></tbody></table></body></html>"
    )
    got = extract(html, "https://example.org/a")
    assert got.paragraphs == [para.strip()]


def test_parse_repairs_the_page_as_trafilatura_does():
    from trafilatura.utils import repair_faulty_html

    from tracker.html import _repaired

    filler = "<p>" + "word " * 2000 + "</p>\n"
    pages = [
        "<!DOCTYPE html/>\n<html/>\n" + filler * 3,  # self-closing doctype and <html/>
        "<!DOCTYPE html/>" + "x" * 5000 + "\n" + filler,  # a first line past the head
        filler * 3 + "\x01\x0b tail \ufffe",  # control characters after the head
        "<html><body>" + "y" * 5000,  # no line end at all
    ]
    for html in pages:
        assert _repaired(html) == repair_faulty_html(html, html[:50].lower())
