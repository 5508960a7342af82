"""The credits a page declares: which other site or page it says the article came from.

Three sources of evidence, read from the page's one parsed tree (:mod:`tracker.html`):

* **markup**: a cross-site ``<link rel="canonical">`` or ``og:url``, ``syndication-source`` and
  ``original-source`` meta/link tags, JSON-LD ``isBasedOn``/``isBasedOnUrl``;
* **phrases** (:mod:`tracker.credit_phrases`, lists in ``tracker/data/credit_phrases.yml``) in
  the page's visible text ("This article originally appeared on X", "Go to Original – site",
  "Source: X", "Via X"…), with or without a link. The visible lines around trigger words are read
  (:mod:`tracker.visible_text`), not only the extracted main text, because extractors tend to
  drop exactly these closing credit lines;
* **links** in the extracted article body to other sites (``kind = 'link'``): candidates that
  provenance counts only when the target is another member of the same cluster;

and, kept apart (:func:`beside_lines`), the **lines beside the article** that the extractor left
out (``kind = 'line'``, no target): short lines right after its last paragraph or before its
first (a credit box in an ``<aside>``); provenance counts one only when it names another member's
site (a mention).

A credit to the page's own site is never reported: sites link their own "originally published on"
footers to themselves, and a same-site canonical is just the page naming itself. "Own site" also
covers the same name under another public suffix (``businessinsider.com`` -> ``businessinsider.de``)
and, for credits that give only a name, the site's name ("Live Science" on ``livescience.com``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from tracker.credit_phrases import (
    MAX_EVIDENCE,
    about_the_article,
    compact,
    phrase_credits,
    phrases,
    sentence_around,
)
from tracker.html import parse_html
from tracker.origin_lines import (
    claims_original,
    origin_label,
    tells_of_a_copy,
    tells_of_later_copy,
)
from tracker.urls import normalize_url, resolve_link, site_of
from tracker.visible_text import (
    SPACES,
    Line,
    block_of,
    candidate_lines,
    nodes_with,
    readable,
    visible,
)

MAX_LINK_EVIDENCE = 120


@dataclass(frozen=True)
class Credit:
    """One credit a page declares: what kind, the evidence, and whom it credits."""

    kind: str
    evidence: str
    target_url: str | None
    target_site: str | None
    target_name: str | None

    def as_dict(self) -> dict:
        """The row stored in ``attributions`` (see ``tracker.store.store_credits``)."""
        return asdict(self)


def _brand(site: str) -> str:
    """A site's name without its public suffix: ``businessinsider.de`` and ``businessinsider.com``
    are one publisher. Loopback and IP sites are their own brand (test webs differ by port)."""
    if ":" in site or site.replace(".", "").isdigit():
        return site
    return site.split(".")[0]


class _Page:
    """The page's own identity, to resolve links and to tell self-credits from credits."""

    def __init__(self, tree: lxml.html.HtmlElement | None, url: str) -> None:
        self.url = normalize_url(url) if url else ""
        self.base = self.url
        self.site = site_of(self.url) if self.url else ""
        self.brand = _brand(self.site) if self.site else ""
        self._resolved: dict[str, str | None] = {}
        names = {self.site, self.brand} if self.site else set()
        if tree is not None:
            base = tree.find(".//base[@href]")
            if base is not None and base.get("href", "").strip():
                self.base = urljoin(self.url, base.get("href").strip())
            for meta in tree.iterfind(".//meta[@content]"):
                key = (meta.get("property") or meta.get("name") or "").lower()
                if key in ("og:site_name", "application-name", "publisher", "twitter:site"):
                    names.add(meta.get("content", "").lstrip("@"))
        self.names = {compact(n) for n in names if n and compact(n)}

    def resolve(self, href: str | None) -> str | None:
        """An absolute, normalised http(s) URL for ``href``, or None (one normalisation per
        distinct ``href``: pages repeat their links)."""
        if href is None:
            return None
        if href not in self._resolved:
            self._resolved[href] = resolve_link(self.base, href)
        return self._resolved[href]

    def links_home(self, href: str) -> bool:
        """Whether ``href`` plainly points to the page's own site, told without normalising the
        URL (the costly part of :meth:`resolve`): normalising changes no host's site."""
        try:
            return self.is_self(site_of(urljoin(self.base, href)), None)
        except ValueError:  # a malformed host or port: left to resolve()
            return False

    def is_self(self, target_site: str | None, target_name: str | None) -> bool:
        if target_site:
            return target_site == self.site or _brand(target_site) == self.brand
        if target_name:
            short = compact(target_name)
            # "Al Jazeera News" on aljazeera.com, "Live Science" on livescience.com
            brand = compact(self.brand)
            return short in self.names or (len(brand) >= 3 and short.startswith(brand))
        return False


class _Collector:
    """Credits in order of discovery, with duplicates (same kind and target) and self-credits dropped."""

    def __init__(self, page: _Page) -> None:
        self.page = page
        self.credits: list[Credit] = []
        self._seen: set[tuple[str, str]] = set()

    def add(
        self, kind: str, evidence: str, url: str | None, name: str | None, site: str | None = None
    ) -> None:
        name = SPACES.sub(" ", name).strip() if name else None
        if url:
            site = site_of(url)
        if not url and not site and not name:
            return
        if self.page.is_self(site, name):
            return
        keys = {(kind, target) for target in (url or site, compact(name or "")) if target}
        if keys & self._seen:
            return
        self._seen |= keys
        evidence = evidence.strip()[:MAX_EVIDENCE]
        self.credits.append(Credit(kind, evidence, url, site, name or None))


def _tag_evidence(tag: str, attrs: dict[str, str]) -> str:
    rendered = " ".join(f'{k}="{v[:200]}"' for k, v in attrs.items())
    return f"<{tag} {rendered}>"


def _json_ld_targets(data: object, depth: int = 0) -> list[tuple[str, object]]:
    """Every ``isBasedOn``/``isBasedOnUrl`` value anywhere in a JSON-LD document."""
    if depth > 20:
        return []
    found: list[tuple[str, object]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("isBasedOn", "isBasedOnUrl"):
                for item in value if isinstance(value, list) else [value]:
                    found.append((key, item))
            elif isinstance(value, (dict, list)):
                found.extend(_json_ld_targets(value, depth + 1))
    elif isinstance(data, list):
        for item in data:
            found.extend(_json_ld_targets(item, depth + 1))
    return found


_META_KINDS = {
    "og:url": "og:url",
    "syndication-source": "syndication-source",
    "original-source": "original-source",
}


def _markup_credits(tree: lxml.html.HtmlElement, page: _Page, out: _Collector) -> None:
    for link in tree.iterfind(".//link[@href]"):
        rels = (link.get("rel") or "").lower().split()
        href = link.get("href", "").strip()
        for rel, kind in (("canonical", "canonical"), ("original-source", "original-source")):
            if rel in rels:
                target = page.resolve(href)
                if target:
                    out.add(kind, _tag_evidence("link", {"rel": rel, "href": href}), target, None)
    for meta in tree.iterfind(".//meta[@content]"):
        attr = "property" if meta.get("property") else "name"
        key = (meta.get(attr) or "").strip().lower()
        if key not in _META_KINDS:
            continue
        content = meta.get("content", "").strip()
        target = page.resolve(content)
        if target:
            out.add(
                _META_KINDS[key],
                _tag_evidence("meta", {attr: key, "content": content}),
                target,
                None,
            )
    for script in tree.iterfind(".//script[@type]"):
        if "ld+json" not in script.get("type", "").lower() or "isBasedOn" not in (
            script.text or ""
        ):
            continue
        try:
            data = json.loads(
                script.text.strip().removeprefix("<!--").removesuffix("-->"), strict=False
            )
        except ValueError:
            continue
        for key, value in _json_ld_targets(data):
            url = name = None
            if isinstance(value, str):
                url = value
            elif isinstance(value, dict):
                url = value.get("url") or value.get("@id")
                name = value.get("name") if isinstance(value.get("name"), str) else None
                url = url if isinstance(url, str) else None
            target = page.resolve(url)
            if target or name:
                shown = json.dumps(value, ensure_ascii=False)[:200]
                out.add("isBasedOn", f'"{key}": {shown}', target, name)


# Links that can leave the page's site (relative ones cannot, without a <base>), picked in C.
_ABSOLUTE_LINKS = lxml.etree.XPath("//a[contains(@href, '//')]")


# A neighbour's text this long at least, to tell an article's paragraph from a stray word; a
# link's block is beside the article when its nearest neighbour, among its own siblings or those
# of its ancestors up to this many levels, is such a paragraph.
_BESIDE_MIN_CHARS = 40
_BESIDE_LEVELS = 2
_LIST_CELLS = frozenset({"li", "td", "th", "dt", "dd", "option"})
# Lines beside the article kept as ``line`` candidates: this many after its last paragraph and
# before its first, each this short at most (a credit line, not a paragraph of other text).
_BESIDE_AFTER = 3
_BESIDE_BEFORE = 2
_BESIDE_MAX_WORDS = 30


def _link_credits(
    tree: lxml.html.HtmlElement, paragraphs: list[str], page: _Page, out: _Collector
) -> None:
    """Candidate ``link`` credits: each distinct off-site link inside the extracted article body.
    Provenance counts one only when its target is another member of the same cluster."""
    if not paragraphs:
        return
    # whitespace folded alike on both sides (\s covers no-break spaces)
    main = SPACES.sub(" ", " ".join(paragraphs))
    credited = {c.target_url for c in out.credits if c.target_url}
    # relative links stay on the page's own site unless a <base> sends them elsewhere
    relative_is_own = site_of(page.base) == page.site if page.base else True
    anchors = _ABSOLUTE_LINKS(tree) if relative_is_own else tree.iter("a")
    in_main: dict[lxml.html.HtmlElement, bool] = {}
    for anchor in anchors:
        href = (anchor.get("href") or "").strip()
        if not href or (relative_is_own and "//" not in href[:8]):
            continue
        raw = anchor.text if len(anchor) == 0 else anchor.text_content()
        label = SPACES.sub(" ", raw or "").strip()
        if not label:
            continue
        holder = block_of(anchor)
        # "Zum Originalartikel": a link saying it leads to the original is read wherever a reader
        # sees it (a call-out box, under the author's bio)
        labelled = origin_label(label)
        if labelled:
            if not readable(anchor):
                continue
        elif holder not in in_main:  # links share blocks: each block's text is read once
            if label in main:
                block = SPACES.sub(" ", _text_with_breaks(holder)).strip()
                # the link's own line is article text: its start or end is in the extracted body,
                # or the words just before the link with its label are (extraction may drop a
                # date from a dateline: "GENEVA, <time>…</time> — Reposted from <a>here</a>")
                in_main[holder] = (
                    block[:60] in main or block[-60:] in main or _led_in(anchor, label, main)
                )
            else:
                # a line of links the extractor dropped ("Read the original article"), right
                # after or before a paragraph of the article; a list item or table cell is
                # navigation, not such a line
                in_main[holder] = holder.tag not in _LIST_CELLS and _beside_main(holder, main)
        if not labelled and not in_main[holder]:
            continue
        if page.links_home(href):  # most links in an article stay on its site
            continue
        target = page.resolve(href)
        if not target or target in credited or page.is_self(site_of(target), None):
            continue
        if _links_the_copy(holder, label):
            continue  # the original's note on its copier links the copy (often archived)
        credited.add(target)
        out.add("link", label[:MAX_LINK_EVIDENCE], target, None)


# The word right before a link that makes it the source, whatever the sentence tells
# ("Republished by Basalt Wire with permission of <a>Harbour Voice</a>").
_SOURCE_BEFORE = re.compile(r"\b(?:from|of|via|courtesy)\W*$", re.I)


def _links_the_copy(holder: lxml.html.HtmlElement, label: str) -> bool:
    """Whether the sentence holding a link's ``label`` (its first one in ``holder``'s text)
    tells of a later or unauthorised copy ("Basalt Wire copied this story without permission
    (<a>archived copy</a>)", "later republished by <a>Basalt Wire</a>"), the link not coming
    right after a word naming a source ("… with permission of <a>Harbour Voice</a>")."""
    text = SPACES.sub(" ", _text_with_breaks(holder)).strip()
    at = text.find(label)
    sentence = sentence_around(text, at, at + len(label)) if at >= 0 else text
    return tells_of_a_copy(sentence) and not (at >= 0 and _SOURCE_BEFORE.search(text[:at]))


# Words of text right before a link that, with its label, show the link's line was extracted.
_LEAD_WORDS = 2


def _led_in(anchor: lxml.html.HtmlElement, label: str, main: str) -> bool:
    """Whether the text right before ``anchor`` (at least ``_LEAD_WORDS`` words, up to the
    previous element) and its label are in ``main``, joined as a reader reads them."""
    previous = anchor.getprevious()
    parent = anchor.getparent()
    before = previous.tail if previous is not None else parent.text if parent is not None else ""
    words = SPACES.sub(" ", before or "").split(" ")
    lead = " ".join(w for w in words[-6:] if w)
    if sum(1 for w in lead.split() if any(c.isalnum() for c in w)) < _LEAD_WORDS:
        return False
    return f"{lead} {label}" in main


# The text of an element and of its descendants, in document order, with each <br> in it.
_TEXTS_AND_BREAKS = lxml.etree.XPath("descendant-or-self::text() | descendant::br")


def _text_with_breaks(element: lxml.html.HtmlElement) -> str:
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
    return SPACES.sub(" ", el.text_content()).strip()


def _nearest_text(block: lxml.html.HtmlElement, preceding: bool) -> str:
    """The nearest text with words before (or after) ``block`` (:func:`_neighbours`); "" when
    there is none."""
    return next(_neighbours(block, preceding, _content), "")


def _beside_main(block: lxml.html.HtmlElement, main: str) -> bool:
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
_HOLDING = lxml.etree.XPath("//text()[contains(., $a) or contains(., $b)]")


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
    return SPACES.sub(" ", " ".join(_SEEN_TEXTS(el))).strip()


def _edge_blocks(tree: lxml.html.HtmlElement, paragraphs: list[str]) -> tuple[object, object]:
    """The block elements holding the start of the first extracted paragraph and the end of
    the last, found by a piece of their text in one search of the page's text nodes (a shorter
    piece when a tag splits the longer one); None for one the text nodes do not hold whole."""
    first = SPACES.sub(" ", paragraphs[0]).strip()
    last = SPACES.sub(" ", paragraphs[-1]).strip()
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
            for node in _HOLDING(tree, a=pieces[wanted[0]], b=pieces[wanted[-1]])
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


def _texts_beside(
    block: lxml.html.HtmlElement, preceding: bool, count: int, main: str
) -> list[str]:
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


def beside_lines(tree: lxml.html.HtmlElement | None, paragraphs: list[str]) -> list[Credit]:
    """Short lines right after the article's last paragraph, or right before its first, that
    the extractor left out (a credit box in an ``<aside>`` or the article's ``<footer>``), as
    ``line`` credits with no target. Provenance reads them as it reads the article's own edge
    lines: a credit only when one names another member of the story (a mention).

    Args:
        tree: the page's parsed tree (not modified).
        paragraphs: the extracted main text.
    """
    if tree is None or not paragraphs:
        return []
    main = " ".join(paragraphs)  # trafilatura's paragraphs: whitespace already folded
    lines: list[str] = []
    first, last = _edge_blocks(tree, paragraphs)
    if isinstance(last, lxml.html.HtmlElement):
        lines += _texts_beside(last, False, _BESIDE_AFTER, main)
    if isinstance(first, lxml.html.HtmlElement):
        lines += _texts_beside(first, True, _BESIDE_BEFORE, main)
    out: list[Credit] = []
    for line in dict.fromkeys(text[:MAX_EVIDENCE] for text in lines):
        if len(line.split()) >= 2:
            out.append(Credit("line", line, None, None, None))
    return out


# A line about the article's original ("The original version of this article appeared as
# <link>", "This post was originally published elsewhere", "Originally posted at <link>"): its
# links are ``link`` candidates even outside the article body, when no phrase read the line.
_ORIGIN_WORD = re.compile(r"\borigin", re.IGNORECASE)


def _unlinked_text(line: Line) -> str:
    """The line's text without its links' labels."""
    text = line.text
    for link in sorted(line.links, key=lambda link: link.start, reverse=True):
        text = text[: link.start] + " " + text[link.end :]
    return text


def _add_phrases(line: Line, page: _Page, out: _Collector) -> list[tuple[str, str]]:
    """Add the line's phrase credits; return its links to read as ``link`` candidates (label,
    target) when no phrase read it and it is about the article's original."""
    found = phrase_credits(line, page.resolve)
    for credit in found:
        out.add(
            credit.kind, credit.evidence, credit.target_url, credit.target_name, credit.target_site
        )
    if found or not line.links or not _ORIGIN_WORD.search(line.text):
        return []
    if (
        not about_the_article(line.text)
        or tells_of_later_copy(line.text)
        or claims_original(_unlinked_text(line))
    ):
        return []  # "Link to the original study: <link>" is about something else
    links = []
    for link in line.links:
        if page.links_home(link.href):
            continue
        target = page.resolve(link.href)
        if target and not page.is_self(site_of(target), None):
            links.append(((link.text or line.text)[:MAX_LINK_EVIDENCE], target))
    return links


def find_credits(
    html: str | bytes | lxml.html.HtmlElement | None,
    url: str,
    paragraphs: list[str] | None = None,
) -> list[Credit]:
    """Find the credits a page declares to other sites: markup first, then phrases in its text,
    then the off-site links of its article body.

    Args:
        html: the page's parsed tree (from :func:`tracker.html.parse_html`; not modified), or
            the page as fetched.
        url: the page's own URL (relative links resolve against it, or its ``<base href>``).
        paragraphs: the extracted main text, when known; read as well as the visible page text,
            and where ``link`` credits are looked for.

    Returns:
        The credits, without duplicates and without credits to the page's own site.

    Examples:
        >>> page = '<p>This article originally appeared on <a href="https://theatlantic.com/x">The Atlantic</a>.</p>'
        >>> [(c.kind, c.target_site, c.target_name) for c in find_credits(page, "https://citylab.com/y")]
        [('originally-appeared', 'theatlantic.com', 'The Atlantic')]
    """
    if isinstance(html, lxml.html.HtmlElement):
        tree: lxml.html.HtmlElement | None = html
    else:
        tree = parse_html(html) if html else None
    page = _Page(tree, url)
    out = _Collector(page)
    origin_links: list[tuple[str, str]] = []
    if tree is not None:
        _markup_credits(tree, page, out)
        for line in candidate_lines(tree, phrases().trigger):
            origin_links += _add_phrases(line, page, out)
    lines = [visible(text) for paragraph in paragraphs or [] for text in paragraph.splitlines()]
    for index in nodes_with(phrases().trigger, lines):  # only lines with a trigger word
        _add_phrases(Line(SPACES.sub(" ", lines[index]).strip(), [], False), page, out)
    if tree is not None:
        _link_credits(tree, paragraphs or [], page, out)
    credited = {c.target_url for c in out.credits if c.target_url}
    for label, target in origin_links:
        if target not in credited:
            credited.add(target)
            out.add("link", label, target, None)
    return out.credits
