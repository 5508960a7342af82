"""An EIGHTH held-out set of the issue 11 judgement families ("holdout8"), LABELLED AS BUILT.

The first seven held-out sets have all been looked at. This one is built like them (the nine
families, the same labels and the same scorer ``eval_judgement.judge``) with shapes none of them
uses, to be run once, at the end:

* **Articles** are corpus pages (Scrapinghub benchmark pages and Readability cases) with their own
  bodies (ground truth or Readability's expected output), never tracker's extractor. Every usable
  page has been taken by some earlier set (holdout7 included), so the pages the fewest earlier sets
  take come first, in new roles (``reused_sources`` names them, ``use_counts`` counts them).
* **Pages**: origins are the real pages re-hosted (every other one) or written in one of six page
  templates of ``bench/holdout8_pages.py`` (Forem, WriteFreely, SPIP, Plone, Movable Type,
  Telegraph); copies are written in those templates, with their own date and name markup. Some
  origins link words of their body to unrelated reference sites.
* **Credit lines** come from ``bench/phrasings_holdout8.yml`` (real wordings, each with where it was
  found, 23 languages), as a linked name, a plain name, another form of the name ("The …", "…
  Online"), the domain, the name linked to an archive.today snapshot, the original's headline
  linked to it, or a bare address; in seven new placements (one of them the page's JSON-LD only)
  and four new link forms to the original (an ``#xtor=`` fragment, Mailchimp parameters, Facebook's
  link shim, an ``href`` padded with white space).
* **A credit kept only in the JSON-LD** (``isBasedOn`` with the original's address, ``creditText``
  with the line's words) is labelled credited: the label is what a careful reader of the page AND
  its metadata concludes, and the metadata names the source.
* **Charsets** of the header-charset family: windows-1253, iso-8859-7, windows-1255, big5,
  windows-874 and iso-8859-3 (no earlier set serves them), each only in the HTTP header.
* **Unicode credit targets** have Icelandic, Gujarati, Khmer, Malayalam, Latvian and Mongolian
  paths, and one an internationalised host name (stored in its ``xn--`` form).
* **Seed chain** (issue 11) in its two variants, and a **noise** family of copies that really are
  uncredited (one whose only "Source" is a Flipboard short address, an undated pair,
  copies linking unrelated pages, an origin with unrelated links copied twice).

The corpus is read at run time; no page text is written into the repository.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote

from holdout5_pages import CreditLine, Site
from holdout6_pages import Shape
from holdout8_pages import LINK_FORMS, PLACEMENTS, Site8, credit_line, render
from scenario_families import FAMILIES
from scenario_holdout5 import (
    ALL_FAMILIES,
    DISCLAIMER_ARTICLES,
    NOISE_ARTICLES,
    PER_FAMILY,
    Turns,
    all_sources,
    article_need,
    split_sentences,
    usable,
    write_json,
)
from scenario_holdout6 import charset_labels
from scenario_holdout7 import Builder7, template_of
from scenario_pages import BENCH, Distinct, ScenarioSet, Source, phrasings

PHRASINGS = BENCH / "phrasings_holdout8.yml"
LABEL = (
    "LABELLED AS BUILT (holdout8): synthetic repost scenarios made from real corpus pages with "
    "credit wordings, page shapes and charsets no earlier set uses; labels are true by construction"
)
# (label, Python codec, Content-Type header as served)
CHARSETS = (
    ("windows-1253", "cp1253", "text/html; charset=windows-1253"),
    ("iso-8859-7", "iso8859_7", "text/html;charset=ISO-8859-7"),
    ("windows-1255", "cp1255", 'text/html; charset="windows-1255"'),
    ("big5", "big5", "text/html; charset=Big5"),
    ("windows-874", "cp874", "text/html; charset=windows-874"),
    ("iso-8859-3", "iso8859_3", "text/html; charset=iso-8859-3"),
)
UNICODE_PATHS = (
    "fréttir/erlent",
    "સમાચાર/દુનિયા",
    "ព័ត៌មាន/ពិភពលោក",
    "വാർത്ത/ലോകം",
    "ziņas/pasaulē",
    "мэдээ/дэлхий",
)
_START = datetime(2026, 8, 3, 7, 50, tzinfo=UTC)
_FIRST = "Applegarth Bramblewick Cloverdale Drumlanrig Everleigh Frostholm Galloway Hartwell Ingleby Kirkwall Langstrath Mossgiel Nethercott Ormsby Pitlochry Rushmere".split()
_SECOND = "Informer Intelligencer Mercury Almanack Inquirer Despatch Vindicator Courant Spectator Townsman".split()
SEED = 8
SHORTENER = "https://flip.it/"


def _order(seed: int, name: str) -> str:
    return hashlib.sha1(f"holdout8:{seed}:{name}".encode()).hexdigest()


def days(n: float) -> timedelta:
    """``n`` days."""
    return timedelta(days=n)


def holdout_phrasings() -> dict:
    """The phrasing file of this set (credit templates with their sources, disclaimers)."""
    return phrasings(PHRASINGS.name)


def templates(group: str) -> list[str]:
    """The credit templates of one group (``site``, ``bare_link`` or ``seed``)."""
    return [entry["template"] for entry in holdout_phrasings()[group]]


# --- articles ---------------------------------------------------------------------------------


@cache
def use_counts(corpus: Path) -> Counter[str]:
    """How many earlier scenario sets (holdout7 included) take each corpus article."""
    from scenario_holdout7 import build_holdout7
    from scenario_holdout7 import use_counts as before_holdout7

    counts = Counter(before_holdout7(corpus))
    counts.update(set(build_holdout7(corpus).sources.values()))
    return counts


def reused_sources(scenarios: ScenarioSet, corpus: Path) -> list[str]:
    """Which corpus articles of ``scenarios`` some earlier scenario set takes too, sorted."""
    return sorted(set(scenarios.sources.values()) & set(use_counts(corpus)))


def _best_for(charset: tuple[str, str, str], pool: list[Source], distinct: Distinct) -> Source | None:  # fmt: skip
    """The pool's page with most words that need ``charset`` (first those a windows-1252 reading
    garbles), if it has five and tells a story no page taken so far tells."""
    label, codec, _ = charset

    def score(source: Source) -> tuple[bool, int, int]:
        words = charset_labels(label, codec, source.paragraphs)
        garbled = [w for w in words if w.encode("cp1252", errors="replace").decode("cp1252") != w]  # fmt: skip
        # A Latin-script article first: a Greek, Hebrew, Thai or Taiwanese site serving a Russian
        # article in its own charset would be a shape no real site has.
        latin = not any("\u0400" <= ch <= "\u04ff" for ch in source.text)
        return latin, len(garbled), len(words)

    for source in sorted(pool, key=score, reverse=True):
        if score(source)[2] >= 5 and distinct.admit(source.text):
            return source
    return None


def pick(corpus: Path, seed: int, need: int) -> tuple[list[tuple[Source, str]], list[Source]]:
    """(header-charset articles with their charsets, ``need`` other articles), the pages the
    fewest earlier sets take first."""
    counts = use_counts(corpus)
    sources = sorted(all_sources(corpus, seed), key=lambda s: counts[s.source])
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


class Builder8(Builder7):
    """holdout7's builder (copier rounds, related titles, origin and copy records) with this set's
    sites, wordings, placements, link forms and page templates."""

    def __init__(self, seed: int, titles: list[str]) -> None:
        # Not super().__init__: it would name and skin holdout7's sites and take its wordings.
        self.pages, self.sources = [], {}
        self.seed, self.titles, self.turn, self.count = seed, titles, 0, 0
        self._names = iter(sorted((f"{a} {b}" for a in _FIRST for b in _SECOND), key=lambda n: _order(seed, n)))  # fmt: skip
        self.copiers = [self.site() for _ in range(8)]
        self.syndicators = [self.site(), self.site()]
        notes = [list(d["paragraphs"]) for d in holdout_phrasings()["disclaimers"]]
        self.disclaimer_sites = [(self.site("spip"), notes[0]), (self.site("plone"), notes[1])]
        self.pool = list(self.copiers)
        self.site_lines, self.bare_lines = Turns(templates("site"), seed), Turns(templates("bare_link"), seed)  # fmt: skip
        self.placements = Turns(PLACEMENTS, seed)
        self.link_forms, self.bare_forms = Turns(LINK_FORMS, seed), Turns(LINK_FORMS, seed + 1)

    def site(self, skin: str | None = None) -> Site8:  # type: ignore[override]
        self.count += 1
        return Site8(next(self._names), self.count, skin)

    def credit(self, form: str, target: Site, url: str, title: str, via: str = "") -> tuple[CreditLine, str]:  # fmt: skip
        """A credit to ``url`` (a page of ``target``) in ``form``, and the form of its link."""
        if form == "bare link":
            return credit_line(self.bare_lines(), target, url, f"bare link:{self.bare_forms()}", title)  # fmt: skip
        if form == "linked":
            return credit_line(self.site_lines(), target, url, f"linked:{self.link_forms()}", title)  # fmt: skip
        return credit_line(self.site_lines(), target, url, form, title)

    def _html(self, key: str, site: Site, url: str, source: Source, body: list[str],
              published: datetime | None, shape: Shape) -> str:  # fmt: skip
        return render(site, url, source.title, body, published, self.related(key, source.title), shape)  # fmt: skip


def build_plan(
    b: Builder7,
    plan: list[tuple[str, int]],
    pick_source: Callable[[str, int], tuple[Source, str]],
    add: Callable[..., None],
    prefix: str,
    when: Callable[[int], datetime],
    per_family: int,
) -> None:
    """Build every ``(family, number)`` of ``plan`` into ``b`` with ``add`` (a family table's
    ``add_article``), keyed ``<prefix>-<family>-<number>``; after the last canonical-syndication
    article the syndicators join the copiers twice, so their own name is the majority of their
    pages. Generic over the held-out sets built holdout5's way."""
    for index, (family, number) in enumerate(plan):
        source, label = pick_source(family, number)
        key = f"{prefix}-{family}-{number}"
        b.sources[key] = source.source
        add(b, family, key, source, when(index), number, label)
        if family == "canonical-syndication" and number == per_family - 1:
            b.pool += b.syndicators * 2


def family_plan(per_family: int) -> list[tuple[str, int]]:
    """The order the families are built in: the chain families, the disclaimer family, the seed
    chain and the noise family."""
    plan = [(f, n) for f in FAMILIES for n in range(per_family)]
    plan += [("new-disclaimer", n) for n in range(DISCLAIMER_ARTICLES)]
    return plan + [("seed-chain", 0), ("seed-chain", 1)] + [("noise", n) for n in range(NOISE_ARTICLES)]  # fmt: skip


def build_holdout8(corpus: Path, per_family: int = PER_FAMILY, seed: int = SEED) -> ScenarioSet:
    """The holdout8 set, read from the corpus folder ``corpus`` (``../shared/corpus``): the nine
    families with ``per_family`` articles each (ten in the disclaimer family), the seed chain and
    the noise family, in the order ``seed`` gives to corpus pages, site names and wordings. The
    same arguments and corpus give the same pages and labels (see the module docstring).
    """
    from holdout8_families import add_article

    need = article_need(per_family)
    charset, articles = pick(corpus, seed, need)
    if len(articles) < need or len(charset) < 4:
        raise ValueError(f"corpus too small: {len(articles)} articles, {len(charset)} charset pages")  # fmt: skip
    queue = list(articles)
    b = Builder8(seed, [s.title for s in articles] + [s.title for s, _ in charset])

    def pick_source(family: str, number: int) -> tuple[Source, str]:
        if family == "header-charset":
            return charset[number % len(charset)]
        return queue.pop(0), ""

    build_plan(b, family_plan(per_family), pick_source, add_article, "h8",
               lambda index: _START + days(2.1 * index), per_family)  # fmt: skip
    return ScenarioSet(b.pages, b.sources)


def unicode_target(home: Site, number: int, path_slug: str) -> tuple[str, str]:
    """(the Unicode address a copier writes, the address the crawler stores) of an origin page."""
    path = f"{UNICODE_PATHS[number % len(UNICODE_PATHS)]}/{path_slug}"
    host = home.host
    if number == 3:
        # An internationalised host name: written in Unicode, stored in its ASCII (xn--) form.
        first = host.split(".")[0]
        host = host.replace("a", "á", 1) if "a" in first else "ð" + host
    stored = f"https://{host.encode('idna').decode('ascii')}/{quote(path, safe='/')}"
    return f"https://{host}/{path}", stored


__all__ = [
    "ALL_FAMILIES",
    "CHARSETS",
    "LABEL",
    "PHRASINGS",
    "SHORTENER",
    "Builder8",
    "build_holdout8",
    "build_plan",
    "days",
    "holdout_phrasings",
    "reused_sources",
    "split_sentences",
    "template_of",
    "templates",
    "unicode_target",
    "use_counts",
    "write_json",
]
