"""Where the extracted article sits on its page: the text beside it, the block elements holding
its first and last paragraph, and whether a link's line is part of it. Read by the credit reader
(:mod:`tracker.attribution`): a credit box the extractor left out sits right beside the article,
and a link counts as the article's only when its line is in the extracted text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import lxml.etree
import lxml.html

from tracker.visible_text import PageTexts, block_of, fold_spaces, texts_holding

# A neighbour's text this long at least, to tell an article's paragraph from a stray word; a
# link's block is beside the article when its nearest neighbour, among its own siblings or those
# of its ancestors up to this many levels, is such a paragraph.
_BESIDE_MIN_CHARS = 40
_BESIDE_LEVELS = 2
# A line beside the article is this short at most (a credit line, not a paragraph of other text).
_BESIDE_MAX_WORDS = 30


# Words of text right before a link that, with its label, show the link's line was extracted.
_LEAD_WORDS = 2


def led_in(anchor: lxml.html.HtmlElement, label: str, main: str) -> bool:
    """Whether the text right before ``anchor`` (at least ``_LEAD_WORDS`` words, up to the
    previous element) and its label are in ``main``, joined as a reader reads them."""
    previous = anchor.getprevious()
    parent = anchor.getparent()
    before = previous.tail if previous is not None else parent.text if parent is not None else ""
    words = fold_spaces(before or "").split(" ")
    lead = " ".join(w for w in words[-6:] if w)
    if sum(1 for w in lead.split() if any(c.isalnum() for c in w)) < _LEAD_WORDS:
        return False
    return f"{lead} {label}" in main


# The text of an element and of its descendants, in document order, with each <br> in it.
_TEXTS_AND_BREAKS = lxml.etree.XPath("descendant-or-self::text() | descendant::br")


def text_with_breaks(element: lxml.html.HtmlElement) -> str:
    """The element's text with a space where it breaks a line (``<br>``): "— The editors<br>
    Reposted from <a>here</a>" reads "— The editors Reposted from here", as extraction splits
    it, not "— The editorsReposted from here"."""
    return "".join(part if isinstance(part, str) else " " for part in _TEXTS_AND_BREAKS(element))


def _neighbours(
    block: lxml.html.HtmlElement, preceding: bool, text_of: Callable[[Any], str]
) -> Iterator[str]:
    """The texts with words (letters or digits: not a "____" rule) next to ``block``, nearest
    first: its siblings before (or after) it, then its parent's, up to ``_BESIDE_LEVELS`` levels
    (a credit box's own ``<footer>`` or ``<aside>`` wrapper), never above ``<body>``; what no
    reader sees (scripts, styles) is skipped."""
    node = block
    for _ in range(_BESIDE_LEVELS):
        for sibling in node.itersiblings(preceding=preceding):
            if isinstance(sibling.tag, str) and sibling.tag not in _UNSEEN_TAGS:
                text = text_of(sibling)
                if any(c.isalnum() for c in text):
                    yield text
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return
        node = parent


def _content(el: lxml.html.HtmlElement) -> str:
    return fold_spaces(el.text_content()).strip()


def _nearest_text(block: lxml.html.HtmlElement, preceding: bool) -> str:
    """The nearest text with words before (or after) ``block`` (:func:`_neighbours`); "" when
    there is none."""
    return next(_neighbours(block, preceding, _content), "")


def beside_main(block: lxml.html.HtmlElement, main: str) -> bool:
    """Whether the nearest text before or after ``block`` is a paragraph of the extracted
    article (at least ``_BESIDE_MIN_CHARS`` of it)."""
    before = _nearest_text(block, preceding=True)
    if len(before) >= _BESIDE_MIN_CHARS and before[-60:] in main:
        return True
    after = _nearest_text(block, preceding=False)
    return len(after) >= _BESIDE_MIN_CHARS and after[:60] in main


# Text no reader sees: a script's JSON (an article's JSON-LD repeats its text and names its
# publisher), a style sheet, the page's <head>.
_UNSEEN = "ancestor::head or ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"
_UNSEEN_TAGS = frozenset({"head", "script", "style", "noscript", "template"})
_SEEN_TEXTS = lxml.etree.XPath(f".//text()[not({_UNSEEN})]")


def _seen(node: Any) -> bool:
    """Whether a text node of the tree is text a reader sees (not in a script, style or <head>)."""
    holder = node.getparent()
    if holder is not None and getattr(node, "is_tail", False):
        holder = holder.getparent()
    while holder is not None:
        if holder.tag in _UNSEEN_TAGS:
            return False
        holder = holder.getparent()
    return True


def _text_of(el: lxml.html.HtmlElement) -> str:
    return fold_spaces(" ".join(_SEEN_TEXTS(el))).strip()


def edge_blocks(
    tree: lxml.html.HtmlElement, paragraphs: list[str], texts: PageTexts | None = None
) -> tuple[object, object]:
    """The block elements holding the start of the first extracted paragraph and the end of
    the last, found by a piece of their text in one search of the page's text nodes (a shorter
    piece when a tag splits the longer one); None for one the text nodes do not hold whole."""
    first = fold_spaces(paragraphs[0]).strip()
    last = fold_spaces(paragraphs[-1]).strip()
    found: list[object] = [None, None]
    for size in (30, 12):
        pieces = [first[:size].strip(), last[-size:].strip()]
        wanted = [i for i in (0, 1) if found[i] is None and len(pieces[i]) >= 8]
        if not wanted:
            break
        # The few text nodes holding a piece, then those a reader sees (testing every text
        # node's ancestors in the search itself costs more than the search).
        nodes = [
            node
            for node in texts_holding(tree, [pieces[wanted[0]], pieces[wanted[-1]]], texts)
            if _seen(node)
        ]
        for i in wanted:
            hits = [node for node in nodes if pieces[i] in node]
            if hits:
                node = hits[0] if i == 0 else hits[-1]
                holder = node.getparent()
                if holder is not None and getattr(node, "is_tail", False):
                    holder = holder.getparent()
                found[i] = block_of(holder) if holder is not None else None
    return found[0], found[1]


def texts_beside(block: lxml.html.HtmlElement, preceding: bool, count: int, main: str) -> list[str]:
    """Up to ``count`` short texts next to ``block`` (:func:`_neighbours`), nearest first, until a
    long text or a paragraph of ``main``."""
    out: list[str] = []
    for text in _neighbours(block, preceding, _text_of):
        if len(text.split()) > _BESIDE_MAX_WORDS or text[:60] in main:
            break
        out.append(text)
        if len(out) == count:
            break
    return out


# Elements that hold a whole page, not one article.
_PAGE_TAGS = frozenset(("html", "body"))
_TITLES = lxml.etree.XPath("//h1")


def article_head(tree: lxml.html.HtmlElement, first: object) -> set[lxml.html.HtmlElement]:
    """The elements between the article's title (the last ``<h1>`` before its text that shares
    an element below ``<body>`` with it) and the block of its first extracted paragraph
    (``first``, from :func:`edge_blocks`): its meta line, byline and standfirst; empty when the
    page has no such title."""
    if not isinstance(first, lxml.html.HtmlElement):
        return set()
    region = title = None
    for h1 in _TITLES(tree):
        common = _common_ancestor(first, h1)
        if common is not None and common.tag not in _PAGE_TAGS and common is not h1:
            if region is None or region in set(common.iterancestors()) or common is region:
                region, title = common, h1
    if region is None or title is None:
        return set()
    head: set[lxml.html.HtmlElement] = set()
    started = False
    for el in region.iter():
        if el is first:
            return head
        if started and title not in set(el.iterancestors()):
            head.add(el)
        started = started or el is title
    return set()  # the title comes after the text


def _common_ancestor(
    a: lxml.html.HtmlElement, b: lxml.html.HtmlElement
) -> lxml.html.HtmlElement | None:
    """The lowest element holding both ``a`` and ``b`` (either one itself, if it holds the
    other)."""
    above = {a, *a.iterancestors()}
    return next((el for el in (b, *b.iterancestors()) if el in above), None)
