"""Whether a line tells where the article came from, or of a later copy of it: the words that
let a short line naming another member overturn dates (:mod:`tracker.mentions`), and that keep a
line's link from crediting the copy it names (:mod:`tracker.attribution`).

The word lists (``origin_words``, ``source_words``, ``article_subjects``, ``origin_subjects``,
``person_subjects``, ``partnership_words``) live in ``tracker/data/credit_phrases.yml``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from tracker.credit_phrases import (
    DASHES,
    anywhere_in_words,
    by_first_letter,
    credits_a_picture,
    phrase_data,
    sentence_start,
)
from tracker.normalize import is_unspaced_script


@dataclass(frozen=True)
class _Patterns:
    origin: re.Pattern[str]
    origin_lower: re.Pattern[str]  # the same words, matched on lower-cased text, faster
    origin_subject: re.Pattern[str]
    person_subject: re.Pattern[str]
    partnership: re.Pattern[str]
    label_word: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """The word lists of ``tracker/data/credit_phrases.yml``, compiled once per process."""
    data = phrase_data()
    # The origin words start a word, but in scripts written without spaces (and in Arabic,
    # whose words take the article as a prefix) anywhere.
    origin_words = [*data["origin_words"], *data["source_words"]]
    origin = re.compile(
        "|".join(w if anywhere_in_words(w) else rf"(?<!\w){w}" for w in origin_words), re.I
    )
    subjects = [
        _ENGLISH_SUBJECTS,
        *data["article_subjects"],
        *(w for entry in data["origin_subjects"] for w in entry.split("|")),
    ]
    persons = [w for entry in data["person_subjects"] for w in entry.split("|")]
    partnership = re.compile(r"(?<!\w)(?:" + "|".join(data["partnership_words"]) + ")", re.I)
    verbs = [w for entry in data["publication_verbs"] for w in entry.split("|")]
    verbs += data["source_words"]
    spaced = [w for w in origin_words if not anywhere_in_words(w)]
    origin_lower = re.compile(
        "|".join([*by_first_letter(spaced), *(w for w in origin_words if anywhere_in_words(w))])
    )
    return _Patterns(
        origin,
        origin_lower,
        _whole_words(subjects),
        _whole_words(persons, "'\u2019"),
        partnership,
        _whole_words(verbs),
    )


def _whole_words(words: list[str], not_after: str = "") -> re.Pattern[str]:
    """One case-insensitive pattern finding any of ``words`` as a whole word (anywhere in the
    scripts written without spaces, and in Arabic); not followed by ``not_after`` either."""
    end = rf"(?![\w{not_after}])"
    return re.compile(
        "|".join(w if anywhere_in_words(w) else rf"(?<!\w)(?:{w}){end}" for w in words), re.I
    )


_NOT_A_WORD = re.compile(r"[\W_]+")


# A line telling of a later copy of the article: the page holding it is the original, and the
# site it names is the copy ("Originally reported by us; a translation later ran at <link>").
_LATER_COPY = re.compile(
    r"\b(?:later\s+(?:ran|appeared|re-?published|reprinted|syndicated|posted)|"
    r"(?:re-?published|reprinted|syndicated|picked\s+up|copied)\s+(?:it\s+)?(?:by|to|in|at|on)"
    r"(?!\s+(?:kind\s+|special\s+)?(?:permission|arrangement|agreement))|"
    r"also\s+(?:ran|runs|appear(?:s|ed)|syndicated|(?:re-?)?published))\b",
    re.IGNORECASE,
)
# A line claiming the original for the page itself ("This story originally appeared here, and on
# our partner site <link>", "Original reporting by us").
_OWN_ORIGINAL = re.compile(
    r"\b(?:here|ours|us|we)\b|\boriginal\s+(?:reporting|to)\b", re.IGNORECASE
)


def tells_of_later_copy(text: str) -> bool:
    """Whether a line tells of a later copy of the article ("It was later republished by X")."""
    return bool(_LATER_COPY.search(text))


# A line telling of a copy made without the author's leave ("Basalt Wire copied this story
# without permission", "an unauthorised copy ran on X"): what it names or links is the copy.
_UNAUTHORISED_COPY = re.compile(
    r"\b(?:without\s+(?:(?:our|my|his|her|their|any|the\s+author'?s?)\s+)?"
    r"(?:permission|consent|credit|attribution)|unauthori[sz]ed|plagiari[sz]|"
    r"copied\s+(?:this|our|my|it)\b)",
    re.IGNORECASE,
)


def tells_of_a_copy(text: str) -> bool:
    """Whether a line tells of a later or an unauthorised copy of the article ("It was later
    republished by X", "X copied this story without permission"): a link in it leads to the
    copy, and credits nothing."""
    return tells_of_later_copy(text) or tells_of_unauthorised_copy(text)


def tells_of_unauthorised_copy(text: str) -> bool:
    """Whether a line tells of a copy made without the author's leave ("X copied this story
    without permission", "an unauthorised copy ran on X")."""
    return bool(_UNAUTHORISED_COPY.search(text))


def claims_original(text: str) -> bool:
    """Whether a line claims the original for the page holding it ("Original reporting by us")."""
    return bool(_OWN_ORIGINAL.search(text))


# The English words that make a line speak of the article (as _SUBJECT and _SUBJECT_START do).
_ENGLISH_SUBJECTS = (
    "this|these|it|note|article|story|post|piece|essay|column|report|interview|op-?ed|commentary|"
    "editorial|feature|version|content|analysis|excerpt|transcript|newsletter|cartoon|podcast"
)
# A word of origin leads to the site it names across at most this many words, with no comma,
# semicolon, bracket or sentence end between them ("originally published by X", "Source: X",
# "původně vyšel v X", "originariamente pubblicato sul blog di X"; "originally from Ohio, she
# covered courts for X" is a bio).
_ORIGIN_GAP_WORDS = 5
_WORD_REST = re.compile(r"^\w+")
_CLAUSE_BREAK = re.compile(r"[,;()\[\]!?\u3001\u3002\uff0c\uff1b]|\.(?:\s|$)")
# The rest of a "word: name" clause after the name, for a credit: a path of the named address,
# dates and figures ("Source: X/2024/ferry"), not more words ("Source: X analysis of port data").
_LABEL_REST = re.compile(r"^(?:/\S*)?[\s\d:/.-]*$")


def _origin_leads_to(text: str, origin: re.Match[str], name: tuple[int, int]) -> bool:
    """Whether the word of origin ``origin`` and the site name at ``name`` are one phrase: close
    together in one clause, either way round ("X より転載", "Bu haber X'te ilk olarak")."""
    start, end = name
    if origin.end() <= start:
        gap = text[origin.end() : start]
        if not _unspaced_gap(gap):
            gap = _WORD_REST.sub("", gap)  # the rest of a word the origin word starts ("izvorn|o")
    elif end <= origin.start():
        gap = text[end : origin.start()]
    else:
        return False
    if _CLAUSE_BREAK.search(gap):
        return False
    if _unspaced_gap(gap):
        return len(gap.strip()) <= 2 * _ORIGIN_GAP_WORDS
    if origin.end() <= start and gap.strip().startswith(":"):
        # "Source: X" credits the text only when X is the rest of the clause
        rest = _CLAUSE_BREAK.split(text[end:], maxsplit=1)[0]
        return bool(_LABEL_REST.match(rest))
    return len(re.sub(r"[:" + DASHES + r"]", " ", gap).split()) <= _ORIGIN_GAP_WORDS


def _unspaced_gap(gap: str) -> bool:
    """Whether the words between two places are in a script written without spaces."""
    return is_unspaced_script(gap) and " " not in gap.strip()


def _speaks_of_article(text: str, start: int, named_first: bool = False) -> bool:
    """Whether the sentence holding ``text[start]`` opens there (unless ``named_first``), or its
    words before ``start`` speak of the article ("Tento článek původně…", "This yarn was
    first…"), not of a person."""
    before = text[sentence_start(text, start) : start]
    if not _NOT_A_WORD.sub("", before):
        return not named_first
    known = _patterns()
    if not named_first and _only_label_words(before, known.label_word):
        return True  # a label with no subject: "Publicado originalmente en X"
    return bool(known.origin_subject.search(before)) and not known.person_subject.search(before)


# A subjectless credit label opens with at most this many verbs of publication or "Source" words.
_LABEL_VERBS = 2


def _only_label_words(before: str, word: re.Pattern[str]) -> bool:
    """Whether ``before`` holds nothing but one or two verbs of publication or "Source" words
    ("Publicado", "פורסם", "Source Republicado": a heading run into its line; "Articol publicat"
    does not: "Articol" is the article, read as a subject)."""
    rest = word.sub(" ", before)
    found = len(word.findall(before))
    return 0 < found <= _LABEL_VERBS and not _NOT_A_WORD.sub("", rest)


def tells_origin(text: str, named: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether a line says where the article came from, in any of the languages of the
    ``origin_words`` of ``tracker/data/credit_phrases.yml`` ("Článek původně vyšel v X",
    "Оригинал статьи: X", "Source: X"), and tells of no later copy and claims no original.

    The word of origin must speak of the article: it opens its sentence, or a word before it
    names the article ("this", "článek", "статья"...); a person's bio ("Jane Roe, originally
    from Ohio…", "Die Autorin schrieb zuerst für X"), a picture's or data's source or a
    partnership ("first published in partnership with X") does not tell it. Given the places
    ``named`` where the line names a site, the word must also lead to one of them
    (:func:`_origin_leads_to`).

    Examples:
        >>> tells_origin("Tekst pierwotnie ukazał się w Gazeta Lokalna.")
        True
        >>> tells_origin("It was later republished by Gazeta Lokalna.")
        False
        >>> tells_origin("Jane Roe, originally from Ohio, wrote for Gazeta Lokalna.")
        False
    """
    if tells_of_later_copy(text) or claims_original(text):
        return False
    if credits_a_picture(text) or _patterns().partnership.search(text):
        return False  # a picture's credit; a partnership, where neither site copied the other
    for origin in _patterns().origin.finditer(text):
        if not named and _speaks_of_article(text, origin.start()):
            return True
        for start, end in named:
            if not _origin_leads_to(text, origin, (start, end)):
                continue
            # A name before its word of origin, opening the sentence, is its subject ("X first
            # published the memo"); the article must be named first ("Bu haber X'te ilk olarak"),
            # but in scripts written without spaces ("X より転載").
            name_first = end <= origin.start() and not _unspaced_gap(text[end : origin.start()])
            if _speaks_of_article(text, min(origin.start(), start), name_first):
                return True
    return False


# A link's own text telling it leads to the original ("Zum Originalartikel", "Ver artículo
# original", "原文链接") has at most this many words.
_ORIGIN_LABEL_WORDS = 6


def origin_label(text: str) -> bool:
    """Whether a link's text says it leads to the article's original or source, in any of the
    languages of ``origin_words``: a short label, not a sentence, so no subject is needed; not a
    picture's source, a partnership, a later copy or the page's own original.

    Examples:
        >>> origin_label("Zum Originalartikel"), origin_label("Ver artículo original")
        (True, True)
        >>> origin_label("Read more"), origin_label("The original plan was to build a bridge")
        (False, False)
    """
    if not 0 < len(text.split()) <= _ORIGIN_LABEL_WORDS:
        return False
    known = _patterns()
    if not known.origin_lower.search(text.lower()):
        return False  # most links' texts: the cheap test first
    if tells_of_later_copy(text) or claims_original(text) or credits_a_picture(text):
        return False
    return not known.partnership.search(text) and bool(known.origin.search(text))
