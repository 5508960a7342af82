"""The sixth held-out judgement set (holdout6) is built as labelled: construction only.

These tests never run tracker's judgement on the set (it is held out, run once at the end); they
check that the builder makes what it says: every family with its counts, one origin per article,
the credited labels of each family and of the seed chain, credit lines taken from
``bench/phrasings_holdout6.yml`` (each with where it was found, few repeating the earlier files),
charset pages really encoded in their charset with the charset only in the header, Unicode credit
links really Unicode in the HTML, new page templates, placements and link forms, two disclaimer
sites of 10+ pages, a deterministic rebuild, and no corpus text in this set's files. A missing
corpus skips them on a developer's machine and fails them under ``CI=true`` (``tests/conftest.py``).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from urllib.parse import unquote

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
import scenario_holdout3  # noqa: E402
import scenario_holdout4  # noqa: E402
import scenario_holdout5  # noqa: E402
import scenario_holdout6  # noqa: E402
from holdout6_checks import construction_problems, family_counts  # noqa: E402
from holdout6_pages import LINK_FORMS, PLACEMENTS, SKINS, link_variant, tracker_of  # noqa: E402
from scenario_holdout6 import (  # noqa: E402
    ALL_FAMILIES,
    CHARSETS,
    build_holdout6,
    holdout_phrasings,
    template_of,
)

OWN_FILES = (
    "bench/scenario_holdout6.py",
    "bench/holdout6_pages.py",
    "bench/holdout6_families.py",
    "bench/holdout6_checks.py",
    "bench/eval_holdout6.py",
    "bench/phrasings_holdout6.yml",
    "tests/test_holdout6_build.py",
)
GROUPS = ("site", "bare_link", "seed")
EARLIER = (
    "phrasings_holdout2.yml",
    "phrasings_holdout3.yml",
    "phrasings_holdout4.yml",
    "phrasings_holdout5.yml",
)


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
    "noise": (4, None),
}


@pytest.fixture(scope="module")
def built():
    for folder, name in CORPUS_FILES:
        corpus_path(folder, name)
    return build_holdout6(corpus_path())


def test_every_family_is_built_with_its_counts(built):
    check_family_counts(family_counts(built), SIZES, ALL_FAMILIES, built)


def test_labels_are_consistent(built):
    copies = check_roles(built, construction_problems(built))
    # The one noise line links "here" to a shortener and names no site.
    (line,) = [p.noise_line for p in copies if p.noise_line]
    assert "https://lnkd.in/" in line and ">here</a>" in line
    assert None in {p.published for p in copies}
    # A noise copy links an unrelated reference page where a credit would sit.
    assert any("en.wikipedia.org/wiki/Press_release" in (p.html or "") for p in copies)


def test_the_seed_chain_in_its_two_variants(built):
    for number, ddp_credited in ((0, False), (1, True)):
        antiwar, ddp, tms = built.groups()[f"h6-seed-chain-{number}"]
        assert antiwar.role == "origin" and antiwar.url.startswith("https://www.antiwar.com/")
        assert (antiwar.published or "")[5:10] == "03-18" and (ddp.published or "")[5:10] == "03-19"
        assert (tms.published or "")[5:10] == "03-25"
        assert ddp.url.startswith("https://www.defenddemocracy.press/")
        assert ddp.credited is ddp_credited
        assert tms.url.startswith("https://www.transcend.org/") and tms.credited is True
        assert "<p>Go to Original – defenddemocracy.press</p>" in (tms.html or "")
        if ddp_credited:
            link = f'<a href="{antiwar.url}">{antiwar.url}</a></p>'
            # The bare address closes the page's article (in its signature block).
            assert link in (ddp.html or "")
        else:
            assert antiwar.url not in (ddp.html or "") and not ddp.credit_phrasing


def test_credit_lines_come_from_the_phrasing_file_with_where_they_were_found(built):
    entries = {e["template"]: e for g in GROUPS for e in holdout_phrasings()[g]}
    assert len(entries) >= 30 and len({e["lang"] for e in entries.values()}) >= 5
    assert all(e["found"] and e["lang"] and e["source"] for e in entries.values())
    copies = [p for p in built.pages if p.role == "repost"]
    # A copy carries a written credit line exactly when it is labelled credited.
    assert all(bool(p.credit_phrasing) == bool(p.credited) for p in copies)
    used = Counter(template_of(p.credit_phrasing) for p in copies if p.credit_phrasing)
    # Every wording of the file is written into at least one page, and nothing else is.
    assert set(used) == set(entries)


def test_at_most_a_quarter_of_the_wordings_repeat_the_earlier_files():
    check_wording_overlap(holdout_phrasings(), GROUPS, EARLIER)


def test_new_shapes_are_written(built):
    counts = family_counts(built)
    assert set(counts["skins"]) == {*SKINS, "real page"}
    earlier_skins = {*scenario_holdout3.SKINS, *holdout4_pages.SKINS, *holdout5_pages.SKINS}
    assert not set(SKINS) & earlier_skins
    assert set(counts["placements"]) == set(PLACEMENTS)
    earlier_places = {*scenario_holdout3.PLACEMENTS, *holdout4_pages.PLACEMENTS, *holdout5_pages.PLACEMENTS}  # fmt: skip
    assert not set(PLACEMENTS) & earlier_places
    earlier_forms = {*scenario_holdout3.LINK_FORMS, *holdout4_pages.LINK_FORMS, *holdout5_pages.LINK_FORMS}  # fmt: skip
    assert not set(LINK_FORMS) & earlier_forms
    assert {*LINK_FORMS, "unicode", "idn", "own-anchor", "alt-name", "domain"} <= set(counts["link_forms"])  # fmt: skip
    html = "\n".join(p.html or "" for p in built.pages if p.credit_phrasing)
    assert re.search(r'href="https://web\.archive\.org/web/20\d{12}/https://', html)
    assert re.search(r'href="https://[a-z0-9.-]+\.example:443/', html)
    assert "%2D" in html and "#:~:text=" in html and ".ct.sendgrid.net/ls/click?upn=" in html
    assert 'href="#source-note"' in html


def test_link_forms_reach_the_original():
    url = "https://kestrelherald.example/live/2026/apr/06/a-long-story-here"
    assert link_variant(url, "default-port").replace(":443", "") == url
    assert unquote(link_variant(url, "percent-path")) == url
    assert link_variant(url, "text-fragment").split("#")[0] == url
    assert link_variant(url, "web-archive").endswith("/" + url)
    assert url not in tracker_of(url)


def test_a_click_tracker_shows_the_original_address_as_its_text(built):
    tracked = [p for p in built.pages if p.link_form == "click-tracker"]
    assert tracked
    for page in tracked:
        hrefs = re.findall(r'href="(https://u\d+\.ct\.sendgrid\.net[^"]+)">([^<]+)</a>', page.html)
        assert hrefs and all(text != href for href, text in hrefs)


def test_charset_pages_are_encoded_in_their_charset_with_the_charset_only_in_the_header(built):
    check_header_charsets(
        built, CHARSETS, (scenario_holdout3, scenario_holdout4, scenario_holdout5)
    )


def test_unicode_credit_links_are_unicode_in_the_html(built):
    check_unicode_links(built)


def test_articles_are_listed_as_reused_or_fresh(built):
    # Every usable corpus page has been taken by an earlier set: the set names the ones it takes
    # again (in new roles, wordings and templates), the fewest-taken first.
    taken = set(built.sources.values())
    reused = set(scenario_holdout6.reused_sources(built, corpus_path()))
    assert reused <= taken
    counts = scenario_holdout6.use_counts(corpus_path())
    assert sum(counts[s] <= 1 for s in taken) * 2 >= len(taken)
    hosts = {p.url.split("/")[2] for p in built.pages if p.family != "seed-chain"}
    assert all(host.endswith(".example") for host in hosts)


def test_the_build_is_deterministic(built):
    check_deterministic(built, build_holdout6, scenario_holdout6)


def test_no_corpus_text_in_this_sets_files(built):
    check_no_corpus_text(built, OWN_FILES, scenario_holdout6.SEED)
