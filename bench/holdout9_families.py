"""How each family of the ninth held-out set (``bench/scenario_holdout9.py``) is built.

One function per family, in one table: who copies whom, when, in which page, with which credit,
and the labels that follow from it (the credited flag of every copy, the retained share, the
credit target, the words a header-charset page must keep, the disclaimer a stored text must lose).
The variations differ from the earlier sets': credits naming a site by its social handle, an
intermediary crawled last, pairs of paragraphs joined by a line break inside one paragraph, a copy
in one single paragraph, an origin kept as one ``<br>``-separated block, a photo credit naming
another site, a "Related" line to an unrelated page.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from holdout5_pages import CreditLine, escape, header_only_bytes
from holdout6_pages import Shape
from holdout9_pages import SEED_PLACEMENT, Site9, credit_line
from scenario_families import FAMILIES
from scenario_holdout5 import Holdout5Page
from scenario_holdout6 import charset_labels, with_unrelated_links
from scenario_holdout9 import (
    CHARSETS,
    SHORTENER,
    Builder9,
    days,
    split_sentences,
    templates,
    unicode_target,
)
from scenario_pages import Source
from scenarios import slug


def _home(b: Builder9, key: str, source: Source, day: datetime) -> tuple[Site9, str]:
    home = b.site()
    assert isinstance(home, Site9)
    return home, home.url(slug(source.title, key), day)


def _chain(b: Builder9, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """A → B → C: B copies A (uncredited, or with a bare link to A), C credits B. The middle copy
    is crawled after the last one for numbers 1 and 4, the origin last for 0 and 3; C names B by
    its handle, its domain, another form of its name, or links it."""
    home, url = _home(b, key, source, day)
    seen = day + (days(3.5), days(0.2), days(0.05))[number % 3]
    b.origin(key, family, source, home, url, day, seen, real=number % 2 == 0)
    middle = b.copier({home.host})
    line, form = b.credit("bare link", home, url, source.title) if family == "bare-link" else (None, None)  # fmt: skip
    middle_seen = day + days(3.0 if number in (1, 4) else 0.8)
    made = b.copy(key, family, source, middle, source.paragraphs, day + days(0.5), middle_seen,
                  credited=line is not None, credit=line, link_form=form)  # fmt: skip
    last = b.copier({home.host, middle.host})
    how = ("handle", "linked", "domain", "bare link", "alt-name", "plain")[number % 6]
    c_line, c_form = b.credit(how, middle, made.url, source.title)
    b.copy(key, family, source, last, source.paragraphs, day + days(2.2), day + days(2.4),
           credited=True, credit=c_line, link_form=c_form, number=2)  # fmt: skip


def _unlinked(b: Builder9, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """A credit that names the original without linking it (its name, another form of it, its
    domain, its handle); one origin undated, one copy undated."""
    home, url = _home(b, key, source, day)
    b.origin(key, family, source, home, url, None if number == 4 else day, day + days(0.6), real=number % 2 == 0)  # fmt: skip
    form = ("handle", "plain", "alt-name", "domain")[number % 4]
    line, link_form = b.credit(form, home, url, source.title)
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs,
           None if number == 2 else day + days(0.9), day + days(1.1), credited=True, credit=line,
           link_form=link_form)  # fmt: skip


def _syndicated(b: Builder9, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """A copy whose canonical link is the origin and which names no site; crawled before the
    origin for even numbers. Whether that alone is a credit is not what the family asks: unscored."""
    home, url = _home(b, key, source, day)
    b.origin(key, family, source, home, url, day, day + days(1.2 if number % 2 == 0 else 0.3), real=number % 2 == 1)  # fmt: skip
    b.copy(key, family, source, b.syndicators[number % 2], source.paragraphs, day + days(0.2),
           day + days(0.6), credited=None, name_in_page=False, canonical=url)  # fmt: skip


def _backdated(b: Builder9, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """A copy dated half a day to four days before the page it credits (a migrated archive that
    kept the import date, a wrong time zone)."""
    home, url = _home(b, key, source, day)
    lead = (0.5, 4, 1.5, 2, 0.75, 3)[number % 6]
    b.origin(key, family, source, home, url, day + days(lead), day + days(lead + 0.2), real=number % 2 == 1)  # fmt: skip
    form = ("domain", "linked", "handle", "bare link", "plain", "alt-name")[number % 6]
    line, link_form = b.credit(form, home, url, source.title)
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs, day, day + days(lead + 0.8),
           credited=True, credit=line, link_form=link_form)  # fmt: skip


def _joined_by_breaks(paragraphs: list[str]) -> list[str]:
    """Pairs of paragraphs as one paragraph each, the two joined by a line break (what a
    WordPress editor's single newlines become)."""
    return [
        "<span>" + "<br>\n".join(escape(p) for p in paragraphs[i : i + 2]) + "</span>"
        for i in range(0, len(paragraphs), 2)
    ]


def _re_paragraphed(b: Builder9, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """The origin's page holds exactly its article, and every word of it is in the copy, in order:
    the expected retained share is 1.0 whatever the copy's paragraphs."""
    home, url = _home(b, key, source, day)
    body = source.paragraphs
    origin_body, copy_body, origin_mode = body, body, "p"
    variant = number % 4
    if variant == 0:
        copy_body = _joined_by_breaks(body)
    elif variant == 1:
        copy_body = [" ".join(body)]
    elif variant == 2:
        # The origin one <br>-separated block, the copy four paragraphs to one.
        origin_mode = "br"
        copy_body = [" ".join(body[i : i + 4]) for i in range(0, len(body), 4)]
    else:
        # The lede merged with the next paragraph, the rest cut sentence by sentence.
        copy_body = [" ".join(body[:2]), *split_sentences(body[2:])]
    page = b.origin(key, family, source, home, url, day, day + days(0.3), paragraphs=origin_body)
    if origin_mode != "p":
        page.html = b._html(key, home, url, source, origin_body, day, Shape(mode=origin_mode))
    site, notes = b.disclaimer_sites[1]
    b.copy(key, family, source, site, copy_body, day + days(0.4), day + days(0.5), credited=False,
           disclaimer=notes, expect_retained=1.0, number=number)  # fmt: skip


def _unicode(b: Builder9, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    home, _ = _home(b, key, source, day)
    unicode_url, stored_url = unicode_target(home, number, slug(source.title, key))
    b.origin(key, family, source, home, stored_url, day, day + days(0.7), real=number % 2 == 0)
    form = "bare link" if number % 2 == 0 else "linked"
    template = (b.bare_lines if form == "bare link" else b.site_lines)()
    line, _ = credit_line(template, home, unicode_url, form, source.title)
    link_form = "idn" if stored_url.split("/")[2].startswith("xn--") else "unicode"
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs, day + days(0.8), day + days(1.0),
           credited=True, credit=line, link_form=link_form, expect_credit_target=stored_url)  # fmt: skip


def _served_in(page: Holdout5Page, label: str, paragraphs: list[str]) -> None:
    """Make ``page`` what a server sends in ``label``: its bytes in that charset, the charset only
    in the Content-Type header, and the words a right decoding keeps."""
    codec, header = next((c, h) for name, c, h in CHARSETS if name == label)
    assert page.html is not None
    page.body_bytes, page.content_type = header_only_bytes(page.html, codec), header
    page.charset, page.expect_words = label, charset_labels(label, codec, paragraphs)


def header_charset(b: Builder9, key: str, source: Source, day: datetime, label: str) -> None:
    """An origin served as bytes in ``label`` with the charset only in the HTTP header, and an
    uncredited copy on the first disclaimer site."""
    home, url = _home(b, key, source, day)
    origin = b.origin(key, "header-charset", source, home, url, day, day + days(0.25),
                      paragraphs=source.paragraphs, charset_meta=False)  # fmt: skip
    _served_in(origin, label, source.paragraphs)
    site, notes = b.disclaimer_sites[0]
    b.copy(key, "header-charset", source, site, source.paragraphs, day + days(0.6), day + days(0.7),
           credited=False, disclaimer=notes, number=5)  # fmt: skip


def _disclaimer(b: Builder9, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """An uncredited copy on a disclaimer site (crawled before the origin for odd numbers) and a
    credited copy elsewhere."""
    home, url = _home(b, key, source, day)
    b.origin(key, family, source, home, url, day, day + days(0.8 if number % 2 else 0.1), real=number % 2 == 0)  # fmt: skip
    site, notes = b.disclaimer_sites[(number + 1) % 2]
    b.copy(key, family, source, site, source.paragraphs, day + days(0.2), day + days(0.3),
           credited=False, disclaimer=notes, number=number)  # fmt: skip
    form = ("linked", "handle", "bare link", "domain", "alt-name", "plain", "linked", "bare link")[number % 8]  # fmt: skip
    line, link_form = b.credit(form, home, url, source.title)
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs, day + days(1.2),
           day + days(1.3), credited=True, credit=line, link_form=link_form, number=2)  # fmt: skip


# Lines where a credit would sit that name or link an unrelated page (no credit).
_UNRELATED_LINES = {
    2: (
        'Photo: <a href="https://commons.wikimedia.org/wiki/Main_Page">Wikimedia Commons</a> (CC BY-SA 4.0)',
        "markdown-h6",
    ),  # fmt: skip
    5: (
        'Related: <a href="https://www.bbc.com/news/world">World news in brief</a>',
        "margin-note",
    ),  # fmt: skip
}


def _short_source(key: str) -> str:
    href = html_lib.escape(f"{SHORTENER}{key[-1]}Kx4Tq")
    return f'Source: <a href="{href}" rel="nofollow">{href.removeprefix("https://")}</a>'


def _noise(b: Builder9, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """Copies that really are uncredited: one whose "Source" line holds only a dlvr.it short
    address (the reader cannot tell which site it means), an undated pair (3), a photo credit
    naming Wikimedia Commons, a "Related" line to an unrelated page, plain copies, an origin with
    unrelated links copied twice (1)."""
    home, url = _home(b, key, source, day)
    body = source.paragraphs
    undated = number == 3
    b.origin(key, family, source, home, url, None if undated else day, day + days(0.4),
             paragraphs=with_unrelated_links(body, key) if number == 1 else None,
             real=number % 2 == 0)  # fmt: skip
    line, placement = {0: (_short_source(key), "canonical-banner"), **_UNRELATED_LINES}.get(number, (None, None))  # fmt: skip
    shown: dict[str, Any] = (
        {"noise_line": line, "link_form": "shortener"} if number == 0 else {"aside_line": line}
    )
    copiers = [b.copier({home.host})]
    if number in (1, 3):
        copiers.append(b.copier({home.host, copiers[0].host}))
    for k, copier in enumerate(copiers, start=1):
        when = None if undated else day + days(0.3 + 0.3 * k)
        b.copy(key, family, source, copier, body, when, day + days(0.5 + 0.4 * k), credited=False,
               number=k, placement=placement if k == 1 else None, **(shown if k == 1 else {}))  # fmt: skip


# The chain's pages: (name, host, template, address with {year} and {path}, days after the first).
_SEED_HOPS = (
    (
        "Antiwar.com",
        "www.antiwar.com",
        "newspack",
        "https://www.antiwar.com/{year}/03/18/{path}/",
        0,
    ),  # fmt: skip
    (
        "Defend Democracy Press",
        "www.defenddemocracy.press",
        "hexo-next",
        "https://www.defenddemocracy.press/{path}/",
        1,
    ),  # fmt: skip
    (
        "TRANSCEND Media Service",
        "www.transcend.org",
        "wagtail",
        "https://www.transcend.org/tms/{year}/03/{path}/",
        7,
    ),  # fmt: skip
)


def _seed_line(hop: int, number: int, original: tuple[Site9, str], title: str) -> CreditLine | None:  # fmt: skip
    """TRANSCEND's "Go to Original – defenddemocracy.press" (hop 2); defenddemocracy.press's
    bare address of the original in the second variant (hop 1, number 1)."""
    if hop == 2:
        named = Site9("defenddemocracy.press", 0, "hexo-next")
        return credit_line(templates("seed")[0], named, None, "plain", title)[0]
    if number == 1:
        return credit_line(templates("seed")[1], original[0], original[1], "bare link", title)[0]
    return None


def seed_chain(b: Builder9, key: str, source: Source, number: int) -> None:
    """Issue 11's chain: antiwar.com on 18 March, defenddemocracy.press the next day (no credit, or
    the original's address alone as its last paragraph), TRANSCEND a week later with "Go to
    Original – defenddemocracy.press" as its last paragraph."""
    year, path = 2022 + number, slug(source.title, key)
    first = datetime(year, 3, 18, 13, 5, tzinfo=UTC)
    original: tuple[Site9, str] | None = None
    for hop, (name, host, skin, address, after) in enumerate(_SEED_HOPS):
        site = Site9(name, hop, skin)
        site.host, site.naming = host, "both"
        url, day = address.format(year=year, path=path), first + days(after)
        if original is None:
            b.origin(key, "seed-chain", source, site, url, day, day + days(0.3), real=True)
            original = (site, url)
            continue
        line = _seed_line(hop, number, original, source.title)
        b.copy(key, "seed-chain", source, site, source.paragraphs, day, day + days(0.2),
               credited=line is not None, credit=line, url=url, link_form="exact" if line and hop == 1 else None,
               placement=SEED_PLACEMENT if line else None)  # fmt: skip


Family = Callable[[Builder9, str, str, Source, datetime, int], None]
# In the order of ``scenario_families.FAMILIES``, then the families of the held-out sets.
_CHAIN_FAMILIES: tuple[Family, ...] = (_chain, _chain, _unlinked, _syndicated, _backdated,
                                       _re_paragraphed, _unicode, lambda *_: None)  # fmt: skip
FAMILY_TABLE: dict[str, Family] = dict(zip(FAMILIES, _CHAIN_FAMILIES, strict=True)) | {
    "new-disclaimer": _disclaimer,
    "noise": _noise,
    "seed-chain": lambda b, _family, key, source, _day, number: seed_chain(b, key, source, number),
}


def add_article(
    b: Builder9, family: str, key: str, source: Source, day: datetime, number: int, label: str
) -> None:
    """Build one article of ``family`` (its origin and copies) into ``b``; ``label`` is the
    charset of a header-charset article."""
    if family not in FAMILY_TABLE:
        raise ValueError(f"unknown family {family!r}")
    if family == "header-charset":
        header_charset(b, key, source, day, label)
    FAMILY_TABLE[family](b, family, key, source, day, number)
