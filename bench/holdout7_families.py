"""How each family of the seventh held-out set (``bench/scenario_holdout7.py``) is built.

One function per family: who copies whom, when, in which page, with which credit, and the labels
that follow from it (the credited flag of every copy, the retained share, the credit target, the
words a header-charset page must keep, the disclaimer a stored text must lose). The variations
differ from holdout5's and holdout6's: other crawl orders (an origin crawled after both its
copies), other re-paragraphings (paragraphs merged two by two, a pasted rich-text body, one
sentence a paragraph, an origin of one long paragraph), undated copies, other noise.
"""

from __future__ import annotations

import html as html_lib
from datetime import UTC, datetime

from holdout5_pages import header_only_bytes
from holdout7_pages import NAMED_ONLY_FORMS, Site7, credit_line
from scenario_holdout3 import _SENTENCE
from scenario_holdout6 import charset_labels
from scenario_holdout7 import (
    CHARSETS,
    SHORTENER,
    Builder7,
    _day,
    templates,
    unicode_target,
)
from scenario_pages import Source
from scenarios import slug


def add_article(
    b: Builder7, family: str, key: str, source: Source, day: datetime, number: int, label: str
) -> None:
    """Build one article of ``family`` (its origin and copies) into ``b``."""
    if family == "seed-chain":
        _seed_chain(b, key, source, number)
        return
    home = b.site()
    url = home.url(slug(source.title, key), day)
    builders = {
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
    if family == "header-charset":
        _header_charset(b, key, source, home, url, day, label)
    elif family in builders:
        builders[family](b, family, key, source, home, url, day, number)
    else:
        raise ValueError(f"unknown family {family!r}")


def _chain(b: Builder7, family: str, key: str, source: Source, home: Site7, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """A → B → C: B copies A (uncredited, or with a bare link to A), C credits B. Every third
    origin is crawled after both copies, every third between them."""
    body = source.paragraphs
    seen = day + (_day(5), _day(0.1), _day(1.5))[number % 3]
    b.origin(key, family, source, home, url, day, seen, real=number % 2 == 0)
    middle = b.copier({home.host})
    line, form = b.credit("bare link", home, url, source.title, middle.host) if family == "bare-link" else (None, None)  # fmt: skip
    made = b.copy(key, family, source, middle, body, day + _day(0.7), day + _day(0.8),
                  credited=line is not None, credit=line, link_form=form)  # fmt: skip
    last = b.copier({home.host, middle.host})
    how = ("linked", "plain", "bare link", "alt-name", "linked", "homepage")[number % 6]
    c_line, c_form = b.credit(how, middle, made.url, source.title, last.host)
    b.copy(key, family, source, last, body, day + _day(3), day + _day(3.1),
           credited=True, credit=c_line, link_form=c_form, number=2)  # fmt: skip


def _unlinked(b: Builder7, family: str, key: str, source: Source, home: Site7, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """A named credit with no link to the article; one origin is undated, one copy too."""
    b.origin(key, family, source, home, url, None if number == 2 else day, day + _day(0.5), real=number % 2 == 0)  # fmt: skip
    line, form = b.credit(NAMED_ONLY_FORMS[number % len(NAMED_ONLY_FORMS)], home, url, source.title)
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs,
           None if number == 5 else day + _day(1.5), day + _day(1.6), credited=True, credit=line,
           link_form=form)  # fmt: skip


def _syndicated(b: Builder7, family: str, key: str, source: Source, home: Site7, url: str, day: datetime, number: int) -> None:  # fmt: skip
    b.origin(key, family, source, home, url, day, day + _day(2), real=number % 2 == 0)
    # Whether a canonical link alone is a credit is not what this family asks: not scored.
    b.copy(key, family, source, b.syndicators[number % 2], source.paragraphs, day + _day(0.05),
           day + _day(0.3), credited=None, name_in_page=False, canonical=url)  # fmt: skip


def _backdated(b: Builder7, family: str, key: str, source: Source, home: Site7, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """A copy dated two days before the page it credits (a wrong clock, a reused draft)."""
    b.origin(key, family, source, home, url, day + _day(2), day + _day(2.5), real=number % 2 == 0)
    copier = b.copier({home.host})
    form = ("bare link", "homepage", "linked", "caps-name", "domain", "linked")[number % 6]
    line, link_form = b.credit(form, home, url, source.title, copier.host)
    b.copy(key, family, source, copier, source.paragraphs, day, day + _day(3), credited=True,
           credit=line, link_form=link_form)  # fmt: skip


def one_sentence_each(paragraphs: list[str]) -> list[str]:
    """Every sentence of the body its own paragraph (what a mobile-first CMS export does)."""
    return [s for p in paragraphs for s in _SENTENCE.split(p) if s]


def _re_paragraphed(b: Builder7, family: str, key: str, source: Source, home: Site7, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """The origin's page holds exactly the corpus body, so every word of the origin's article is in
    the copy, in order: the expected retained share is 1.0 whatever the copy's paragraphs."""
    body = source.paragraphs
    origin_body, copy_body, mode = body, body, "p"
    variant = number % 4
    if variant == 0:
        # The case: the copy merges the origin's paragraphs two by two.
        copy_body = [" ".join(body[i : i + 2]) for i in range(0, len(body), 2)]
    elif variant == 1:
        # A pasted rich-text body: one <div> a paragraph with empty <div><br></div> between.
        mode = "div"
    elif variant == 2:
        copy_body = one_sentence_each(body)
    else:
        # The other case: the origin's article is one long paragraph.
        origin_body = [" ".join(body)]
    b.origin(key, family, source, home, url, day, day + _day(0.2), paragraphs=origin_body)
    site, lines = b.disclaimer_sites[0]
    b.copy(key, family, source, site, copy_body, day + _day(0.6), day + _day(0.7), credited=False,
           disclaimer=lines, mode=mode, expect_retained=1.0, number=number)  # fmt: skip


def _unicode(b: Builder7, family: str, key: str, source: Source, home: Site7, url: str, day: datetime, number: int) -> None:  # fmt: skip
    unicode_url, stored_url = unicode_target(home, number, slug(source.title, key))
    b.origin(key, family, source, home, stored_url, day, day + _day(1), real=number % 2 == 0)
    form = "bare link" if number % 2 else "linked"
    template = (b.bare_lines if form == "bare link" else b.site_lines)()
    line, _ = credit_line(template, home, unicode_url, form, source.title)
    link_form = "idn" if stored_url.split("/")[2].startswith("xn--") else "unicode"
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs, day + _day(1.2), day + _day(1.4),
           credited=True, credit=line, link_form=link_form, expect_credit_target=stored_url)  # fmt: skip


def _header_charset(b: Builder7, key: str, source: Source, home: Site7, url: str, day: datetime, label: str) -> None:  # fmt: skip
    codec, header = next((c, h) for name, c, h in CHARSETS if name == label)
    page = b.origin(key, "header-charset", source, home, url, day, day + _day(0.3),
                    paragraphs=source.paragraphs, charset_meta=False)  # fmt: skip
    assert page.html is not None
    page.body_bytes = header_only_bytes(page.html, codec)
    page.content_type = header
    page.charset = label
    page.expect_words = charset_labels(label, codec, source.paragraphs)
    site, lines = b.disclaimer_sites[1]
    b.copy(key, "header-charset", source, site, source.paragraphs, day + _day(0.9), day + _day(1),
           credited=False, disclaimer=lines, number=3)  # fmt: skip


def _disclaimer(b: Builder7, family: str, key: str, source: Source, home: Site7, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """An uncredited copy on a disclaimer site (crawled before the origin for odd numbers) and a
    credited copy elsewhere."""
    b.origin(key, family, source, home, url, day, day + _day(1.2 if number % 2 else 0.1), real=number % 2 == 0)  # fmt: skip
    site, lines = b.disclaimer_sites[number % 2]
    b.copy(key, family, source, site, source.paragraphs, day + _day(0.4), day + _day(0.5),
           credited=False, disclaimer=lines, number=number)  # fmt: skip
    copier = b.copier({home.host})
    form = ("caps-name", "linked", "homepage", "bare link", "alt-name", "domain", "plain")[
        number % 7
    ]
    line, link_form = b.credit(form, home, url, source.title, copier.host)
    b.copy(key, family, source, copier, source.paragraphs, day + _day(2), day + _day(2.1),
           credited=True, credit=line, link_form=link_form, number=2)  # fmt: skip


def _noise(b: Builder7, family: str, key: str, source: Source, home: Site7, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """Copies that really are uncredited: a copy whose only line links "Source" to a social
    shortener (the reader cannot tell which site it means), an undated pair, a copy linking an
    unrelated reference page, plain copies, and an origin with unrelated links copied twice."""
    body = source.paragraphs
    undated = number == 1
    b.origin(key, family, source, home, url, None if undated else day, day + _day(0.6), real=number % 2 == 1)  # fmt: skip
    copier = b.copier({home.host})
    when = None if undated else day + _day(0.8)
    if number == 0:
        href = html_lib.escape(f"{SHORTENER}{key[-1]}Xq4Rt")
        noise = f'Source: <a href="{href}" rel="nofollow">{href}</a>'
        b.copy(key, family, source, copier, body, when, day + _day(1), credited=False,
               noise_line=noise, link_form="shortener", placement="alert-box")  # fmt: skip
        return
    if number == 3:
        # A glossary link to an unrelated reference page where a credit would sit: no credit.
        line = 'Explainer: <a href="https://www.britannica.com/topic/news-agency">what a news agency is</a>'
        b.copy(key, family, source, copier, body, when, day + _day(1), credited=False,
               placement="author-bio", aside_line=line)  # fmt: skip
        return
    b.copy(key, family, source, copier, body, when, day + _day(1.1), credited=False)
    if number in (1, 4):
        b.copy(key, family, source, b.copier({home.host, copier.host}), body,
               None if undated else day + _day(1.5), day + _day(1.7), credited=False, number=2)  # fmt: skip


_SEED_SITES = (
    ("Antiwar.com", "www.antiwar.com", "jekyll"),
    ("Defend Democracy Press", "www.defenddemocracy.press", "wix"),
    ("TRANSCEND Media Service", "www.transcend.org", "bearblog"),
)


def _seed_chain(b: Builder7, key: str, source: Source, number: int) -> None:
    """Issue 11's chain: antiwar.com on 18 March, defenddemocracy.press the next day (no credit, or
    the original's address at the end of its last paragraph), TRANSCEND a week later with "Go to
    Original – defenddemocracy.press" after the author's bio."""
    antiwar, ddp, tms = (_seed_site(name, host, skin, k) for k, (name, host, skin) in enumerate(_SEED_SITES))  # fmt: skip
    year = 2022 + number
    day = datetime(year, 3, 18, 14, 5, tzinfo=UTC)
    path = slug(source.title, key)
    a_url = f"https://www.antiwar.com/blog/{year}/03/18/{path}/"
    b.origin(key, "seed-chain", source, antiwar, a_url, day, day + _day(0.3), real=True)
    line = None
    if number == 1:
        line, _ = credit_line(templates("seed")[1], antiwar, a_url, "bare link", source.title)
    d_url = f"https://www.defenddemocracy.press/{path}/"
    b.copy(key, "seed-chain", source, ddp, source.paragraphs, day + _day(1), day + _day(1.2),
           credited=line is not None, credit=line, link_form="exact" if line else None, url=d_url,
           placement="last-paragraph-inline" if line else None)  # fmt: skip
    domain = Site7("defenddemocracy.press", 0, "wix")
    domain.host = "defenddemocracy.press"
    tms_line, _ = credit_line(templates("seed")[0], domain, None, "plain", source.title)
    t_url = f"https://www.transcend.org/tms/{year}/03/{path}/"
    b.copy(key, "seed-chain", source, tms, source.paragraphs, day + _day(7), day + _day(7.2),
           credited=True, credit=tms_line, url=t_url, placement="author-bio")  # fmt: skip


def _seed_site(name: str, host: str, skin: str, number: int) -> Site7:
    site = Site7(name, number, skin)
    site.host = host
    site.naming = "og"
    return site
