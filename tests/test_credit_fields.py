"""Credit shapes the holdout8 set's first run missed, each rebuilt here from scratch: a credit
label opening one field of a meta line ("Posted May 2 · Source: X"), "HT:", a work's JSON-LD
``creditText``, "Source:" in more languages, a credit in the footer of a figure that holds a
quote and no picture; and a copy dated before an undated chain top that nothing places after it.

Every text here is written for these tests.
"""

from __future__ import annotations

import json

import pytest

from tests.test_attribution import LEAD, page, summary
from tracker.attribution import find_credits
from tracker.visible_text import Line, Link, fields_of

COPY = "https://basaltwire.example/ferry"
ORIGINAL = "https://harbourvoice.example/2024/07/ferry"
TEXT = "The harbour board met on Tuesday to count the ferries and the gulls. " * 6


def credits_of(body: str, head: str = "") -> list[tuple]:
    return summary(find_credits(page(body, head), COPY, [TEXT]))


def meta_line(*fields: str, sep: str = "·") -> str:
    spans = f' <span class="sep">{sep}</span> '.join(f"<span>{f}</span>" for f in fields)
    return f'<header><h1>Ferries</h1><div class="entry-meta">{spans}</div></header>{LEAD}'


@pytest.mark.parametrize("sep", ["·", "•", "|", "∙"])
def test_a_credit_label_opening_a_field_of_a_meta_line_is_read(sep):
    body = meta_line("Posted July 2, 2024", "Source: harbourvoice.example", "3 min read", sep=sep)
    assert ("source-line", None, "harbourvoice.example", "harbourvoice.example") in credits_of(body)


def test_a_linked_credit_in_a_meta_field_keeps_its_link():
    body = meta_line(
        "July 2, 2024", f'Read the full story at <a href="{ORIGINAL}">Harbour Voice</a>'
    )
    assert ("read-more", ORIGINAL, "harbourvoice.example", "Harbour Voice") in credits_of(body)


def test_a_bar_inside_a_links_text_splits_no_field():
    """ "HT: <a>Ferries return | Harbour Voice</a>": the bar is part of the headline the link
    shows, so the field keeps the link and the credit its target."""
    line = Line(
        "July 2 · HT: Ferries return | Harbour Voice",
        [Link(13, 42, ORIGINAL, "Ferries return | Harbour Voice")],
        False,
    )
    fields = fields_of(line)
    assert [f.text for f in fields] == [line.text, "July 2", "HT: Ferries return | Harbour Voice"]
    assert fields[-1].links == [Link(4, 33, ORIGINAL, "Ferries return | Harbour Voice")]
    body = meta_line("July 2", f'HT: <a href="{ORIGINAL}">Ferries return | Harbour Voice</a>')
    assert [c[:2] for c in credits_of(body)] == [("via", ORIGINAL)]


def test_a_line_without_separators_is_one_field():
    line = Line("Harbour Voice - July 2, 2024", [], False)
    assert fields_of(line) == [line]


def test_a_separator_in_prose_names_nothing_by_itself():
    """Splitting a line into fields reads no more than each field says: a sentence with a
    bullet in it is no credit."""
    body = meta_line("Ferries · gulls · harbour board", "Tuesday's count was the highest")
    assert credits_of(body) == []


@pytest.mark.parametrize("label", ["HT:", "HT :", "Hat tip:", "H/T"])
def test_ht_is_a_hat_tip(label):
    body = f"{LEAD}<p>{label} Harbour Voice</p>"
    assert ("via", None, None, "Harbour Voice") in credits_of(body)


@pytest.mark.parametrize(
    "line", ["HTML: the page's markup", "HT Systems builds ferries", "Weight: 40 tons"]
)
def test_words_starting_like_ht_are_no_hat_tip(line):
    assert credits_of(f"{LEAD}<p>{line}</p>") == []


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


@pytest.mark.parametrize(
    ("credit_text", "expected"),
    [
        ("Hat tip: Harbour Voice", ("via", None, None, "Harbour Voice")),
        (
            "Source: harbourvoice.example",
            ("source-line", None, "harbourvoice.example", "harbourvoice.example"),
        ),
        ("Harbour Voice", ("creditText", None, None, "Harbour Voice")),
        (
            "harbourvoice.example",
            ("creditText", None, "harbourvoice.example", "harbourvoice.example"),
        ),
    ],
)
def test_a_works_json_ld_credit_text_is_a_credit(credit_text, expected):
    head = ld({"@context": "https://schema.org", "@type": "NewsArticle", "creditText": credit_text})
    assert expected in credits_of(LEAD, head)


def test_a_pictures_credit_text_is_no_credit_of_the_article():
    head = ld(
        {
            "@type": "NewsArticle",
            "image": {"@type": "ImageObject", "creditText": "Source: harbourvoice.example"},
            "associatedMedia": [{"@type": "VideoObject", "creditText": "Harbour Voice"}],
        }
    )
    assert credits_of(LEAD, head) == []


def test_a_long_credit_text_no_phrase_reads_names_no_one():
    head = ld(
        {"@type": "Article", "creditText": "Reporting by the harbour desk, edited by Jane Roe"}
    )
    assert credits_of(LEAD, head) == []


@pytest.mark.parametrize(
    "label",
    [
        "المصدر:",
        "مصدر:",
        "منبع:",
        "מקור:",
        "स्रोत:",
        "Sursa:",
        "Izvor:",
        "Извор:",
        "Allikas:",
        "ที่มา:",
    ],
)
def test_source_in_more_languages(label):
    body = f"{LEAD}<p>{label} harbourvoice.example</p>"
    assert ("source-line", None, "harbourvoice.example", "harbourvoice.example") in credits_of(body)


def test_a_credit_under_a_pull_quote_is_read_and_a_photo_credit_is_not():
    quote = (
        '<figure class="pull-quote"><blockquote><p>Ferries return to the harbour</p></blockquote>'
        "<figcaption>Source: harbourvoice.example</figcaption></figure>"
    )
    photo = (
        '<figure><img src="/gulls.jpg" alt="gulls">'
        "<figcaption>Source: harbourvoice.example</figcaption></figure>"
    )
    assert credits_of(quote + LEAD) == [
        ("source-line", None, "harbourvoice.example", "harbourvoice.example")
    ]
    assert credits_of(photo + LEAD) == []


def test_a_link_between_the_title_and_the_text_is_a_link_candidate():
    """A byline or meta line between the article's title and its text that links another site
    ("By the newsdesk, <a>Harbour Voice</a>") is read like a line of the article: its link is a
    ``link`` candidate (provenance counts it only when it leads to another member)."""
    body = (
        "<header><h1>Ferries</h1>"
        f'<div class="byline">By the newsdesk, <a href="{ORIGINAL}">Harbour Voice</a></div>'
        "<div class='date'>Published on Tuesday, July 2, 2024, at a quarter past noon</div>"
        f"</header><div class='body'>{LEAD}</div>"
    )
    assert ("link", ORIGINAL, "harbourvoice.example", None) in credits_of(body)


@pytest.mark.parametrize(
    "place",
    [
        # a list of links between the title and the text: navigation or related stories
        "<header><h1>Ferries</h1><ul><li><a href='{url}'>Ferries return</a></li></ul></header>"
        "{lead}",
        # in the site's navigation above the title
        "<nav><a href='{url}'>Ferries return</a></nav><header><h1>Ferries</h1></header>{lead}",
    ],
)
def test_links_around_the_article_that_are_not_its_lines_are_not_candidates(place):
    body = place.format(url=ORIGINAL, lead=LEAD)
    assert [c for c in credits_of(body) if c[1] == ORIGINAL] == []


def test_the_value_after_a_fields_label_is_read_as_a_line():
    """ "Post link: Dilansir dari <a>Harbour Voice</a>" (a theme's copyright box): the value
    after the label reads as a line of its own."""
    body = (
        f"{LEAD}<ul class='post-copyright'><li><strong>Post author: </strong>The editors</li>"
        f"<li><strong>Post link: </strong>Dilansir dari <a href='{ORIGINAL}'>Harbour Voice</a>"
        "</li></ul>"
    )
    assert ("via", ORIGINAL, "harbourvoice.example", "Harbour Voice") in credits_of(body)


@pytest.mark.parametrize("verb", ["Dilansir", "Disadur", "Dikutip"])
def test_indonesian_reported_from(verb):
    assert ("via", None, None, "Harbour Voice") in credits_of(
        f"{LEAD}<p>{verb} dari Harbour Voice</p>"
    )


@pytest.mark.parametrize(
    "href",
    [
        f"{ORIGINAL}?CMP=share_btn_link",
        f"{ORIGINAL}?_hsenc=p2ANqtz-8&_hsmi=2",
        f"{ORIGINAL}?__hstc=1.2.3&__hssc=1.1&__hsfp=9",
        "https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fharbourvoice.example"
        "%2F2024%2F07%2Fferry&urlhash=40ac",
    ],
)
def test_tracking_parameters_and_linkedins_redirect_lead_to_the_page(href):
    body = f"{LEAD}<p>Read the original at <a href='{href}'>Harbour Voice</a>.</p>"
    assert [c[1] for c in credits_of(body)] == [ORIGINAL]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # "Read more at" needs a link, or a written-out domain, which points at the site as one does
        ("Read more at harbourvoice.example", ("read-more", "harbourvoice.example")),
        ("Läs mer på harbourvoice.example", ("read-more", "harbourvoice.example")),
        (
            f"Läs mer på <a href='{ORIGINAL}'>Harbour Voice</a>",
            ("read-more", "harbourvoice.example"),
        ),
        ("Převzato z @HarbourVoice", ("republished-from", None)),
        ("Leggi l'articolo originale su The Harbour Voice", ("read-more", None)),
    ],
)
def test_more_read_more_and_taken_from_lines(line, expected):
    found = [(c[0], c[2]) for c in credits_of(f"{LEAD}<p>{line}</p>")]
    assert expected in found


@pytest.mark.parametrize("line", ["Read more at Harbour Voice", "Läs mer på Harbour Voice"])
def test_read_more_naming_a_site_without_a_link_or_domain_is_still_no_credit(line):
    assert credits_of(f"{LEAD}<p>{line}</p>") == []


def test_a_credit_text_with_dots_that_is_no_domain_names_no_site():
    head = ld({"@type": "Article", "creditText": "J.R."})
    assert ("creditText", None, None, "J.R.") in credits_of(LEAD, head)
