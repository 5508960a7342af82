"""trafilatura's XPath expressions that test attributes with regular expressions, run with
less work: the same elements, in the same order.

lxml runs an expression's ``re:test`` by calling Python for every element it tests, which makes
trafilatura's raw-tree prunes, its author reader (and the prune before it) and html2txt's
cleaning the costliest XPaths of a page. Here each runs only on the elements whose attributes
hold a word that every match needs, found in C by reading attribute values alone
(:class:`Prefiltered`); the author reader reads the page itself instead of a pruned copy of all
of it (:func:`find_author`). ``tests/test_extraction_xpaths.py`` checks each against trafilatura's
own expressions on made-up pages for every branch and on every corpus page.
"""

from __future__ import annotations

import re
from copy import deepcopy

import lxml.etree
import lxml.html
from trafilatura.json_metadata import normalize_authors
from trafilatura.settings import BASIC_CLEAN_XPATH
from trafilatura.utils import trim
from trafilatura.xml import delete_element
from trafilatura.xpaths import (
    AUTHOR_DISCARD_XPATHS,
    AUTHOR_XPATHS,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
)

_RE_NS = {"re": "http://exslt.org/regular-expressions"}


class Prefiltered:
    """One of trafilatura's expressions, ``.//*[...]`` or ``//*[...]`` (``|//author`` allowed),
    with the same elements in the same order, found with less work: its ``re:test`` calls go
    into Python for every element of the page, while the ``candidates`` expression reads only
    attribute values, in C, and keeps the elements that may match: those whose attributes hold
    a word every match of the expression needs. The expression's own tests are then run on
    those few elements alone (the ``self::`` form of its steps).

    Args:
        expression: trafilatura's compiled expression (its ``path`` gives the tests).
        candidates: an expression selecting, in document order, a superset of its elements
            (``tests/test_extraction_xpaths.py`` checks that on every corpus page and on made-up
            pages for each of the expression's branches).
    """

    def __init__(self, expression: lxml.etree.XPath, candidates: str) -> None:
        self.expression = expression
        self.candidates = lxml.etree.XPath(candidates)
        path = " ".join(expression.path.split())
        author = path.endswith("|//author")
        path = path.removesuffix("|//author")
        for prefix in (".//*[", "//*["):
            if path.startswith(prefix):
                own = "self::*" + path[len(prefix) - 1 :] + ("|self::author" if author else "")
                self.keeps: lxml.etree.XPath | None = lxml.etree.XPath(
                    f"boolean({own})", namespaces=_RE_NS
                )
                break
        else:  # not a shape read here: trafilatura's expression itself
            self.keeps = None

    def __call__(self, tree: lxml.html.HtmlElement) -> list:
        if self.keeps is None:
            return list(self.expression(tree))
        return [element for element in self.candidates(tree) if self.keeps(element)]


def _holding(attribute: str, words: tuple[str, ...], equal: tuple[str, ...] = ()) -> str:
    """``@attribute`` nodes whose value holds one of ``words`` or is one of ``equal``."""
    tests = [f"contains(., '{w}')" for w in words] + [f".='{w}'" for w in equal]
    return f"{attribute}[{' or '.join(tests)}]"


def _parents(steps: list[str], tags: str = "*") -> str:
    """The elements, in document order, owning one of the attribute nodes of ``steps``."""
    kept = "*" if tags == "*" else "*[" + " or ".join(f"self::{t}" for t in tags.split()) + "]"
    return "(" + " | ".join(steps) + f")/parent::{kept}"


# Every match of these expressions holds, in the attributes named, one of these words: each
# regular expression's alternatives ("^[Cc]omment(?!ary)" needs "omment", "[Aa]uthor" "uthor").
# ".//*" is every element under the one read (descendant::*), "//*" every element of the page.
COMMENTS_PRUNE = Prefiltered(
    REMOVE_COMMENTS_AND_LISTS_XPATH[0],
    _parents(
        [
            _holding("descendant::*/@id", ("omment", "comol", "disqus_thread")),
            _holding("descendant::*/@class", ("omment",)),
        ],
        "div list section details ol ul",
    ),
)
RAW_PRUNE = Prefiltered(
    RAW_TREE_PRUNE_XPATH[0],
    _parents(
        [
            _holding("descendant::*/@id", ("mvp-post-add-", "infinite")),
            _holding("descendant::*/@class", ("mvp-post-add-", "infinite")),
        ],
        "div section aside",
    ),
)
AUTHOR_DISCARD = Prefiltered(
    AUTHOR_DISCARD_XPATHS[0],
    _parents(
        [
            _holding("descendant::*/@id", ("comment", "ProductReviews")),
            _holding(
                "descendant::*/@class",
                (
                    "omment",
                    "sidebar",
                    "is-hidden",
                    "quote",
                    "embedly-instagram",
                    "article-share",
                    "article-support",
                    "print",
                    "category",
                    "meta-date",
                    "meta-reviewer",
                ),
                ("title", "date"),
            ),
            _holding("descendant::*/@data-component", ("Figure",)),
        ],
        "a div section span",
    ),
)
AUTHOR_FIRST = Prefiltered(
    AUTHOR_XPATHS[0],
    _parents(
        [
            _holding("//@rel", (), ("author",)),
            _holding("//@id", (), ("author",)),
            _holding("//@class", ("uthor",)),
            _holding("//@itemprop", (), ("author name",)),
            _holding("//@data-testid", (), ("AuthorCard", "AuthorURL")),
        ],
        "a address div link p span strong",
    )
    # "rel='me'": a <rel> child element reading "me"
    + "|//rel[.='me']/parent::*[self::a or self::address or self::div or self::link or self::p"
    " or self::span or self::strong]|//author",
)
_AUTHOR_WORDS_ID = ("author", "zuozhe", "bianji", "xiaobian")
AUTHOR_SECOND = Prefiltered(
    AUTHOR_XPATHS[1],
    _parents(
        [
            _holding(
                "//@class",
                (*_AUTHOR_WORDS_ID, "channel-name", "submitted-by", "posted-by", "journalist-name"),
                ("byline", "username", "byl", "BBL"),
            ),
            _holding("//@itemprop", ("author",)),
            _holding("//@id", _AUTHOR_WORDS_ID),
        ],
        "a div h3 h4 p span",
    ),
)
AUTHOR_LAST = Prefiltered(
    AUTHOR_XPATHS[2],
    _parents(
        [
            _holding("//@data-component", ("Byline",)),
            _holding("//@itemprop", ("author",)),
            _holding("//@id", ("uthor",)),
            _holding("//@class", ("uthor", "screenname", "writer", "yline")),
        ]
    ),
)
AUTHOR_READINGS = (AUTHOR_FIRST, AUTHOR_SECOND, AUTHOR_LAST)
# trafilatura.settings.BASIC_CLEAN_XPATH is its tag steps, then a case-blind re:test of class
# and id (cookie banners) whose every match holds one of these words, matched as it matches them.
_BASIC_CLEAN_TAGS, _, _BASIC_CLEAN_TEST = " ".join(BASIC_CLEAN_XPATH.path.split()).partition(
    "|.//*[re:test("
)
COOKIE_WORDS = re.compile("cookie|consent|borlabs|cmplz|onetrust|moove", re.IGNORECASE)
_BASIC_CLEAN_TAG_STEPS = lxml.etree.XPath(_BASIC_CLEAN_TAGS) if _BASIC_CLEAN_TEST else None


def basic_cleaning_targets(body: lxml.html.HtmlElement, marks: str) -> list:
    """``BASIC_CLEAN_XPATH(body)``: its tag steps alone when no class or id of the page
    (``marks``: :data:`tracker.trafilatura_steps._MARKS`) holds a word of its cookie-banner test."""
    if _BASIC_CLEAN_TAG_STEPS is None or COOKIE_WORDS.search(marks):
        return list(BASIC_CLEAN_XPATH(body))
    return list(_BASIC_CLEAN_TAG_STEPS(body))


def prune(tree: lxml.html.HtmlElement, expressions: list) -> None:
    """trafilatura's ``prune_unwanted_nodes`` (no backup): each expression's elements deleted,
    their tails kept, one expression after the other."""
    for expression in expressions:
        for element in expression(tree):
            delete_element(element)


def find_author(tree: lxml.html.HtmlElement) -> str | None:
    """``trafilatura.metadata.extract_author``: the first text of 3 to 119 characters held by an
    element its author expressions find on a copy of the page without comments, sidebars,
    dates and figures.

    Read without that copy: an element found on the page itself is skipped when it or an
    element above it would be pruned, and its text is read from a pruned copy of it alone.
    The expressions test an element's own attributes, which pruning leaves as they are, but for
    a ``<rel>`` child's text: a page with a ``<rel>`` element is read on the pruned copy."""
    if (
        AUTHOR_DISCARD.keeps is None
        or _AUTHOR_PRUNED_STEPS != [x.path for x in AUTHOR_DISCARD_XPATHS[1:]]
        or tree.getparent() is not None
        or next(tree.iter("rel"), None) is not None
    ):
        return _author_of(_pruned(tree), AUTHOR_READINGS, None)
    return _author_of(tree, AUTHOR_READINGS, _Pruned(AUTHOR_DISCARD.keeps))


def _pruned(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of ``element`` as ``extract_author`` prunes the page: comments, sidebars, titles,
    dates, then ``<time>`` and ``<figure>`` elements removed, their tails kept."""
    copied = deepcopy(element)
    prune(copied, [AUTHOR_DISCARD, AUTHOR_DISCARD_XPATHS[1]])
    return copied


class _Pruned:
    """Whether an element of the page is gone from its pruned copy (:func:`_pruned`): it or an
    element above it, below the root, is one of those removed. One answer per element."""

    def __init__(self, discarded: lxml.etree.XPath) -> None:
        self.discarded = discarded
        self.known: dict[lxml.html.HtmlElement, bool] = {}

    def __call__(self, element: lxml.html.HtmlElement) -> bool:
        chain = []
        node: lxml.html.HtmlElement | None = element
        gone = False
        while node is not None and node.getparent() is not None:  # the root is never removed
            if node in self.known:
                gone = self.known[node]
                break
            if node.tag in _AUTHOR_PRUNED_TAGS or self.discarded(node):
                gone = True
                self.known[node] = True
                break
            chain.append(node)
            node = node.getparent()
        for below in chain:
            self.known[below] = gone
        return gone


# AUTHOR_DISCARD_XPATHS[1:], elements pruned by their tag alone
_AUTHOR_PRUNED_TAGS = ("time", "figure")
_AUTHOR_PRUNED_STEPS = ["//time|//figure"]


def _author_of(
    tree: lxml.html.HtmlElement, readings: tuple[Prefiltered, ...], gone: _Pruned | None
) -> str | None:
    """``extract_metainfo(tree, AUTHOR_XPATHS, len_limit=120)``, normalised: on the pruned
    page (``gone`` None) or on the page itself, skipping what ``gone`` says is pruned."""
    for reading in readings:
        for element in reading(tree):
            if gone is not None:
                if gone(element):
                    continue
                element = _pruned(element) if len(element) else element
            content = trim(" ".join(element.itertext()))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None
