"""Credit phrases ("This story first appeared on X", "Go to Original – site", "Source: X", "Via X"…)
read in one line of visible text, and the source names they give.

The phrase lists live in ``tracker/data/credit_phrases.yml``, loaded once per process.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from tracker.urls import listed_domain, site_of
from tracker.visible_text import Line

MAX_EVIDENCE = 300

_MAX_NAME_WORDS = 8
_MAX_SOURCE_LINE = 160

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
def phrase_data() -> dict:
    """``tracker/data/credit_phrases.yml`` as loaded, once per process."""
    data: dict = yaml.safe_load(
        files("tracker").joinpath("data/credit_phrases.yml").read_text(encoding="utf-8")
    )
    return data


@cache
def phrases() -> _Phrases:
    """The credit phrases of ``tracker/data/credit_phrases.yml``, compiled once per process."""
    data = phrase_data()
    source = "(?:" + "|".join(data["source_words"]) + ")"
    # One of the first words of a line's subject names the article ("Cet article", "Texto").
    article = "|".join(data["article_subjects"])
    subject = rf"(?:[^\W\d_]+[\s'\u2019]+){{0,3}}?(?:{article})[\s'\u2019]"
    fill = {
        "source": source,
        "dashes": _DASHES,
        "permission": _PERMISSION,
        "article_subject": subject,
    }
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
    trigger = re.compile("|".join([*by_first_letter(spaced), *unspaced]))
    return _Phrases(source, trigger, phrases)


def by_first_letter(words: list[str]) -> list[str]:
    r"""``\b(?:word|…)`` as alternatives grouped by their first letter, each followed by a
    look-behind that puts the word start after it (``r(?<!\w\w)(?:ead|eprinted)``): the regex
    engine then skips, in C, every position whose character starts no word, instead of trying
    each alternative at every character of the page."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for word in words:
        first = word[:1]
        # a quantifier after the first letter ("s?ource") binds to it: keep such a word whole
        if _WORD_CHAR.match(first) and word[1:2] not in ("?", "*", "+", "{"):
            groups.setdefault(first, []).append(word[1:])
        else:  # an escape or a non-word first character: the plain word-start form
            others.append(r"\b(?:" + word + ")")
    return [
        first + r"(?<!\w\w)(?:" + "|".join(rests) + ")" for first, rests in groups.items()
    ] + others


_WORD_CHAR = re.compile(r"\w")


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


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


def about_the_article(text: str) -> bool:
    """Whether a line speaks of the article itself: it says "this"/"it" or starts with the
    article's noun ("The original version of this article…", "This post was originally…"), or
    starts with "Originally" ("Originally posted at …")."""
    return bool(
        _SUBJECT.search(text) or _SUBJECT_START.match(text) or _ORIGINALLY_START.match(text)
    )


_ORIGINALLY_START = re.compile(r"^\W*originally\b", re.I)


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence(s) of ``text`` covering ``text[start:end]``."""
    begin, finish = _sentence_bounds(text, start, end)
    return text[begin:finish]


def sentence_start(text: str, at: int) -> int:
    """Where the sentence of ``text`` holding ``text[at]`` starts."""
    return _sentence_bounds(text, at, at)[0]


def anywhere_in_words(word: str) -> bool:
    """Whether ``word`` is matched anywhere in a word, not only at a word start: in scripts
    written without spaces, and in Arabic, whose words take the article as a prefix."""
    return bool(_UNSPACED.match(word) or _ARABIC.match(word))


def credits_a_picture(text: str) -> bool:
    """Whether a line's credit is a picture's ("Photo courtesy of X", "Source: X / Getty")."""
    return bool(_IMAGE_SOURCE.search(text))


DASHES = _DASHES


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
    # Indonesian and Malay days and months ("Artikel ini telah tayang pada Senin")
    r"(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad|januari|februari|maret|mei|juni|juli|"
    r"agustus|oktober|desember)\b|"
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


def compact(name: str) -> str:
    name = _NOT_A_WORD.sub("", name.casefold())
    return name[3:] if name.startswith("the") and len(name) > 6 else name


def domain_site(name: str) -> str | None:
    """The registrable domain of a name written as a domain ("www.rt.com", "Harbourvoice.example"),
    else None ("J.R. Smith", "Harbour Voice")."""
    return _domain_site(name)


def _domain_site(name: str) -> str | None:
    """The registrable domain of a name written as a domain ("www.rt.com"), else None."""
    name = name.strip().rstrip("/.")
    if not _DOMAIN.match(name):
        return None
    host = re.sub(r"^https?://", "", name, flags=re.I).split("/")[0].lower()
    if listed_domain(host) or _RESERVED_TLD.search(host):
        return site_of(host)
    return None


# The top-level names reserved for examples and tests (RFC 2606), which no public suffix list
# holds: a test web's "harbourvoice.example" is written like a real site's domain.
_RESERVED_TLD = re.compile(r"[a-z0-9]\.(?:example|test)$")


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
    """A name read from prose without a link: a domain, a social handle ("@HarbourVoice"), or a
    capitalised name."""
    if _domain_site(name) or _HANDLE.fullmatch(name):
        return True
    bare = re.sub(r"^the\s+", "", name, flags=re.I)
    first = bare[:1]
    # Scripts without letter case (Chinese, Japanese, Korean…) name outlets without capitals.
    uncased = first.isalpha() and not first.isupper() and not first.islower()
    return first.isupper() or uncased or first.isdigit() and bool(re.search(r"[A-Za-z]", bare))


# A site's handle on the social networks, as credit lines write it.
_HANDLE = re.compile(r"@[A-Za-z0-9_]{2,30}")


def _lower_brand(name: str) -> bool:
    """A brand written in lower case ("heise online", "wikipedia"), not a phrase ("the author's
    own reporting", "our correspondents")."""
    words = name.split()
    return (
        0 < len(words) <= 3
        and "'" not in name
        and words[0].lower() not in {"the", "a", "an", "our", "my", "his", "her", "their", "own"}
    )


# A URL written out in a line (a bare link's text, tracking arguments included).
_URL_TEXT = re.compile(r"https?://\S+", re.I)


def _line_length(text: str) -> int:
    """A line's length for "short line" phrases, a written-out URL counting as one word: "Link
    to the original article: <a 150-character URL>" is a short line."""
    return len(_URL_TEXT.sub("URL", text))


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


@dataclass(frozen=True)
class PhraseCredit:
    """A credit phrase found in a line: its kind, the sentence around it, and whom it names."""

    kind: str
    evidence: str
    target_url: str | None
    target_name: str | None
    target_site: str | None


def phrase_credits(line: Line, resolve: Callable[[str | None], str | None]) -> list[PhraseCredit]:
    """The credit phrases of one line of visible text.

    Args:
        line: the line, with its links.
        resolve: turns a link's ``href`` into an absolute, normalised http(s) URL (or None).
    """
    text = line.text
    known = phrases()
    found: list[PhraseCredit] = []
    if not known.trigger.search(text.lower()):
        return found
    # spans already read as one credit: "SOURCE: RT . Go to ORIGINAL" is not also a "Source:" line
    claimed: list[tuple[int, int]] = []
    short = not line.caption and _line_length(text) <= _MAX_SOURCE_LINE
    for phrase in known.phrases:
        kind, pattern = phrase.kind, phrase.pattern
        if phrase.short_line and not short:
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
                    if lk.end > match.start() and lk.start < sentence_end and resolve(lk.href)
                ),
                None,
            )
            if phrase.needs_link and link is None and not (name and _domain_site(name)):
                continue  # a written-out domain points at the site as a link does
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
            target_url = resolve(link.href) if link else None
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
            evidence = _evidence(text, match.start(), match.end())
            found.append(PhraseCredit(kind, evidence, target_url, target_name, site))
            claimed.append((match.start(), match.end()))
    return found
