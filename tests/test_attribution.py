"""Attribution detection: each markup and phrase form on small authored pages, the traps, and the
real syndicated pages of the corpus."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.conftest import corpus_path
from tracker.attribution import Credit, beside_lines, find_credits
from tracker.html import parse_html
from tracker.store import PageRecord, store_page

REPOST = "https://www.repost-site.net/2024/01/story/"
SCRAPINGHUB = "scrapinghub-article-extraction-benchmark"
READABILITY = "mozilla-readability-test-pages"


def page(body: str, head: str = "") -> str:
    return f"<html><head><title>t</title>{head}</head><body><article>{body}</article></body></html>"


def summary(credits: list[Credit]) -> list[tuple]:
    return [(c.kind, c.target_url, c.target_site, c.target_name) for c in credits]


# --- markup -------------------------------------------------------------------------------------


def test_cross_site_canonical_is_a_credit():
    html = page(
        "<p>x</p>", '<link rel="canonical" href="https://www.origin-news.org/a/story?utm_source=x">'
    )
    [credit] = find_credits(html, REPOST)
    assert credit.kind == "canonical"
    assert credit.target_url == "https://www.origin-news.org/a/story"
    assert credit.target_site == "origin-news.org"
    assert credit.evidence.startswith(
        '<link rel="canonical" href="https://www.origin-news.org/a/story'
    )


def test_same_site_canonical_and_og_url_are_not_credits():
    head = (
        '<link rel="canonical" href="https://repost-site.net/2024/01/story/">'
        '<meta property="og:url" content="https://m.repost-site.net/2024/01/story/">'
    )
    assert find_credits(page("<p>x</p>", head), REPOST) == []


def test_relative_canonical_resolves_to_the_page_site():
    assert (
        find_credits(page("<p>x</p>", '<link rel="canonical" href="/2024/01/story/">'), REPOST)
        == []
    )


def test_same_publisher_on_another_public_suffix_is_not_a_credit():
    head = '<link rel="canonical" href="https://www.repost-site.de/2024/01/story/">'
    assert find_credits(page("<p>x</p>", head), REPOST) == []


def test_loopback_sites_differ_by_port():
    head = '<link rel="canonical" href="http://127.0.0.1:8001/original.html">'
    assert summary(find_credits(page("<p>x</p>", head), "http://127.0.0.1:8002/repost.html")) == [
        ("canonical", "http://127.0.0.1:8001/original.html", "127.0.0.1:8001", None)
    ]
    assert find_credits(page("<p>x</p>", head), "http://127.0.0.1:8001/other.html") == []


def test_cross_site_og_url():
    head = '<meta property="og:url" content="https://origin-news.org/a">'
    assert summary(find_credits(page("<p>x</p>", head), REPOST)) == [
        ("og:url", "https://origin-news.org/a", "origin-news.org", None)
    ]


def test_syndication_source_and_original_source_meta_and_link():
    head = (
        '<meta name="syndication-source" content="https://origin-news.org/a">'
        '<meta name="original-source" content="https://first-paper.com/b">'
        '<link rel="original-source" href="https://third-desk.co.uk/c">'
    )
    found = summary(find_credits(page("<p>x</p>", head), REPOST))
    assert ("syndication-source", "https://origin-news.org/a", "origin-news.org", None) in found
    assert ("original-source", "https://first-paper.com/b", "first-paper.com", None) in found
    assert ("original-source", "https://third-desk.co.uk/c", "third-desk.co.uk", None) in found
    assert len(found) == 3


def test_relative_href_resolves_against_base_href():
    head = '<base href="https://cdn.origin-news.org/stories/"><link rel="original-source" href="a.html">'
    [credit] = find_credits(page("<p>x</p>", head), REPOST)
    assert credit.target_url == "https://cdn.origin-news.org/stories/a.html"
    assert credit.target_site == "origin-news.org"


def test_relative_href_resolves_against_page_url():
    body = '<p>This article originally appeared on <a href="../../../about/">our partner</a>.</p>'
    # a relative link can only point at the page's own site: no credit
    assert find_credits(page(body), REPOST) == []


@pytest.mark.parametrize(
    "ld",
    [
        {"@type": "NewsArticle", "isBasedOn": "https://origin-news.org/a"},
        {
            "@type": "NewsArticle",
            "isBasedOn": {"@type": "Article", "url": "https://origin-news.org/a"},
        },
        {"@type": "NewsArticle", "isBasedOnUrl": ["https://origin-news.org/a"]},
        {
            "@context": "https://schema.org",
            "@graph": [{"@type": "WebPage"}, {"isBasedOn": ["https://origin-news.org/a"]}],
        },
    ],
)
def test_json_ld_is_based_on(ld):
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    [credit] = find_credits(page("<p>x</p>", head), REPOST)
    assert (credit.kind, credit.target_url, credit.target_site) == (
        "isBasedOn",
        "https://origin-news.org/a",
        "origin-news.org",
    )
    assert "isBasedOn" in credit.evidence


def test_broken_json_ld_is_ignored():
    head = (
        '<script type="application/ld+json">{"isBasedOn": "https://origin-news.org/a",,}</script>'
    )
    assert find_credits(page("<p>x</p>", head), REPOST) == []


# --- phrases ------------------------------------------------------------------------------------

TRANSCEND = "https://www.transcend.org/tms/2024/01/some-story/"


@pytest.mark.parametrize("dash", ["–", "-", "—", ":"])
def test_go_to_original_with_site_after_dash(dash):
    body = f"<p>Go to Original {dash} defenddemocracy.press</p>"
    assert summary(find_credits(page(body), TRANSCEND)) == [
        ("go-to-original", None, "defenddemocracy.press", "defenddemocracy.press")
    ]


def test_go_to_original_as_a_link():
    body = '<p><a href="https://defenddemocracy.press/some-story/">GO TO ORIGINAL – defenddemocracy.press</a></p>'
    [credit] = find_credits(page(body), TRANSCEND)
    assert credit.kind == "go-to-original"
    assert credit.target_url == "https://defenddemocracy.press/some-story/"
    assert credit.target_site == "defenddemocracy.press"
    assert credit.evidence == "GO TO ORIGINAL – defenddemocracy.press"


def test_source_name_then_go_to_original():
    [credit] = find_credits(page("<p>SOURCE: RT . Go to ORIGINAL</p>"), TRANSCEND)
    assert (credit.kind, credit.target_name, credit.target_url) == ("go-to-original", "RT", None)
    assert credit.evidence == "SOURCE: RT . Go to ORIGINAL"


def test_source_domain_then_linked_go_to_original():
    body = '<p>Source: www.rt.com – <a href="https://www.rt.com/news/1/">Go to Original</a></p>'
    [credit] = find_credits(page(body), TRANSCEND)
    assert credit.kind == "go-to-original"
    assert credit.target_url == "https://www.rt.com/news/1/"
    assert credit.target_site == "rt.com"
    assert credit.target_name == "www.rt.com"


@pytest.mark.parametrize(
    "text",
    [
        "This article originally appeared on The Atlantic.",
        "THIS ARTICLE ORIGINALLY APPEARED IN THE ATLANTIC",
        "[This story originally appeared in The Atlantic on March 3, 2019.]",
    ],
)
def test_originally_appeared_without_link(text):
    [credit] = find_credits(page(f"<p>{text}</p>"), REPOST)
    assert credit.kind == "originally-appeared"
    assert credit.target_url is None
    assert credit.target_site is None
    assert credit.target_name.casefold() == "the atlantic"
    assert credit.evidence == text


def test_originally_appeared_with_link_split_over_inline_tags():
    body = (
        '<p><em>This article originally appeared on </em><a href="https://www.theatlantic.com/x/1/">'
        "<em>The Atlantic</em></a><em>.</em> Subscribe to our newsletter.</p>"
    )
    [credit] = find_credits(page(body), REPOST)
    assert summary([credit]) == [
        (
            "originally-appeared",
            "https://www.theatlantic.com/x/1/",
            "theatlantic.com",
            "The Atlantic",
        )
    ]
    assert credit.evidence == "This article originally appeared on The Atlantic."


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Originally published by Truthout.", "Truthout"),
        ("originally published at www.some-blog.com on November 18, 2011.", "www.some-blog.com"),
        ("This story was originally published by ProPublica.", "ProPublica"),
        (
            "This article was originally published by Futurism. Read the original article.",
            "Futurism",
        ),
        ("Originally published in The Guardian", "The Guardian"),
        ("Originally published in Marie Claire on May 2", "Marie Claire"),
        ("Originally published by the Augusta Chronicle.", "the Augusta Chronicle"),
    ],
)
def test_originally_published(text, name):
    [credit] = find_credits(page(f"<p>{text}</p>"), REPOST)
    assert (credit.kind, credit.target_name) == ("originally-published", name)


def test_originally_published_domain_name_gives_target_site():
    [credit] = find_credits(page("<p>Originally published at www.some-blog.com.</p>"), REPOST)
    assert credit.target_site == "some-blog.com"


def test_first_appeared():
    body = '<p>This post first appeared on <a href="https://www.commondreams.org/views/1">Common Dreams</a>.</p>'
    assert summary(find_credits(page(body), REPOST)) == [
        (
            "first-appeared",
            "https://www.commondreams.org/views/1",
            "commondreams.org",
            "Common Dreams",
        )
    ]


def test_wordpress_feed_footer_appeared_first_on():
    body = (
        '<p>The post <a href="https://blog.foo-notes.org/p/1">Why X Happened</a> appeared first on '
        '<a href="https://blog.foo-notes.org/">Foo Notes</a>.</p>'
    )
    assert summary(find_credits(page(body), REPOST)) == [
        ("first-appeared", "https://blog.foo-notes.org/", "foo-notes.org", "Foo Notes")
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("An earlier version of this article was first published in Le Monde.", "Le Monde"),
        ("Editor's note: Originally posted at Naked Capitalism.", "Naked Capitalism"),
        (
            "It originally appeared in the Center for American Progress blog.",
            "the Center for American Progress",
        ),
    ],
)
def test_credit_sentences_about_the_article(text, name):
    [credit] = find_credits(page(f"<p>{text}</p>"), REPOST)
    assert credit.target_name == name


def test_republished_from_under_creative_commons():
    text = "This article is republished from The Conversation under a Creative Commons license."
    [credit] = find_credits(page(f"<p><em>{text}</em> Read the original article.</p>"), REPOST)
    assert (credit.kind, credit.target_name) == ("republished-from", "The Conversation")
    assert credit.evidence == text


def test_republished_with_permission_linked():
    body = '<p>Republished with permission from <a href="https://khn.org/news/x">Kaiser Health News</a>.</p>'
    assert summary(find_credits(page(body), REPOST)) == [
        ("republished-from", "https://khn.org/news/x", "khn.org", "Kaiser Health News")
    ]


@pytest.mark.parametrize(
    "text", ["Reprinted with permission from TomDispatch.com", "reprinted from tomdispatch.com."]
)
def test_reprinted_from(text):
    [credit] = find_credits(page(f"<p>{text}</p>"), REPOST)
    assert (credit.kind, credit.target_site) == ("reprinted-from", "tomdispatch.com")


def test_source_line_with_and_without_link():
    linked = find_credits(
        page('<p>Source: <a href="https://www.reuters.com/x">Reuters</a></p>'), REPOST
    )
    assert summary(linked) == [
        ("source-line", "https://www.reuters.com/x", "reuters.com", "Reuters")
    ]
    bare = find_credits(page("<p>SOURCE: Associated Press, March 3</p>"), REPOST)
    assert summary(bare) == [("source-line", None, None, "Associated Press")]


def test_credit_outside_the_extracted_paragraphs_is_found():
    body = (
        "<p>"
        + "Story text. " * 30
        + "</p><div class='footer-note'>Originally published by ProPublica.</div>"
    )
    credits = find_credits(page(body), REPOST, paragraphs=["Story text. " * 30])
    assert [c.target_name for c in credits] == ["ProPublica"]


def test_credit_only_in_paragraphs_is_found():
    credits = find_credits("", REPOST, paragraphs=["Body.", "This story first appeared in Grist."])
    assert summary(credits) == [("first-appeared", None, None, "Grist")]


def test_duplicates_are_merged_and_markup_comes_first():
    head = '<link rel="canonical" href="https://www.theatlantic.com/x/1/">'
    body = (
        '<p>This article originally appeared on <a href="https://www.theatlantic.com/x/1/">The Atlantic</a>.</p>'
        '<p>This article originally appeared on <a href="https://www.theatlantic.com/x/1/">The Atlantic</a>.</p>'
    )
    credits = find_credits(
        page(body, head), REPOST, paragraphs=["This article originally appeared on The Atlantic."]
    )
    assert [c.kind for c in credits] == ["canonical", "originally-appeared"]


def test_as_dict_has_the_store_columns():
    [credit] = find_credits(page("<p>Source: Reuters</p>"), REPOST)
    assert credit.as_dict() == {
        "kind": "source-line",
        "evidence": "Source: Reuters",
        "target_url": None,
        "target_site": None,
        "target_name": "Reuters",
    }


def test_credits_are_stored(fresh_db):
    body = '<p>This post first appeared on <a href="https://www.commondreams.org/views/1">Common Dreams</a>.</p>'
    credits = [c.as_dict() for c in find_credits(page(body), REPOST)]
    rec = PageRecord(
        url=REPOST,
        site="repost-site.net",
        fetched_at="2024-01-02T00:00:00Z",
        title="t",
        byline=None,
        published=None,
        language="en",
        site_name=None,
        description=None,
        paragraphs=["Some text."],
        credits=credits,
    )
    store_page(fresh_db, rec)
    rows = list(fresh_db["attributions"].rows)
    assert [(r["kind"], r["target_site"], r["target_name"]) for r in rows] == [
        ("first-appeared", "commondreams.org", "Common Dreams")
    ]


# --- traps --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Originally published July 15, 2018 at 3:56 am",
        "Originally published on July 15, 2018",
        "Originally published at 3:56 am Updated at 5:00 pm",
        "First published on November 19, 2019 / 8:16 AM",
        "First Published: Tuesday, November 19, 2019 08:38 AM",
    ],
)
def test_timestamps_are_not_credits(text):
    assert find_credits(page(f"<p>{text}</p>"), REPOST) == []


def test_self_credit_by_link_is_not_a_credit():
    body = (
        '<p><em>Originally published on </em><a href="https://www.livescience.com/65651-x.html">'
        "<em>Live Science</em></a><em>.</em></p>"
    )
    assert find_credits(page(body), "https://www.livescience.com/70000-y.html") == []


@pytest.mark.parametrize(
    "text", ["Originally published on Live Science.", "Source: LIVESCIENCE.COM"]
)
def test_self_credit_by_name_is_not_a_credit(text):
    assert find_credits(page(f"<p>{text}</p>"), "https://www.livescience.com/70000-y.html") == []


def test_self_credit_by_site_name_meta_is_not_a_credit():
    head = '<meta property="og:site_name" content="The Daily Planet">'
    assert (
        find_credits(page("<p>This story first appeared in the Daily Planet.</p>", head), REPOST)
        == []
    )


@pytest.mark.parametrize(
    "html",
    [
        "<h1>His books are being republished, but how did he fall into obscurity?</h1>",
        "<p>The novel was republished in 2019 and reprinted twice.</p>",
        "<p>The study first appeared in Nature last year.</p>",
        "<p>The virus first appeared in West Michigan at the end of August.</p>",
        "<p>Apple Watch for $169.99 (Originally $200)</p>",
        "<p>The letter, first published in the Times, was signed by 40 people.</p>",
        "<p>Her work has appeared in The New Yorker.</p>",
        "<p>The novel, originally published in 1965 by Ace Books, was a hit.</p>",
    ],
)
def test_words_outside_credit_phrases_are_not_credits(html):
    assert find_credits(page(html), REPOST) == []


@pytest.mark.parametrize(
    "html",
    [
        "<figure><img src='a.jpg'><figcaption>Source: Reuters</figcaption></figure>",
        "<div class='image-caption'>Source: Reuters</div>",
        "<p class='photo-credit'>Source: Reuters</p>",
        "<p>Photo source: Reuters</p>",
        "<p>Source: Getty Images</p>",
        "<table><tr><td>Source: Bureau of Labor Statistics</td></tr></table>",
        "<p>Source: News agencies</p>",
    ],
)
def test_picture_and_data_sources_are_not_credits(html):
    assert find_credits(page(html), REPOST) == []


@pytest.mark.parametrize(
    "html",
    [
        "<nav><p>Originally published by ProPublica.</p></nav>",
        "<script>var s = 'This article originally appeared on The Atlantic.';</script>",
        "<div class='ad-slot'><p>Originally published by ProPublica.</p></div>",
        "<div style='display: none'><p>Originally published by ProPublica.</p></div>",
        "<ol class='comment-list'><li><p>Source: <a href='https://www.reuters.com/x'>Reuters</a></p></li></ol>",
    ],
)
def test_hidden_and_non_content_text_is_ignored(html):
    assert find_credits(page(html), REPOST) == []


def test_article_marked_comments_enabled_is_still_read():
    body = "<div class='post comments-enabled'><p>Originally published by ProPublica.</p></div>"
    assert [c.target_name for c in find_credits(page(body), REPOST)] == ["ProPublica"]


def test_empty_input():
    assert find_credits("", REPOST) == []
    assert find_credits(b"   ", REPOST) == []


# --- real pages ---------------------------------------------------------------------------------


def scrapinghub_page(prefix: str) -> tuple[str, bytes]:
    folder = corpus_path(SCRAPINGHUB, "html")
    [path] = folder.glob(f"{prefix}*.html.gz")
    truth = json.loads(corpus_path(SCRAPINGHUB, "ground-truth.json").read_text(encoding="utf-8"))
    return truth[path.name.removesuffix(".html.gz")]["url"], gzip.decompress(path.read_bytes())


def test_real_citylab_credits_the_atlantic_not_its_own_canonical():
    html = corpus_path(READABILITY, "pages", "citylab-1", "source.html").read_bytes()
    url = "https://www.citylab.com/design/2019/04/neon-signage-20th-century-history/588400/"
    credits = find_credits(html, url)
    assert [(c.kind, c.target_site, c.target_name) for c in credits] == [
        ("originally-appeared", "theatlantic.com", "The Atlantic")
    ]
    assert credits[0].target_url.startswith(
        "https://www.theatlantic.com/entertainment/archive/2019/04/"
    )


def test_real_medium_cross_post():
    html = corpus_path(READABILITY, "pages", "medium-2", "source.html").read_bytes()
    credits = find_credits(
        html, "https://medium.com/@ckirchoff/on-behalf-of-literally-429fab8b3a8c"
    )
    assert [(c.kind, c.target_site) for c in credits] == [
        ("originally-published", "courtneykirchoff.com")
    ]


def test_real_sciencealert_credits_futurism():
    url, html = scrapinghub_page("14cc2a0ca59c")
    credits = find_credits(html, url)
    assert [(c.kind, c.target_site, c.target_name) for c in credits] == [
        ("originally-published", "futurism.com", "Futurism")
    ]


@pytest.mark.parametrize("prefix", ["3c5bf8db4272", "bd673bd79881", "851498a2b9f4"])
def test_real_traps_have_no_credit(prefix):
    url, html = scrapinghub_page(prefix)
    assert find_credits(html, url) == []


def test_read_more_line_with_a_link_credits_the_full_text():
    html = '<p>Teaser text.</p><p><a href="https://harbour.example/story">Read more at The Harbour Times</a></p>'
    credits = find_credits(html, "https://briefings.example/today")
    assert [(c.kind, c.target_site, c.target_name) for c in credits] == [
        ("read-more", "harbour.example", "The Harbour Times")
    ]


def test_read_more_without_link_or_as_related_header_is_not_a_credit():
    for html in (
        "<p>Read more at The Harbour Times</p>",
        '<p>Read more: <a href="https://other.example/x">Why cats purr</a></p>',
    ):
        assert find_credits(html, "https://briefings.example/today") == []


def test_layout_column_named_non_ad_is_read():
    html = (
        '<section class="non-ad-column-l"><p>Body.</p>'
        '<p>This article originally appeared on <a href="https://theatlantic.com/x">The Atlantic</a>.</p></section>'
        '<div class="top-ad"><p>Source: <a href="https://ads.example/">Ad Network</a></p></div>'
    )
    credits = find_credits(html, "https://citylab.com/y")
    assert [c.target_site for c in credits] == ["theatlantic.com"]


@pytest.mark.parametrize(
    "line, name",
    [
        ("Quelle: heise online", "heise online"),
        ("Источник: РИА Новости", "РИА Новости"),
        ("Fuente: EFE", "EFE"),
        ("Zdroj: Aktuálně.cz", "Aktuálně.cz"),
        ("来源：腾讯科技", "腾讯科技"),
        ("出典：朝日新聞デジタル", "朝日新聞デジタル"),
    ],
)
def test_source_lines_in_other_languages(line, name):
    credits = find_credits(f"<p>{line}</p>", "https://copy.example/story")
    assert [(c.kind, c.target_name) for c in credits] == [("source-line", name)]


def test_lowercase_source_phrases_are_not_names():
    for line in ("Source: the author's own reporting", "Source: our correspondents"):
        assert find_credits(f"<p>{line}</p>", "https://copy.example/story") == []


# --- credits as a reader sees them (phrases from tracker/data/credit_phrases.yml) --------------

TRANSCEND = "https://www.transcend.org/tms/2024/03/x/"


@pytest.mark.parametrize(
    "body",
    [
        "<p>Go to Original – defenddemocracy.press</p>",
        '<p><a href="javascript:void(0)">Go to Original</a> – defenddemocracy.press</p>',
        '<p>Go to Original – <a href="javascript:void(0)">defenddemocracy.press</a></p>',
    ],
)
def test_go_to_original_as_plain_text_names_the_site(body):
    [credit] = find_credits(page(body), TRANSCEND)
    assert (credit.kind, credit.target_site, credit.target_url) == (
        "go-to-original",
        "defenddemocracy.press",
        None,
    )


@pytest.mark.parametrize(
    ("line", "kind", "name"),
    [
        ("Continue reading at The Harbour Times", "read-more", "The Harbour Times"),
        ("Read the full story at Coast Wire.", "read-more", "Coast Wire"),
        ("Via The Guardian", "via", "The Guardian"),
        ("Via: rt.com", "via", "rt.com"),
        ("Originally published on Common Dreams.", "originally-published", "Common Dreams"),
        ("Originally published by ProPublica.", "originally-published", "ProPublica"),
        ("This article is from The Conversation.", "article-from", "The Conversation"),
        ("First published in Grist.", "originally-published", "Grist"),
        ("First published by Inside Climate News.", "originally-published", "Inside Climate News"),
        ("Zuerst erschienen bei Der Spiegel.", "originally-published", "Der Spiegel"),
        ("Publicado originalmente en El País.", "originally-published", "El País"),
        ("Publié initialement sur Mediapart.", "originally-published", "Mediapart"),
        ("Pubblicato originariamente su Internazionale.", "originally-published", "Internazionale"),
        ("Lire la suite sur Le Monde", "read-more", "Le Monde"),
        ("Seguir leyendo en El Mundo", "read-more", "El Mundo"),
    ],
)
def test_credit_phrases_count_without_a_link(line, kind, name):
    [credit] = find_credits(page(f"<p>{line}</p>"), REPOST)
    assert (credit.kind, credit.target_name, credit.target_url) == (kind, name, None)


def test_credit_phrase_with_a_link_keeps_the_link():
    body = '<p>Continue reading at <a href="https://harbour.example/pier">The Harbour Times</a></p>'
    [credit] = find_credits(page(body), REPOST)
    assert (credit.kind, credit.target_url, credit.target_name) == (
        "read-more",
        "https://harbour.example/pier",
        "The Harbour Times",
    )


@pytest.mark.parametrize(
    "line",
    [
        "Traffic was diverted via the bypass.",
        "The ferry runs via Dover and Calais twice a day, the council said on Monday.",
        "Read more at the council's website.",
    ],
)
def test_ordinary_sentences_are_not_credits(line):
    assert find_credits(page(f"<p>{line}</p>"), REPOST) == []


ARTICLE = "".join(
    f"<p>Paragraph {i} of the report on the harbour, with enough words to be article text.</p>"
    for i in range(4)
)


def test_off_site_links_in_the_article_body_are_link_credits():
    html = (
        "<html><body><nav><a href='https://partner.example/'>Partner</a></nav><article>"
        + ARTICLE
        + "<p>The figures come from <a href='https://stats.example/report?utm_source=x'>the port"
        " authority's report</a> and <a href='/local'>our archive</a>.</p>"
        + "<p>Original: <a href='https://antiwar.example/2024/03/18/story/'>"
        "https://antiwar.example/2024/03/18/story/</a></p></article></body></html>"
    )
    paragraphs = [
        f"Paragraph {i} of the report on the harbour, with enough words to be article text."
        for i in range(4)
    ]
    paragraphs += [
        "The figures come from the port authority's report and our archive.",
        "Original: https://antiwar.example/2024/03/18/story/",
    ]
    links = [c for c in find_credits(html, REPOST, paragraphs) if c.kind == "link"]
    assert [(c.target_url, c.target_site, c.evidence) for c in links] == [
        ("https://stats.example/report", "stats.example", "the port authority's report"),
        (
            "https://antiwar.example/2024/03/18/story/",
            "antiwar.example",
            "https://antiwar.example/2024/03/18/story/",
        ),
    ]


def test_links_outside_the_article_body_or_on_the_own_site_are_not_link_credits():
    html = (
        "<html><body><nav><a href='https://partner.example/'>Partner</a></nav><article>"
        + ARTICLE
        + "<p>See <a href='https://www.repost-site.net/other/'>our other story</a>.</p>"
        "</article><footer><a href='https://ads.example/'>Advertise with us</a></footer></body></html>"
    )
    paragraphs = [
        f"Paragraph {i} of the report on the harbour, with enough words to be article text."
        for i in range(4)
    ]
    paragraphs.append("See our other story.")
    assert [c for c in find_credits(html, REPOST, paragraphs) if c.kind == "link"] == []
    # without the extracted text there is no article body to find links in
    assert [c for c in find_credits(html, REPOST) if c.kind == "link"] == []


def test_phrase_lists_live_in_the_data_file():
    from tracker.credit_phrases import phrases as _phrases

    phrases = _phrases()
    kinds = {p.kind for p in phrases.phrases}
    assert {"go-to-original", "source-line", "read-more", "via", "article-from"} <= kinds
    assert _phrases() is phrases  # loaded once


def test_credits_from_a_shared_tree_leave_it_unchanged():
    import lxml.html

    from tracker.extraction import extract
    from tracker.html import parse_html

    html = page(
        ARTICLE + "<p>This story first appeared in <a href='https://grist.example/x'>Grist</a>.</p>"
    )
    tree = parse_html(html)
    before = lxml.html.tostring(tree)
    extracted = extract(tree, REPOST)
    credits = find_credits(tree, REPOST, extracted.paragraphs)
    assert lxml.html.tostring(tree) == before
    assert credits == find_credits(html, REPOST, extracted.paragraphs)
    assert [c.target_name for c in credits if c.kind == "first-appeared"] == ["Grist"]


def test_credit_lines_labelled_as_the_original_hat_tips_and_shared_from():
    filler = (
        "<p>" + "Some article text about the events of the day and what they mean. " * 10 + "</p>"
    )
    lines = {
        "Source article: Lakeside Courier": ("source-line", "Lakeside Courier"),
        "Original source: Reuters": ("source-line", "Reuters"),
        "Erstveröffentlichung: River Times": ("source-line", "River Times"),
        "Первоисточник: River Times": ("source-line", "River Times"),
        "H/T Central Gazette": ("via", "Central Gazette"),
        "Shared from River Post with the author's permission.": ("republished-from", "River Post"),
    }
    for line, (kind, name) in lines.items():
        page = f"<html><body><article>{filler}<p>{line}</p></article></body></html>"
        got = [(c.kind, c.target_name) for c in find_credits(page, "https://copy.example/a")]
        assert got == [(kind, name)], line
    for not_a_credit in ("Shared from the blog of a friend.", "This was shared from my phone."):
        page = f"<html><body><article>{filler}<p>{not_a_credit}</p></article></body></html>"
        assert find_credits(page, "https://copy.example/a") == [], not_a_credit


# The credit reader's shortcuts must find what a node-by-node reading finds.


def test_trigger_search_over_joined_texts_matches_each_text_alone():
    import re

    from tracker.credit_phrases import phrases
    from tracker.visible_text import nodes_with

    trigger = phrases().trigger
    texts = [
        "İİİ then originally",  # lower() makes "İ" two characters: offsets must still map
        "orig",
        "inally",  # a word split over two text nodes is in neither
        "spread the news",  # "read" inside a word is no trigger
        "Read more",
        "",
        "\u6765\u6e90\uff1a\u65b0\u534e\u793e",  # an unspaced source word
        "cross-posted   from x",
        "h/t someone",
        "nothing here",
    ]
    per_text = [i for i, text in enumerate(texts) if trigger.search(text.lower())]
    assert nodes_with(trigger, texts) == per_text == [0, 4, 6, 7, 8]
    # grouped by first letter, the trigger matches what the plain word-start form matches
    plain = re.compile(r"\b(?:originally|read|via)")
    for text in ("readers", "bread", "via x", "trivia", "originally", "unoriginally"):
        assert bool(trigger.search(text)) == bool(plain.search(text)), text


def test_credit_line_after_many_other_links_is_found():
    links = "".join(
        f'<p><a href="https://own.example/{i}">Own story {i}</a></p>' for i in range(30)
    )
    page = (
        f"<html><body><article>{links}<p>This article originally appeared on "
        '<a href="https://origin.example/a">Origin News</a>.</p></article></body></html>'
    )
    found = find_credits(page, "https://own.example/x")
    assert [(c.kind, c.target_site) for c in found] == [("originally-appeared", "origin.example")]


_LONG = (
    "The harbour ferry crew counted gulls near the pier while the night clerk logged every "
    "crossing in a green ledger."
)


def test_a_link_line_the_extractor_dropped_beside_the_article_is_a_link_credit():
    """Extractors drop a paragraph that is only a link; right after (or before) an article
    paragraph it is still the article's own link, e.g. to the page it was copied from."""
    link = '<p><a href="https://orig.example/2025/ferry">Read the original article</a></p>'
    for html in (
        f"<article><p>{_LONG}</p>{link}</article>",
        f"<article>{link}<p>{_LONG}</p></article>",
        f"<article><p>{_LONG}</p><footer>{link}</footer></article>",
        f'<article><div class="body"><p>{_LONG}</p></div><aside>{link}</aside></article>',
        f"<article><p>{_LONG}</p><p>______________________________</p><hr>{link}</article>",
    ):
        credits = find_credits(html, "https://copy.example/ferry", [_LONG])
        assert [(c.kind, c.target_url) for c in credits] == [
            ("link", "https://orig.example/2025/ferry")
        ]


def test_a_link_line_away_from_the_article_is_no_link_credit():
    """A link block whose nearest neighbour is chrome (a short label, a footer) is not beside the
    article, even when its own label is not in the extracted text."""
    html = (
        f"<article><p>{_LONG}</p></article><footer><p>Related</p>"
        '<p><a href="https://other.example/2025/ferry">Ferries elsewhere</a></p></footer>'
    )
    assert find_credits(html, "https://copy.example/ferry", [_LONG]) == []


def test_short_lines_beside_the_article_are_kept_as_line_candidates():
    """A credit box the extractor leaves out, after the article or before it, is kept as a
    ``line`` (no target); a long block of other text or the article's own paragraphs are not."""
    html = (
        "<html><body><nav><a href='/'>Home</a></nav><article>"
        "<p><em>Avec l'aimable autorisation de Basalt Wire</em></p>"
        f"<p>{_LONG}</p><aside><p>Merci à Basalt Wire pour ce texte.</p></aside></article>"
        f"<footer><p>{'Archive links and more words. ' * 10}</p></footer></body></html>"
    )
    tree = parse_html(html)
    assert find_credits(tree, "https://copy.example/ferry", [_LONG]) == []
    assert [(c.kind, c.evidence, c.target_site) for c in beside_lines(tree, [_LONG])] == [
        ("line", "Merci à Basalt Wire pour ce texte.", None),
        ("line", "Avec l'aimable autorisation de Basalt Wire", None),
    ]
    assert beside_lines(parse_html(f"<article><p>{_LONG}</p></article>"), [_LONG]) == []


@pytest.mark.parametrize(
    "line, name",
    [
        ("Cet article a été initialement publié sur Le Courrier du Port.", "Le Courrier du Port"),
        ("Texto publicado originalmente no Jornal Costeiro", "Jornal Costeiro"),
        ("Dieser Beitrag wurde zuerst veröffentlicht auf Hafenblatt.", "Hafenblatt"),
    ],
)
def test_originally_published_lines_with_a_subject_in_other_languages(line, name):
    """As in English ("This story was first published by X"), the line may start with its
    subject; a line of its own, so a sentence of prose about some report is not read."""
    html = f"<article><p>{_LONG}</p><p>{line}</p></article>"
    credits = find_credits(html, "https://copy.example/ferry", [_LONG, line])
    assert [(c.kind, c.target_name) for c in credits] == [("originally-published", name)]


def test_a_prose_sentence_with_originally_published_is_no_credit_in_other_languages():
    prose = (
        "Le rapport, initialement publié sur le site du ministère, montre que les traversées "
        "ont doublé en dix ans et que les ferries du port ne suffisent plus aux habitants."
    )
    html = f"<article><p>{_LONG}</p><p>{prose}</p></article>"
    assert find_credits(html, "https://copy.example/ferry", [_LONG, prose]) == []


@pytest.mark.parametrize(
    "line",
    [
        "Die Studie wurde zuerst veröffentlicht in Hafenblatt.",
        "Le livre a été initialement publié chez Éditions du Port.",
        "El estudio fue publicado originalmente en Diario Costero.",
        "Il romanzo fu pubblicato originariamente da Il Porto.",
        "Het rapport is eerder verschenen bij Havenblad.",
        "Raport został pierwotnie opublikowany przez Portal Portowy.",
        "Фото вперше опубліковано в Портовий Вісник.",
    ],
)
def test_a_short_news_line_about_something_else_first_published_is_no_credit(line):
    """As in English ("The study was first published in Nature" is news), the subject of a
    short 'originally published' line must be the article ("this", its own nouns)."""
    html = f"<article><p>{_LONG}</p><p>{line}</p></article>"
    assert find_credits(html, "https://copy.example/ferry", [_LONG, line]) == []


@pytest.mark.parametrize(
    "line, name",
    [
        ("L'article a été initialement publié sur Le Courrier du Port.", "Le Courrier du Port"),
        ("Der Artikel ist zuerst erschienen in Hafenblatt.", "Hafenblatt"),
        ("Questo articolo è stato pubblicato originariamente su Il Porto.", "Il Porto"),
        ("Dit artikel is eerder verschenen op Havenblad.", "Havenblad"),
        ("Artykuł został pierwotnie opublikowany na Portal Portowy.", "Portal Portowy"),
        ("Matéria publicada originalmente no Jornal Costeiro.", "Jornal Costeiro"),
        ("Эта статья впервые опубликована в Портовой Газете.", "Портовой Газете"),
    ],
)
def test_originally_published_lines_whose_subject_is_the_article(line, name):
    html = f"<article><p>{_LONG}</p><p>{line}</p></article>"
    credits = find_credits(html, "https://copy.example/ferry", [_LONG, line])
    assert [(c.kind, c.target_name) for c in credits] == [("originally-published", name)]


LEAD = "<p>" + "The harbour board met on Tuesday to count the ferries and the gulls. " * 6 + "</p>"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'Story courtesy of <a href="https://harbourvoice.example/ferry/amp">Harbour Voice</a>'
            " (harbourvoice.example).",
            (
                "courtesy-of",
                "https://harbourvoice.example/ferry/amp",
                "harbourvoice.example",
                "Harbour Voice",
            ),
        ),
        (
            "This article appears courtesy of Harbour Voice.",
            ("courtesy-of", None, None, "Harbour Voice"),
        ),
        ("Courtesy of Harbour Voice", ("courtesy-of", None, None, "Harbour Voice")),
        (
            'Link to the original article: <a href="https://harbourvoice.example/ferry">'
            "https://harbourvoice.example/ferry</a>",
            (
                "source-line",
                "https://harbourvoice.example/ferry",
                "harbourvoice.example",
                "https://harbourvoice.example/ferry",
            ),
        ),
        (
            'Lien vers l’article original : <a href="https://harbourvoice.example/ferry">ici</a>',
            ("source-line", "https://harbourvoice.example/ferry", "harbourvoice.example", "ici"),
        ),
        (
            'Artikel ini telah tayang di <a href="https://m.harbourvoice.example/ferry">Harbour Voice</a>'
            ' dengan judul "Feri"',
            (
                "originally-published",
                "https://m.harbourvoice.example/ferry",
                "harbourvoice.example",
                "Harbour Voice",
            ),
        ),
        (
            "Bu yazı ilk olarak Harbour Voice adresinde yayımlanmıştır.",
            ("originally-published", None, None, "Harbour Voice"),
        ),
    ],
)
def test_courtesy_link_label_indonesian_and_turkish_credit_lines(line, expected):
    credits = find_credits(page(f"<article>{LEAD}<p>{line}</p></article>"), REPOST)
    assert summary(credits)[:1] == [expected]


@pytest.mark.parametrize(
    "html",
    [
        '<figure><img src="x.jpg"><figcaption>Photo courtesy of Harbour Voice</figcaption></figure>',
        "<p>The hotel stay was courtesy of Harbour Voice, the paper said on Monday.</p>",
        "<p>Link to the original article</p>",  # no link: nothing to credit
    ],
)
def test_courtesy_in_a_caption_or_in_news_prose_is_no_credit(html):
    assert find_credits(page(f"<article>{LEAD}{html}</article>"), REPOST) == []


def test_a_reserved_example_domain_in_prose_names_its_site():
    """Test webs use the reserved .example names: written in prose they are domains too."""
    credits = find_credits(
        page(f"<article>{LEAD}<p>By Staff | Story courtesy of harbourvoice.example.</p></article>"),
        REPOST,
    )
    assert summary(credits) == [
        ("courtesy-of", None, "harbourvoice.example", "harbourvoice.example")
    ]


def test_a_long_written_out_url_keeps_a_label_line_short():
    url = "https://harbourvoice.example/ferry?" + "&".join(
        f"utm_{k}=partner-feed-{k}" for k in "abcdefg"
    )
    assert len(url) > 160
    html = f'<article>{LEAD}</article><ol><li>Enlace al artículo original: <a href="{url}#top">{url}</a></li></ol>'
    (credit,) = find_credits(page(html), REPOST)
    assert (credit.kind, credit.target_url) == ("source-line", "https://harbourvoice.example/ferry")


def test_a_credit_line_in_a_table_laid_out_newsletter_counts():
    """An email newsletter's archive page holds the whole article in one table cell: its lines
    are no photo captions."""
    cell = (
        "<h2>Harbour ferries</h2><blockquote><header><p>Link to the original article: <a href="
        '"https://harbourvoice.example/ferry">Harbour Voice</a></p></header></blockquote>'
        + LEAD
        * 3
    )
    html = (
        f"<table><tr><td>Newsletter</td></tr><tr><td class=mcnTextContent>{cell}</td></tr></table>"
    )
    credits = find_credits(page(html), REPOST)
    assert [(c.kind, c.target_url) for c in credits] == [
        ("source-line", "https://harbourvoice.example/ferry")
    ]


def test_a_source_line_in_a_photos_small_table_cell_is_a_caption():
    html = (
        f"{LEAD}<table><tr><td><img src=gulls.jpg></td></tr>"
        "<tr><td>Gulls over the pier. Source: Harbour Voice</td></tr></table>"
    )
    assert find_credits(page(html), REPOST) == []


@pytest.mark.parametrize(
    "line",
    [
        "Článek původně vyšel v časopise Harbour Voice.",
        "Tekst pierwotnie ukazał się w Harbour Voice, a tu wydrukowano go za zgodą autorów.",
        "Läs hela artikeln på Harbour Voice",
        "Artikeln publicerades ursprungligen på Harbour Voice.",
        "Оригинал статьи опубликован в Harbour Voice.",
    ],
)
def test_czech_polish_swedish_and_russian_credit_lines(line):
    credits = find_credits(page(f"<article>{LEAD}<p>{line}</p></article>"), REPOST)
    assert [c.target_name for c in credits] == ["Harbour Voice"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'The original version of this article appeared as <a href="https://harbourvoice.example/'
            'ferry">Ferries counted</a>',
            [("link", "https://harbourvoice.example/ferry")],
        ),
        (
            '<a href="https://harbourvoice.example/ferry">This post was originally published '
            "elsewhere.</a>",
            [("link", "https://harbourvoice.example/ferry")],
        ),
        ('See <a href="https://journal.example/paper">the original study</a> for details.', []),
    ],
)
def test_links_in_a_line_about_the_articles_original_are_link_candidates(line, expected):
    """Outside the article body (an aside), in words no phrase knows: a link candidate, which
    provenance counts only when it leads to another member."""
    html = f"<article>{LEAD}</article><aside><p>{line}</p></aside>"
    assert [(c.kind, c.target_url) for c in find_credits(page(html), REPOST)] == expected
