"""The credit reader finds text nodes by searching one string of all the page's texts, not by
an XPath test of each node (tracker.visible_text.texts_holding, _texts_at, nodes_with): the
nodes found, and their order, must be those of the XPath tests or the per-text searches they
replace."""

import gzip
import json
import random
import re
import sys

import lxml.etree
import lxml.html
import pytest

from tests.conftest import corpus_path
from tracker.credit_phrases import phrases
from tracker.html import parse_html
from tracker.visible_text import (
    _PLAIN_TEXTS,
    _TEXTS,
    _texts_at,
    fold_spaces,
    nodes_with,
    texts_holding,
)

PAGE = """<html><head><title>Original headline here</title>
<script type="application/ld+json">{"headline": "Original headline here"}</script></head>
<body><p>First paragraph of the article, originally published elsewhere.</p>
<p>Split <b>across</b> two nodes: "Split across" must not match as one piece.</p>
<div>tail before<br>after the break<span>inner text</span>tail after the span</div>
<p>repeat repeat repeat repeat</p><p>repeat once more</p>
<p>caf\u00e9 cr\u00e8me \u0130stanbul \u4e2d\u6587\u7ae0 emoji \U0001f600 end</p>
<ul><li>last item of the list</li></ul></body></html>"""


def _by_xpath(tree: lxml.html.HtmlElement, pieces: list[str]) -> list:
    tests = " or ".join(f"contains(., ${chr(97 + i)})" for i in range(len(pieces)))
    return tree.xpath(
        f"//text()[{tests}]", **{chr(97 + i): piece for i, piece in enumerate(pieces)}
    )


def _nodes(texts: list) -> list[tuple]:
    """What a caller reads of each node: its text, its element and whether it is a tail."""
    return [(str(text), text.getparent(), text.is_tail) for text in texts]


@pytest.mark.parametrize(
    "pieces",
    [
        ["Original headline"],
        ["repeat"],
        ["repeat repeat", "once more"],
        ["Split across"],
        ["Split ", " two nodes"],
        ["tail before", "tail after"],
        ["after the break", "inner text"],
        ["\u0130stanbul", "\U0001f600 end"],
        ["caf\u00e9 cr\u00e8me", "\u4e2d\u6587"],
        ["last item of the list", "First paragraph"],
        ["not on the page", "nor this"],
        ["e", "a"],
        ["", "repeat"],
    ],
)
def test_texts_holding_finds_what_the_xpath_finds(pieces):
    tree = parse_html(PAGE)
    assert _nodes(texts_holding(tree, pieces)) == _nodes(_by_xpath(tree, pieces))


def test_a_piece_no_xpath_takes_fails_as_the_xpath_fails():
    tree = parse_html(PAGE)
    for search in (texts_holding, _by_xpath):
        with pytest.raises(ValueError):
            search(tree, ["with\x00a NUL"])


def test_texts_holding_reads_the_whole_document_from_a_part_of_it():
    tree = parse_html(PAGE)
    part = tree.find(".//ul")
    pieces = ["repeat", "Original"]
    assert _nodes(texts_holding(part, pieces)) == _nodes(_by_xpath(part, pieces))


def test_texts_at_gives_the_nodes_at_those_positions():
    tree = parse_html(PAGE)
    every = _TEXTS(tree)
    count = len(_PLAIN_TEXTS(tree))
    rng = random.Random(5)
    for size in (0, 1, 2, 5, count // 2, count):
        indices = sorted(rng.sample(range(count), size))
        assert _nodes(_texts_at(tree, indices)) == _nodes([every[i] for i in indices])


def test_corpus_pages_find_what_the_xpath_finds():
    bench = corpus_path("scrapinghub-article-extraction-benchmark")
    ground = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    checked = 0
    for key in sorted(ground)[::6]:
        tree = parse_html(gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes()))
        texts = [str(t) for t in _PLAIN_TEXTS(tree)]
        body = " ".join(ground[key]["articleBody"].split())
        words = [w for t in texts[::7] for w in t.split()[:1]]
        for pieces in ([body[:30].strip(), body[-30:].strip()], [body[:12], body[-12:]], words[:2]):
            pieces = [p for p in pieces if p] or ["the"]
            assert _nodes(texts_holding(tree, pieces)) == _nodes(_by_xpath(tree, pieces))
            checked += 1
        every = _TEXTS(tree)
        indices = sorted(random.Random(key).sample(range(len(texts)), min(40, len(texts))))
        assert _nodes(_texts_at(tree, indices)) == _nodes([every[i] for i in indices])
    assert checked > 60


def test_a_text_of_a_string_tree_is_found_too():
    # lxml.etree trees (not lxml.html) are read the same way
    tree = lxml.etree.fromstring("<r><a>one two</a>three<b>two three</b></r>")
    assert _nodes(texts_holding(tree, ["two"])) == _nodes(_by_xpath(tree, ["two"]))


def _texts_with(trigger: re.Pattern[str], texts: list[str]) -> list[int]:
    """The slow way: each text searched on its own."""
    return [i for i, text in enumerate(texts) if trigger.search(text.lower())]


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        ["", "", "Source: X"],
        ["Source: X", "", "", "via Y", "nothing", "originally published"],
        ["\u0130stanbul \u0130\u0130 source", "Source", "\u0130", "x via y"],  # lower() lengthens
        ["a\x00source", "source", "b\x00\x00c", "via"],  # NULs of their own: offsets
        ["\u03a3OURCE \u039f\u03a3", "SOURCE:\u03a3", "resource", "sources", "VIA"],
        ["source" * 50, "no", "read more", "Read\u00a0more", "origin"],
    ],
)
def test_nodes_with_finds_the_texts_a_search_of_each_finds(texts):
    trigger = phrases().trigger
    assert nodes_with(trigger, texts) == _texts_with(trigger, texts)
    words = re.compile(r"(?<!\w)(?:source|via)\b|\u0131")
    assert nodes_with(words, texts) == _texts_with(words, texts)


def test_nodes_with_on_random_texts():
    trigger = phrases().trigger
    rng = random.Random(13)
    alphabet = ["source", "via ", "Original", " ", "\u0130", "x", "\x00", ":", "\u03a3", "ead"]
    for _ in range(300):
        texts = ["".join(rng.choices(alphabet, k=rng.randint(0, 6))) for _ in range(8)]
        assert nodes_with(trigger, texts) == _texts_with(trigger, texts)


def test_fold_spaces_is_the_whitespace_regex():
    spaces = re.compile(r"\s+")
    every_space = [chr(c) for c in range(sys.maxunicode + 1) if spaces.fullmatch(chr(c))]
    assert every_space == [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    rng = random.Random(3)
    alphabet = [*every_space, "a", "b", "\u00e9", "\u200b", "\x00", "x y"]
    cases = ["", " ", "  ", "a", " a", "a ", " a b  c ", "\u00a0x\u2009y\u3000", "\n\t"]
    cases += ["".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(3000)]
    for text in cases:
        assert fold_spaces(text) == spaces.sub(" ", text), repr(text)


def test_texts_read_once_give_what_each_reader_reads_itself():
    from tracker.attribution import beside_lines, find_credits
    from tracker.extraction import extract
    from tracker.visible_text import PageTexts

    bench = corpus_path("scrapinghub-article-extraction-benchmark")
    ground = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(ground)[::20]
    other = parse_html(PAGE)
    for key in keys:
        tree = parse_html(gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes()))
        url = ground[key].get("url") or "https://example.com/"
        paragraphs = extract(tree, url).paragraphs
        alone = (find_credits(tree, url, paragraphs), beside_lines(tree, paragraphs))
        for texts in (PageTexts(tree), PageTexts(other)):  # another page's texts are not used
            shared = (
                find_credits(tree, url, paragraphs, texts),
                beside_lines(tree, paragraphs, texts),
            )
            assert shared == alone, key
    # a part of a page reads the texts of the whole document, as its own search does
    part = other.find(".//ul")
    assert _nodes(texts_holding(part, ["repeat"], PageTexts(other))) == _nodes(
        texts_holding(part, ["repeat"])
    )
