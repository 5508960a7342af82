"""The third held-out judgement set (holdout3) is built as labelled: construction only.

These tests never run tracker's judgement on the set (it is held out); they check that the
builder makes what it says: every family present with its counts, one origin per article, the
credited labels of each family, credit lines taken from ``bench/phrasings_holdout3.yml`` (each
with where it was found, none repeating the earlier phrasing files), charset pages really encoded
in their charset with the charset only in the header, Unicode credit links really Unicode in the
HTML, two disclaimer sites of 10+ pages, and no corpus text in this set's files."""

from __future__ import annotations

import re
import sys
from functools import cache
from urllib.parse import unquote

import pytest
import yaml

from tests.conftest import ROOT, corpus_path

sys.path.insert(0, str(ROOT / "bench"))
import scenario_holdout3  # noqa: E402
from scenario_holdout3 import (  # noqa: E402
    ALL_FAMILIES,
    CHARSETS,
    LINK_FORMS,
    PLACEMENTS,
    build_holdout3,
    construction_problems,
    family_counts,
    holdout_phrasings,
    template_of,
    templates,
)

OWN_FILES = (
    "bench/scenario_holdout3.py",
    "bench/eval_holdout3.py",
    "bench/phrasings_holdout3.yml",
    "tests/test_holdout3_build.py",
)


@cache
def _built():
    corpus_path(scenario_holdout3.COPIETJE, "newsedits_sample.jsonl")
    corpus_path("scrapinghub-article-extraction-benchmark", "ground-truth.json")
    corpus_path(scenario_holdout3.MOZILLA, "pages")
    return build_holdout3(corpus_path())


@pytest.fixture
def built():
    return _built()


def test_every_family_is_built_with_its_counts(built):
    counts = family_counts(built)
    for family in ALL_FAMILIES:
        assert counts[family]["articles"] >= 5, family
    for family in ("silent-intermediary", "bare-link"):
        assert counts[family]["pages"] == 3 * counts[family]["articles"]
    assert counts["new-disclaimer"]["pages"] == 3 * counts["new-disclaimer"]["articles"]
    # At least as many articles and pages as holdout2 (42 and 108).
    assert len(built.groups()) >= 42
    assert len(built.pages) >= 108
    assert len(counts["disclaimer sites"]) == 2
    assert all(n >= 10 for n in counts["disclaimer sites"].values())


def test_labels_are_consistent(built):
    assert construction_problems(built) == []
    for pages in built.groups().values():
        assert [p.role for p in pages].count("origin") == 1
        assert len({p.family for p in pages}) == 1
        assert all(p.declare_site_name is False for p in pages)


def test_credit_lines_come_from_the_phrasing_file(built):
    known = set(templates("site")) | set(templates("bare_link"))
    written = [p for p in built.pages if p.credit_phrasing]
    assert all(template_of(p.credit_phrasing) in known for p in written)
    assert all(p.credited for p in written)
    assert all(p.credit_phrasing for p in built.pages if p.credited)
    # Every wording of the file is written into at least one page.
    assert {template_of(p.credit_phrasing) for p in written} == known
    assert len(known) >= 45
    for group in ("site", "bare_link"):
        for entry in holdout_phrasings()[group]:
            assert entry["template"] and entry["found"] and entry["lang"] and entry["source"], entry
    assert len({e["lang"] for g in ("site", "bare_link") for e in holdout_phrasings()[g]}) >= 8


def test_no_wording_repeats_the_earlier_phrasing_files():
    first = yaml.safe_load((ROOT / "bench" / "phrasings.yml").read_text(encoding="utf-8"))
    second = yaml.safe_load((ROOT / "bench" / "phrasings_holdout2.yml").read_text(encoding="utf-8"))
    earlier = {t for g in ("linked", "unlinked", "bare_link") for t in first[g]}
    earlier |= {e["template"] for g in ("site", "bare_link") for e in second[g]}

    def words(template: str) -> str:
        return " ".join(
            re.findall(r"\w+", template.replace("{site}", "").replace("{url}", ""))
        ).lower()

    seen = {words(t) for t in earlier}
    for template in set(templates("site")) | set(templates("bare_link")):
        assert template not in earlier and words(template) not in seen, template
    old_lines = {line for site in first.get("sites", []) for line in site}
    old_lines |= {line for d in second["disclaimers"] for line in d["paragraphs"]}
    for entry in holdout_phrasings()["disclaimers"]:
        assert entry["found"] and not set(entry["paragraphs"]) & old_lines


def test_every_shape_is_written(built):
    counts = family_counts(built)
    assert set(counts["placements"]) == set(PLACEMENTS)
    assert set(counts["link_forms"]) == {*LINK_FORMS, "unicode"}
    assert {"linked", "plain", "domain", "javascript", "bare link"} <= set(counts["credit forms"])
    assert len(counts["skins"]) >= 6
    assert set(counts["charsets"]) == {name for name, _, _ in CHARSETS}


def test_charset_pages_are_encoded_in_their_charset_with_the_charset_only_in_the_header(built):
    origins = [p for p in built.pages if p.family == "header-charset" and p.role == "origin"]
    assert len(origins) == len(CHARSETS)
    for page in origins:
        codec = next(c for name, c, _ in CHARSETS if name == page.charset)
        assert page.charset in page.content_type.lower()
        assert not re.search(rb"<meta[^>]+charset", page.body_bytes, re.I)
        text = page.body_bytes.decode(codec)
        assert len(page.expect_words) >= 6
        assert all(word in text for word in page.expect_words)
        # Read as UTF-8 the same bytes lose words: the header is what decodes the page.
        wrong = page.body_bytes.decode("utf-8", errors="replace")
        assert not all(word in wrong for word in page.expect_words)
        if page.charset in ("koi8-r", "iso-8859-2"):
            # Words windows-1252 cannot hold: a Latin-1 fallback cannot decode them either.
            assert any(not _in_cp1252(word) for word in page.expect_words)


def _in_cp1252(word: str) -> bool:
    try:
        word.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def test_unicode_credit_links_are_unicode_in_the_html(built):
    groups = [ps for ps in built.groups().values() if ps[0].family == "unicode-credit-target"]
    scripts = set()
    for pages in groups:
        origin = next(p for p in pages if p.role == "origin")
        copy = next(p for p in pages if p.role != "origin")
        assert origin.url.isascii() and "%" in origin.url
        unicode_url = unquote(origin.url)
        assert f'href="{unicode_url}"' in copy.html
        assert origin.url not in copy.html
        scripts |= {_script(ch) for ch in unicode_url if ord(ch) > 127}
    assert {"cyrillic", "greek", "cjk", "arabic"} <= scripts


def _script(ch: str) -> str:
    code = ord(ch)
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if 0x0370 <= code <= 0x03FF:
        return "greek"
    if 0x0600 <= code <= 0x06FF:
        return "arabic"
    if code >= 0x3000:
        return "cjk"
    return "latin"


def test_articles_prefer_copietje_and_skip_the_first_sets_articles(built):
    sources = list(built.sources.values())
    assert sum(s.startswith("copietje/") for s in sources) >= 20
    assert not any(s.startswith("mozilla/") for k, s in built.sources.items() if "header-charset" not in k)  # fmt: skip
    assert all(p.url.split("/")[2].endswith(".example") for p in built.pages)


def test_the_build_is_deterministic(built):
    again = build_holdout3(corpus_path())
    assert [(p.url, p.role, p.credited, p.credit_phrasing) for p in again.pages] == [
        (p.url, p.role, p.credited, p.credit_phrasing) for p in built.pages
    ]


def test_no_corpus_text_in_this_sets_files():
    """No sentence of an article body is written into this set's files (the corpus is read at run
    time)."""
    own = "\n".join((ROOT / name).read_text(encoding="utf-8") for name in OWN_FILES)
    folded = " ".join(own.split()).lower()
    charset_articles, articles = scenario_holdout3.pick(
        corpus_path(), scenario_holdout3.SEED, scenario_holdout3.article_need()
    )
    checked = 0
    for source in [*articles, *(s for s, _ in charset_articles)]:
        for paragraph in source.paragraphs:
            snippet = " ".join(paragraph.split()[:8]).lower()
            if len(snippet.split()) == 8:
                checked += 1
                assert snippet not in folded, snippet
    assert checked >= 500
