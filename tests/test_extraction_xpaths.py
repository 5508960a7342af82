"""tracker.trafilatura_xpaths runs trafilatura's regular-expression XPaths only on the elements
whose attributes may match (found in C): the elements found, and their order, must be those of
trafilatura's own expressions, on made-up pages for each branch and on every corpus page."""

import gzip
import hashlib
import json
import random
from functools import cache

import lxml.html
import pytest
from trafilatura.baseline import html2txt
from trafilatura.metadata import extract_author
from trafilatura.settings import BASIC_CLEAN_XPATH
from trafilatura.xpaths import (
    AUTHOR_DISCARD_XPATHS,
    AUTHOR_XPATHS,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
)

from tests.conftest import corpus_path
from tracker import trafilatura_steps as steps
from tracker import trafilatura_xpaths as fast
from tracker.html import parse_html

PAIRS = [
    (fast.COMMENTS_PRUNE, REMOVE_COMMENTS_AND_LISTS_XPATH[0]),
    (fast.RAW_PRUNE, RAW_TREE_PRUNE_XPATH[0]),
    (fast.AUTHOR_DISCARD, AUTHOR_DISCARD_XPATHS[0]),
    (fast.AUTHOR_FIRST, AUTHOR_XPATHS[0]),
    (fast.AUTHOR_SECOND, AUTHOR_XPATHS[1]),
    (fast.AUTHOR_LAST, AUTHOR_XPATHS[2]),
]

# Elements that each branch of the expressions above (and the cookie-banner test of
# BASIC_CLEAN_XPATH) selects, and near misses that must stay unselected: tags, attributes, case.
BRANCHES = """
<div id="comments">a</div><section id="Comment-box">b</section><ul id="comol-list">c</ul>
<div id="disqus_thread">d</div><div id="dsq-comments">e</div><div id="commentary">f</div>
<ol class="comment-list">g</ol><details class="post-comments">h</details><list class="Comments">i</list>
<ul class="article-comments">j</ul><span class="comments">k</span><p id="comments">l</p>
<div id="mvp-post-add-box"><h1>m</h1></div><aside class="infinite-scroll">n</aside>
<section id="infinitescroll"><h1>o</h1></section><div class="mvp-post-add-wrap">p</div>
<a class="title">q</a><span class="date">r</span><div id="commentlist">s</div>
<span id="xcomment-list">t</span><div id="ProductReviews">u</div><a class="Comments">v</a>
<div class="sidebar-right">w</div><span class="is-hidden">x</span><div class="blockquote">y</div>
<div class="embedly-instagram">z</div><div class="article-share">aa</div>
<div class="article-support">ab</div><div class="noprint">ac</div><div class="category">ad</div>
<div class="meta-date">ae</div><div class="meta-reviewer">af</div><div data-component="FigureX">ag</div>
<p class="titles">ah</p><div class="Title">ai</div>
<a rel="author">Jane Roe</a><address id="author">John Doe</address><strong class="author">Ann Lee</strong>
<link itemprop="author name"><span data-testid="AuthorCard">Bo Li</span>
<p data-testid="AuthorURL">Cy Ng</p><div class="author-name">Di Wu</div>
<span class="AuthorName">Ed Yu</span><span class="authorName">Fa Qi</span>
<div><rel>me</rel>Gus Tan</div><p><rel>m<b>e</b></rel>Hal Ode</p><author>Ida Pi</author>
<h3 class="byline">Jo Ku</h3><h4 class="username">Ka Lu</h4><p class="byl">Li Mo</p>
<span class="BBL">Ma No</span><a itemprop="xauthorx">Ni Op</a><div id="zuozhe1">Ol Pe</div>
<div id="bianji">Pa Qu</div><p id="xiaobian">Qi Ra</p><span class="channel-name">Ro Sa</span>
<div class="submitted-by">Su Ta</div><div class="posted-by">Tu Uv</div>
<div class="journalist-name">Ul Vo</div><h2 class="byline">Va Wo</h2>
<em data-component="Byline">We Xi</em><b itemprop="author">Xa Yo</b><i id="Author">Ya Zu</i>
<u class="screenname">Za Ab</u><s class="writer">Ab Bc</s><q class="Byline">Bc Cd</q>
<em class="byLine">Cd De</em><em id="AUTHOR">De Ef</em>
<div class="Cookie-Banner">cb</div><div id="xONETRUST">ot</div><div class="cmplz-x">cm</div>
<div class="coo\u212aie-notice">kelvin</div><div id="con\u017fent-manager">long s</div>
<div class="borlab">near</div><div class="moove_gdpr">mg</div><div class="notice__COOKIE">nc</div>
<aside>as</aside><div id="page-footer">ft</div><footer>fo</footer><template>te</template>
"""


def _page(body: str, attributes: str = "") -> lxml.html.HtmlElement:
    tree = parse_html(f"<html{attributes}><head><title>t</title></head><body>{body}</body></html>")
    assert tree is not None
    return tree


def _marks(tree: lxml.html.HtmlElement) -> str:
    return "\n".join(steps._MARKS(tree))


def _same(tree: lxml.html.HtmlElement) -> int:
    found = 0
    for quick, slow in PAIRS:
        assert quick(tree) == slow(tree), quick.expression.path
        found += len(slow(tree))
    for element in (tree, tree.find(".//body")):
        assert fast.basic_cleaning_targets(element, _marks(tree)) == BASIC_CLEAN_XPATH(element)
    return found


def test_every_branch_finds_what_trafilatura_finds():
    tree = _page(BRANCHES)
    assert _same(tree) > 60
    # each element alone, on a page of its own, and nested in a candidate of another branch
    for element in list(tree.find(".//body")):
        alone = lxml.html.tostring(element, encoding="unicode")
        _same(_page(alone))
        _same(_page(f'<div class="comment-box">{alone}<p>{alone}</p></div>'))


def test_the_cookie_banner_test_reads_case_as_python_does():
    # the case-blind test takes the Kelvin sign for "k" and the long s for "s": such a page goes
    # the slow way and is cleaned as trafilatura cleans it
    for banner in ('<div class="coo\u212aie-notice">x</div>', '<p id="con\u017fent-banner">x</p>'):
        tree = _page(f"{banner}<p>keep</p>")
        assert fast.COOKIE_WORDS.search(_marks(tree))
        assert len(BASIC_CLEAN_XPATH(tree)) == 1
        assert fast.basic_cleaning_targets(tree, _marks(tree)) == BASIC_CLEAN_XPATH(tree)
    # a near miss goes the slow way too; a page without the words the fast way, same elements
    for other in ('<div class="cookiejar">x</div>', '<div class="jar">x</div>'):
        tree = _page(f"{other}<aside>y</aside>")
        assert fast.basic_cleaning_targets(tree, _marks(tree)) == BASIC_CLEAN_XPATH(tree)
        assert len(BASIC_CLEAN_XPATH(tree)) == 1


def test_author_and_page_text_length_are_trafilatura_s():
    tree = _page(BRANCHES)
    assert fast.find_author(tree) == extract_author(tree)
    assert steps._html2txt_length(tree, _marks(tree)) == len(html2txt(tree))
    for body in (
        '<div class="comments"><p class="author">Not Me</p></div><span class="by">x</span>',
        '<figure><span class="author">Fig Ure</span></figure><p class="byline">Real Name</p>',
        '<p>a<aside>b</aside>c</p><div class="cookie-consent">d</div>e',
    ):
        page = _page(body)
        assert fast.find_author(page) == extract_author(page)
        assert steps._html2txt_length(page, _marks(page)) == len(html2txt(page))


@pytest.mark.parametrize(
    "body",
    [
        # found inside what the author reader prunes, at any depth: the next one is read
        '<div class="comments"><p class="author">Not Me</p></div><p class="author">Jo Bo</p>',
        '<section class="sidebar"><div><div><a rel="author">No One</a></div></div></section>'
        '<a rel="author">Al Ba</a>',
        '<figure><span class="author">Fig Ure</span></figure><p class="byline">Real Name</p>',
        '<time><b class="author">Tim E</b></time><b class="author">Ann Ex</b>',
        '<span class="date author">Da Te</span><span class="author">Da Vi</span>',
        '<div id="comment-list"><author>No Body</author></div><author>Some Body</author>',
        # its own parts pruned, their tails kept, text runs joined as the pruned copy joins them
        '<div class="author">By<time>x</time>Jane<figure>f</figure> Roe<span class="title">'
        "t</span>son</div>",
        '<p class="author"><span class="print">p</span><span class="quote">q</span>Lee'
        '<a class="meta-date">d</a>Wu</p>',
        '<div class="author"><div class="comments">c<time>t</time>d</div>tail only here</div>',
        '<div class="author"><time>only a date</time></div><div class="byline">Next One</div>',
        # too short or too long once pruned; the later expressions
        '<span class="author">Ab<time>long enough here</time></span><h3 class="byline">Cd Ef</h3>',
        '<div class="author">' + "word " * 30 + "</div><em id='Author'>Gh Ij</em>",
        '<p itemprop="author">Kl Mn</p><div data-component="Byline">Op Qr</div>',
        # a <rel> child: read on the pruned copy, as trafilatura does
        '<p><rel>m<time>x</time>e</rel>St Uv</p><p class="author">Wx Yz</p>',
        "<div><rel>me</rel>Gus Tan</div>",
        "<p>no author anywhere</p>",
    ],
)
def test_the_author_is_the_one_trafilatura_reads(body):
    page = _page(body)
    before = lxml.html.tostring(page)
    assert fast.find_author(page) == extract_author(page)
    assert lxml.html.tostring(page) == before  # the page is read, not pruned


@cache
def _corpus_trees() -> list[tuple[str, lxml.html.HtmlElement]]:
    bench = corpus_path("scrapinghub-article-extraction-benchmark")
    ground = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [
        (key, gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes()))
        for key in sorted(ground)
    ]
    readability = corpus_path("mozilla-readability-test-pages", "pages")
    pages += [
        (case.name, (case / "source.html").read_bytes())
        for case in sorted(readability.iterdir())
        if case.is_dir()
    ]
    return [(name, tree) for name, html in pages if (tree := parse_html(html)) is not None]


def test_every_corpus_page_finds_what_trafilatura_finds():
    trees = _corpus_trees()
    assert len(trees) > 200
    assert sum(_same(tree) for _, tree in trees) > 4000
    for name, tree in trees:
        assert fast.find_author(tree) == extract_author(tree), name
    for name, tree in trees[::8]:
        assert steps._html2txt_length(tree, _marks(tree)) == len(html2txt(tree)), name


@pytest.mark.parametrize(
    ("expressions", "expected"),
    [
        (AUTHOR_DISCARD_XPATHS, "c95ab6aa3ed43385"),
        ([BASIC_CLEAN_XPATH], "db6c25acd08aef99"),
    ],
)
def test_the_expressions_the_candidate_words_were_read_from_are_unchanged(expressions, expected):
    # the candidate expressions name the words of trafilatura's regular expressions (the others
    # are checked in test_extraction_fast.py): a trafilatura whose expressions differ needs them
    # read again
    text = " ".join(" ".join(x.path.split()) for x in expressions)
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == expected


def test_minified_json_is_trafilatura_s_substitution():
    from trafilatura.metadata import JSON_MINIFY

    from tracker.trafilatura_steps import minified_json

    rng = random.Random(11)
    alphabet = ['"', "\\", " ", "\n", "\t", "\u00a0", "\u2028", "a", "{", ":", ",", "\u00e9", 'x"y']
    cases = ['{"a": "b c", "d" : [1, 2]}', '"unterminated  string', '\\" "', "", "  ", '"a\\"b c"']
    cases += ["".join(rng.choices(alphabet, k=rng.randint(0, 20))) for _ in range(5000)]
    for tree in (tree for _, tree in _corpus_trees()):
        cases += [e.text for e in tree.iter("script") if e.text]
    for text in cases:
        assert minified_json(text) == JSON_MINIFY.sub(r"\1", text), repr(text)


def test_json_ld_metadata_is_trafilatura_s():
    from trafilatura.metadata import extract_meta_json
    from trafilatura.settings import Document

    from tracker.trafilatura_steps import _meta_json

    def fields(doc: Document) -> dict:
        skip = ("body", "commentsbody")  # empty elements made per document
        return {n: getattr(doc, n, None) for n in Document.__slots__ if n not in skip}

    for name, tree in _corpus_trees():
        assert fields(_meta_json(tree, Document())) == fields(
            extract_meta_json(tree, Document())
        ), name
