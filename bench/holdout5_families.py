"""How each family of the fifth held-out set (``bench/scenario_holdout5.py``) is built.

One function per article: who copies whom, when, in which page, with which credit, and the labels
that follow from it (the credited flag of every copy, the retained share, the credit target, the
words a header-charset page must keep, the disclaimer a stored text must lose).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdout5_pages import NAMED_ONLY_FORMS, Site, credit_html, header_only_bytes, link_variant
from scenario_holdout3 import _specific, charset_words
from scenario_holdout5 import (
    _NOT_CP1252,
    CHARSETS,
    Turns,
    _Builder,
    split_sentences,
    templates,
    unicode_target,
)
from scenario_pages import Source
from scenarios import slug


def _day(days: float) -> timedelta:
    return timedelta(days=days)


def add_article(
    b: _Builder, family: str, key: str, source: Source, day: datetime, number: int, label: str
) -> None:
    """Build one article of ``family`` (its origin and copies) into ``b``."""
    body = source.paragraphs
    if family == "seed-chain":
        _seed_chain(b, key, source, number)
        return
    home = b.site()
    origin_url = home.url(slug(source.title, key), day)
    real = number % 2 == 0
    if family in ("silent-intermediary", "bare-link"):
        # Half the origins are found by the crawler last, after both copies.
        seen = day + _day(9) if number % 2 else day + _day(0.3)
        b.origin(key, family, source, home, origin_url, day, seen, real=real)
        middle = b.copier({home.host})
        line, form = b.credit("bare link", home, origin_url, source.title) if family == "bare-link" else (None, None)  # fmt: skip
        made = b.copy(key, family, source, middle, body, day + _day(1), day + _day(8) if number % 2 else day + _day(1.2),  # fmt: skip
                      credited=line is not None, credit=line, link_form=form)  # fmt: skip
        c_line, c_form = b.credit("linked", middle, made.url, source.title)
        b.copy(key, family, source, b.copier({home.host, middle.host}), body, day + _day(6), day + _day(7),
               credited=True, credit=c_line, link_form=c_form, number=2)  # fmt: skip
    elif family == "unlinked-phrase":
        published = None if number == 1 else day
        b.origin(key, family, source, home, origin_url, published, day + _day(2), real=real)
        form = NAMED_ONLY_FORMS[number % len(NAMED_ONLY_FORMS)]
        line, link_form = b.credit(form, home, origin_url, source.title)
        b.copy(key, family, source, b.copier({home.host}), body, day + _day(1), day + _day(1),
               credited=True, credit=line, link_form=link_form)  # fmt: skip
    elif family == "canonical-syndication":
        b.origin(key, family, source, home, origin_url, day, day + _day(1), real=real)
        # Whether a canonical link alone is a credit is not what this family asks: not scored.
        b.copy(key, family, source, b.syndicators[number % 2], body, day + _day(0.2), day + _day(2),
               credited=None, name_in_page=False, canonical=origin_url)  # fmt: skip
    elif family == "backdated-credit":
        b.origin(key, family, source, home, origin_url, day + _day(2), day + _day(4), real=real)
        form = "linked" if number % 3 else "alt-name"
        line, link_form = b.credit(form, home, origin_url, source.title)
        b.copy(key, family, source, b.copier({home.host}), body, day, day + _day(5), credited=True,
               credit=line, link_form=link_form)  # fmt: skip
    elif family == "re-paragraphed":
        _re_paragraphed(b, key, source, home, origin_url, day, number)
    elif family == "unicode-credit-target":
        unicode_url, stored_url = unicode_target(home, number, slug(source.title, key))
        b.origin(key, family, source, home, stored_url, None, day + _day(3), real=real)
        form = "linked" if number % 2 == 0 else "bare link"
        group = b.site_lines if form == "linked" else b.bare_lines
        line = credit_html(group(), home, unicode_url, form, source.title)
        link_form = "idn" if stored_url.split("/")[2].startswith("xn--") else "unicode"
        b.copy(key, family, source, b.copier({home.host}), body, day + _day(1), day + _day(1),
               credited=True, credit=line, link_form=link_form, expect_credit_target=stored_url)  # fmt: skip
    elif family == "header-charset":
        _header_charset(b, key, source, home, origin_url, day, label)
    elif family == "new-disclaimer":
        b.origin(key, family, source, home, origin_url, day, day + _day(0.5), real=real)
        site, lines = b.disclaimer_sites[number % 2]
        b.copy(key, family, source, site, body, day + _day(1), day + _day(1), credited=False,
               disclaimer=lines, number=number)  # fmt: skip
        form = ("linked", "plain", "domain", "alt-name", "linked")[number % 5]
        line, link_form = b.credit(form, home, origin_url, source.title)
        b.copy(key, family, source, b.copier({home.host}), body, day + _day(2), day + _day(2),
               credited=True, credit=line, link_form=link_form, number=2)  # fmt: skip
    elif family == "noise":
        _noise(b, key, source, home, origin_url, day, number)
    else:
        raise ValueError(f"unknown family {family!r}")


def _re_paragraphed(b: _Builder, key: str, source: Source, home: Site, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """The origin's page holds exactly the corpus body, so every word of the origin's article is in
    the copy, in order: the expected retained share is 1.0 whatever the copy's paragraphs."""
    body = source.paragraphs
    origin_mode, copy_mode, copy_body = "p", "p", body
    origin_body = body
    variant = number % 4
    if variant == 0:
        # The copy merges the origin's paragraphs two by two (issue 11's 56-65 % case).
        copy_body = [" ".join(body[i : i + 2]) for i in range(0, len(body), 2)]
    elif variant == 1:
        # The origin's page holds its article as one long paragraph.
        origin_body = [" ".join(body)]
    elif variant == 2:
        # The copy was pasted through a rich-text editor: one <div> per line.
        copy_mode = "div"
    else:
        # Sentences cut apart, then every other pair merged again: no paragraph matches.
        halves = split_sentences(body)
        copy_body = [halves[0], *(" ".join(halves[i : i + 2]) for i in range(1, len(halves), 2))]
    b.origin(key, "re-paragraphed", source, home, url, day, day + _day(0.1), paragraphs=origin_body, mode=origin_mode)  # fmt: skip
    site, lines = b.disclaimer_sites[0]
    b.copy(key, "re-paragraphed", source, site, copy_body, day + _day(1), day + _day(1), credited=False,
           disclaimer=lines, mode=copy_mode, expect_retained=1.0, number=number)  # fmt: skip


def _header_charset(b: _Builder, key: str, source: Source, home: Site, url: str, day: datetime, label: str) -> None:  # fmt: skip
    codec, header = next((c, h) for name, c, h in CHARSETS if name == label)
    page = b.origin(key, "header-charset", source, home, url, day, day + _day(0.2),
                    paragraphs=source.paragraphs, charset_meta=False)  # fmt: skip
    assert page.html is not None
    page.body_bytes = header_only_bytes(page.html, codec)
    page.content_type = header
    page.charset = label
    words = charset_words(source.paragraphs, codec)
    first = _specific(words) if label in _NOT_CP1252 else []
    page.expect_words = list(dict.fromkeys(first + words))[:12]
    site, lines = b.disclaimer_sites[1]
    b.copy(key, "header-charset", source, site, source.paragraphs, day + _day(1), day + _day(1),
           credited=False, disclaimer=lines, number=3)  # fmt: skip


def _noise(b: _Builder, key: str, source: Source, home: Site, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """Copies that really are uncredited: a plain copy, an undated pair, a copy whose only line is
    a whole line linked to a shortener that names no site, and an origin with unrelated links copied
    twice."""
    body = source.paragraphs
    undated = number == 1
    b.origin(key, "noise", source, home, url, None if undated else day, day + _day(0.5), real=number % 2 == 0)  # fmt: skip
    copier = b.copier({home.host})
    if number == 2:
        # What a reader sees: "published elsewhere", linked to a shortener that names no site (not
        # a credit: the reader cannot tell which site it means).
        line = credit_html(templates("bare_link")[3], home, f"https://t.co/{key[-6:]}Qx", "bare link", source.title)  # fmt: skip
        b.copy(key, "noise", source, copier, body, day + _day(1), day + _day(1), credited=False,
               noise_line=str(line), link_form="shortener")  # fmt: skip
        return
    b.copy(key, "noise", source, copier, body, None if undated else day + _day(1), day + _day(1.5), credited=False)  # fmt: skip
    if number == 3:
        b.copy(key, "noise", source, b.copier({home.host, copier.host}), body, day + _day(3),
               day + _day(3), credited=False, number=2)  # fmt: skip


_SEED_SITES = (
    ("Antiwar.com", "www.antiwar.com", "hugo"),
    ("Defend Democracy Press", "www.defenddemocracy.press", "hugo"),
    ("TRANSCEND Media Service", "www.transcend.org", "hugo"),
)


def _seed_chain(b: _Builder, key: str, source: Source, number: int) -> None:
    """Issue 11's chain: antiwar.com on 18 March, defenddemocracy.press the next day (no credit, or
    the original's address at the end), TRANSCEND a week later with "Go to Original – …"."""
    antiwar, ddp, tms = (_seed_site(name, host, skin, k) for k, (name, host, skin) in enumerate(_SEED_SITES))  # fmt: skip
    year = 2025 - number
    day = datetime(year, 3, 18, 13, 5, tzinfo=UTC)
    path = slug(source.title, key)
    a_url = f"https://www.antiwar.com/blog/{year}/03/18/{path}/"
    b.origin(key, "seed-chain", source, antiwar, a_url, day, day + _day(0.1), real=True)
    d_url = f"https://www.defenddemocracy.press/{path}/"
    line = None
    if number == 1:
        template = templates("seed")[1]
        line = credit_html(
            template, antiwar, link_variant(a_url, "exact"), "bare link", source.title
        )
    made = b.copy(key, "seed-chain", source, ddp, source.paragraphs, day + _day(1), day + _day(1.1),
                  credited=line is not None, credit=line, link_form="exact" if line else None, url=d_url,
                  placement="last-paragraph" if line else None)  # fmt: skip
    go = Turns(templates("seed"))()
    domain = Site("defenddemocracy.press", 0, "hugo")
    domain.host = "defenddemocracy.press"
    tms_line = credit_html(go, domain, None, "plain", source.title)
    t_url = f"https://www.transcend.org/tms/{year}/03/{path}/"
    b.copy(key, "seed-chain", source, tms, source.paragraphs, day + _day(7), day + _day(7.2),
           credited=True, credit=tms_line, url=t_url, placement="last-paragraph")  # fmt: skip
    assert made.url == d_url


def _seed_site(name: str, host: str, skin: str, number: int) -> Site:
    site = Site(name, number, skin)
    site.host = host
    site.naming = "og"
    return site
