"""tracker calls trafilatura's steps one by one (metadata once, only the fields it stores, less
copying): on real pages the result must be ``bare_extraction``'s, field for field."""

import gzip
import json
from functools import cache

import lxml.etree
import pytest
from trafilatura import bare_extraction

from tests.conftest import corpus_path
from tracker.html import parse_html
from tracker.trafilatura_steps import _DATE_PARAMS, Reader

FIELDS = ("title", "author", "date", "description", "url")


@cache
def _pages() -> list[tuple[str, str, bytes]]:
    """(name, url, html) of the Scrapinghub benchmark pages and the Readability test pages."""
    bench = corpus_path("scrapinghub-article-extraction-benchmark")
    ground = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [
        (
            key,
            ground[key].get("url") or "",
            gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes()),
        )
        for key in sorted(ground)
    ]
    readability = corpus_path("mozilla-readability-test-pages", "pages")
    pages += [
        (case.name, f"https://example.com/{case.name}/", (case / "source.html").read_bytes())
        for case in sorted(readability.iterdir())
        if case.is_dir()
    ]
    return pages


def _same_as_bare_extraction(fast: bool, tables: bool, every: int) -> int:
    checked = 0
    for name, url, html in _pages()[::every]:
        tree = parse_html(html)
        before = lxml.etree.tostring(tree)
        doc = bare_extraction(
            tree,
            url=url or None,
            fast=fast,
            with_metadata=True,
            include_comments=False,
            include_tables=tables,
            deduplicate=False,
            date_extraction_params=dict(_DATE_PARAMS),
        )
        reader = Reader(tree, url or None)
        text = reader.text(fast=fast, tables=tables)
        # the other readers (markup metadata, credits) read the same tree afterwards
        assert lxml.etree.tostring(tree) == before, f"{name}: the tree was changed"
        if doc is None:
            assert text is None, name
            continue
        assert text == doc.text, name
        assert reader.metadata is not None, name
        for field in FIELDS:
            assert getattr(reader.metadata, field) == getattr(doc, field), (name, field)
        checked += 1
    return checked


def test_fast_path_is_bare_extraction_on_every_page():
    assert _same_as_bare_extraction(fast=True, tables=True, every=1) > 200


@pytest.mark.parametrize(("fast", "tables"), [(True, False), (False, True)])
def test_other_readings_are_bare_extraction(fast, tables):
    # the retries: without tables (layout tables), without the fast path (lists of links)
    assert _same_as_bare_extraction(fast=fast, tables=tables, every=9) > 20


def test_the_expressions_the_word_lists_were_read_from_are_unchanged():
    # tracker.trafilatura_steps skips trafilatura's raw-tree prunes and its author reader on pages
    # without the words these expressions need (_RAW_PRUNE_WORDS, _COMMENTS_WORDS,
    # _AUTHOR_WORDS): a trafilatura whose expressions differ needs those lists read again.
    import hashlib

    from trafilatura.xpaths import (
        AUTHOR_XPATHS,
        RAW_TREE_PRUNE_XPATH,
        REMOVE_COMMENTS_AND_LISTS_XPATH,
    )

    def digest(expressions):
        text = " ".join(" ".join(x.path.split()) for x in expressions)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    assert digest(RAW_TREE_PRUNE_XPATH) == "c39afc1dd42bbc23"
    assert digest(REMOVE_COMMENTS_AND_LISTS_XPATH) == "ec1083e558ae70c0"
    assert digest(AUTHOR_XPATHS) == "1786364624caf88c"


def test_a_part_of_a_page_reads_as_a_page_of_its_own():
    # bare_extraction copies the element it is given: expressions from the root ("//") then see
    # that element only, not the rest of the document it came from.
    sentence = "A sentence long enough for the extractor to keep it as article text. "
    page = parse_html(
        "<html><body><h2 class='entry-title'>Outside</h2><section><article><h1>Part</h1>"
        + "".join(f"<p>{i}. {sentence * 3}</p>" for i in range(4))
        + "<h1>Second part</h1>"
        + "</article></section></body></html>"
    )
    part = page.find(".//section")
    doc = bare_extraction(
        part,
        url="https://example.com/part",
        fast=True,
        with_metadata=True,
        include_comments=False,
        deduplicate=False,
        date_extraction_params=dict(_DATE_PARAMS),
    )
    reader = Reader(part, "https://example.com/part")
    assert reader.text(fast=True, tables=True) == doc.text
    assert reader.metadata is not None
    for field in FIELDS:
        assert getattr(reader.metadata, field) == getattr(doc, field), field
    assert reader.metadata.title == "Part"
