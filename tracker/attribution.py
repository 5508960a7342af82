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
from dataclasses import asdict, dataclass
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from tracker.article_edges import (
    article_head,
    beside_main,
    edge_blocks,
    led_in,
    text_with_breaks,
    texts_beside,
)
from tracker.credit_phrases import (
    MAX_EVIDENCE,
    about_the_article,
    compact,
    domain_site,
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
    Line,
    PageTexts,
    block_of,
    candidate_lines,
    fields_of,
    fold_spaces,
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
        name = fold_spaces(name).strip() if name else None
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


# JSON-LD objects whose ``creditText`` credits a picture or a clip, not the article; and the
# keys under which a work's media hang.
_MEDIA_TYPES = frozenset(
    "ImageObject VideoObject AudioObject MediaObject Photograph Clip Barcode".split()
)
_MEDIA_KEYS = frozenset("image video audio thumbnail logo photo associatedMedia".split())


def _json_ld_targets(data: object, depth: int = 0) -> list[tuple[str, object]]:
    """Every ``isBasedOn``/``isBasedOnUrl`` value anywhere in a JSON-LD document, and the
    ``creditText`` of its works that are not media (schema.org: "text that can be used to credit
    person(s) and/or organization(s) associated with a published Creative Work")."""
    if depth > 20:
        return []
    found: list[tuple[str, object]] = []
    if isinstance(data, dict):
        kinds = data.get("@type")
        media = bool(set(kinds if isinstance(kinds, list) else [kinds]) & _MEDIA_TYPES)
        for key, value in data.items():
            if key in ("isBasedOn", "isBasedOnUrl"):
                for item in value if isinstance(value, list) else [value]:
                    found.append((key, item))
            elif key == "creditText" and not media and isinstance(value, str):
                found.append((key, value))
            elif isinstance(value, (dict, list)) and key not in _MEDIA_KEYS:
                found.extend(_json_ld_targets(value, depth + 1))
    elif isinstance(data, list):
        for item in data:
            found.extend(_json_ld_targets(item, depth + 1))
    return found


def _credit_text(text: str, page: _Page, out: _Collector) -> None:
    """A work's JSON-LD ``creditText``, read as a line of the page ("Hat tip: Harbour Voice",
    "Source: harbourvoice.example"); a short one no phrase reads is the name of whom it credits
    (``creditText: "Harbour Voice"``), as provenance resolves a name."""
    line = Line(fold_spaces(text).strip()[:MAX_EVIDENCE], [], False)
    if not line.text:
        return
    before = len(out.credits)
    _add_phrases(line, page, out)
    if len(out.credits) == before and len(line.text.split()) <= _CREDIT_TEXT_WORDS:
        site = domain_site(line.text)  # a name written as a domain names that site
        out.add("creditText", f'"creditText": "{line.text}"', None, line.text, site)


# A creditText of at most this many words that no phrase reads names whom it credits.
_CREDIT_TEXT_WORDS = 6


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
        if "ld+json" not in script.get("type", "").lower() or not any(
            key in (script.text or "") for key in ("isBasedOn", "creditText")
        ):
            continue
        try:
            data = json.loads(
                script.text.strip().removeprefix("<!--").removesuffix("-->"), strict=False
            )
        except ValueError:
            continue
        for key, value in _json_ld_targets(data):
            if key == "creditText":
                _credit_text(str(value), page, out)
                continue
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


_LIST_CELLS = frozenset({"li", "td", "th", "dt", "dd", "option"})
# Lines beside the article kept as ``line`` candidates: this many after its last paragraph and
# before its first.
_BESIDE_AFTER = 3
_BESIDE_BEFORE = 2


def _link_credits(
    tree: lxml.html.HtmlElement,
    paragraphs: list[str],
    page: _Page,
    out: _Collector,
    texts: PageTexts | None = None,
) -> None:
    """Candidate ``link`` credits: each distinct off-site link inside the extracted article body.
    Provenance counts one only when its target is another member of the same cluster."""
    if not paragraphs:
        return
    # whitespace folded alike on both sides (\s covers no-break spaces)
    main = fold_spaces(" ".join(paragraphs))
    credited = {c.target_url for c in out.credits if c.target_url}
    # relative links stay on the page's own site unless a <base> sends them elsewhere
    relative_is_own = site_of(page.base) == page.site if page.base else True
    anchors = _ABSOLUTE_LINKS(tree) if relative_is_own else tree.iter("a")
    in_main: dict[lxml.html.HtmlElement, bool] = {}
    head = _Head(tree, paragraphs, texts)
    for anchor in anchors:
        href = (anchor.get("href") or "").strip()
        if not href or (relative_is_own and "//" not in href[:8]):
            continue
        raw = anchor.text if len(anchor) == 0 else anchor.text_content()
        label = fold_spaces(raw or "").strip()
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
                block = fold_spaces(text_with_breaks(holder)).strip()
                # the link's own line is article text: its start or end is in the extracted body,
                # or the words just before the link with its label are (extraction may drop a
                # date from a dateline: "GENEVA, <time>…</time> — Reposted from <a>here</a>")
                in_main[holder] = (
                    block[:60] in main or block[-60:] in main or led_in(anchor, label, main)
                )
            else:
                # a line of links the extractor dropped ("Read the original article"), right
                # after or before a paragraph of the article; a list item or table cell is
                # navigation, not such a line; or a line a reader sees between the article's
                # title and its text, its meta line ("Posted May 2 · via <a>")
                in_main[holder] = holder.tag not in _LIST_CELLS and (
                    beside_main(holder, main) or (holder in head and readable(holder))
                )
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


class _Head:
    """The article's head on its page (:func:`article_head`: between its title and its text),
    found on first use."""

    def __init__(
        self, tree: lxml.html.HtmlElement, paragraphs: list[str], texts: PageTexts | None
    ) -> None:
        self.tree, self.paragraphs, self.texts = tree, paragraphs, texts
        self.found: list[set[lxml.html.HtmlElement]] = []

    def __contains__(self, el: lxml.html.HtmlElement) -> bool:
        if not self.found:
            first, _ = edge_blocks(self.tree, self.paragraphs, self.texts)
            self.found.append(article_head(self.tree, first))
        return el in self.found[0]


# The word right before a link that makes it the source, whatever the sentence tells
# ("Republished by Basalt Wire with permission of <a>Harbour Voice</a>").
_SOURCE_BEFORE = re.compile(r"\b(?:from|of|via|courtesy)\W*$", re.I)


def _links_the_copy(holder: lxml.html.HtmlElement, label: str) -> bool:
    """Whether the sentence holding a link's ``label`` (its first one in ``holder``'s text)
    tells of a later or unauthorised copy ("Basalt Wire copied this story without permission
    (<a>archived copy</a>)", "later republished by <a>Basalt Wire</a>"), the link not coming
    right after a word naming a source ("… with permission of <a>Harbour Voice</a>")."""
    text = fold_spaces(text_with_breaks(holder)).strip()
    at = text.find(label)
    sentence = sentence_around(text, at, at + len(label)) if at >= 0 else text
    return tells_of_a_copy(sentence) and not (at >= 0 and _SOURCE_BEFORE.search(text[:at]))


def beside_lines(
    tree: lxml.html.HtmlElement | None, paragraphs: list[str], texts: PageTexts | None = None
) -> list[Credit]:
    """Short lines right after the article's last paragraph, or right before its first, that
    the extractor left out (a credit box in an ``<aside>`` or the article's ``<footer>``), as
    ``line`` credits with no target. Provenance reads them as it reads the article's own edge
    lines: a credit only when one names another member of the story (a mention).

    Args:
        tree: the page's parsed tree (not modified).
        paragraphs: the extracted main text.
        texts: the tree's text nodes, when already read (:class:`PageTexts`).
    """
    if tree is None or not paragraphs:
        return []
    main = " ".join(paragraphs)  # trafilatura's paragraphs: whitespace already folded
    lines: list[str] = []
    first, last = edge_blocks(tree, paragraphs, texts)
    if isinstance(last, lxml.html.HtmlElement):
        lines += texts_beside(last, False, _BESIDE_AFTER, main)
    if isinstance(first, lxml.html.HtmlElement):
        lines += texts_beside(first, True, _BESIDE_BEFORE, main)
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
    texts: PageTexts | None = None,
) -> list[Credit]:
    """Find the credits a page declares to other sites: markup first, then phrases in its text,
    then the off-site links of its article body.

    Args:
        html: the page's parsed tree (from :func:`tracker.html.parse_html`; not modified), or
            the page as fetched.
        url: the page's own URL (relative links resolve against it, or its ``<base href>``).
        paragraphs: the extracted main text, when known; read as well as the visible page text,
            and where ``link`` credits are looked for.
        texts: the tree's text nodes, when already read (:class:`PageTexts`).

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
        for line in candidate_lines(tree, phrases().trigger, texts):
            for field in fields_of(line):
                origin_links += _add_phrases(field, page, out)
    lines = [visible(text) for paragraph in paragraphs or [] for text in paragraph.splitlines()]
    for index in nodes_with(phrases().trigger, lines):  # only lines with a trigger word
        _add_phrases(Line(fold_spaces(lines[index]).strip(), [], False), page, out)
    if tree is not None:
        _link_credits(tree, paragraphs or [], page, out, texts)
    credited = {c.target_url for c in out.credits if c.target_url}
    for label, target in origin_links:
        if target not in credited:
            credited.add(target)
            out.add("link", label, target, None)
    return out.credits
