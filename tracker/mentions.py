"""The mention rule: a member that records no credit to another member may still name one in a
short line of its own, as a reader sees it ("This story appears courtesy of Valley Gazette").

A line counts at the top or bottom of the member's text, or just before or after the text it
shares with the named member (:func:`mention_targets`); :mod:`tracker.credit_graph` adds what it
finds to the cluster's credit graph with evidence ``mention: <the line>``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tracker.normalize import is_unspaced_script, normalize_text
from tracker.origin_lines import tells_of_unauthorised_copy, tells_origin

if TYPE_CHECKING:
    from tracker.credit_graph import Member

# A line naming another member's site counts as a credit when it is this short and sits among
# the first _MENTION_HEAD or last _MENTION_TAIL paragraphs; a site name needs this many letters
# (or two words) to be matched in running text.
_MENTION_MAX_WORDS = 30
_MENTION_HEAD = 2
_MENTION_TAIL = 3
_MIN_MENTION_NAME = 6
# Lines next to the copied text count too, wherever the copier's chrome puts the text's edges: up
# to _MENTION_HEAD short lines before the first and _MENTION_TAIL after the last sentence a copy
# shares with the named member (a shared sentence has at least _SHARED_MIN_WORDS words).
_SHARED_MIN_WORDS = 8


@dataclass(frozen=True)
class Mention:
    """A short line of one member naming another member's site."""

    target: int  # the named member's page id
    line: str
    # The naming page is dated before the named one and the line does not say where the
    # article came from: the evidence conflicts, and the line is no credit.
    disputed: bool


def mention_names(domain: str, site_name: str | None) -> set[str]:
    """The forms a line of text may name a site by: its domain, and its name as the site's own
    pages write it (``sites.name``, never an article's wire line), with and without a leading
    "The", when that name is distinctive (two words or more, or six letters or more once "The" is
    dropped: not "Time", "Vox", "The Sun" or "The Hill")."""
    names = {domain.lower()} if "." in domain else set()
    name = " ".join((site_name or "").split())
    bare = name[4:] if name.lower().startswith("the ") else name
    if bare and (" " in bare or len(bare) >= _MIN_MENTION_NAME):
        names |= {name, bare}
    return names


def mention_label(domain: str) -> str:
    """The domain's first label when it is distinctive enough to find as a name written in words
    ("Basalt Wire" for basaltwire.example, "Defend Democracy" for defend-democracy.org): six
    letters or more, hyphens dropped; else ""."""
    label = domain.split(".")[0].replace("-", "").lower() if "." in domain else ""
    label = label.removeprefix("the")
    return label if len(label) >= _MIN_MENTION_NAME and label.isalnum() else ""


# A site's name written in words joins at most this many of them ("Basalt Wire Daily News").
_LABEL_MAX_WORDS = 4


def _label_in(line: str, label: str) -> bool:
    """Whether ``line`` writes ``label`` as two or more consecutive words, the first capitalised,
    whose letters joined are the label: the name of a site whose own pages never say it (no
    ``og:site_name``) but whose domain spells it. One word is not enough: "Nation" or "Guardian"
    at the start of a sentence is an ordinary word."""
    return bool(_label_spans(line, label))


def _label_spans(line: str, label: str) -> list[tuple[int, int]]:
    """Where ``line`` writes ``label`` in words (:func:`_label_in`)."""
    if not label:
        return []
    out = _handle_spans(line, {label})
    words = list(re.finditer(r"\w+", line))
    for start, word in enumerate(words):
        if not word.group()[:1].isupper():
            continue
        joined = ""
        for count, part in enumerate(words[start : start + _LABEL_MAX_WORDS], start=1):
            joined += part.group().lower()
            if joined == label and count >= 2:
                out.append((word.start(), part.end()))
                break
            if not label.startswith(joined):
                break
    return out


# A handle on the social networks ("@HarbourVoice"): the site's name or domain label, squashed.
_HANDLE = re.compile(r"(?<![\w@])@(\w{2,30})\b")


def _handle_spans(line: str, keys: Collection[str]) -> list[tuple[int, int]]:
    """Where ``line`` writes a handle whose letters, lower-cased, are one of ``keys``."""
    if "@" not in line:
        return []
    return [m.span() for m in _HANDLE.finditer(line) if m.group(1).lower() in keys]


def _name_spans(line: str, names: set[str], hosts: Collection[str] = ()) -> list[tuple[int, int]]:
    """Where ``line`` names one of ``names``: a domain in any case, with or without a host
    before it ("www.", "news."), a site name as written (capitals included: "address the nation"
    does not name "The Nation") or in capitals ("SOURCE: VALLEY GAZETTE").

    A domain written with a host before it names the site, unless the site's page is on a host
    of its own (``hosts``: a publication on a platform such as janeroe.substack.com) and the line
    writes another one: "harbourletters.substack.com" is not "janeroe.substack.com".
    """
    own = {h.lower().removeprefix("www.") for h in hosts}
    squashed = {re.sub(r"\W+", "", name.lower()) for name in names if " " in name}
    out: list[tuple[int, int]] = _handle_spans(line, squashed - {""})
    for name in names:
        if "." in name and " " not in name:
            # ASCII boundaries: a domain written inside CJK text has no space before or after it
            found = re.finditer(
                rf"(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9-]+\.)*{re.escape(name)}(?![A-Za-z0-9_-])",
                line,
                re.IGNORECASE,
            )
            on_subhost = own - {name}
            found = (
                m
                for m in found
                if not on_subhost or m.group().lower().removeprefix("www.") in {name, *own}
            )
        else:
            forms = "|".join(re.escape(form) for form in dict.fromkeys([name, name.upper()]))
            found = re.finditer(rf"(?<!\w)(?:{forms})(?!\w)", line)
        out.extend(match.span() for match in found)
    return out


def _hosts(member: Member) -> set[str]:
    """The hosts of a member's URL and canonical URL."""
    return {urlsplit(u).hostname or "" for u in (member.url, member.canonical_url) if u} - {""}


def text_paragraphs(text: str) -> list[tuple[str, str]]:
    """A stored text's paragraphs, as written and folded."""
    return [(p.strip(), normalize_text(p)) for p in text.split("\n") if p.strip()]


# In a script written without spaces (CJK, Thai) a word is counted as this many characters.
_CHARS_PER_UNSPACED_WORD = 2


def _words(text: str) -> int:
    """How many words ``text`` has, counting characters in scripts written without spaces (a
    Chinese paragraph is not one word)."""
    spaced = len(text.split())
    if is_unspaced_script(text):
        return max(spaced, len("".join(text.split())) // _CHARS_PER_UNSPACED_WORD)
    return spaced


def _short(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [line for line in lines if 0 < _words(line[0]) <= _MENTION_MAX_WORDS]


def edge_lines(paragraphs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The short paragraphs at the top and bottom of a text: where a credit line sits."""
    return _short(paragraphs[:_MENTION_HEAD] + paragraphs[_MENTION_HEAD:][-_MENTION_TAIL:])


# Where one sentence ends and the next begins, in Latin, Greek, Cyrillic and CJK text.
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])[\"'”’»)\]]*\s+|(?<=[。！？])")


def _sentences(paragraphs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The paragraphs split into sentences, as written and folded."""
    out = []
    for line, _ in paragraphs:
        for sentence in _SENTENCE_END.split(line):
            if sentence.strip():
                out.append((sentence.strip(), normalize_text(sentence)))
    return out


def _lines_beside_copy(source: Member, other: Member) -> list[tuple[str, str]]:
    """The short lines of ``source`` right beside the text it shares with ``other``: where a
    credit line sits when the copier's chrome (related links, a footer) surrounds the copied text
    in its stored text, or when extraction joined the credit line to the text's first or last
    paragraph.

    They are the sentences before the first shared sentence in its own paragraph and the short
    paragraphs just before that one (up to ``_MENTION_HEAD`` of each), and the sentences after
    the last shared sentence in its own paragraph and the short paragraphs just after it (up to
    ``_MENTION_TAIL``). A sentence of another, longer paragraph is not a line: beside an
    original's text that is its author's bio, or the rest of its article beyond what an excerpt
    copied, and a sentence there naming the copier's site is no credit to it.
    """
    sentences = [(i, s) for i, p in enumerate(source.paragraphs) for s in _sentences([p])]

    def copied(*run: tuple[str, str]) -> bool:
        folded = " ".join(s[1].strip() for s in run)
        return all(s[1].strip() for s in run) and f" {folded} " in other.folded

    def shared(sentence: tuple[str, str]) -> bool:
        return _words(sentence[0]) >= _SHARED_MIN_WORDS and copied(sentence)

    first = next((k for k, (_, s) in enumerate(sentences) if shared(s)), None)
    if first is None:
        return []
    last = next(k for k in range(len(sentences) - 1, first - 1, -1) if shared(sentences[k][1]))
    head, tail = sentences[first][0], sentences[last][0]
    # The shared text goes on over the short sentences of its paragraphs that the other member
    # has too, right beside that text ("New tasks for the game!"): they are copied text, not
    # lines beside it. A one-word "Why?" whose word the other has somewhere is not.
    while (
        first > 0
        and sentences[first - 1][0] == head
        and copied(sentences[first - 1][1], sentences[first][1])
    ):
        first -= 1
    while (
        last + 1 < len(sentences)
        and sentences[last + 1][0] == tail
        and copied(sentences[last][1], sentences[last + 1][1])
    ):
        last += 1
    before = [s for i, s in sentences[:first] if i == head][-_MENTION_HEAD:]
    after = [s for i, s in sentences[last + 1 :] if i == tail][:_MENTION_TAIL]
    # A credit run into the copied text without a full stop ("<em>Published first by X</em> The
    # harbour board…") makes one long sentence of both, just before the first shared sentence:
    # its words before the copied text are a line of their own, as are the words after it at
    # the other end.
    if first > 0 and not _short([sentences[first - 1][1]]):
        edge = _uncopied_edge(sentences[first - 1][1][0], other, at_start=True)
        before += [edge] if edge else []
    if last + 1 < len(sentences) and not _short([sentences[last + 1][1]]):
        edge = _uncopied_edge(sentences[last + 1][1][0], other, at_start=False)
        after += [edge] if edge else []
    above = _short_run(reversed(source.paragraphs[max(0, head - _MENTION_HEAD) : head]))[::-1]
    below = _short_run(source.paragraphs[tail + 1 : tail + 1 + _MENTION_TAIL])
    return _short(above + before + after + below)


def _uncopied_edge(sentence: str, other: Member, at_start: bool) -> tuple[str, str] | None:
    """The words of ``sentence`` before (``at_start``) or after the longest run of its words
    that ``other`` has too, when that run is a shared sentence's length at least; else None."""
    words = sentence.split()
    cuts = range(1, len(words) - _SHARED_MIN_WORDS + 1)
    for cut in cuts if at_start else (len(words) - c for c in cuts):
        copied = normalize_text(" ".join(words[cut:] if at_start else words[:cut])).strip()
        if copied and f" {copied} " in other.folded:
            edge = " ".join(words[:cut] if at_start else words[cut:])
            return edge, normalize_text(edge)
    return None


def _short_run(paragraphs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The short paragraphs of ``paragraphs`` up to the first longer one."""
    out = []
    for paragraph in paragraphs:
        if not _short([paragraph]):
            break
        out.append(paragraph)
    return out


def _in_story(source: Member, line: str) -> bool:
    """Whether ``line`` sits inside ``source``'s story: its paragraph (or the paragraph of which
    it is a sentence) has a longer paragraph right before and right after it. Beside the text an
    excerpt shares, such a line ("The report originally published by X found…") may be the rest
    of the naming page's article, not a note about where it ran."""
    paragraphs = source.paragraphs
    for i, (paragraph, _) in enumerate(paragraphs):
        if line == paragraph or line in paragraph:
            return (
                0 < i < len(paragraphs) - 1
                and not _short([paragraphs[i - 1]])
                and not _short([paragraphs[i + 1]])
            )
    return False


# Clusters with more members than this read a naming page's text through its 6-grams first.
_MANY = 48
_GRAM = 6


def ranked(members: dict[int, Member]) -> list[tuple[Member, frozenset[str]]]:
    """The members in date order, each with its names lower-cased: what
    :func:`mention_targets` reads of the other members (computed once per cluster)."""
    return [
        (member, frozenset(name.lower() for name in member.names))
        for member in sorted(members.values(), key=lambda m: m.order)
    ]


class _Grams:
    """The 6-character pieces of a text: a needle of six characters or more is in the text only
    if its first six are one of them (a set lookup rules most needles out without reading the
    text; the substring test still decides)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.grams = {text[i : i + _GRAM] for i in range(len(text) - _GRAM + 1)}

    def __contains__(self, needle: str) -> bool:
        return (len(needle) < _GRAM or needle[:_GRAM] in self.grams) and needle in self.text


def mention_targets(
    source: Member,
    members: dict[int, Member],
    others: list[tuple[Member, frozenset[str]]] | None = None,
) -> list[Mention]:
    """Members that a short line of ``source``'s own text names, with that line.

    A line at the top or bottom of the article, or just before or after the text it shares with
    the other member (at most ``_MENTION_MAX_WORDS`` words), naming another member's site, is a
    credit as a reader sees it ("This story appears courtesy of Valley Gazette", "Valley Gazette
    contributed to this report"), whatever its wording. The site is named by its domain, by its
    distinctive name as its pages write it, or by capitalised words that spell its domain's
    distinctive first label ("Basalt Wire" for basaltwire.example, when its pages declare no
    name). It is no credit when:

    * the named member's own page carries the line too, boilerplate included (it was copied with
      the text, or is the two sites' shared partnership footer: it says nothing about who copied
      whom); or
    * both pages carry a plausible published date, the naming page's is the earlier, and the
      line does not say where the article came from (:func:`tells_origin`: "original",
      "původně", "Оригинал", "Source"... speaking of the article and leading to the named
      site, not "Jane Roe, originally from Ohio, wrote for X"): a bare mention is weaker evidence than a credit and
      does not overturn dates, but "Článek původně vyšel v X" on a backdated copy is a credit.
      Such a mention is returned ``disputed``: the evidence conflicts, and the named member is
      not to be accused of copying the page that names it. A line that dates overrule and that
      sits inside the naming page's story, between two longer paragraphs (:func:`_in_story`),
      is disputed whatever its words: it may be that page's news ("The report originally
      published by X found…"). A line accusing the named site of copying without leave is no
      mention at all.

    ``others``: :func:`ranked` of ``members``, when the caller reads many members' mentions.
    """
    out: list[Mention] = []
    others = ranked(members) if others is None else others
    own = {n.lower() for n in source.names}
    lowered: str | _Grams = source.text.lower()
    squashed: str | _Grams = re.sub(r"\W+", "", str(lowered))
    if len(others) > _MANY:
        lowered, squashed = _Grams(str(lowered)), _Grams(str(squashed))
    for other, names in others:
        if other.site == source.site or own & names:
            continue
        against_dates = (
            source.published is not None
            and other.published is not None
            and source.published < other.published
        )
        by_name = (any(name in lowered for name in names) or "@" in source.text) and bool(
            _name_spans(source.text, other.names, _hosts(other))
        )
        by_label = (
            bool(other.label) and other.label in squashed and _label_in(source.text, other.label)
        )
        if not (by_name or by_label):
            continue  # the text names the other site nowhere
        lines = source.lines + [
            line for line in _lines_beside_copy(source, other) if line not in source.lines
        ]
        for line, folded in lines:
            if f" {folded} " in other.folded:
                continue
            if against_dates and tells_of_unauthorised_copy(line):
                continue  # "X copied this story without permission": an accusation, no doubt
            spans = (_name_spans(line, other.names, _hosts(other)) if by_name else []) + (
                _label_spans(line, other.label) if by_label else []
            )
            if not spans:
                continue
            # Against dates, a line inside the naming page's story is its own news, never a
            # credit ("The report originally published by X found…"); still disputed: a copy's
            # credit line below long paragraphs of its own chrome looks the same.
            disputed = against_dates and (
                ((line, folded) not in source.lines and _in_story(source, line))
                or not tells_origin(line, spans)
            )
            out.append(Mention(other.page_id, line, disputed))
            break
    return out
