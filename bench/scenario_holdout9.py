"""A NINTH held-out set of the issue 11 judgement families ("holdout9"), LABELLED AS BUILT.

The first eight held-out sets have all been looked at. This one is built like them (the nine
families, the same labels and the same scorer ``eval_judgement.judge``) with shapes none of them
uses, to be run once, at the end:

* **Articles** are corpus pages (Scrapinghub benchmark pages and Readability cases) with their own
  bodies (ground truth or Readability's expected output), never tracker's extractor. Every usable
  page has been taken by some earlier set (holdout8 included), so the pages the fewest earlier sets
  take come first, in new roles (``reused_sources`` names them, ``use_counts`` counts them).
* **Pages**: origins are the real pages re-hosted (every other one) or written in one of six page
  templates of ``bench/holdout9_pages.py`` (Hexo NexT, Hashnode, Newspack, Mastodon, Wagtail,
  vBulletin); copies are written in those templates, with their own date and name markup. Some
  origins link words of their body to unrelated reference sites.
* **Credit lines** come from ``bench/phrasings_holdout9.yml`` (real wordings, each with where it was
  found, 22 languages), as a linked name, a plain name, another form of the name ("The …", "…
  Online"), the domain, the site's social handle ("@…"), or a bare address or linked words; in six
  new placements and five new link forms to the original (HubSpot parameters, LinkedIn's redirect,
  the AMP cache, WordPress's ``#more-`` anchor, a ``CMP=`` parameter).
* **Charsets** of the header-charset family: gb2312, gbk, ks_c_5601-1987, windows-31j, x-sjis and
  big5-hkscs, each only in the HTTP header. No earlier set serves these names; every one of them is
  a name browsers map to a decoder an earlier set also used (gb18030, euc-kr, shift_jis, big5):
  every WHATWG encoding that can carry a Latin or Cyrillic article has been served before.
* **Unicode credit targets** have Sinhala, Lao, Telugu, Kannada, Slovak and Estonian paths, and
  one an internationalised host name (stored in its ``xn--`` form).
* **Seed chain** (issue 11) in its two variants, and a **noise** family of copies that really are
  uncredited (a "Source" line holding only a dlvr.it short address, an undated pair, a photo
  credit naming Wikimedia Commons, a "Related" line to an unrelated page, an origin with unrelated
  links copied twice).

The corpus is read at run time; no page text is written into the repository.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import quote

from holdout5_pages import CreditLine, Site
from holdout6_pages import Shape
from holdout9_pages import LINK_FORMS, PLACEMENTS, Site9, credit_line, render
from scenario_holdout5 import (
    ALL_FAMILIES,
    PER_FAMILY,
    Turns,
    all_sources,
    article_need,
    split_sentences,
    usable,
    write_json,
)
from scenario_holdout7 import template_of
from scenario_holdout8 import Builder8, _best_for, build_plan, days, family_plan
from scenario_pages import BENCH, Distinct, ScenarioSet, Source, phrasings

PHRASINGS = BENCH / "phrasings_holdout9.yml"
LABEL = (
    "LABELLED AS BUILT (holdout9): synthetic repost scenarios made from real corpus pages with "
    "credit wordings, page shapes and charset names no earlier set uses; labels are true by "
    "construction"
)
# (label, Python codec, Content-Type header as served)
CHARSETS = (
    ("gb2312", "gb2312", "text/html; charset=gb2312"),
    ("gbk", "gbk", "text/html; charset=GBK"),
    ("ks_c_5601-1987", "cp949", "text/html; charset=ks_c_5601-1987"),
    ("windows-31j", "cp932", "text/html; charset=Windows-31J"),
    ("x-sjis", "shift_jis", "text/html;charset=x-sjis"),
    ("big5-hkscs", "big5hkscs", 'text/html; charset="big5-hkscs"'),
)
UNICODE_PATHS = (
    "පුවත්/ලෝකය",
    "ຂ່າວ/ໂລກ",
    "వార్తలు/ప్రపంచం",
    "ಸುದ್ದಿ/ಜಗತ್ತು",
    "správy/zahraničie",
    "uudised/välismaa",
)
_START = datetime(2026, 9, 7, 6, 25, tzinfo=UTC)
_FIRST = "Ambleside Brackenridge Coldharbour Deepdale Eskdale Foxhollow Greystoke Hawkshead Ivybridge Kestrel Loweswater Millom Netherby Oakenshaw Penruddock Ravenglass".split()
_SECOND = (
    "Watchman Sentinel Beacon Chronicle Gazette Herald Bugle Lantern Dispatch Observer".split()
)
SEED = 9
SHORTENER = "https://dlvr.it/"


def _order(seed: int, name: str) -> str:
    return hashlib.sha1(f"holdout9:{seed}:{name}".encode()).hexdigest()


def holdout_phrasings() -> dict:
    """The phrasing file of this set (credit templates with their sources, disclaimers)."""
    return phrasings(PHRASINGS.name)


def templates(group: str) -> list[str]:
    """The credit templates of one group (``site``, ``bare_link`` or ``seed``)."""
    return [entry["template"] for entry in holdout_phrasings()[group]]


# --- articles ---------------------------------------------------------------------------------


@cache
def use_counts(corpus: Path) -> Counter[str]:
    """How many earlier scenario sets (holdout8 included) take each corpus article: holdout8's
    count of the sets before it, plus holdout8 itself."""
    import scenario_holdout8 as last

    return last.use_counts(corpus) + Counter(set(last.build_holdout8(corpus).sources.values()))


def reused_sources(scenarios: ScenarioSet, corpus: Path) -> list[str]:
    """Which corpus articles of ``scenarios`` some earlier scenario set takes too, sorted."""
    return sorted(set(scenarios.sources.values()) & set(use_counts(corpus)))


def pick(corpus: Path, seed: int, need: int) -> tuple[list[tuple[Source, str]], list[Source]]:
    """(header-charset articles with their charsets, ``need`` other articles), the pages the
    fewest earlier sets take first (holdout8's choice of a charset's page, for this set's
    charsets)."""
    counts = use_counts(corpus)
    sources = sorted(all_sources(corpus, seed), key=lambda s: (counts[s.source], _order(seed, s.source)))  # fmt: skip
    distinct = Distinct()
    charset: list[tuple[Source, str]] = []
    for entry in CHARSETS:
        taken = {s.source for s, _ in charset}
        pool = [s for s in sources if s.source not in taken and usable(s.paragraphs, 6000)]
        chosen = _best_for(entry, pool, distinct)
        if chosen is not None:
            charset.append((chosen, entry[0]))
    taken = {s.source for s, _ in charset}
    rest = (s for s in sources if s.source not in taken and usable(s.paragraphs, 3000))
    articles = [s for s in rest if distinct.admit(s.text)][:need]
    return charset, articles


# --- the builder ------------------------------------------------------------------------------


class Builder9(Builder8):
    """holdout8's builder (copier rounds, related titles, origin and copy records) with this set's
    sites, wordings, placements, link forms and page templates."""

    def __init__(self, seed: int, titles: list[str]) -> None:
        # Not super().__init__: it would name and skin holdout8's sites and take its wordings.
        self.pages, self.sources = [], {}
        self.seed, self.titles, self.turn, self.count = seed, titles, 0, 0
        names = sorted((f"{a} {b}" for a in _FIRST for b in _SECOND), key=lambda n: _order(seed, n))  # fmt: skip
        self._names = iter(names)
        self.copiers = [self.site() for _ in range(8)]
        self.syndicators = [self.site(), self.site()]
        notes = [list(d["paragraphs"]) for d in holdout_phrasings()["disclaimers"]]
        self.disclaimer_sites = [(self.site("wagtail"), notes[0]), (self.site("vbulletin"), notes[1])]  # fmt: skip
        self.pool = list(self.copiers)
        self.site_lines, self.bare_lines = Turns(templates("site"), seed), Turns(templates("bare_link"), seed)  # fmt: skip
        self.placements = Turns(PLACEMENTS, seed)
        self.link_forms, self.bare_forms = Turns(LINK_FORMS, seed), Turns(LINK_FORMS, seed + 3)

    def site(self, skin: str | None = None) -> Site9:  # type: ignore[override]
        self.count += 1
        return Site9(next(self._names), self.count, skin)

    def credit(self, form: str, target: Site, url: str, title: str, via: str = "") -> tuple[CreditLine, str]:  # fmt: skip
        """A credit to ``url`` (a page of ``target``) in ``form``, and the form of its link."""
        assert isinstance(target, Site9)
        if form == "bare link":
            return credit_line(self.bare_lines(), target, url, f"bare link:{self.bare_forms()}", title)  # fmt: skip
        if form == "linked":
            return credit_line(self.site_lines(), target, url, f"linked:{self.link_forms()}", title)  # fmt: skip
        return credit_line(self.site_lines(), target, url, form, title)

    def _html(self, key: str, site: Site, url: str, source: Source, body: list[str],
              published: datetime | None, shape: Shape) -> str:  # fmt: skip
        return render(site, url, source.title, body, published, self.related(key, source.title), shape)  # fmt: skip


def build_holdout9(corpus: Path, per_family: int = PER_FAMILY, seed: int = SEED) -> ScenarioSet:
    """The holdout9 set, read from the corpus folder ``corpus`` (``../shared/corpus``): the nine
    families with ``per_family`` articles each (ten in the disclaimer family), the seed chain and
    the noise family, in the order ``seed`` gives to corpus pages, site names and wordings. The
    same arguments and corpus give the same pages and labels (see the module docstring).
    """
    from holdout9_families import add_article

    need = article_need(per_family)
    charset, articles = pick(corpus, seed, need)
    if len(articles) < need or len(charset) < 4:
        raise ValueError(f"corpus too small: {len(articles)} articles, {len(charset)} charset pages")  # fmt: skip
    queue = list(articles)
    b = Builder9(seed, [s.title for s in articles] + [s.title for s, _ in charset])

    def pick_source(family: str, number: int) -> tuple[Source, str]:
        if family == "header-charset":
            return charset[number % len(charset)]
        return queue.pop(0), ""

    build_plan(b, family_plan(per_family), pick_source, add_article, "h9",
               lambda index: _START + days(1.9 * index), per_family)  # fmt: skip
    return ScenarioSet(b.pages, b.sources)


def unicode_target(home: Site, number: int, path_slug: str) -> tuple[str, str]:
    """(the Unicode address a copier writes, the address the crawler stores) of an origin page;
    the third one on an internationalised host name (stored in its ``xn--`` form)."""
    path = f"{UNICODE_PATHS[number % len(UNICODE_PATHS)]}/{path_slug}"
    host = home.host
    if number == 2:
        host = host.replace("c", "ç", 1) if "c" in host.split(".")[0] else "ş" + host
    stored = f"https://{host.encode('idna').decode('ascii')}/{quote(path, safe='/')}"
    return f"https://{host}/{path}", stored


# Names other modules take from here that this module only passes on.
__all__ = ["ALL_FAMILIES", "days", "split_sentences", "template_of", "write_json"]
