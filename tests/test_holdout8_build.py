"""The eighth held-out judgement set (holdout8) is built as labelled: construction only.

These tests never run tracker's judgement on the set (it is held out, run once at the end); they
check that the builder makes what it says: every family with its counts, one origin per article,
the credited labels of each family and of the seed chain, credit lines taken from
``bench/phrasings_holdout8.yml`` (each with where it was found, few repeating the earlier files),
charset pages really encoded in their charset with the charset only in the header, Unicode credit
links really Unicode in the HTML, page templates, placements and link forms no earlier set wrote,
credits kept only in the JSON-LD, two disclaimer sites of 10+ pages, a deterministic rebuild, and
no corpus text in this set's files. A missing corpus skips them on a developer's machine and fails
them under ``CI=true`` (``tests/conftest.py``).
"""

from __future__ import annotations

import html
import json
import re
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import ROOT, corpus_path
from tests.heldout_build import (
    check_deterministic,
    check_family_counts,
    check_header_charsets,
    check_no_corpus_text,
    check_roles,
    check_unicode_links,
    check_wording_overlap,
)

sys.path.insert(0, str(ROOT / "bench"))
import holdout4_pages  # noqa: E402
import holdout5_pages  # noqa: E402
import holdout6_pages  # noqa: E402
import holdout7_pages  # noqa: E402
import scenario_holdout3  # noqa: E402
import scenario_holdout4  # noqa: E402
import scenario_holdout5  # noqa: E402
import scenario_holdout6  # noqa: E402
import scenario_holdout7  # noqa: E402
import scenario_holdout8  # noqa: E402
from holdout8_checks import construction_problems, family_counts  # noqa: E402
from holdout8_pages import LINK_FORMS, NAMED_FORMS, PLACEMENTS, SKINS, link_variant  # noqa: E402
from scenario_holdout8 import (  # noqa: E402
    ALL_FAMILIES,
    CHARSETS,
    SHORTENER,
    build_holdout8,
    holdout_phrasings,
    template_of,
)

OWN_FILES = (
    "bench/scenario_holdout8.py",
    "bench/holdout8_pages.py",
    "bench/holdout8_families.py",
    "bench/holdout8_checks.py",
    "bench/eval_holdout8.py",
    "bench/phrasings_holdout8.yml",
    "tests/test_holdout8_build.py",
)
GROUPS = ("site", "bare_link", "seed")
EARLIER = tuple(f"phrasings_holdout{n}.yml" for n in range(2, 8))
# Corpus files the set reads; without them the tests skip (fail under CI=true).
CORPUS_FILES = (
    ("scrapinghub-article-extraction-benchmark", "ground-truth.json"),
    ("mozilla-readability-test-pages", "pages"),
)
# family: (articles at least, pages of each article); None: a family of its own page counts.
SIZES = {
    "silent-intermediary": (6, 3),
    "bare-link": (6, 3),
    "unlinked-phrase": (6, 2),
    "canonical-syndication": (6, 2),
    "backdated-credit": (6, 2),
    "re-paragraphed": (6, 2),
    "unicode-credit-target": (6, 2),
    "header-charset": (6, 2),
    "new-disclaimer": (10, 3),
    "seed-chain": (2, 3),
    "noise": (6, None),
}
EARLIER_PAGES = (scenario_holdout3, holdout4_pages, holdout5_pages, holdout6_pages, holdout7_pages)


@pytest.fixture(scope="module")
def built():
    for folder, name in CORPUS_FILES:
        corpus_path(folder, name)
    return build_holdout8(corpus_path())


def test_every_family_is_built_with_its_counts(built):
    check_family_counts(family_counts(built), SIZES, ALL_FAMILIES, built)


def test_labels_are_consistent(built):
    copies = check_roles(built, construction_problems(built))
    # The one noise line is a Flipboard short address in a "Source" field: it names no site.
    (line,) = [p.noise_line for p in copies if p.noise_line]
    assert SHORTENER in line and line.startswith("<a ") and line.endswith("</a>")
    (page,) = [p for p in copies if p.noise_line]
    assert f'<div class="field__label">Source</div><div class="field__item">{line}' in (
        page.html or ""
    )
    assert None in {p.published for p in copies}
    # Noise copies link unrelated pages where a credit would sit.
    html_of = "\n".join(p.html or "" for p in copies)
    assert "reuters.com/fact-check/" in html_of and "un.org/en/climatechange" in html_of


def test_undated_pages_and_origins_crawled_after_their_copies(built):
    assert any(p.published is None and p.role == "origin" for p in built.pages)
    assert any(p.published is None and p.role == "repost" and p.family != "noise" for p in built.pages)  # fmt: skip
    late = sum(
        all(pages[0].fetched_at > p.fetched_at for p in pages[1:])
        for pages in built.groups().values()
    )
    assert late >= 2


@pytest.mark.parametrize(("number", "ddp_credited"), [(0, False), (1, True)])
def test_the_seed_chain_in_its_two_variants(built, number, ddp_credited):
    pages = built.groups()[f"h8-seed-chain-{number}"]
    hosts = [p.url.split("/")[2] for p in pages]
    assert hosts == ["www.antiwar.com", "www.defenddemocracy.press", "www.transcend.org"]
    assert [p.role for p in pages] == ["origin", "repost", "repost"]
    assert [(p.published or "")[5:10] for p in pages] == ["03-18", "03-19", "03-25"]
    antiwar, ddp, tms = pages
    assert (ddp.credited, tms.credited) == (ddp_credited, True)
    closing = '<p class="closing-line">{}</p>'
    assert closing.format("Go to Original – defenddemocracy.press") in (tms.html or "")
    # The second variant's only credit is the original's address alone as the closing line.
    bare = closing.format(f'<a href="{antiwar.url}">{antiwar.url}</a>')
    assert (bare in (ddp.html or "")) is ddp_credited
    assert (antiwar.url in (ddp.html or "")) is ddp_credited


def test_every_wording_is_written_and_only_credited_copies_carry_one(built):
    entries = [e for g in GROUPS for e in holdout_phrasings()[g]]
    assert len(entries) >= 30 and len({e["lang"] for e in entries}) >= 5
    assert all(e["found"] and e["lang"] and e["source"] for e in entries)
    lines = {p.url: p.credit_phrasing for p in built.pages if p.role == "repost"}
    credited = {p.url for p in built.pages if p.role == "repost" and p.credited}
    assert {url for url, line in lines.items() if line} == credited
    written = {template_of(line) for line in lines.values() if line}
    assert written == {e["template"] for e in entries}


def test_at_most_a_quarter_of_the_wordings_repeat_the_earlier_files():
    check_wording_overlap(holdout_phrasings(), GROUPS, EARLIER)


def test_new_shapes_are_written(built):
    counts = family_counts(built)
    assert set(counts["skins"]) == {*SKINS, "real page"}
    earlier_skins = {s for m in EARLIER_PAGES for s in m.SKINS}
    assert not set(SKINS) & earlier_skins
    assert set(PLACEMENTS) <= set(counts["placements"])
    assert not set(PLACEMENTS) & {p for m in EARLIER_PAGES for p in m.PLACEMENTS}
    earlier_forms = {f for m in EARLIER_PAGES for f in m.LINK_FORMS}
    earlier_forms |= {f for m in EARLIER_PAGES[1:] for f in m.NAMED_ONLY_FORMS}
    assert not set(LINK_FORMS) & earlier_forms
    assert {"archive-today", "headline"} <= set(NAMED_FORMS) - earlier_forms
    assert {*LINK_FORMS, *NAMED_FORMS, "unicode", "idn"} <= set(counts["link_forms"])
    written = "\n".join(p.html or "" for p in built.pages if p.credit_phrasing)
    assert "#xtor=RSS-" in written and "mc_cid=" in written and "l.facebook.com/l.php?u=" in written
    assert 'href="\n    https://' in written and 'href="https://archive.ph/' in written
    assert "<tfoot><tr><td" in written and 'class="blockquote-footer"' in written


def test_link_forms_reach_the_original():
    url = "https://kirkwalltownsman.example/news/a-long-story-here"
    for form in LINK_FORMS:
        link = link_variant(url, form)
        parts = urlsplit(link.strip())
        if form == "facebook-shim":
            assert parse_qs(parts.query)["u"] == [url]
        else:
            assert f"{parts.scheme}://{parts.netloc}{parts.path}" == url


def test_credits_kept_only_in_the_json_ld(built):
    # Labelled credited: a careful reader of the page and its metadata sees the source there.
    pages = [p for p in built.pages if p.placement == "jsonld-isbasedon"]
    assert pages and all(p.credited for p in pages)
    for page in pages:
        ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.html or "")
        assert ld is not None
        data = json.loads(ld.group(1))
        assert data["creditText"]
        body = (page.html or "").split("<body>", 1)[1]
        assert html.escape(data["creditText"], quote=False) not in body
    assert any("isBasedOn" in (p.html or "") for p in pages)


def test_shims_and_padded_links_show_the_original_address(built):
    for page in built.pages:
        if page.link_form in ("facebook-shim", "padded-href"):
            texts = re.findall(r'<a href="[^"]+">([^<]+)</a>', page.html or "")
            assert not any(t.startswith(("https://l.facebook", "\n")) for t in texts)


def test_charset_pages_are_encoded_in_their_charset_with_the_charset_only_in_the_header(built):
    check_header_charsets(
        built,
        CHARSETS,
        (
            scenario_holdout3,
            scenario_holdout4,
            scenario_holdout5,
            scenario_holdout6,
            scenario_holdout7,
        ),  # fmt: skip
    )


def test_unicode_credit_links_are_unicode_in_the_html(built):
    check_unicode_links(built)


def test_articles_are_listed_as_reused_the_least_taken_first(built):
    # Every usable corpus page has been taken by an earlier set: the set names the ones it takes
    # again (in new roles, wordings and templates), the fewest-taken first.
    taken = set(built.sources.values())
    reused = set(scenario_holdout8.reused_sources(built, corpus_path()))
    assert reused <= taken
    counts = scenario_holdout8.use_counts(corpus_path())
    assert sum(counts[s] <= 2 for s in taken) * 10 >= 9 * len(taken)
    hosts = {p.url.split("/")[2] for p in built.pages if p.family != "seed-chain"}
    assert all(host.endswith(".example") for host in hosts)


def test_the_build_is_deterministic(built):
    check_deterministic(built, build_holdout8, scenario_holdout8)


def test_no_corpus_text_in_this_sets_files(built):
    check_no_corpus_text(built, OWN_FILES, scenario_holdout8.SEED)
