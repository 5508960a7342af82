"""trafilatura's reading of one page, step by step: what ``trafilatura.bare_extraction`` returns
for tracker's options (title, author, date, description, main text), with less work.

trafilatura's public API reads every metadata field on every call and copies the page before
each reading; tracker stores only some fields and sometimes reads a page twice (without tables,
without the fast path). Calling trafilatura's own steps (its internals: the version is pinned in
pyproject) gives the same result, field for field (``tests/test_extraction_fast.py`` checks every
corpus page against ``bare_extraction``), while:

- the metadata is read once per page, without the site name, categories, tags and licence;
- steps that cannot apply are skipped: the raw-tree prunes and the author reader on a page none
  of whose marking attributes hold the words their expressions need, the recall escalation's
  page-text measure when a bound on it decides;
- the expressions that test attributes with regular expressions (``re:test``, a call into Python
  for every element) are run only on the elements whose attributes hold a word every match needs,
  found in C, and the author reader reads the page, not a pruned copy of it
  (:mod:`tracker.trafilatura_xpaths`);
- the page's tree is copied only where a step changes it.
"""

from __future__ import annotations

import json
import logging
from copy import copy
from typing import Any

import lxml.etree
import lxml.html
from htmldate import find_date
from lxml.etree import strip_tags
from trafilatura.baseline import _spaced_text, baseline
from trafilatura.core import (
    ESCALATION_ACCEPT_RATIO,
    ESCALATION_JUSTEXT_RATIO,
    ESCALATION_MAX_LENGTH,
    ESCALATION_PAGE_SHARE,
    _forum_thread_page,
)
from trafilatura.external import compare_extraction, justext_rescue
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_json
from trafilatura.main_extractor import extract_content
from trafilatura.metadata import (
    JSON_MINIFY,
    examine_meta,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, Extractor
from trafilatura.xml import delete_element, xmltotxt
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH

from tracker.trafilatura_xpaths import (
    COMMENTS_PRUNE,
    RAW_PRUNE,
    basic_cleaning_targets,
    find_author,
    prune,
)

log = logging.getLogger(__name__)


def _options(url: str | None, fast: bool, tables: bool) -> Extractor:
    """trafilatura's options for one reading (what ``bare_extraction`` would build from ours)."""
    return Extractor(
        output_format="python",
        fast=fast,
        comments=False,
        tables=tables,
        dedup=False,
        url=url,
        with_metadata=True,
        date_params=_DATE_PARAMS,
    )


# No free-text date search: it reads "Copyright 2024" as a publication date (2024-01-01), and a
# wrong early date would make a copy look like the original.
_DATE_PARAMS: dict[str, Any] = {"original_date": True, "extensive_search": False}


def _html2txt_length(raw: lxml.html.HtmlElement, marks: str) -> int:
    """``len(trafilatura.baseline.html2txt(raw))`` for a tree whose marking attributes are in
    ``marks`` (:data:`_MARKS`)."""
    tree = copy(raw)
    body = tree.find(".//body")
    body = tree if body is None else body
    for element in basic_cleaning_targets(body, marks):
        delete_element(element)
    return len(_spaced_text(body))


def _page_metadata(tree: lxml.html.HtmlElement, url: str | None, marks: str) -> Document:
    """``trafilatura.metadata.extract_metadata`` without the fields tracker does not store
    (site name, categories, tags, licence: a quarter of trafilatura's time on a page), in its
    order, so the title, author, description, URL and date are the ones it finds. Reads the tree
    without changing it (the author and date readers prune copies of their own). ``marks``: the
    page's marking attributes (:data:`_MARKS`)."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = _meta_json(tree, metadata)
    except Exception:  # noqa: BLE001 (as trafilatura does: its JSON-LD reader has bugs)
        log.debug("JSON-LD metadata failed", exc_info=True)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author and _may_name_an_author(tree, marks):
        metadata.author = find_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    metadata.date = find_date(tree, **_DATE_PARAMS, url=metadata.url)
    metadata.clean_and_trim()
    return metadata


_JSON_SCRIPTS = lxml.etree.XPath(
    './/script[@type="application/ld+json" or @type="application/settings+json"]'
)


def _meta_json(tree: lxml.html.HtmlElement, metadata: Document) -> Document:
    """``trafilatura.metadata.extract_meta_json``: the JSON-LD scripts' metadata, each script
    minified by :func:`minified_json` rather than a substitution calling back for every space."""
    for element in _JSON_SCRIPTS(tree):
        if not element.text:
            continue
        text = normalize_json(minified_json(element.text))
        try:
            # strict=False, as trafilatura reads it
            metadata = extract_json(json.loads(text, strict=False), metadata)
        except json.JSONDecodeError:
            metadata = extract_json_parse_error(text, metadata)
    return metadata


def minified_json(text: str) -> str:
    """``JSON_MINIFY.sub(r"\\1", text)`` (whitespace outside string literals removed): the
    same matches, split out in C (a string literal is kept, a space gives None) and joined."""
    return "".join(filter(None, JSON_MINIFY.split(text)))


# The attributes trafilatura's raw-tree prune and author expressions test, every value on the
# page, read in C: each of those expressions matches an element only through one of the words
# below in one of these values, and many pages hold none of a list's words.
_MARKS = lxml.etree.XPath(
    "//@id|//@class|//@rel|//@itemprop|//@data-testid|//@data-component", smart_strings=False
)
# trafilatura.xpaths.RAW_TREE_PRUNE_XPATH, then REMOVE_COMMENTS_AND_LISTS_XPATH
_RAW_PRUNE_WORDS = ("mvp-post-add-", "infinite", "elementor-share-buttons")
_COMMENTS_WORDS = ("omment", "comol", "disqus_thread")
# trafilatura.xpaths.AUTHOR_XPATHS ("uthor" for author and Author, "yline" for Byline), which also
# match <author> elements and a <rel> child reading "me"
_AUTHOR_WORDS = (
    "uthor",
    "byl",
    "yline",
    "BBL",
    "username",
    "screenname",
    "writer",
    "zuozhe",
    "bianji",
    "xiaobian",
    "channel-name",
    "submitted-by",
    "posted-by",
    "journalist-name",
)
_AUTHOR_TAGS = ("author", "rel")


def _may_name_an_author(tree: lxml.html.HtmlElement, marks: str) -> bool:
    """False when none of trafilatura's author expressions can match (its author reader would
    copy and prune the page only to find nothing)."""
    return any(word in marks for word in _AUTHOR_WORDS) or (
        next(tree.iter(*_AUTHOR_TAGS), None) is not None
    )


def _sequence(
    tree: lxml.html.HtmlElement, options: Extractor, url: str | None, marks: str
) -> tuple:
    """``trafilatura.core.trafilatura_sequence`` for tracker's options (comments off, balanced
    focus), with the same result and less work: the raw-tree prunes are skipped on a page none of
    whose ids and classes (``marks``) hold their words; the raw tree is copied only when one of
    them applies, as they are the only steps that change it (every later one copies it or only
    reads it); the cleaned tree is copied only for the fallback extractors that read the copy; the
    page-text measure of the recall escalation is skipped when a bound on it already decides.
    Leaves ``tree`` as it is; returns (body, text)."""
    is_forum = _forum_thread_page(tree)
    prune_raw = any(word in marks for word in _RAW_PRUNE_WORDS)
    prune_comments = not is_forum and any(word in marks for word in _COMMENTS_WORDS)
    if prune_raw or prune_comments:
        tree = copy(tree)
    if prune_raw:
        prune(tree, [RAW_PRUNE, *RAW_TREE_PRUNE_XPATH[1:]])
    if prune_comments:
        prune(tree, [COMMENTS_PRUNE])
    body, text = _cascade(tree, options, url)
    # rescue: trafilatura's baseline on the raw tree, kept only when it finds more text
    if len(text) < options.min_extracted_size:
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(text):
            body, text = b_body, b_text
    if 0 < len(text) < ESCALATION_MAX_LENGTH and _covers_little(len(text), tree, marks):
        # a short extraction of a long page: trafilatura retries in recall mode
        r_options = copy(options)
        r_options.focus = "recall"
        r_text = j_text = ""
        try:
            r_body, r_text = _cascade(tree, r_options, url)
        except Exception:  # noqa: BLE001 (as trafilatura does: a failed retry keeps the result)
            log.debug("recall retry failed: %s", url, exc_info=True)
        if not options.fast:
            try:
                j_body, j_text = justext_rescue(copy(tree), options)
            except Exception:  # noqa: BLE001 (likewise)
                log.debug("justext candidate failed: %s", url, exc_info=True)
        length, r_len, j_len = len(text), len(r_text), len(j_text)
        if j_len > r_len and j_len > ESCALATION_JUSTEXT_RATIO * length:
            body, text = j_body, j_text
        elif r_len >= options.min_extracted_size and r_len > ESCALATION_ACCEPT_RATIO * length:
            body, text = r_body, r_text
    return body, text


def _cascade(raw: lxml.html.HtmlElement, options: Extractor, url: str | None) -> tuple:
    """trafilatura's main extractor on a cleaned copy of ``raw``, then, off the fast path, its
    comparison with readability's and jusText's readings."""
    cleaned = tree_cleaning(copy(raw), options)
    backup = None if options.fast else copy(cleaned)
    body, text = extract_content(convert_tags(cleaned, options, url), options)
    if backup is not None:
        body, text = compare_extraction(backup, copy(raw), body, text, options)
    return body, text


def _covers_little(length: int, raw: lxml.html.HtmlElement, marks: str) -> bool:
    """trafilatura's ``length < ESCALATION_PAGE_SHARE * len(html2txt(raw))``, without html2txt (a
    copy, a cleaning and a walk of the page) when a bound decides: html2txt's text is the body's
    text with parts removed and at most two spaces added per element, whitespace folded."""
    body = raw.find(".//body")
    body = raw if body is None else body
    bound = len(" ".join(body.text_content().split())) + 2 * int(_ELEMENTS(body))
    if length >= ESCALATION_PAGE_SHARE * bound:
        return False
    return length < ESCALATION_PAGE_SHARE * _html2txt_length(raw, marks)


_ELEMENTS = lxml.etree.XPath("count(descendant-or-self::*)")


class Reader:
    """trafilatura's reading of one page: its metadata, read once, and its main text, read once
    per set of options (``bare_extraction`` would read the metadata again for each)."""

    def __init__(self, tree: lxml.html.HtmlElement, url: str | None) -> None:
        if tree.getparent() is not None:
            # A part of a page: bare_extraction reads its copy, the root of a document of its own,
            # and trafilatura's expressions that start at the document's root ("//") see only it.
            tree = copy(tree)
        self.tree = tree
        self.url = url
        self.marks = "\n".join(_MARKS(tree))
        # bare_extraction discards a page whose metadata reading fails with these errors
        try:
            self.metadata: Document | None = _page_metadata(tree, url, self.marks)
        except (TypeError, ValueError):
            self.metadata = None

    def text(self, fast: bool, tables: bool) -> str | None:
        """The main text (``bare_extraction``'s ``text``), None when trafilatura finds none."""
        if self.metadata is None:
            return None
        options = _options(self.url, fast, tables)
        try:
            # ours stays whole for the other readers: _sequence prunes only copies
            body, text = _sequence(self.tree, options, options.url or self.metadata.url, self.marks)
        except (TypeError, ValueError):
            return None
        if len(text) < options.min_output_size and options.min_output_comm_size > 0:
            return None
        if options.max_tree_size and len(body) > options.max_tree_size:
            strip_tags(body, "hi")
            if len(body) > options.max_tree_size:
                return None
        return xmltotxt(body, options.formatting)
