"""The visible text of a page as lines, the way a reader sees it: one line per block element or
``<br>``, with the links on each line, leaving out what no reader sees (scripts, hidden boxes, ads,
reader comments) and marking picture and table captions.

The credit reader does not walk the whole page: :func:`candidate_lines` walks only the blocks
around text nodes that hold a trigger word, which give the same lines a whole-page walk would.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

import lxml.etree
import lxml.html

_MAX_DEPTH = 400  # deeper trees are malformed; their text is not worth a RecursionError

# Subtrees that never hold visible article text.
_SKIP_TAGS = frozenset(
    "head script style noscript template svg math iframe object embed canvas nav select option "
    "button textarea input video audio map".split()
)
# Elements that start a new line of text.
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog div dl dt fieldset figcaption "
    "figure footer h1 h2 h3 h4 h5 h6 header hr html li main ol p pre section summary table tbody "
    "thead tfoot tr td th caption ul".split()
)
# Tags whose text is a picture's or a table's caption: their "Source:" lines credit images or data.
_CAPTION_TAGS = frozenset("figure figcaption caption".split())
# A table's cell is a caption when it holds little text (a photo laid out with its credit in a
# table); a cell holding a whole article (a newsletter or an old site laid out in tables) is not.
_TABLE_TAGS = frozenset("table td th".split())
_CAPTION_CELL_MAX_WORDS = 60
# A table with a header or footer section or a caption holds data, however long its notes: its
# "Source:" line credits the figures. Layout tables (newsletters, old sites) have none of them.
_DATA_TABLE_PARTS = ("thead", "tfoot", "caption")
# An ad box's class token starts or ends with an ad word ("ad-slot", "top-ad"); a token with the
# word inside ("non-ad-column", a layout column that holds the article) is not an ad.
_AD_WORDS = r"(?:ad|ads|advert|adverts|advertisement|advertising|adsense|adslot|dfp|sponsored)"
_AD_CLASS = re.compile(
    r"(?:^|\s)(?:" + _AD_WORDS + r"(?:[_-]\S*)?|\S*[_-]" + _AD_WORDS + r")(?=$|\s)",
    re.IGNORECASE,
)
# Reader comments: "Source: <link>" is common there and credits nothing. Whole class names only, so
# an article marked "comments-enabled" is still read.
_COMMENTS_CLASS = re.compile(
    r"(?:^|\s)(?:comments?|commentlist|comment-?(?:list|body|content|text|thread)s?|"
    r"comments-?(?:area|section|list|container|wrapper|thread)|disqus_thread|respond)(?:$|\s)",
    re.IGNORECASE,
)
# Class/id words of picture captions and credit boxes, matched as whole words ("nojs-images" on a
# <body> is not a caption).
_CAPTION_CLASS = re.compile(
    r"(?:^|[\s_-])(?:caption|captions|figcaption|credit|credits|photo|photocredit|image|img|gallery|chart|graphic)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
_NEVER_CAPTION = frozenset("html body main article".split())
# What a credit line right under it may be the credit of: a picture or an embedded video.
_IMAGE_TAGS = frozenset("img picture amp-img video iframe embed object".split())
SPACES = re.compile(r"\s+")


def fold_spaces(text: str) -> str:
    """``SPACES.sub(" ", text)``: each run of whitespace as one space, by ``str.split`` (the same
    whitespace as the regex's ``\\s``), several times faster on a page's text."""
    words = text.split()
    if not words:
        return " " if text else ""
    folded = " ".join(words)
    if text[0].isspace():
        folded = " " + folded
    if text[-1].isspace():
        folded += " "
    return folded


_NO_WIDTH = str.maketrans({"\u00a0": " ", "\u200b": "", "\u00ad": "", "\ufeff": "", "\u2009": " "})
_NO_WIDTH_CHARS = re.compile("[\u00a0\u200b\u00ad\ufeff\u2009]")


def visible(text: str) -> str:
    """Text with no-break and thin spaces as spaces and invisible characters dropped (a dict
    ``translate`` is slow: most text has none of them)."""
    return text.translate(_NO_WIDTH) if _NO_WIDTH_CHARS.search(text) else text


@dataclass
class Link:
    start: int
    end: int
    href: str
    text: str


@dataclass
class Line:
    text: str
    links: list[Link]
    caption: bool  # inside a figure/table caption or a credit/photo box, or right under a picture


class _TextLines:
    """Visible text of a tree as lines (one per block element or ``<br>``), with link offsets."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._parts: list[str] = []
        self._length = 0
        self._links: list[Link] = []
        self._caption = False
        self._image = False  # the line being built shows a picture
        # The next line with text sits right under a picture alone on its line: a photo credit
        # written as a plain paragraph ("Courtesy of X" under an <img>, no figure markup).
        self.under_image = False

    def add_image(self) -> None:
        self._image = True

    def add(self, text: str | None, caption: bool) -> None:
        if not text:
            return
        text = fold_spaces(visible(text))
        if text.startswith(" ") and (self._length == 0 or self._parts[-1].endswith(" ")):
            text = text[1:]
        if not text:
            return
        self._parts.append(text)
        self._length += len(text)
        self._caption = self._caption or caption

    @property
    def position(self) -> tuple[int, int]:
        return len(self.lines), self._length

    def add_link(self, started: tuple[int, int], href: str) -> None:
        line_index, start = started
        if line_index != len(self.lines):
            # the link spanned a block break: keep it on its first line only
            if line_index < len(self.lines):
                line = self.lines[line_index]
                line.links.append(Link(start, len(line.text), href, line.text[start:].strip()))
            return
        self._links.append(Link(start, self._length, href, ""))  # text set by newline()

    def newline(self) -> None:
        text = "".join(self._parts).rstrip()
        if text:
            for link in self._links:
                link.end = min(link.end, len(text))
                link.text = text[link.start : link.end].strip()
            caption = self._caption or (self.under_image and not self._image)
            self.lines.append(Line(text, self._links, caption))
            self.under_image = False
        elif self._parts:
            self.lines.append(Line("", [], False))
        if not text and self._image:
            self.under_image = True
        self._parts, self._length, self._links, self._caption = [], 0, [], False
        self._image = False


def _is_hidden_or_not_content(el: lxml.html.HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and "display:none" in style.replace(" ", "").lower():
        return True
    marks = (el.get("class") or "") + " " + (el.get("id") or "")
    return bool(marks.strip()) and bool(_AD_CLASS.search(marks) or _COMMENTS_CLASS.search(marks))


def _is_caption(el: lxml.html.HtmlElement, tag: str, marks: str) -> bool:
    """Whether ``el`` (its lower-case ``tag``, its class and id in ``marks``) holds captions."""
    if tag in _CAPTION_TAGS and not _text_figure(el, tag):
        return True
    if _CAPTION_CLASS.search(marks):
        return True
    if tag == "table" and any(el.find(part) is not None for part in _DATA_TABLE_PARTS):
        return True
    if tag in _TABLE_TAGS:
        return _at_most_words(el, _CAPTION_CELL_MAX_WORDS)
    return False


# What makes a figure a picture's: a footer under a quote or a listing is no photo credit.
_MEDIA_TAGS = (
    "img",
    "picture",
    "amp-img",
    "video",
    "audio",
    "iframe",
    "embed",
    "object",
    "svg",
    "canvas",
)


def _text_figure(el: lxml.html.HtmlElement, tag: str) -> bool:
    """Whether ``el`` is a ``<figure>`` holding no picture or other media (a pull quote with its
    ``<figcaption>`` footer), or that figure's caption."""
    figure = el.getparent() if tag == "figcaption" else el
    if figure is None or not isinstance(figure.tag, str) or figure.tag.lower() != "figure":
        return False
    return next(figure.iter(*_MEDIA_TAGS), None) is None


def _at_most_words(el: lxml.html.HtmlElement, limit: int) -> bool:
    """Whether ``el``'s text holds at most ``limit`` words (as ``text_content().split()`` counts
    them), reading no further than the word past the limit: a table-laid page asks this of its
    whole-page table for every credit line, and building that text each time is quadratic."""
    count = 0
    inside_word = False  # the text read so far ends inside a word that the next text may go on
    for text in el.itertext():
        if not text:
            continue
        words = text.split()
        if words and inside_word and not text[0].isspace():
            count -= 1
        count += len(words)
        if count > limit:
            return False
        inside_word = not text[-1].isspace()
    return True


def _walk(el: lxml.html.HtmlElement, out: _TextLines, caption: bool, depth: int) -> None:
    tag = el.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return
    tag = tag.lower()
    if depth > _MAX_DEPTH or _is_hidden_or_not_content(el):
        return
    if tag in _IMAGE_TAGS:
        out.add_image()
    if tag in _SKIP_TAGS:
        return
    if tag == "br":
        out.newline()
        return
    block = tag in _BLOCK_TAGS
    if block:
        out.newline()
    if not caption and tag not in _NEVER_CAPTION:
        marks = (el.get("class") or "") + " " + (el.get("id") or "")
        caption = _is_caption(el, tag, marks)
    href = el.get("href") if tag == "a" else None
    started = out.position
    out.add(el.text, caption)
    for child in el:
        _walk(child, out, caption, depth + 1)
        out.add(child.tail, caption)
    if href:
        out.add_link(started, href)
    if block:
        out.newline()


_NO_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
_TEXTS = lxml.etree.XPath("//text()")
# The same text nodes as plain strings: several times cheaper than "smart" strings, which carry
# their parent element; the smart list is built only for a page where a trigger word was found.
_PLAIN_TEXTS = lxml.etree.XPath("//text()", smart_strings=False)
# Between texts in the one string the trigger is searched in: no trigger matches across it
# (none holds a NUL) and, being no word character, it is a word boundary as a string's end is.
_NODE_BREAK = "\x00"


def block_of(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The nearest block element holding ``el`` (itself included): a line of text never spans
    a block boundary, so walking this block gives every line that holds ``el``'s text."""
    node = el
    while node is not None:
        tag = node.tag
        if isinstance(tag, str) and tag.lower() in _BLOCK_TAGS:
            return node
        parent = node.getparent()
        if parent is None:
            return node
        node = parent
    return el


def _readable_from(block: lxml.html.HtmlElement) -> tuple[bool, bool, int] | None:
    """Whether the full-page walk would reach ``block``: None when an ancestor hides it (skipped
    tags, hidden, ads, comments); else (caption state its parent passes down, True, depth)."""
    caption = False
    depth = 0
    node = block.getparent()
    chain = []
    while node is not None:
        chain.append(node)
        node = node.getparent()
    # the walk starts at <body> (or the root when there is none) with depth 0
    for ancestor in reversed(chain):
        tag = ancestor.tag.lower() if isinstance(ancestor.tag, str) else ""
        if tag == "html":
            continue
        if tag in _SKIP_TAGS or _is_hidden_or_not_content(ancestor):
            return None
        if not caption and tag not in _NEVER_CAPTION:
            marks = (ancestor.get("class") or "") + " " + (ancestor.get("id") or "")
            caption = _is_caption(ancestor, tag, marks)
        depth += 1
    return caption, True, depth


def readable(el: lxml.html.HtmlElement) -> bool:
    """Whether a reader sees ``el``: no ancestor hides it (hidden, an ad, comments, a skipped tag
    such as ``<nav>`` or ``<script>``)."""
    return _readable_from(el) is not None


def nodes_with(trigger: re.Pattern[str], texts: list[str]) -> list[int]:
    """Indices of the texts in which ``trigger`` matches (lower-cased), in order: one search
    over all of them joined, not one call per text (a page has hundreds of text nodes)."""
    if not texts:
        return []
    joined = _NODE_BREAK.join(texts).lower()
    if len(joined) != sum(map(len, texts)) + len(texts) - 1:
        # lower() lengthened some text ("İ" -> "i̇"): lower each one, so offsets still map
        texts = [text.lower() for text in texts]
        joined = _NODE_BREAK.join(texts)
    return _indices(joined, trigger.finditer(joined), texts)


def _indices(joined: str, matches: Iterable[re.Match[str]], texts: list[str]) -> list[int]:
    """The indices, in order and once each, of the texts joined into ``joined`` (separated by
    ``_NODE_BREAK``) in which ``matches`` start: a text's index is the number of breaks before
    it, counted in C from one match to the next (a text holding a NUL of its own, which no
    page's text can, is found by its offsets instead)."""
    hits: list[int] = []
    if _NODE_BREAK in joined and joined.count(_NODE_BREAK) != len(texts) - 1:
        starts = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
        for match in matches:
            index = bisect_right(starts, match.start()) - 1
            if not hits or hits[-1] != index:
                hits.append(index)
        return hits
    index = position = 0
    for match in matches:
        start = match.start()
        index += joined.count(_NODE_BREAK, position, start)
        position = start
        if not hits or hits[-1] != index:
            hits.append(index)
    return hits


_FEW_HITS = 64


def _texts_at(tree: lxml.html.HtmlElement, indices: list[int]) -> list:
    """The text nodes of ``tree`` at these positions of ``//text()`` (ascending), as "smart"
    strings that know their element: for a few, only those are made, not one per text node."""
    if not indices:
        return []
    if len(indices) > _FEW_HITS:
        texts = _TEXTS(tree)
        return [texts[index] for index in indices]
    # One step per position along the document's descendants: libxml2 stops each at its
    # position, where "(//text())[position()=a or position()=b…]" collects every text node of
    # the page and tests each against every position.
    return tree.xpath("|".join(f"/descendant::text()[{index + 1}]" for index in indices))


class PageTexts:
    """The text nodes of a page (``//text()``) as plain strings, read once for the readers that
    search them (the credit phrases' trigger words, the article's edges); the tree must not
    change meanwhile."""

    def __init__(self, tree: lxml.html.HtmlElement) -> None:
        self.tree = tree
        self.texts: list[str] = _PLAIN_TEXTS(tree)
        self._joined: str | None = None

    @property
    def joined(self) -> str:
        """The texts joined with ``_NODE_BREAK``, case kept."""
        if self._joined is None:
            self._joined = _NODE_BREAK.join(self.texts)
        return self._joined

    @staticmethod
    def of(tree: lxml.html.HtmlElement, known: PageTexts | None) -> PageTexts:
        """``known`` when it was read from ``tree``, else the texts of ``tree`` read now."""
        return known if known is not None and known.tree is tree else PageTexts(tree)


def texts_holding(
    tree: lxml.html.HtmlElement, pieces: list[str], texts: PageTexts | None = None
) -> list:
    """The text nodes of the page holding one of ``pieces`` (``//text()[contains(., a) or
    contains(., b)…]``), in document order, as "smart" strings: found by searching one string
    of all the page's texts (``texts``, when already read), not by an XPath test of each text
    node."""
    if any(not piece or _NODE_BREAK in piece for piece in pieces):
        tests = " or ".join(f"contains(., ${chr(97 + i)})" for i in range(len(pieces)))
        variables = {chr(97 + i): piece for i, piece in enumerate(pieces)}
        return tree.xpath(f"//text()[{tests}]", **variables)
    page = PageTexts.of(tree, texts)
    if not page.texts:
        return []
    joined = page.joined
    if joined.count(_NODE_BREAK) != len(page.texts) - 1:  # a text with a NUL of its own: none can
        pattern = re.compile("|".join(re.escape(piece) for piece in pieces))
        return _texts_at(tree, _indices(joined, pattern.finditer(joined), page.texts))
    hits: set[int] = set()
    for piece in pieces:  # str.find: a regex alternation tries each piece at every character
        index = counted = 0
        at = joined.find(piece)
        while at >= 0:
            index += joined.count(_NODE_BREAK, counted, at)
            hits.add(index)
            counted = joined.find(_NODE_BREAK, at)  # on to the next text: one hit is enough
            at = joined.find(piece, counted) if counted >= 0 else -1
    return _texts_at(tree, sorted(hits))


def _picture_before(block: lxml.html.HtmlElement) -> bool:
    """Whether the element just before ``block`` (no text between) is a picture, or a block
    showing only pictures: then ``block``'s first line sits right under it."""
    before = block.getprevious()
    while before is not None and not isinstance(before.tag, str):  # comments
        if (before.tail or "").strip():
            return False
        before = before.getprevious()
    if before is None or (before.tail or "").strip():
        return False
    tag = before.tag.lower()
    if tag in _IMAGE_TAGS:
        return True
    return (
        tag in _BLOCK_TAGS
        and next(before.iter(*_IMAGE_TAGS), None) is not None
        and _at_most_words(before, 0)
    )


def candidate_lines(
    tree: lxml.html.HtmlElement, trigger: re.Pattern[str], texts: PageTexts | None = None
) -> list[Line]:
    """The visible lines that may hold a credit phrase: only the blocks around text nodes that
    hold a ``trigger`` word (matched on lower-cased text) are walked, not the whole page
    (``texts``: its text nodes, when already read)."""
    blocks: list[lxml.html.HtmlElement] = []
    seen: set[lxml.html.HtmlElement] = set()
    for text in _texts_at(tree, nodes_with(trigger, PageTexts.of(tree, texts).texts)):
        holder = text.getparent()
        if holder is not None and text.is_tail:
            holder = holder.getparent()
        if holder is None or holder.tag in _NO_TEXT_TAGS:
            continue
        block = block_of(holder)
        if block not in seen:
            seen.add(block)
            blocks.append(block)
    out = _TextLines()
    for block in blocks:
        state = _readable_from(block)
        if state is None:
            continue
        caption, _, depth = state
        out.newline()
        out.under_image = _picture_before(block)
        _walk(block, out, caption, depth)
        out.newline()
    out.newline()
    return [line for line in out.lines if line.text]


# Fields of a meta line ("Posted May 2 · Source: harbourvoice.example · 3 min read"): a middle
# dot, bullet or bar with a space on each side.
_FIELD_BREAK = re.compile(r"\s[\u00b7\u2022\u2219\u22c5\u30fb|]\s")


# A field's label opening a line: one to three words and a colon ("Post link: …").
_FIELD_LABEL = re.compile(r"[^\W\d_][\w'\u2019-]*(?:\s[\w'\u2019-]+){0,2}\s?[:\uff1a]\s+")


def fields_of(line: Line) -> list[Line]:
    """The line, and when separators split it into fields, each field as a line of its own
    with the links inside it, so that a credit label opening a field reads as it would opening
    its line ("Posted May 2 · Nguồn: harbourvoice.example")."""
    breaks = [
        m
        for m in _FIELD_BREAK.finditer(line.text)
        if not any(link.start < m.end() and m.start() < link.end for link in line.links)
    ]  # a bar inside a link's text ("Headline | Site") is no field break
    label = _FIELD_LABEL.match(line.text)
    if label and label.end() < len(line.text):
        # "Post link: Dilansir dari <a>X</a>": the value after a field's label, as a line
        breaks.insert(0, label)
    if not breaks:
        return [line]
    out = [line]
    starts = [0, *(m.end() for m in breaks)]
    ends = [*(m.start() for m in breaks), len(line.text)]
    for start, end in zip(starts, ends, strict=True):
        text = line.text[start:end]
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        if not text:
            continue
        shift = start + lead
        links = [
            Link(link.start - shift, link.end - shift, link.href, link.text)
            for link in line.links
            if start <= link.start and link.end <= end
        ]
        out.append(Line(text, links, line.caption))
    return out
