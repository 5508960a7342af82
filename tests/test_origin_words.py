"""A copy dated before its original, naming it in a line no credit phrase knows.

A bare mention of another member's site does not overturn dates; a line that says where the
article came from ("original", "původně", "αρχικά", "نقلا عن"...) does, in any of the languages
of ``origin_words`` in ``tracker/data/credit_phrases.yml``. When dates win over a line of the
chosen origin naming another member, that member is marked unclear, not accused.

Every text here is written for these tests; none comes from an evaluation set.
"""

from __future__ import annotations

import pytest

from tests.test_provenance import STORY, Fixture
from tracker import provenance
from tracker.origin_lines import tells_origin

ORIGINAL = "https://valleygazette.example/ferry"
COPY = "https://copier.example/ferry"


@pytest.fixture
def fx(fresh_db):
    return Fixture(fresh_db)


def _with_line(line: str, at_end: bool = True) -> str:
    return "\n\n".join([*STORY, line] if at_end else [line, *STORY])


def _backdated(fx, line: str, at_end: bool = True) -> tuple[int, int, int]:
    """The original (2024-07-05) and a copy backdated to 2024-07-01 carrying ``line``."""
    original = fx.page(
        ORIGINAL,
        "valleygazette.example",
        published="2024-07-05T00:00:00+00:00",
        first_seen="2024-07-05T01:00:00+00:00",
        site_name="Valley Gazette",
    )
    copy = fx.page(
        COPY,
        "copier.example",
        published="2024-07-01T00:00:00+00:00",
        first_seen="2024-07-06T01:00:00+00:00",
        text=_with_line(line, at_end),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    return original, copy, cluster_id


ORIGIN_LINES = [
    "This yarn was first printed in the Valley Gazette.",
    "Esta reportagem saiu originalmente no Valley Gazette.",
    "Materialul a apărut inițial în Valley Gazette.",
    "Tekst je izvorno objavljen na portalu Valley Gazette.",
    "Το κείμενο δημοσιεύθηκε αρχικά στο Valley Gazette.",
    "Статья впервые вышла в Valley Gazette.",
    "הכתבה פורסמה לראשונה ב-Valley Gazette",
    "نقلا عن Valley Gazette",
    "本文原载于valleygazette.example",
    "Převzato z Valley Gazette se svolením redakce.",
    # a "Source" heading run into its line; a word of origin five words from the name
    "Source Republicado con permiso de Valley Gazette.",
    "Questo blog è stato originariamente pubblicato sul blog di Valley Gazette.",
]


@pytest.mark.parametrize("line", ORIGIN_LINES)
def test_a_backdated_copy_naming_its_origin_in_unknown_words_is_a_copy(fx, line):
    original, copy, cluster_id = _backdated(fx, line)
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    row = fx.members(cluster_id)[copy]
    assert (row["credited"], row["credits_page_id"]) == (1, original)
    assert row["credit_evidence"] == f"mention: {line}"


def test_a_backdated_copys_bare_mention_leaves_the_original_unaccused(fx):
    """ "Thanks to the Valley Gazette" says nothing of where the text came from: dates decide,
    the copy stays the origin, but the page it names is marked unclear, never an uncredited
    copy, and the cluster's evidence says why."""
    original, copy, cluster_id = _backdated(fx, "Thanks to the Valley Gazette.")
    cluster = fx.cluster_row(cluster_id)
    assert cluster["origin_page_id"] == copy
    row = fx.members(cluster_id)[original]
    assert row["role"] == "repost" and row["credited"] is None
    assert cluster["origin_evidence"] == (
        "published: copier.example is dated earlier but names valleygazette.example in a line of"
        " its own, so its precedence is unclear."
    )


@pytest.mark.parametrize(
    "line",
    [
        # the original tells of its later copy, or claims the original for itself
        "Originally reported by us; later republished by Copy Times.",
        "Original reporting by Valley Gazette. Copy Times has permission to run it.",
        # a bio and a partner line: no word of where the article came from
        "Jane Roe's columns have appeared in Copy Times and the Lake Herald.",
        "Also published by Copy Times.",
    ],
)
def test_an_originals_line_naming_its_later_copy_keeps_it_the_origin(fx, line):
    original = fx.page(
        "https://origin.example/ferry",
        "origin.example",
        published="2024-07-01T00:00:00+00:00",
        first_seen="2024-07-01T01:00:00+00:00",
        text=_with_line(line),
    )
    copy = fx.page(
        "https://copytimes.example/ferry",
        "copytimes.example",
        published="2024-07-05T00:00:00+00:00",
        first_seen="2024-07-05T01:00:00+00:00",
        site_name="Copy Times",
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    rows = fx.members(cluster_id)
    assert rows[original]["credits_page_id"] is None
    # named by the origin in a line of its own: not accused of copying it
    assert rows[copy]["credited"] is None


def test_an_unnamed_uncredited_copy_is_still_accused(fx):
    """The unclear mark needs the origin to name the member: a copy nobody names is an
    uncredited copy as before."""
    original = fx.page(
        "https://origin.example/ferry",
        "origin.example",
        published="2024-07-01T00:00:00+00:00",
        first_seen="2024-07-01T01:00:00+00:00",
        text=_with_line("Also published by Copy Times."),
    )
    named = fx.page(
        "https://copytimes.example/ferry",
        "copytimes.example",
        published="2024-07-05T00:00:00+00:00",
        site_name="Copy Times",
    )
    silent = fx.page("https://silent.example/ferry", "silent.example", published="2024-07-06")
    cluster_id = fx.cluster(original, named, silent)
    provenance.assign(fx.db, [cluster_id])
    rows = fx.members(cluster_id)
    assert rows[named]["credited"] is None
    assert rows[silent]["credited"] == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Článek původně vyšel v Deníku.", True),
        ("Source: Valley Gazette", True),
        ("Courtesy of the Valley Gazette.", True),
        ("This story originally appeared here, and on Copy Times.", False),
        ("The mayor's first speech was in March.", False),
        ("Her work has appeared in Copy Times.", False),
        ("He reads the Valley Gazette every morning.", False),
    ],
)
def test_tells_origin(text, expected):
    assert tells_origin(text) is expected


def _undated_original(fx, line: str) -> tuple[int, int, int]:
    """An undated original seen after its dated copy (as in test_provenance): only the copy's
    ``line`` can say which came first."""
    original = fx.page(
        ORIGINAL,
        "valleygazette.example",
        first_seen="2024-07-09T00:00:00+00:00",
        site_name="Valley Gazette",
    )
    copy = fx.page(
        COPY,
        "copier.example",
        published="2024-07-02T00:00:00+00:00",
        first_seen="2024-07-02T00:00:00+00:00",
        text=_with_line(line),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    return original, copy, cluster_id


@pytest.mark.parametrize(
    "line",
    [
        "Source: www.valleygazette.example",
        "Quelle: VALLEY GAZETTE",
        "Juttu on julkaistu news.valleygazette.example -sivustolla.",
    ],
)
def test_a_line_names_a_site_by_its_host_or_in_capitals(fx, line):
    original, copy, cluster_id = _undated_original(fx, line)
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[copy]["credits_page_id"] == original


@pytest.mark.parametrize(
    "line", ["Read notvalleygazette.example for more.", "We walked down the valley gazette path."]
)
def test_a_longer_domain_or_lower_case_words_name_no_site(fx, line):
    _, copy, cluster_id = _undated_original(fx, line)
    assert fx.cluster_row(cluster_id)["origin_page_id"] == copy


@pytest.mark.parametrize(
    "first, last",
    [
        # run into the first paragraph, no full stop between credit and text
        (f"Articol publicat inițial de Valley Gazette {STORY[0]}", STORY[-1]),
        # run onto the end of the last paragraph
        (STORY[0], f"{STORY[-1]} Originally published by Valley Gazette"),
    ],
)
def test_a_credit_run_into_the_copied_text_is_a_line_of_its_own(fx, first, last):
    """The backdated copy's credit sits in the same sentence as copied text: the words before
    (or after) the copied run are read as its line."""
    original = fx.page(
        ORIGINAL,
        "valleygazette.example",
        published="2024-07-05T00:00:00+00:00",
        first_seen="2024-07-05T01:00:00+00:00",
        site_name="Valley Gazette",
    )
    copy = fx.page(
        COPY,
        "copier.example",
        published="2024-07-01T00:00:00+00:00",
        first_seen="2024-07-06T01:00:00+00:00",
        text="\n\n".join([first, *STORY[1:-1], last]),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[copy]["credits_page_id"] == original


@pytest.mark.parametrize(
    "line",
    [
        "Publicado originalmente en Valley Gazette",
        "Publié initialement dans Valley Gazette",
        'פורסם לראשונה ב"Valley Gazette"',
        "Erschienen zuerst bei Valley Gazette",
        "Опубликовано впервые в Valley Gazette",
        "Pubblicato originariamente su Valley Gazette",
    ],
)
def test_a_credit_label_with_no_subject_tells_the_origin(fx, line):
    """A label opening with a verb of publication ("Publicado originalmente en X") has no
    subject, and speaks of the article: on a backdated copy it is still a credit."""
    original, copy, cluster_id = _backdated(fx, line)
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[copy]["credits_page_id"] == original


@pytest.mark.parametrize(
    "line",
    [
        "He first published in Valley Gazette.",
        "Valley Gazette first published the memo.",
        "Jane Roe, originally from Ohio, wrote for Valley Gazette.",
    ],
)
def test_a_subject_before_the_word_of_origin_still_tells_no_origin(line):
    named = [(line.find("Valley"), line.find("Valley") + len("Valley Gazette"))]
    assert tells_origin(line, named) is False
