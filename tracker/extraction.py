"""Main text and metadata of an article page, with trafilatura doing the extraction.

tracker does not write an extractor of its own: trafilatura finds the main text; this module
asks it for metadata too, fills the gaps it leaves (full publication timestamps from markup,
language from the ``<html lang>`` attribute or py3langid). It keeps every paragraph trafilatura
finds: what is a site's chrome (disclaimers, share prompts, comment policies) is decided per site
by :mod:`tracker.boilerplate`, with :func:`is_chrome` as the prior for sites with few pages.
"""

from __future__ import annotations

import json
import logging
import re
from copy import copy
from dataclasses import dataclass, field
from typing import Any

import lxml.etree
import lxml.html
from htmldate import find_date
from lxml.etree import strip_tags

# trafilatura's own steps, called one by one (pinned in pyproject: these are its internals;
# tests/test_extraction_fast.py checks the result against ``bare_extraction`` field by field)
from trafilatura.baseline import baseline, html2txt
from trafilatura.core import (
    ESCALATION_ACCEPT_RATIO,
    ESCALATION_JUSTEXT_RATIO,
    ESCALATION_MAX_LENGTH,
    ESCALATION_PAGE_SHARE,
    _forum_thread_page,
)
from trafilatura.external import compare_extraction, justext_rescue
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, Extractor
from trafilatura.xml import xmltotxt
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

from tracker.html import parse_html
from tracker.normalize import normalize_text

# Paragraphs that are page chrome, not article text. Each pattern must match at the start of a
# paragraph and describe the site's furniture, never the story (kept general: no site names).
_CHROME_PATTERNS = [
    r"disclaimer\s*:?\s*the (statements|views|opinions)",
    r"the (statements|views|opinions),? (views )?(and|&) opinions expressed",
    r"(share|click to share|share this( article| story)?)( on \w+)?\s*[:.]?\s*$",
    r"(follow us|like us) on (facebook|twitter|x|instagram)",
    r"(sign up|subscribe) (for|to) (our|the) (free )?(daily |weekly )?newsletter",
    r"(we welcome|comments are|please keep) (your )?(comments|moderated|civil)",
    r"comment policy\b",
    r"purchase\s*:\s*order reprint",
    r"(all rights reserved|copyright ©|© \d{4})[^.]{0,80}$",
    r"(related|related articles|read more|more from|recommended)\s*:?\s*$",
    r"advertisement\s*$",
    r"this (article|story) (is|was) (free|brought to you)[^.]{0,40}(donat|support|subscri)",
]
_CHROME = re.compile(r"^\s*(?:" + "|".join(_CHROME_PATTERNS) + ")", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")

log = logging.getLogger(__name__)


@dataclass
class Extracted:
    """What one page says about itself: metadata and main text as paragraphs."""

    title: str | None = None
    byline: str | None = None
    published: str | None = None
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The main text, paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)


def is_chrome(paragraph: str) -> bool:
    """True when a paragraph reads like site furniture (disclaimer, share prompt, comment
    policy…): the prior :mod:`tracker.boilerplate` applies to sites with too few pages to learn
    their own boilerplate from."""
    return bool(_CHROME.match(paragraph))


def _markup_metadata(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """Language, canonical URL and the precise publication time declared in the page's markup."""
    found: dict[str, str] = {}
    lang = tree.get("lang") or tree.get("xml:lang")
    if lang:
        found["language"] = lang.split("-")[0].split("_")[0].lower()
    for link in tree.iterfind(".//link[@rel]"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            found.setdefault("canonical_url", link.get("href").strip())
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        value = (meta.get("content") or "").strip()
        if (
            key in ("article:published_time", "datepublished", "og:published_time", "pubdate")
            and value
        ):
            found.setdefault("published", value)
        elif key == "og:url" and value:
            found.setdefault("og_url", value)
        elif key == "og:site_name" and _site_name(value) and "site_name" not in found:
            found["site_name"] = _site_name(value) or ""
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        if "published" in found and "site_name" in found:
            break
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get("datePublished"), str):
                found.setdefault("published", item["datePublished"].strip())
        for item in _json_ld_items(data):
            publisher = _site_name(_publisher_name(item))
            if publisher and "site_name" not in found:
                found["site_name"] = publisher
    return found


_URL_LIKE = re.compile(r"^(?:https?:|www\.)|^[\w-]+(?:\.[\w-]+)+/?$", re.I)


def _site_name(value: str | None) -> str | None:
    """A site name as declared, tidied ("@nytimes" -> "nytimes", "cleveland" -> "Cleveland");
    None for a URL or a bare domain, which name no one but the domain."""
    value = (value or "").strip().lstrip("@").strip()
    if not value or _URL_LIKE.match(value):
        return None
    if not any(ch.isupper() for ch in value) and " " not in value:
        value = value.title()
    return value


def _json_ld_items(data: object) -> list[dict]:
    """The top-level JSON-LD objects of a script, ``@graph`` members included."""
    items = data if isinstance(data, list) else [data]
    found: list[dict] = []
    for item in items:
        if isinstance(item, dict):
            found.append(item)
            graph = item.get("@graph")
            if isinstance(graph, list):
                found.extend(member for member in graph if isinstance(member, dict))
    return found


def _publisher_name(item: dict) -> str | None:
    """The site's own name in JSON-LD: a ``WebSite``'s name, or an article's ``publisher``, unless
    that publisher is also named as the article's author (a wire byline, not the site)."""
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "WebSite" in kinds and isinstance(item.get("name"), str) and item["name"].strip():
        return item["name"].strip()
    publisher = item.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    name = publisher.get("name") if isinstance(publisher, dict) else None
    if not isinstance(name, str) or not name.strip():
        return None
    authors = item.get("author")
    authors = authors if isinstance(authors, list) else [authors]
    author_names = {
        str((a.get("name") or "") if isinstance(a, dict) else a).strip().casefold()
        for a in authors
        if isinstance(a, (dict, str))
    }
    return None if name.strip().casefold() in author_names else name.strip()


def declared_url(html: str | bytes | lxml.html.HtmlElement) -> str | None:
    """The URL a page declares for itself: its ``<link rel="canonical">``, else its ``og:url``."""
    tree = html if isinstance(html, lxml.html.HtmlElement) else parse_html(html)
    if tree is None:
        return None
    markup = _markup_metadata(tree)
    return markup.get("canonical_url") or markup.get("og_url")


def _guess_language(text: str) -> str | None:
    try:
        import py3langid
    except ImportError:  # optional: markup language is used when present
        return None
    code, _ = py3langid.classify(text[:5000])
    return code


# trafilatura's fast path (no readability / jusText fallback): chosen by measurement on the
# Scrapinghub benchmark, see bench/eval_extraction.py and the README.
FAST = True
# Below this median line length (and with at least _LIST_LINES lines) an extraction is a list of
# links, tags or menu entries rather than prose.
_LIST_MEDIAN_CHARS = 20
_LIST_LINES = 10
# An extraction that is mostly table rows (this share of its words) is retried without tables,
# and the retry is kept when it still holds an article's worth of words.
_LAYOUT_TABLE_SHARE = 0.8
_LAYOUT_TABLE_ROWS = 2
_MIN_WORDS_WITHOUT_TABLE = 50


def _looks_like_a_list(text: str) -> bool:
    lengths = sorted(len(line) for line in text.split("\n") if line.strip())
    return len(lengths) >= _LIST_LINES and lengths[len(lengths) // 2] < _LIST_MEDIAN_CHARS


def _layout_table(text: str) -> bool:
    """Whether most of an extraction is table rows ("| cell | cell |"): a page laid out with a
    ``<table>`` (title, article and "related" list in one cell) flattened into one row."""
    words = len(text.split())
    rows = [line for line in text.split("\n") if line.lstrip().startswith("|")]
    # A data table has many rows; a layout table is one or two rows holding the whole page.
    if not words or not rows or len(rows) > _LAYOUT_TABLE_ROWS:
        return False
    return sum(len(row.split()) for row in rows) / words >= _LAYOUT_TABLE_SHARE


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
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # noqa: BLE001 (as trafilatura does: its JSON-LD reader has bugs)
        log.debug("JSON-LD metadata failed", exc_info=True)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author and _may_name_an_author(tree, marks):
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    metadata.date = find_date(tree, **_DATE_PARAMS, url=metadata.url)
    metadata.clean_and_trim()
    return metadata


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
        tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
    if prune_comments:
        tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
    body, text = _cascade(tree, options, url)
    # rescue: trafilatura's baseline on the raw tree, kept only when it finds more text
    if len(text) < options.min_extracted_size:
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(text):
            body, text = b_body, b_text
    if 0 < len(text) < ESCALATION_MAX_LENGTH and _covers_little(len(text), tree):
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


def _covers_little(length: int, raw: lxml.html.HtmlElement) -> bool:
    """trafilatura's ``length < ESCALATION_PAGE_SHARE * len(html2txt(raw))``, without html2txt (a
    copy, a cleaning and a walk of the page) when a bound decides: html2txt's text is the body's
    text with parts removed and at most two spaces added per element, whitespace folded."""
    body = raw.find(".//body")
    body = raw if body is None else body
    bound = len(" ".join(body.text_content().split())) + 2 * int(_ELEMENTS(body))
    if length >= ESCALATION_PAGE_SHARE * bound:
        return False
    return length < ESCALATION_PAGE_SHARE * len(html2txt(raw))


_ELEMENTS = lxml.etree.XPath("count(descendant-or-self::*)")


class _Reader:
    """trafilatura's reading of one page: its metadata, read once, and its main text, read once
    per set of options (``bare_extraction`` would read the metadata again for each)."""

    def __init__(self, tree: lxml.html.HtmlElement, url: str | None) -> None:
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


def _trafilatura(reader: _Reader, fast: bool) -> str | None:
    text = reader.text(fast, tables=True)
    if text is not None and _layout_table(text):
        # Read the page again without tables: the article's own paragraphs, not the layout cell.
        bare = reader.text(fast, tables=False)
        if bare is not None and len(bare.split()) >= _MIN_WORDS_WITHOUT_TABLE:
            return bare
    return text


def extract(
    html: str | bytes | lxml.html.HtmlElement | None,
    url: str | None = None,
    content_type: str | None = None,
) -> Extracted:
    """Extract metadata and main-text paragraphs from a page.

    Args:
        html: the page: its parsed tree (from :func:`tracker.html.parse_html`, not modified
            here), or its text or bytes (decoded and parsed here).
        url: where it was fetched from (helps trafilatura resolve relative links).
        content_type: the HTTP ``Content-Type`` header, for bytes.

    Examples:
        >>> page = "<html lang=en><head><title>Hi</title></head><body><article>"
        >>> page += "<p>" + "A long enough sentence for the extractor to keep. " * 5 + "</p></article></body></html>"
        >>> extract(page).language
        'en'
    """
    if isinstance(html, lxml.html.HtmlElement):
        tree: lxml.html.HtmlElement | None = html
    else:
        tree = parse_html(html, content_type) if html else None
    if tree is None:
        return Extracted()
    markup = _markup_metadata(tree)
    reader = _Reader(tree, url)
    raw = _trafilatura(reader, fast=FAST)
    if FAST and raw is not None and _looks_like_a_list(raw):
        # The fast path took a page of links or tags for the article: let trafilatura compare
        # its result with readability's and jusText's, as it does without the fast path.
        raw = _trafilatura(reader, fast=False)
    site_name = markup.get("site_name")
    doc = reader.metadata
    if raw is None or doc is None:
        return Extracted(
            language=markup.get("language"),
            canonical_url=markup.get("canonical_url"),
            site_name=site_name,
        )
    # Every paragraph, chrome included: the boilerplate stage decides per site what to remove.
    paragraphs = [p.strip() for p in raw.split("\n") if p.strip()]
    # The headline is metadata: extractors often repeat it as the first line of the body (after
    # any chrome line such as a share prompt).
    at = next((i for i, p in enumerate(paragraphs) if not is_chrome(p)), len(paragraphs))
    if (
        doc.title
        and at < len(paragraphs)
        and normalize_text(paragraphs[at]) == normalize_text(doc.title)
    ):
        del paragraphs[at]
    published = markup.get("published") if _ISO_DATE.match(markup.get("published", "")) else None
    text = "\n".join(paragraphs)
    return Extracted(
        title=(doc.title or None),
        byline=(doc.author or None),
        published=published or doc.date or None,
        # The site's own markup only: trafilatura falls back to the canonical target's domain
        # and to wire bylines ("Associated Press" on sfgate.com), which name someone else.
        site_name=site_name,
        language=markup.get("language") or (_guess_language(text) if text else None),
        description=(doc.description or None),
        canonical_url=markup.get("canonical_url") or markup.get("og_url"),
        paragraphs=paragraphs,
    )
