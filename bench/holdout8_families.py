"""How each family of the eighth held-out set (``bench/scenario_holdout8.py``) is built.

One function per family, in one table: who copies whom, when, in which page, with which credit,
and the labels that follow from it (the credited flag of every copy, the retained share, the
credit target, the words a header-charset page must keep, the disclaimer a stored text must lose).
The variations differ from the earlier sets': an undated intermediary, copies crawled before their
origin, the original's headline as the only linked words, archive snapshots, paragraphs merged
three by three, an origin cut sentence by sentence and its copy in two halves, noise linking a
Flipboard short address, a fact-check page and an embedded unrelated story.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from datetime import UTC, datetime

from holdout5_pages import header_only_bytes
from holdout8_pages import NAMED_FORMS, SEED_PLACEMENT, Site8, credit_line
from scenario_holdout6 import charset_labels, with_unrelated_links
from scenario_holdout8 import (
    CHARSETS,
    SHORTENER,
    Builder8,
    days,
    split_sentences,
    templates,
    unicode_target,
)
from scenario_pages import Source
from scenarios import slug


def _home(b: Builder8, key: str, source: Source, day: datetime) -> tuple[Site8, str]:
    home = b.site()
    return home, home.url(slug(source.title, key), day)


def _chain(b: Builder8, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """A → B → C: B copies A (uncredited, or with a bare link to A), C credits B. The origin is
    crawled after both copies (number 0, 3), between them (1, 4) or first; B is undated once."""
    home, url = _home(b, key, source, day)
    seen = day + (days(4), days(1.2), days(0.1))[number % 3]
    b.origin(key, family, source, home, url, day, seen, real=number % 2 == 1)
    middle = b.copier({home.host})
    line, form = b.credit("bare link", home, url, source.title) if family == "bare-link" else (None, None)  # fmt: skip
    made = b.copy(key, family, source, middle, source.paragraphs, None if number == 4 else day + days(0.6),
                  day + days(0.9), credited=line is not None, credit=line, link_form=form)  # fmt: skip
    last = b.copier({home.host, middle.host})
    how = ("headline", "linked", "archive-today", "bare link", "domain", "alt-name")[number % 6]
    c_line, c_form = b.credit(how, middle, made.url, source.title)
    b.copy(key, family, source, last, source.paragraphs, day + days(2.5), day + days(2.6),
           credited=True, credit=c_line, link_form=c_form, number=2)  # fmt: skip


def _unlinked(b: Builder8, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """A credit that names the original without linking the article (the name alone, another
    form of it, the domain, the name linked to an archive snapshot); one origin undated, one copy
    undated."""
    home, url = _home(b, key, source, day)
    b.origin(key, family, source, home, url, None if number == 3 else day, day + days(0.4), real=number % 2 == 1)  # fmt: skip
    form = [f for f in NAMED_FORMS if f != "headline"][number % 4]
    line, link_form = b.credit(form, home, url, source.title)
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs,
           None if number == 1 else day + days(1.1), day + days(1.3), credited=True, credit=line,
           link_form=link_form)  # fmt: skip


def _syndicated(b: Builder8, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """A copy whose canonical link is the origin and which names no site; crawled before the
    origin for odd numbers. Whether that alone is a credit is not what the family asks: unscored."""
    home, url = _home(b, key, source, day)
    b.origin(key, family, source, home, url, day, day + days(1.5 if number % 2 else 0.2), real=number % 2 == 0)  # fmt: skip
    b.copy(key, family, source, b.syndicators[number % 2], source.paragraphs, day + days(0.1),
           day + days(0.5), credited=None, name_in_page=False, canonical=url)  # fmt: skip


def _backdated(b: Builder8, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """A copy dated one to three days before the page it credits (an imported archive, a wrong
    clock)."""
    home, url = _home(b, key, source, day)
    lead = 1 + number % 3
    b.origin(key, family, source, home, url, day + days(lead), day + days(lead + 0.3), real=number % 2 == 0)  # fmt: skip
    copier = b.copier({home.host})
    form = ("linked", "headline", "bare link", "plain", "alt-name", "domain")[number % 6]
    line, link_form = b.credit(form, home, url, source.title)
    b.copy(key, family, source, copier, source.paragraphs, day, day + days(lead + 1), credited=True,
           credit=line, link_form=link_form)  # fmt: skip


def _re_paragraphed(b: Builder8, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """The origin's page holds exactly its article, and every word of it is in the copy, in order:
    the expected retained share is 1.0 whatever the copy's paragraphs."""
    home, url = _home(b, key, source, day)
    body = source.paragraphs
    origin_body, copy_body, mode = body, body, "p"
    variant = number % 4
    if variant == 0:
        copy_body = [" ".join(body[i : i + 3]) for i in range(0, len(body), 3)]
    elif variant == 1:
        mode = "br"
    elif variant == 2:
        copy_body = split_sentences(body)
    else:
        # The origin cut sentence by sentence; the copy in two long halves.
        origin_body = split_sentences(body)
        half = len(body) // 2
        copy_body = [" ".join(body[:half]), " ".join(body[half:])]
    b.origin(key, family, source, home, url, day, day + days(0.3), paragraphs=origin_body)
    site, notes = b.disclaimer_sites[0]
    b.copy(key, family, source, site, copy_body, day + days(0.5), day + days(0.6), credited=False,
           disclaimer=notes, mode=mode, expect_retained=1.0, number=number)  # fmt: skip


def _unicode(b: Builder8, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    home, _ = _home(b, key, source, day)
    unicode_url, stored_url = unicode_target(home, number, slug(source.title, key))
    b.origin(key, family, source, home, stored_url, day, day + days(0.8), real=number % 2 == 1)
    form = "bare link" if number % 2 else "linked"
    template = (b.bare_lines if form == "bare link" else b.site_lines)()
    line, _ = credit_line(template, home, unicode_url, form, source.title)
    link_form = "idn" if stored_url.split("/")[2].startswith("xn--") else "unicode"
    placement = b.placements()
    if placement == "jsonld-isbasedon":
        # The family asks whether a Unicode link the reader sees reaches its page.
        placement = b.placements()
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs, day + days(1), day + days(1.2),
           credited=True, credit=line, link_form=link_form, expect_credit_target=stored_url,
           placement=placement)  # fmt: skip


def header_charset(b: Builder8, key: str, source: Source, day: datetime, label: str) -> None:
    """An origin served as bytes in ``label`` with the charset only in the HTTP header, and an
    uncredited copy on the second disclaimer site."""
    home, url = _home(b, key, source, day)
    codec, header = next((c, h) for name, c, h in CHARSETS if name == label)
    page = b.origin(key, "header-charset", source, home, url, day, day + days(0.2),
                    paragraphs=source.paragraphs, charset_meta=False)  # fmt: skip
    assert page.html is not None
    page.body_bytes = header_only_bytes(page.html, codec)
    page.content_type, page.charset = header, label
    page.expect_words = charset_labels(label, codec, source.paragraphs)
    site, notes = b.disclaimer_sites[1]
    b.copy(key, "header-charset", source, site, source.paragraphs, day + days(0.7), day + days(0.8),
           credited=False, disclaimer=notes, number=5)  # fmt: skip


def _disclaimer(b: Builder8, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """An uncredited copy on a disclaimer site (crawled before the origin for even numbers) and a
    credited copy elsewhere."""
    home, url = _home(b, key, source, day)
    b.origin(key, family, source, home, url, day, day + days(0.9 if number % 2 == 0 else 0.1), real=number % 2 == 1)  # fmt: skip
    site, notes = b.disclaimer_sites[number % 2]
    b.copy(key, family, source, site, source.paragraphs, day + days(0.3), day + days(0.4),
           credited=False, disclaimer=notes, number=number)  # fmt: skip
    copier = b.copier({home.host})
    form = ("domain", "linked", "headline", "bare link", "alt-name", "archive-today", "plain")[number % 7]  # fmt: skip
    line, link_form = b.credit(form, home, url, source.title)
    b.copy(key, family, source, copier, source.paragraphs, day + days(1.5), day + days(1.6),
           credited=True, credit=line, link_form=link_form, number=2)  # fmt: skip


# Lines where a credit would sit that link an unrelated page (no credit).
_UNRELATED_LINES = {
    3: (
        'Fact check: <a href="https://www.reuters.com/fact-check/">how claims like these are checked</a>',
        "hatnote",
    ),  # fmt: skip
    5: (
        '<a href="https://www.un.org/en/climatechange/what-is-climate-change">What Is Climate Change?</a> United Nations',
        "embed-card",
    ),  # fmt: skip
}


def _noise(b: Builder8, family: str, key: str, source: Source, day: datetime, number: int) -> None:  # fmt: skip
    """Copies that really are uncredited: one whose "Source" field holds only a Flipboard short
    address (the reader cannot tell which site it means), an undated pair, copies that link an
    unrelated page where a credit would sit, plain copies, an origin with unrelated links copied
    twice."""
    home, url = _home(b, key, source, day)
    body = source.paragraphs
    undated = number == 1
    if number == 4:
        b.origin(key, family, source, home, url, day, day + days(0.5), paragraphs=with_unrelated_links(body, key))  # fmt: skip
    else:
        b.origin(key, family, source, home, url, None if undated else day, day + days(0.5), real=number % 2 == 0)  # fmt: skip
    copier = b.copier({home.host})
    when = None if undated else day + days(0.7)
    if number == 0:
        # In the "Source" field of the page: the short address only, which names no site.
        href = html_lib.escape(f"{SHORTENER}{key[-1]}bQ7xZp")
        noise = f'<a href="{href}" rel="nofollow noopener">{href.removeprefix("https://")}</a>'
        b.copy(key, family, source, copier, body, when, day + days(0.9), credited=False,
               noise_line=noise, link_form="shortener", placement="split-label")  # fmt: skip
        return
    if number in _UNRELATED_LINES:
        line, placement = _UNRELATED_LINES[number]
        b.copy(key, family, source, copier, body, when, day + days(0.9), credited=False,
               aside_line=line, placement=placement)  # fmt: skip
        return
    b.copy(key, family, source, copier, body, when, day + days(1), credited=False)
    if number in (1, 4):
        b.copy(key, family, source, b.copier({home.host, copier.host}), body,
               None if undated else day + days(1.4), day + days(1.5), credited=False, number=2)  # fmt: skip


_SEED_SITES = (
    ("Antiwar.com", "www.antiwar.com", "movabletype"),
    ("Defend Democracy Press", "www.defenddemocracy.press", "plone"),
    ("TRANSCEND Media Service", "www.transcend.org", "writefreely"),
)


def _seed_site(name: str, host: str, skin: str, number: int) -> Site8:
    site = Site8(name, number, skin)
    site.host, site.naming = host, "og"
    return site


def seed_chain(b: Builder8, key: str, source: Source, number: int) -> None:
    """Issue 11's chain: antiwar.com on 18 March, defenddemocracy.press the next day (no credit, or
    the original's address alone as its closing line), TRANSCEND a week later with "Go to
    Original – defenddemocracy.press" as its closing line."""
    antiwar, ddp, tms = (_seed_site(*site, k) for k, site in enumerate(_SEED_SITES))
    year = 2020 + number
    day = datetime(year, 3, 18, 11, 40, tzinfo=UTC)
    path = slug(source.title, key)
    a_url = f"https://www.antiwar.com/blog/{year}/03/18/{path}/"
    b.origin(key, "seed-chain", source, antiwar, a_url, day, day + days(0.4), real=True)
    line = None
    if number == 1:
        line, _ = credit_line(templates("seed")[1], antiwar, a_url, "bare link", source.title)
    b.copy(key, "seed-chain", source, ddp, source.paragraphs, day + days(1), day + days(1.3),
           credited=line is not None, credit=line, link_form="exact" if line else None,
           url=f"https://www.defenddemocracy.press/{path}/", placement=SEED_PLACEMENT if line else None)  # fmt: skip
    domain = Site8("defenddemocracy.press", 0, "plone")
    tms_line, _ = credit_line(templates("seed")[0], domain, None, "plain", source.title)
    b.copy(key, "seed-chain", source, tms, source.paragraphs, day + days(7), day + days(7.3),
           credited=True, credit=tms_line, url=f"https://www.transcend.org/tms/{year}/03/{path}/",
           placement=SEED_PLACEMENT)  # fmt: skip


Family = Callable[[Builder8, str, str, Source, datetime, int], None]
FAMILY_TABLE: dict[str, Family] = {
    "silent-intermediary": _chain,
    "bare-link": _chain,
    "unlinked-phrase": _unlinked,
    "canonical-syndication": _syndicated,
    "backdated-credit": _backdated,
    "re-paragraphed": _re_paragraphed,
    "unicode-credit-target": _unicode,
    "new-disclaimer": _disclaimer,
    "noise": _noise,
}


def add_article(
    b: Builder8, family: str, key: str, source: Source, day: datetime, number: int, label: str
) -> None:
    """Build one article of ``family`` (its origin and copies) into ``b``."""
    if family == "header-charset":
        header_charset(b, key, source, day, label)
    elif family == "seed-chain":
        seed_chain(b, key, source, number)
    elif family in FAMILY_TABLE:
        FAMILY_TABLE[family](b, family, key, source, day, number)
    else:
        raise ValueError(f"unknown family {family!r}")
