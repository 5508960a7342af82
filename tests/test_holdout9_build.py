"""The ninth held-out judgement set (holdout9) is built as labelled: construction only.

These tests never run tracker's judgement on the set (it is held out, run once at the end); they
check that the builder makes what it says: every family with its counts, one origin per article,
the credited labels of each family and of the seed chain, credit lines taken from
``bench/phrasings_holdout9.yml`` (each with where it was found, few repeating the earlier files),
charset pages really encoded in their charset with the charset only in the header, Unicode credit
links really Unicode in the HTML, page templates, placements and link forms no earlier set wrote,
credits naming a site by its handle, two disclaimer sites of 10+ pages, a deterministic rebuild,
and no corpus text in this set's files. A missing corpus skips them on a developer's machine and
fails them under ``CI=true`` (``tests/conftest.py``).
"""

from __future__ import annotations

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
import holdout8_pages  # noqa: E402
import scenario_holdout3  # noqa: E402
import scenario_holdout4  # noqa: E402
import scenario_holdout5  # noqa: E402
import scenario_holdout6  # noqa: E402
import scenario_holdout7  # noqa: E402
import scenario_holdout8  # noqa: E402
import scenario_holdout9  # noqa: E402
from holdout9_checks import construction_problems, family_counts  # noqa: E402
from holdout9_pages import LINK_FORMS, NAMED_FORMS, PLACEMENTS, SKINS, link_variant  # noqa: E402
from scenario_holdout9 import (  # noqa: E402
    ALL_FAMILIES,
    CHARSETS,
    SHORTENER,
    build_holdout9,
    holdout_phrasings,
    template_of,
)

OWN_FILES = (
    "bench/scenario_holdout9.py",
    "bench/holdout9_pages.py",
    "bench/holdout9_families.py",
    "bench/holdout9_checks.py",
    "bench/eval_holdout9.py",
    "bench/phrasings_holdout9.yml",
    "tests/test_holdout9_build.py",
)
GROUPS = ("site", "bare_link", "seed")
EARLIER = tuple(f"phrasings_holdout{n}.yml" for n in range(2, 9))
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
EARLIER_PAGES = (
    scenario_holdout3,
    holdout4_pages,
    holdout5_pages,
    holdout6_pages,
    holdout7_pages,
    holdout8_pages,
)
EARLIER_SETS = (
    scenario_holdout3,
    scenario_holdout4,
    scenario_holdout5,
    scenario_holdout6,
    scenario_holdout7,
    scenario_holdout8,
)


@pytest.fixture(scope="module")
def built():
    for folder, name in CORPUS_FILES:
        corpus_path(folder, name)
    return build_holdout9(corpus_path())


def test_every_family_is_built_with_its_counts(built):
    check_family_counts(family_counts(built), SIZES, ALL_FAMILIES, built)


def test_labels_are_consistent(built):
    copies = check_roles(built, construction_problems(built))
    # The one noise line is a dlvr.it short address in a "Source" line: it names no site.
    (page,) = [p for p in copies if p.noise_line]
    assert SHORTENER in page.noise_line and page.noise_line in (page.html or "")
    assert None in {p.published for p in copies}
    # Noise copies credit a photo to another site, or link an unrelated page, where a credit sits.
    html_of = "\n".join(p.html or "" for p in copies)
    assert 'Photo: <a href="https://commons.wikimedia.org/' in html_of
    assert 'Related: <a href="https://www.bbc.com/news/world">' in html_of


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
    pages = built.groups()[f"h9-seed-chain-{number}"]
    hosts = [p.url.split("/")[2] for p in pages]
    assert hosts == ["www.antiwar.com", "www.defenddemocracy.press", "www.transcend.org"]
    assert [p.role for p in pages] == ["origin", "repost", "repost"]
    assert [(p.published or "")[5:10] for p in pages] == ["03-18", "03-19", "03-25"]
    antiwar, ddp, tms = pages
    assert (ddp.credited, tms.credited) == (ddp_credited, True)
    assert "<p>Go to Original – defenddemocracy.press</p>" in (tms.html or "")
    # The second variant's only credit is the original's address alone as the last paragraph.
    bare = f'<p><a href="{antiwar.url}">{antiwar.url}</a></p>'
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
    assert not set(SKINS) & {s for m in EARLIER_PAGES for s in m.SKINS}
    assert set(PLACEMENTS) <= set(counts["placements"])
    assert not set(PLACEMENTS) & {p for m in EARLIER_PAGES for p in m.PLACEMENTS}
    earlier_forms = {f for m in EARLIER_PAGES for f in m.LINK_FORMS}
    earlier_forms |= {f for m in EARLIER_PAGES[1:-1] for f in m.NAMED_ONLY_FORMS}
    earlier_forms |= set(holdout8_pages.NAMED_FORMS)
    assert not set(LINK_FORMS) & earlier_forms
    assert set(NAMED_FORMS) - earlier_forms == {"handle"}
    assert {*LINK_FORMS, *NAMED_FORMS, "unicode", "idn"} <= set(counts["link_forms"])
    written = "\n".join(p.html or "" for p in built.pages if p.credit_phrasing)
    assert "_hsenc=" in written and "linkedin.com/redir/redirect?url=" in written
    assert ".cdn.ampproject.org/c/s/" in written and "#more-" in written and "CMP=" in written
    assert 'class="post-copyright-link"' in written and 'class="bbcode_postedby"' in written


def test_link_forms_reach_the_original():
    url = "https://kestrelwatchman.example/2026/09/07/a-long-story-here/"
    for form in LINK_FORMS:
        parts = urlsplit(link_variant(url, form))
        if form == "linkedin-redirect":
            assert parse_qs(parts.query)["url"] == [url]
        elif form == "amp-cache":
            assert parts.path.removeprefix("/c/s/") == url.removeprefix("https://")
        else:
            assert f"{parts.scheme}://{parts.netloc}{parts.path}" == url


def test_handle_credits_name_the_site_and_link_nothing(built):
    # Labelled credited: "@KestrelWatchman" names the Kestrel Watchman for any reader.
    pages = [p for p in built.pages if p.link_form == "handle"]
    assert len(pages) >= 6 and all(p.credited for p in pages)
    origins = {p.key: p for p in built.pages if p.role == "origin"}
    for page in pages:
        assert (page.credit_phrasing or "").startswith("handle: ")
        handles = re.findall(r"@([A-Z][A-Za-z]+)(?=<)", page.html or "")
        assert handles, page.url
        assert origins[page.key].url not in (page.html or "")


def test_wrapped_links_show_the_original_address(built):
    for page in built.pages:
        if page.link_form in ("linkedin-redirect", "amp-cache"):
            texts = re.findall(r'<a href="[^"]+">([^<]+)</a>', page.html or "")
            assert not any("linkedin.com/redir" in t or "ampproject.org" in t for t in texts)


def test_charset_pages_are_encoded_in_their_charset_with_the_charset_only_in_the_header(built):
    check_header_charsets(built, CHARSETS, EARLIER_SETS)


def test_unicode_credit_links_are_unicode_in_the_html(built):
    check_unicode_links(built)


def test_articles_are_listed_as_reused_the_least_taken_first(built):
    # Every usable corpus page has been taken by an earlier set: the set names the ones it takes
    # again (in new roles, wordings and templates), the fewest-taken first.
    taken = set(built.sources.values())
    reused = set(scenario_holdout9.reused_sources(built, corpus_path()))
    assert reused <= taken
    counts = scenario_holdout9.use_counts(corpus_path())
    assert sum(counts[s] <= 2 for s in taken) * 10 >= 9 * len(taken)
    hosts = {p.url.split("/")[2] for p in built.pages if p.family != "seed-chain"}
    assert all(host.endswith(".example") for host in hosts)


def test_the_build_is_deterministic(built):
    check_deterministic(built, build_holdout9, scenario_holdout9)


def test_no_corpus_text_in_this_sets_files(built):
    check_no_corpus_text(built, OWN_FILES, scenario_holdout9.SEED)
