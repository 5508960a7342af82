"""review8: wrong verdicts of the latest judgement changes (origin words against dates, a domain
named with a host before it), each in a shape a real page has.

Every text here is written for these tests; none comes from an evaluation set.
"""

from __future__ import annotations

import re

import pytest

from tests.test_attribution import page
from tests.test_origin_words import _backdated
from tests.test_provenance import STORY, Fixture
from tracker import provenance
from tracker.attribution import find_credits
from tracker.origin_lines import tells_origin


@pytest.fixture
def fx(fresh_db):
    return Fixture(fresh_db)


ORIGINAL = "https://harbourvoice.example/2024/07/ferry"
COPY = "https://basaltwire.example/ferry"


def _original_naming_its_later_copy(fx, line: str) -> tuple[int, int, int]:
    """An original (2024-07-01) whose last line names Basalt Wire, which republished the story
    four days later without that line (its own edition drops the author's bio or the last
    paragraphs, or rewrites its own name into "we")."""
    original = fx.page(
        ORIGINAL,
        "harbourvoice.example",
        published="2024-07-01T08:00:00+00:00",
        first_seen="2024-07-01T09:00:00+00:00",
        site_name="Harbour Voice",
        text="\n\n".join([*STORY, line]),
    )
    copy = fx.page(
        COPY,
        "basaltwire.example",
        published="2024-07-05T08:00:00+00:00",
        first_seen="2024-07-05T09:00:00+00:00",
        site_name="Basalt Wire",
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    return original, copy, cluster_id


# Lines of an original, at its end, naming the site that later copied it, with a word of the
# origin_words list used in its ordinary sense: a bio ("originally from", "first worked for"),
# a picture or data credit, a correction, a news sentence.
ORIGINALS_OWN_LINES = [
    "Jane Roe, originally from Ohio, covered the courts for Basalt Wire until 2019.",
    "Jane Roe is an original member of the Basalt Wire reporting collective.",
    "Photo courtesy of Basalt Wire.",
    "Source: Basalt Wire analysis of port authority data.",
    "The original plan, as Basalt Wire reported in March, had two towers.",
    "Read the original council minutes at basaltwire.example.",
    "An earlier version of this story misstated the original budget; Basalt Wire pointed out"
    " the error.",
    "Marie Dupont a d'abord travaillé pour Basalt Wire avant de rejoindre la rédaction.",
    "Die Autorin schrieb zuerst für Basalt Wire und arbeitet heute als freie Journalistin.",
    "Автор впервые написал о порте для Basalt Wire в 2019 году.",
    "Autorka po raz pierwszy pisała o porcie dla Basalt Wire w 2019 roku.",
    "Penulis pertama kali menulis tentang pelabuhan untuk Basalt Wire pada 2019.",
    "Yazar ilk kez 2019'da Basalt Wire için liman hakkında yazdı.",
    "Η συγγραφέας εργάστηκε αρχικά στο Basalt Wire.",
    "A szerző először a Basalt Wire munkatársa volt.",
    "Autor poprvé psal pro Basalt Wire v roce 2019.",
    "그는 처음 Basalt Wire 기자로 일했다.",
    "लेखक Basalt Wire के लिए मूल्य निर्धारण पर लिखते हैं।",
    "ผู้เขียนทำงานที่มากกว่าสิบปีกับ Basalt Wire",
    # a person's sentence with a word of "this" in it
    "Yazar bu konuda ilk kez Basalt Wire için yazdı.",
    "Penulis topik ini pertama kali menulis untuk Basalt Wire.",
    "This year the author first published with Basalt Wire.",
    # a partnership: neither site copies the other
    "This article was first published in partnership with Basalt Wire.",
    "Dieser Beitrag erschien zuerst in Zusammenarbeit mit Basalt Wire.",
    "Este reportaje se publicó originalmente en alianza con Basalt Wire.",
]


@pytest.mark.parametrize("line", ORIGINALS_OWN_LINES)
def test_an_originals_ordinary_line_naming_its_later_copier_keeps_it_the_origin(fx, line):
    """Dated four days earlier, the original is not turned into a copy of Basalt Wire by a word
    of origin used in its ordinary sense: the word says where the article came from only when it
    speaks of the article and leads to the named site."""
    original, copy, cluster_id = _original_naming_its_later_copy(fx, line)
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    rows = fx.members(cluster_id)
    assert rows[original]["credits_page_id"] is None
    assert rows[copy]["role"] != "origin"


@pytest.mark.parametrize(
    "text",
    [
        "Article originally published in Basalt Wire.",
        "Originally published by basaltwire.example",
        "Source: Basalt Wire",
        "Courtesy of Basalt Wire.",
        "Reprinted with permission from Basalt Wire.",
        "Článek původně vyšel v Basalt Wire.",
        "Der Beitrag erschien zuerst bei Basalt Wire.",
        "Cet article a d'abord été publié par Basalt Wire.",
        "Bu haber ilk olarak Basalt Wire'da yayımlandı.",
        "Artikel ini pertama kali terbit di Basalt Wire.",
        "이 기사는 처음 Basalt Wire에 실렸습니다.",
        "यह लेख मूल रूप से Basalt Wire पर प्रकाशित हुआ था।",
        "ที่มา: Basalt Wire",
        "Her essay first appeared in Basalt Wire.",
        "A version of this story was first published in Basalt Wire.",
        "Editor's note: This article was originally published by Basalt Wire.",
    ],
)
def test_a_line_telling_where_the_article_came_from_still_tells_it(text):
    assert tells_origin(text)


def test_a_line_naming_another_newsletter_on_the_same_platform_credits_no_member(fx):
    """The original is one newsletter on a publishing platform (site substack.com); a later
    uncredited copy's footer names its own author's newsletter on that platform. The host before
    the domain names another publication, not the original: the copy stays uncredited."""
    original = fx.page(
        "https://harbourletters.substack.com/p/ferry",
        "substack.com",
        published="2024-07-01T08:00:00+00:00",
        first_seen="2024-07-01T09:00:00+00:00",
    )
    copy = fx.page(
        COPY,
        "basaltwire.example",
        published="2024-07-05T08:00:00+00:00",
        first_seen="2024-07-05T09:00:00+00:00",
        site_name="Basalt Wire",
        text="\n\n".join([*STORY, "Subscribe to my newsletter at janeroe.substack.com"]),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[copy]["credited"] == 0


def test_a_line_naming_the_originals_own_host_on_a_platform_still_credits_it(fx):
    original = fx.page(
        "https://harbourletters.substack.com/p/ferry",
        "substack.com",
        published="2024-07-01T08:00:00+00:00",
        first_seen="2024-07-01T09:00:00+00:00",
    )
    copy = fx.page(
        COPY,
        "basaltwire.example",
        published="2024-07-05T08:00:00+00:00",
        first_seen="2024-07-05T09:00:00+00:00",
        site_name="Basalt Wire",
        text="\n\n".join([*STORY, "Thanks to harbourletters.substack.com"]),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.members(cluster_id)[copy]["credits_page_id"] == original


def test_a_news_sentence_opening_with_the_later_copiers_name_keeps_the_original(fx):
    """ "Basalt Wire first published the memo" makes Basalt Wire the subject of a news sentence:
    the origin word speaks of the memo, not of this article."""
    original, copy, cluster_id = _original_naming_its_later_copy(
        fx, "Basalt Wire first published the leaked memo last year."
    )
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original


@pytest.mark.xfail(
    strict=True,
    reason="an English bio opening with 'Originally a reporter at X' reads like 'Originally at X':"
    " the origin word opens the sentence and leads to the name in three words; telling a"
    " predicate noun ('a reporter') from a verb of publication needs a grammar per language",
)
def test_a_bio_opening_with_originally_keeps_the_original(fx):
    original, copy, cluster_id = _original_naming_its_later_copy(
        fx, "Originally a reporter at Basalt Wire, Jane Roe now edits the harbour desk."
    )
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original


@pytest.mark.parametrize(
    "line",
    [
        "Source: https://valleygazette.example/2024/07/ferry",
        "Source: Valley Gazette (July 5, 2024)",
        "Оригинал статьи: Valley Gazette",
        "Valley Gazette より転載",
        "Bu haber Valley Gazette'de ilk olarak yayımlandı.",
    ],
)
def test_more_ways_a_backdated_copy_names_its_origin(fx, line):
    original, copy, cluster_id = _backdated(fx, line)
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[copy]["credits_page_id"] == original


def _original_with_an_excerpt(fx, sentence: str) -> tuple[int, int, int]:
    """Basalt Wire copies the original's first three paragraphs without credit; the original's
    story goes on with a one-sentence paragraph citing Basalt Wire's earlier reporting."""
    original = fx.page(
        ORIGINAL,
        "harbourvoice.example",
        published="2024-07-01T08:00:00+00:00",
        first_seen="2024-07-01T09:00:00+00:00",
        site_name="Harbour Voice",
        text="\n\n".join([*STORY[:3], sentence, *STORY[3:]]),
    )
    copy = fx.page(
        COPY,
        "basaltwire.example",
        published="2024-07-05T08:00:00+00:00",
        first_seen="2024-07-05T09:00:00+00:00",
        site_name="Basalt Wire",
        text="\n\n".join(STORY[:3]),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    return original, copy, cluster_id


def test_a_sentence_of_the_originals_story_beside_an_excerpt_does_not_make_it_a_copy(fx):
    """ "The report originally published by Basalt Wire found…" is the original's news inside its
    text (a noun that also names articles, then a word of origin): dated four days before the
    excerpt, the original stays the origin."""
    original, copy, cluster_id = _original_with_an_excerpt(
        fx, "The report originally published by Basalt Wire found two ferries unsafe."
    )
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[original]["credits_page_id"] is None


@pytest.mark.xfail(
    strict=True,
    reason="a line inside the origin's text naming a later member against dates marks it unclear:"
    " the original's news sentence naming its excerpter reads like a backdated copy's credit line"
    " below long paragraphs of its own chrome, and accusing the true original there would be"
    " worse than excusing this excerpt",
)
def test_an_excerpt_named_in_the_originals_story_after_the_excerpted_part_is_still_accused(fx):
    original, copy, cluster_id = _original_with_an_excerpt(
        fx, "The closure was first reported by Basalt Wire in March."
    )
    assert fx.members(cluster_id)[copy]["credited"] == 0


CHROME = [
    "NOTICE TO READERS: this archive reproduces articles of public interest for research and"
    " discussion; the views expressed are the authors' own and not those of the archive or of its"
    " volunteers, who are not paid for their work here.",
    "Our volunteers select articles from many sources every week; corrections are welcome by"
    " letter to the archive's office or by the form at the bottom of every page of this site.",
]


def test_a_backdated_copys_credit_line_below_its_long_chrome_leaves_the_original_unaccused(fx):
    """The copy (dated before the original) prints two long paragraphs of its own notice, then
    "With thanks to the Valley Gazette", then the story: the line sits between long paragraphs
    like a sentence of a story, but the page it names must not be called an uncredited copy."""
    original = fx.page(
        "https://valleygazette.example/ferry",
        "valleygazette.example",
        published="2024-07-05T00:00:00+00:00",
        first_seen="2024-07-05T01:00:00+00:00",
        site_name="Valley Gazette",
    )
    copy = fx.page(
        "https://copier.example/ferry",
        "copier.example",
        published="2024-07-01T00:00:00+00:00",
        first_seen="2024-07-06T01:00:00+00:00",
        text="\n\n".join([*CHROME, "With thanks to the Valley Gazette.", *STORY]),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.members(cluster_id)[original]["credited"] != 0


TEXT = "The harbour board met on Tuesday to count the ferries and the gulls. " * 6


@pytest.mark.parametrize(
    "note",
    [
        # the archived copy is how a newsroom shows a copy that may be deleted tomorrow
        "Editor's note: Basalt Wire copied this story without permission (<a href="
        f"'https://archive.ph/2024.07.05-101010/{COPY}'>archived copy</a>).",
        "Update: this story was later republished without our permission by <a href="
        f"'https://web.archive.org/web/20240705000000/{COPY}'>Basalt Wire</a>.",
        f"Update: an unauthorised copy of this story ran on <a href='{COPY}'>Basalt Wire</a>.",
        # a partner's later copy, linked from the original's own line
        f"This story also appears on <a href='{COPY}'>Basalt Wire</a>.",
        f"This story is also published by our partner <a href='{COPY}'>Basalt Wire</a>.",
    ],
)
def test_an_originals_link_to_its_copy_in_a_line_telling_of_the_copy_is_no_credit(note):
    """The original's note about a copy (unauthorised, or a partner's) links the copy, directly or
    through an archive: a link credit would make the original credit its copier, and so a copy of
    it."""
    plain = re.sub("<[^>]+>", "", note)
    body = f"<p>{TEXT}</p><p>{note}</p>"
    assert find_credits(page(body), ORIGINAL, [TEXT, plain]) == []


def test_a_copys_link_to_its_original_through_an_archive_is_still_a_credit():
    note = (
        "Reposted from Harbour Voice (<a href="
        f"'https://web.archive.org/web/20240701000000/{ORIGINAL}'>archived</a>)."
    )
    plain = re.sub("<[^>]+>", "", note)
    body = f"<p>{TEXT}</p><p>{note}</p>"
    credits = find_credits(page(body), COPY, [TEXT, plain])
    assert ("link", ORIGINAL) in [(c.kind, c.target_url) for c in credits]


def test_a_copier_the_original_names_as_copying_without_permission_is_not_excused(fx):
    """The original's own line accuses Basalt Wire of copying it: that is no doubt about who came
    first, and Basalt Wire, crediting no one, stays an uncredited copy (not unclear)."""
    original, copy, cluster_id = _original_naming_its_later_copy(
        fx, "Editor's note: Basalt Wire copied this story without permission."
    )
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[copy]["credited"] == 0


def test_a_copy_naming_itself_as_republisher_still_credits_the_link_to_its_source():
    note = f"Republished by Basalt Wire with permission of <a href='{ORIGINAL}'>Harbour Voice</a>."
    plain = re.sub("<[^>]+>", "", note)
    body = f"<p>{TEXT}</p><p>{note}</p>"
    credits = find_credits(page(body), COPY, [TEXT, plain])
    assert ("link", ORIGINAL) in [(c.kind, c.target_url) for c in credits]
