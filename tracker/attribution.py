"""The credits a page declares: which other site or page it says the article came from.

Two sources of evidence, read from one lxml parse of the page:

* **markup**: a cross-site ``<link rel="canonical">`` or ``og:url``, ``syndication-source`` and
  ``original-source`` meta/link tags, JSON-LD ``isBasedOn``/``isBasedOnUrl``;
* **phrases** in the page's visible text ("This article originally appeared on X", "Go to Original –
  site", "Republished from X under a Creative Commons license", "Source: X"…). The whole visible
  page is read, not only the extracted main text, because extractors tend to drop exactly these
  closing credit lines.

A credit to the page's own site is never reported: sites link their own "originally published on"
footers to themselves, and a same-site canonical is just the page naming itself. "Own site" also
covers the same name under another public suffix (``businessinsider.com`` -> ``businessinsider.de``)
and, for credits that give only a name, the site's name ("Live Science" on ``livescience.com``).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import cache
from importlib.resources import files
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import yaml
from publicsuffixlist import PublicSuffixList

from tracker.html import parse_html
from tracker.urls import normalize_url, resolve_link, site_of

# A strict list: an unknown last label ("photo.jpg", "U.S") is not a domain.
_PSL_STRICT = PublicSuffixList(accept_unknown=False)

MAX_EVIDENCE = 300
MAX_LINK_EVIDENCE = 120
_MAX_NAME_WORDS = 8
_MAX_SOURCE_LINE = 160
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
_CAPTION_TAGS = frozenset("figure figcaption caption table td th".split())
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
_SPACES = re.compile(r"\s+")
_NO_WIDTH = str.maketrans({"\u00a0": " ", "\u200b": "", "\u00ad": "", "\ufeff": "", "\u2009": " "})
_NO_WIDTH_CHARS = re.compile("[\u00a0\u200b\u00ad\ufeff\u2009]")


def _visible(text: str) -> str:
    """Text with no-break and thin spaces as spaces and invisible characters dropped (a dict
    ``translate`` is slow: most text has none of them)."""
    return text.translate(_NO_WIDTH) if _NO_WIDTH_CHARS.search(text) else text


_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_PERMISSION = r"(?:here\s+)?(?:with\s+(?:the\s+)?(?:kind\s+)?permission\s+)?"


@dataclass(frozen=True)
class _Phrase:
    kind: str
    pattern: re.Pattern[str]
    needs_subject: bool  # prose: "The study first appeared in Nature" is news, not a credit
    short_line: bool  # a short line of its own, not a caption
    line_name: bool  # the name is the rest of the short line ("Source: name")
    needs_link: bool  # ambiguous without a link ("Read more at X" may be related reading)


@dataclass(frozen=True)
class _Phrases:
    source_words: str
    trigger: re.Pattern[str]
    phrases: tuple[_Phrase, ...]


@cache
def _phrases() -> _Phrases:
    """The credit phrases of ``tracker/data/credit_phrases.yml``, compiled once per process."""
    data = yaml.safe_load(
        files("tracker").joinpath("data/credit_phrases.yml").read_text(encoding="utf-8")
    )
    source = "(?:" + "|".join(data["source_words"]) + ")"
    fill = {"source": source, "dashes": _DASHES, "permission": _PERMISSION}
    phrases = tuple(
        _Phrase(
            kind=entry["kind"],
            pattern=re.compile(entry["pattern"].format(**fill), re.I),
            needs_subject=bool(entry.get("needs_subject")),
            short_line=bool(entry.get("short_line")),
            line_name=entry.get("name") == "line",
            needs_link=bool(entry.get("needs_link")),
        )
        for entry in data["phrases"]
    )
    # The gate runs on lower-cased text (case-insensitive matching is several times slower),
    # with a word start before each word, except in scripts written without spaces.
    words = [re.escape(w).replace("\\ ", r"\s+") for w in data["triggers"]]
    spaced = [w for w in [*words, *data["source_words"]] if not _UNSPACED.match(w)]
    unspaced = [w for w in data["source_words"] if _UNSPACED.match(w)]
    trigger = re.compile(r"\b(?:" + "|".join(spaced) + ")|" + "|".join(unspaced))
    return _Phrases(source, trigger, phrases)


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


# The sentence is about the article when it says "this"/"it" ("A version of this story…",
# "Editor's note: …") or its subject is the article ("The post … appeared first on"); a news
# sentence ("The report, first published by Reuters, said…") can still slip through, rarely.
_SUBJECT = re.compile(r"\b(?:this|these|it|note)\b", re.I)
_SUBJECT_START = re.compile(
    r"^\W*(?:(?:the|a|an|our|earlier|shorter|longer|original|full)\s+)*"
    r"(?:article|story|post|blog\s+post|piece|essay|column|report|interview|op-?ed|commentary|editorial|"
    r"feature|version|content|analysis|excerpt|transcript|newsletter|cartoon|podcast)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+")

# Where a name ends: punctuation, a sentence end, a spaced dash.
_NAME_CUT = re.compile(
    r"[,;!?()\[\]|\"\u201c\u201d\u00ab\u00bb]|\.(?=\s|$)|\s[" + _DASHES + r"]|\s:"
)
# Words that end a name ("The Atlantic on March 3", "The Conversation under a licence").
_HARD_STOP = frozenset(
    "on under with at in by via from to where which who whose that was is are were has have had here "
    "licensed courtesy read see before after when and/or but as it".split()
)
# Words allowed inside a name when a capitalised word follows ("Center for American Progress").
_SOFT_JOIN = frozenset("of for and & the de la du der des y e et".split())
_DOMAIN = re.compile(
    r"^(?:https?://)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?:/\S*)?$", re.I
)
# Not a source's name: a date or time ("Originally published July 15, 2018 at 3:56 am").
_DATE_NAME = re.compile(
    r"^(?:the\s+)?(?:\d|(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?(?:\s|$)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|yesterday|today|tomorrow|last\b|next\b|earlier\b|"
    r"print\b)",
    re.I,
)
# A "Source:" that credits a picture, not a text.
_IMAGE_SOURCE = re.compile(
    r"\b(?:images?|photos?|photography|photographer|pictures?|shutterstock|istock(?:photo)?|getty|"
    r"unsplash|pixabay|pexels|screenshots?|screengrab|illustrations?|graphics?|charts?|video|youtube)\b",
    re.I,
)
# Link texts that say nothing about the target: use the name from the sentence instead.
_GENERIC_LINK_TEXT = re.compile(
    r"^(?:go\s+to\s+(?:the\s+)?original|(?:the\s+)?original(?:\s+(?:article|story|post|source))?|here|"
    r"click\s+here|read\s+more|source|link|this|website)\W*$",
    re.I,
)
# "Source: News agencies" names nobody.
_GENERIC_SOURCE = re.compile(
    r"^(?:(?:news|wire)\s+)?(?:agencies|agency|wires?|services|staff|reports|sources|various(?:\s+sources)?|"
    r"unknown|internet|social\s+media|press\s+releases?)$",
    re.I,
)
_NOT_A_WORD = re.compile(r"[\W_]+")


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


@dataclass
class _Link:
    start: int
    end: int
    href: str
    text: str


@dataclass
class _Line:
    text: str
    links: list[_Link]
    caption: bool  # inside a figure/table caption or a credit/photo box


class _TextLines:
    """Visible text of a tree as lines (one per block element or ``<br>``), with link offsets."""

    def __init__(self) -> None:
        self.lines: list[_Line] = []
        self._parts: list[str] = []
        self._length = 0
        self._links: list[_Link] = []
        self._caption = False

    def add(self, text: str | None, caption: bool) -> None:
        if not text:
            return
        text = _SPACES.sub(" ", _visible(text))
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
                line.links.append(_Link(start, len(line.text), href, line.text[start:].strip()))
            return
        self._links.append(_Link(start, self._length, href, ""))  # text set by newline()

    def newline(self) -> None:
        if self._parts:
            text = "".join(self._parts).rstrip()
            if text:
                for link in self._links:
                    link.end = min(link.end, len(text))
                    link.text = text[link.start : link.end].strip()
                self.lines.append(_Line(text, self._links, self._caption))
            else:
                self.lines.append(_Line("", [], False))
        self._parts, self._length, self._links, self._caption = [], 0, [], False


def _is_hidden_or_not_content(el: lxml.html.HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and "display:none" in style.replace(" ", "").lower():
        return True
    marks = (el.get("class") or "") + " " + (el.get("id") or "")
    return bool(marks.strip()) and bool(_AD_CLASS.search(marks) or _COMMENTS_CLASS.search(marks))


def _walk(el: lxml.html.HtmlElement, out: _TextLines, caption: bool, depth: int) -> None:
    tag = el.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return
    tag = tag.lower()
    if tag in _SKIP_TAGS or depth > _MAX_DEPTH or _is_hidden_or_not_content(el):
        return
    if tag == "br":
        out.newline()
        return
    block = tag in _BLOCK_TAGS
    if block:
        out.newline()
    if not caption and tag not in _NEVER_CAPTION:
        marks = (el.get("class") or "") + " " + (el.get("id") or "")
        caption = tag in _CAPTION_TAGS or bool(_CAPTION_CLASS.search(marks))
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


def _compact(name: str) -> str:
    name = _NOT_A_WORD.sub("", name.casefold())
    return name[3:] if name.startswith("the") and len(name) > 6 else name


def _domain_site(name: str) -> str | None:
    """The registrable domain of a name written as a domain ("www.rt.com"), else None."""
    name = name.strip().rstrip("/.")
    if not _DOMAIN.match(name):
        return None
    host = re.sub(r"^https?://", "", name, flags=re.I).split("/")[0].lower()
    return site_of(host) if _PSL_STRICT.privatesuffix(host) else None


def _parse_name(rest: str) -> str | None:
    """The source's name at the start of ``rest``, or None when there is none ("July 15, 2018")."""
    rest = rest.lstrip(" \t:*\"'\u201c\u2018" + _DASHES.replace("\\", ""))
    cut = _NAME_CUT.search(rest)
    if cut:
        rest = rest[: cut.start()]
    words = rest.split()
    name: list[str] = []
    for i, word in enumerate(words):
        lower = word.lower()
        if i > 0 and lower in _HARD_STOP:
            break
        if lower in _SOFT_JOIN:
            if i + 1 < len(words) and words[i + 1][:1].isupper():
                name.append(word)
                continue
            break
        if i > 0 and word[:1].islower() and not _DOMAIN.match(word):
            break
        name.append(word)
        if len(name) >= _MAX_NAME_WORDS:
            break
    text = " ".join(name).strip(" .:'\u2019")
    if not text or _DATE_NAME.match(text):
        return None
    return text


def _parse_source_name(rest: str) -> str | None:
    """The name after "Source:": the rest of the short line up to a comma or bracket."""
    name = re.split(r"[,;|()\[\]]|\.(?=\s|$)|\s[" + _DASHES + r"]\s", rest, maxsplit=1)[0].strip(
        " .:'\""
    )
    if (
        not name
        or len(name.split()) > _MAX_NAME_WORDS
        or _DATE_NAME.match(name)
        or _GENERIC_SOURCE.match(name)
    ):
        return None
    return name


def _plausible_name(name: str) -> bool:
    """A name read from prose without a link: a domain, or a capitalised name."""
    if _domain_site(name):
        return True
    bare = re.sub(r"^the\s+", "", name, flags=re.I)
    first = bare[:1]
    # Scripts without letter case (Chinese, Japanese, Korean…) name outlets without capitals.
    uncased = first.isalpha() and not first.isupper() and not first.islower()
    return first.isupper() or uncased or first.isdigit() and bool(re.search(r"[A-Za-z]", bare))


def _lower_brand(name: str) -> bool:
    """A brand written in lower case ("heise online", "wikipedia"), not a phrase ("the author's
    own reporting", "our correspondents")."""
    words = name.split()
    return (
        0 < len(words) <= 3
        and "'" not in name
        and words[0].lower() not in {"the", "a", "an", "our", "my", "his", "her", "their", "own"}
    )


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the sentence(s) covering ``text[start:end]``."""
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        begin = m.end()
    after = _SENTENCE_END.search(text, end)
    return begin, (after.start() + 1 if after else len(text))


def _evidence(text: str, start: int, end: int) -> str:
    begin, finish = _sentence_bounds(text, start, end)
    return text[begin:finish].strip()[:MAX_EVIDENCE].rstrip()


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
        names = {self.site, self.brand} if self.site else set()
        if tree is not None:
            base = tree.find(".//base[@href]")
            if base is not None and base.get("href", "").strip():
                self.base = urljoin(self.url, base.get("href").strip())
            for meta in tree.iterfind(".//meta[@content]"):
                key = (meta.get("property") or meta.get("name") or "").lower()
                if key in ("og:site_name", "application-name", "publisher", "twitter:site"):
                    names.add(meta.get("content", "").lstrip("@"))
        self.names = {_compact(n) for n in names if n and _compact(n)}

    def resolve(self, href: str | None) -> str | None:
        """An absolute, normalised http(s) URL for ``href``, or None."""
        return resolve_link(self.base, href)

    def is_self(self, target_site: str | None, target_name: str | None) -> bool:
        if target_site:
            return target_site == self.site or _brand(target_site) == self.brand
        if target_name:
            compact = _compact(target_name)
            # "Al Jazeera News" on aljazeera.com, "Live Science" on livescience.com
            brand = _compact(self.brand)
            return compact in self.names or (len(brand) >= 3 and compact.startswith(brand))
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
        name = _SPACES.sub(" ", name).strip() if name else None
        if url:
            site = site_of(url)
        if not url and not site and not name:
            return
        if self.page.is_self(site, name):
            return
        keys = {(kind, target) for target in (url or site, _compact(name or "")) if target}
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


def _phrase_credits(line: _Line, page: _Page, out: _Collector) -> None:
    text = line.text
    phrases = _phrases()
    if not phrases.trigger.search(text.lower()):
        return
    # spans already read as one credit: "SOURCE: RT . Go to ORIGINAL" is not also a "Source:" line
    claimed: list[tuple[int, int]] = []
    for phrase in phrases.phrases:
        kind, pattern = phrase.kind, phrase.pattern
        if phrase.short_line and (line.caption or len(text) > _MAX_SOURCE_LINE):
            continue
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e in claimed):
                continue
            if phrase.needs_subject:
                begin, _ = _sentence_bounds(text, match.start(), match.end())
                prefix = text[begin : match.start()]
                if (
                    _NOT_A_WORD.sub("", prefix)
                    and not _SUBJECT.search(prefix)
                    and not _SUBJECT_START.match(prefix)
                ):
                    continue
            if "before" in pattern.groupindex:
                name = _parse_name(match.group("before"))
            elif phrase.line_name:
                name = _parse_source_name(text[match.end() :])
            else:
                name = _parse_name(text[match.end() :])
            _, sentence_end = _sentence_bounds(text, match.start(), match.end())
            link = next(
                (
                    lk
                    for lk in line.links
                    if lk.end > match.start() and lk.start < sentence_end and page.resolve(lk.href)
                ),
                None,
            )
            if phrase.needs_link and link is None:
                continue
            if phrase.line_name and (name is None or _IMAGE_SOURCE.search(text[match.end() :])):
                continue
            # Without a link the phrase still counts, as a reader sees it, when a name follows:
            # a "Source: name" line by its form alone; a name read out of prose must look like
            # one (a domain, or capitalised).
            if link is None and (
                name is None
                or not (_plausible_name(name) or (phrase.line_name and _lower_brand(name)))
            ):
                continue
            target_url = page.resolve(link.href) if link else None
            target_name = name
            # a link on the source's name names it; a link on the whole phrase ("Go to Original") does not
            if (
                link
                and link.text
                and link.start > match.start()
                and not _GENERIC_LINK_TEXT.match(link.text)
            ):
                target_name = link.text
            site = None if target_url else (_domain_site(name) if name else None)
            out.add(
                kind, _evidence(text, match.start(), match.end()), target_url, target_name, site
            )
            claimed.append((match.start(), match.end()))


_TEXTS = lxml.etree.XPath("//text()")
# Links that can leave the page's site (relative ones cannot, without a <base>), picked in C.
_ABSOLUTE_LINKS = lxml.etree.XPath("//a[contains(@href, '//')]")
_NO_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})


def _block_of(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
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
            caption = tag in _CAPTION_TAGS or bool(_CAPTION_CLASS.search(marks))
        depth += 1
    return caption, True, depth


def _candidate_lines(tree: lxml.html.HtmlElement) -> list[_Line]:
    """The visible lines that may hold a credit phrase: only the blocks around text nodes that
    hold one of the phrases' trigger words are walked, not the whole page."""
    trigger = _phrases().trigger
    blocks: list[lxml.html.HtmlElement] = []
    seen: set[lxml.html.HtmlElement] = set()
    for text in _TEXTS(tree):
        if not trigger.search(text.lower()):
            continue
        holder = text.getparent()
        if holder is not None and text.is_tail:
            holder = holder.getparent()
        if holder is None or holder.tag in _NO_TEXT_TAGS:
            continue
        block = _block_of(holder)
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
        _walk(block, out, caption, depth)
        out.newline()
    out.newline()
    return [line for line in out.lines if line.text]


def _link_credits(
    tree: lxml.html.HtmlElement, paragraphs: list[str], page: _Page, out: _Collector
) -> None:
    """Candidate ``link`` credits: each distinct off-site link inside the extracted article body.
    Provenance counts one only when its target is another member of the same cluster."""
    if not paragraphs:
        return
    # whitespace folded alike on both sides (\s covers no-break spaces)
    main = _SPACES.sub(" ", " ".join(paragraphs))
    credited = {c.target_url for c in out.credits if c.target_url}
    # relative links stay on the page's own site unless a <base> sends them elsewhere
    relative_is_own = site_of(page.base) == page.site if page.base else True
    anchors = _ABSOLUTE_LINKS(tree) if relative_is_own else tree.iter("a")
    for anchor in anchors:
        href = (anchor.get("href") or "").strip()
        if not href or (relative_is_own and "//" not in href[:8]):
            continue
        raw = anchor.text if len(anchor) == 0 else anchor.text_content()
        label = _SPACES.sub(" ", raw or "").strip()
        if not label or label not in main:
            continue
        target = page.resolve(href)
        if not target or target in credited or page.is_self(site_of(target), None):
            continue
        block = _SPACES.sub(" ", _block_of(anchor).text_content()).strip()
        # the link's own line is article text: its start or end is in the extracted body
        if not (block[:60] in main or block[-60:] in main):
            continue
        credited.add(target)
        out.add("link", label[:MAX_LINK_EVIDENCE], target, None)


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
    if tree is not None:
        _markup_credits(tree, page, out)
        for line in _candidate_lines(tree):
            _phrase_credits(line, page, out)
    for paragraph in paragraphs or []:
        for text in paragraph.splitlines():
            _phrase_credits(_Line(_SPACES.sub(" ", _visible(text)).strip(), [], False), page, out)
    if tree is not None:
        _link_credits(tree, paragraphs or [], page, out)
    return out.credits
