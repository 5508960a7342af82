"""The second held-out judgement set (holdout2) is built as labelled: construction only.

These tests never run tracker's judgement on the set (it is held out); they check that the
builder makes what it says: every family present with its counts, one origin per article, the
credited labels of each family, credit lines taken from ``bench/phrasings_holdout2.yml`` (each
with where it was found), two disclaimer sites of 10+ pages, articles only from the Readability
pages."""

from __future__ import annotations

import sys
from functools import cache

import pytest

from tests.conftest import ROOT, corpus_path

sys.path.insert(0, str(ROOT / "bench"))
import scenario_holdout2  # noqa: E402
from scenario_holdout2 import (  # noqa: E402
    ALL_FAMILIES,
    build_holdout2,
    construction_problems,
    family_counts,
    holdout_phrasings,
    template_of,
    templates,
)


@cache
def _built():
    corpus_path(scenario_holdout2.MOZILLA, "pages")
    corpus_path("scrapinghub-article-extraction-benchmark", "ground-truth.json")
    return build_holdout2(corpus_path())


@pytest.fixture
def built():
    return _built()


def test_every_family_is_built_with_its_counts(built):
    counts = family_counts(built)
    for family in ALL_FAMILIES:
        assert counts[family]["articles"] >= 3, family
    assert counts["silent-intermediary"]["pages"] == 3 * counts["silent-intermediary"]["articles"]
    assert counts["bare-link"]["pages"] == 3 * counts["bare-link"]["articles"]
    assert counts["new-disclaimer"]["articles"] >= 10
    assert len(built.groups()) >= 40
    assert len(counts["disclaimer sites"]) == 2
    assert all(n >= 10 for n in counts["disclaimer sites"].values())


def test_labels_are_consistent(built):
    assert construction_problems(built) == []
    for pages in built.groups().values():
        assert [p.role for p in pages].count("origin") == 1
        assert len({p.family for p in pages}) == 1


def test_credit_lines_come_from_the_phrasing_file(built):
    known = set(templates("site")) | set(templates("bare_link"))
    written = [p for p in built.pages if p.credit_phrasing]
    assert len(written) >= 25
    assert all(template_of(p.credit_phrasing) in known for p in written)
    assert all(p.credited for p in written)
    # Every credited copy carries a written line; the credited label is the builder's, not tracker's.
    assert all(p.credit_phrasing for p in built.pages if p.credited)
    for group in ("site", "bare_link"):
        for entry in holdout_phrasings()[group]:
            assert entry["template"] and entry["found"] and entry["lang"], entry


def test_articles_are_readability_pages_and_sites_are_synthetic(built):
    assert all(source.startswith("mozilla/") for source in built.sources.values())
    assert not {"mozilla/citylab-1", "mozilla/medium-2"} & set(built.sources.values())
    assert all(p.url.split("/")[2].endswith(".example") for p in built.pages)


def test_the_build_is_deterministic(built):
    again = build_holdout2(corpus_path())
    assert [(p.url, p.role, p.credited) for p in again.pages] == [
        (p.url, p.role, p.credited) for p in built.pages
    ]


def test_article_bodies_are_decoded_as_utf8():
    """The Readability expected outputs are UTF-8: a body read as Latin-1 ("ZÃ¡zrak") would
    garble every copy and every label built from it."""
    mojibake = ("Ã¡", "Ã©", "Ã³", "Ã\xad", "Ã§", "â€")
    folder = corpus_path(scenario_holdout2.MOZILLA, "pages") / "aktualne"
    paragraphs = scenario_holdout2.expected_paragraphs((folder / "expected.html").read_bytes())
    assert any("á" in p for p in paragraphs)
    assert not any(m in p for p in paragraphs for m in mojibake)
