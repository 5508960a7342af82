"""How each family of the sixth held-out set (``bench/scenario_holdout6.py``) is built.

One function per family: who copies whom, when, in which page, with which credit, and the labels
that follow from it (the credited flag of every copy, the retained share, the credit target, the
words a header-charset page must keep, the disclaimer a stored text must lose). The variations
differ from holdout5's: other crawl orders, other re-paragraphings, other noise.
"""

from __future__ import annotations

from datetime import UTC, datetime

from holdout5_pages import header_only_bytes
from holdout6_pages import NAMED_ONLY_FORMS, Site6, credit_line
from scenario_holdout6 import (
    CHARSETS,
    Builder6,
    _day,
    charset_labels,
    split_sentences,
    templates,
    unicode_target,
)
from scenario_pages import Source
from scenarios import slug


def add_article(
    b: Builder6, family: str, key: str, source: Source, day: datetime, number: int, label: str
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


def _chain(b: Builder6, family: str, key: str, source: Source, home: Site6, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """A → B → C: B copies A (uncredited, or with a bare link to A), C credits B. Every third
    origin is crawled between the two copies; the others first."""
    body = source.paragraphs
    seen = day + (_day(3.5) if number % 3 == 1 else _day(0.2))
    b.origin(key, family, source, home, url, day, seen, real=number % 2 == 1)
    middle = b.copier({home.host})
    line, form = b.credit("bare link", home, url, source.title) if family == "bare-link" else (None, None)  # fmt: skip
    made = b.copy(key, family, source, middle, body, day + _day(0.5), day + _day(0.6),
                  credited=line is not None, credit=line, link_form=form)  # fmt: skip
    how = "bare link" if number % 3 == 2 else "linked"
    c_line, c_form = b.credit(how, middle, made.url, source.title)
    b.copy(key, family, source, b.copier({home.host, middle.host}), body, day + _day(4), day + _day(4.2),
           credited=True, credit=c_line, link_form=c_form, number=2)  # fmt: skip


def _unlinked(b: Builder6, family: str, key: str, source: Source, home: Site6, url: str, day: datetime, number: int) -> None:  # fmt: skip
    b.origin(key, family, source, home, url, None if number == 3 else day, day + _day(1), real=number % 2 == 1)  # fmt: skip
    line, form = b.credit(NAMED_ONLY_FORMS[number % len(NAMED_ONLY_FORMS)], home, url, source.title)
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs, day + _day(2), day + _day(2),
           credited=True, credit=line, link_form=form)  # fmt: skip


def _syndicated(b: Builder6, family: str, key: str, source: Source, home: Site6, url: str, day: datetime, number: int) -> None:  # fmt: skip
    b.origin(key, family, source, home, url, day, day + _day(0.5), real=number % 2 == 1)
    # Whether a canonical link alone is a credit is not what this family asks: not scored.
    b.copy(key, family, source, b.syndicators[number % 2], source.paragraphs, day + _day(0.1),
           day + _day(1.5), credited=None, name_in_page=False, canonical=url)  # fmt: skip


def _backdated(b: Builder6, family: str, key: str, source: Source, home: Site6, url: str, day: datetime, number: int) -> None:  # fmt: skip
    b.origin(key, family, source, home, url, day + _day(1.5), day + _day(3), real=number % 2 == 1)
    form = ("linked", "domain", "bare link")[number % 3]
    line, link_form = b.credit(form, home, url, source.title)
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs, day, day + _day(3.5),
           credited=True, credit=line, link_form=link_form)  # fmt: skip


def _re_paragraphed(b: Builder6, family: str, key: str, source: Source, home: Site6, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """The origin's page holds exactly the corpus body, so every word of the origin's article is in
    the copy, in order: the expected retained share is 1.0 whatever the copy's paragraphs."""
    body = source.paragraphs
    origin_body, copy_body, mode = body, body, "p"
    variant = number % 4
    if variant == 0:
        # A print-layout copy: the origin's paragraphs three by three.
        copy_body = [" ".join(body[i : i + 3]) for i in range(0, len(body), 3)]
    elif variant == 1:
        # The copy keeps its paragraphs as <br><br> breaks inside one block.
        mode = "br"
    elif variant == 2:
        # Every paragraph cut in two at its middle sentence.
        copy_body = split_sentences(body)
    else:
        # The origin keeps its article in two long paragraphs; the copy has the corpus paragraphs.
        half = len(body) // 2
        origin_body = [" ".join(body[:half]), " ".join(body[half:])]
    b.origin(key, family, source, home, url, day, day + _day(0.3), paragraphs=origin_body)
    site, lines = b.disclaimer_sites[0]
    b.copy(key, family, source, site, copy_body, day + _day(1), day + _day(1.1), credited=False,
           disclaimer=lines, mode=mode, expect_retained=1.0, number=number)  # fmt: skip


def _unicode(b: Builder6, family: str, key: str, source: Source, home: Site6, url: str, day: datetime, number: int) -> None:  # fmt: skip
    unicode_url, stored_url = unicode_target(home, number, slug(source.title, key))
    b.origin(key, family, source, home, stored_url, None, day + _day(2), real=number % 2 == 1)
    form = "bare link" if number % 2 == 0 else "linked"
    template = (b.bare_lines if form == "bare link" else b.site_lines)()
    line = credit_line(template, home, unicode_url, form, source.title)
    link_form = "idn" if stored_url.split("/")[2].startswith("xn--") else "unicode"
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs, day + _day(1), day + _day(2.5),
           credited=True, credit=line, link_form=link_form, expect_credit_target=stored_url)  # fmt: skip


def _header_charset(b: Builder6, key: str, source: Source, home: Site6, url: str, day: datetime, label: str) -> None:  # fmt: skip
    codec, header = next((c, h) for name, c, h in CHARSETS if name == label)
    page = b.origin(key, "header-charset", source, home, url, day, day + _day(0.4),
                    paragraphs=source.paragraphs, charset_meta=False)  # fmt: skip
    assert page.html is not None
    page.body_bytes = header_only_bytes(page.html, codec)
    page.content_type = header
    page.charset = label
    page.expect_words = charset_labels(label, codec, source.paragraphs)
    site, lines = b.disclaimer_sites[1]
    b.copy(key, "header-charset", source, site, source.paragraphs, day + _day(1), day + _day(1.2),
           credited=False, disclaimer=lines, number=4)  # fmt: skip


def _disclaimer(b: Builder6, family: str, key: str, source: Source, home: Site6, url: str, day: datetime, number: int) -> None:  # fmt: skip
    b.origin(key, family, source, home, url, day, day + _day(0.2), real=number % 2 == 1)
    site, lines = b.disclaimer_sites[number % 2]
    b.copy(key, family, source, site, source.paragraphs, day + _day(0.8), day + _day(0.9),
           credited=False, disclaimer=lines, number=number)  # fmt: skip
    form = ("alt-name", "linked", "own-anchor", "bare link", "plain")[number % 5]
    line, link_form = b.credit(form, home, url, source.title)
    b.copy(key, family, source, b.copier({home.host}), source.paragraphs, day + _day(1.5),
           day + _day(1.6), credited=True, credit=line, link_form=link_form, number=2)  # fmt: skip


def _noise(b: Builder6, family: str, key: str, source: Source, home: Site6, url: str, day: datetime, number: int) -> None:  # fmt: skip
    """Copies that really are uncredited: a plain copy, an undated pair, a copy whose only line
    links "here" to a shortener (the reader cannot tell which site it means), a copy linking an
    unrelated reference page, and an origin with unrelated links copied twice."""
    body = source.paragraphs
    undated = number == 4
    b.origin(key, family, source, home, url, None if undated else day, day + _day(0.4), real=number % 2 == 1)  # fmt: skip
    copier = b.copier({home.host})
    when = None if undated else day + _day(1)
    if number == 0:
        noise = credit_line("Reposted from [[here]]", home, f"https://lnkd.in/e{key[-1]}Kq7Zx", "bare link", source.title)  # fmt: skip
        b.copy(key, family, source, copier, body, when, day + _day(1.2), credited=False,
               noise_line=str(noise), link_form="shortener")  # fmt: skip
        return
    if number == 2:
        # An explainer link to an unrelated reference page in the notes list: no credit.
        line = 'Background: <a href="https://en.wikipedia.org/wiki/Press_release">what a press release is</a>'
        b.copy(key, family, source, copier, body, when, day + _day(1.2), credited=False,
               placement="last-list-item", aside_line=line)  # fmt: skip
        return
    b.copy(key, family, source, copier, body, when, day + _day(1.3), credited=False)
    if number in (4, 5):
        b.copy(key, family, source, b.copier({home.host, copier.host}), body,
               None if undated else day + _day(2), day + _day(2.2), credited=False, number=2)  # fmt: skip


_SEED_SITES = (
    ("Antiwar.com", "www.antiwar.com", "squarespace"),
    ("Defend Democracy Press", "www.defenddemocracy.press", "squarespace"),
    ("TRANSCEND Media Service", "www.transcend.org", "mediawiki"),
)


def _seed_chain(b: Builder6, key: str, source: Source, number: int) -> None:
    """Issue 11's chain: antiwar.com on 18 March, defenddemocracy.press the next day (no credit, or
    the original's address at the end), TRANSCEND a week later with "Go to Original – …"."""
    antiwar, ddp, tms = (_seed_site(name, host, skin, k) for k, (name, host, skin) in enumerate(_SEED_SITES))  # fmt: skip
    year = 2024 - number
    day = datetime(year, 3, 18, 10, 40, tzinfo=UTC)
    path = slug(source.title, key)
    a_url = f"https://www.antiwar.com/blog/{year}/03/18/{path}/"
    b.origin(key, "seed-chain", source, antiwar, a_url, day, day + _day(0.2), real=True)
    line = None
    if number == 1:
        line = credit_line(templates("seed")[1], antiwar, a_url, "bare link", source.title)
    d_url = f"https://www.defenddemocracy.press/{path}/"
    b.copy(key, "seed-chain", source, ddp, source.paragraphs, day + _day(1), day + _day(1.3),
           credited=line is not None, credit=line, link_form="exact" if line else None, url=d_url,
           placement="signature" if line else None)  # fmt: skip
    domain = Site6("defenddemocracy.press", 0, "squarespace")
    domain.host = "defenddemocracy.press"
    tms_line = credit_line(templates("seed")[0], domain, None, "plain", source.title)
    t_url = f"https://www.transcend.org/tms/{year}/03/{path}/"
    b.copy(key, "seed-chain", source, tms, source.paragraphs, day + _day(7), day + _day(7.1),
           credited=True, credit=tms_line, url=t_url, placement="source-heading")  # fmt: skip


def _seed_site(name: str, host: str, skin: str, number: int) -> Site6:
    site = Site6(name, number, skin)
    site.host = host
    site.naming = "og"
    return site
