"""A SIXTH held-out set of the issue 11 judgement families ("holdout6"), LABELLED AS BUILT.

The first five held-out sets have all been looked at. This one is built like them (the nine
families, the same labels and the same scorer ``eval_judgement.judge``) with shapes none of them
uses, to be run once, at the end:

* **Articles** are corpus pages (Scrapinghub benchmark pages and Readability cases) with their own
  bodies (ground truth or Readability's expected output), never tracker's extractor. Every usable
  page has been taken by some earlier set (holdout5 included), so pages the fewest sets take come
  first and the rest are reused in new roles (``reused_sources`` names them).
* **Pages**: origins are the real pages re-hosted (every other one) or written in one of six page
  templates of ``bench/holdout6_pages.py`` (a Discourse topic, a MediaWiki article, a press-release
  wire page, a live blog, a print view, a Squarespace post); copies are written in those
  templates, with their own date and name markup. Some origins link words of their body to
  unrelated reference sites.
* **Credit lines** come from ``bench/phrasings_holdout6.yml`` (real wordings, each with where it was
  found, 14 languages), as a linked name, a plain name, another form of the name ("The …",
  "… Online"), the domain, a name linked to an anchor of the copier's own page, or a bare address;
  in eight new placements and five new link forms to the original (a web-archive snapshot, the
  default port written out, percent-encoded ASCII in the path, a text fragment, a click tracker
  whose link text is the original's address).
* **Charsets** of the header-charset family: iso-8859-9, windows-1254, iso-8859-16, iso-8859-10,
  iso-8859-4 and x-mac-cyrillic (no earlier set serves them), each only in the HTTP header.
* **Unicode credit targets** have Bengali, Hebrew, Korean, Ukrainian, Turkish and Vietnamese paths,
  and one an internationalised host name (stored in its ``xn--`` form).
* **Seed chain** (issue 11) in its two variants, and a **noise** family of copies that really are
  uncredited (one whose only line links "here" to a shortener, one undated pair, one linking an
  unrelated reference page).

The corpus is read at run time; no page text is written into the repository.
"""

from __future__ import annotations

import hashlib
import importlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote

import yaml
from holdout5_pages import CreditLine, Site
from holdout6_pages import LINK_FORMS, PLACEMENTS, Shape, Site6, credit_line, escape, render
from scenario_families import FAMILIES
from scenario_holdout3 import _specific, charset_words
from scenario_holdout5 import (
    ALL_FAMILIES,
    DISCLAIMER_ARTICLES,
    NOISE_ARTICLES,
    PER_FAMILY,
    Holdout5Page,
    Turns,
    _Builder,
    all_sources,
    article_need,
    split_sentences,
    usable,
    write_json,
)
from scenario_pages import BENCH, Distinct, ScenarioSet, Source, rehost
from scenarios import iso, slug

PHRASINGS = BENCH / "phrasings_holdout6.yml"
LABEL = (
    "LABELLED AS BUILT (holdout6): synthetic repost scenarios made from real corpus pages with "
    "credit wordings, page shapes and charsets no earlier set uses; labels are true by construction"
)
# (label, Python codec, Content-Type header as served)
CHARSETS = (
    ("iso-8859-9", "iso8859_9", "text/html; charset=ISO-8859-9"),
    ("windows-1254", "cp1254", "text/html;charset=windows-1254"),
    ("iso-8859-16", "iso8859_16", 'text/html; charset="iso-8859-16"'),
    ("iso-8859-10", "iso8859_10", "text/html; Charset=ISO-8859-10"),
    ("iso-8859-4", "iso8859_4", "text/html; charset=iso-8859-4"),
    ("x-mac-cyrillic", "mac_cyrillic", "text/html; charset=x-mac-cyrillic"),
)
UNICODE_PATHS = (
    "খবর/বিশ্ব",
    "חדשות/עולם",
    "뉴스/국제",
    "новини/світ",
    "haberler/dünya-gündemi",
    "tin-tức/thế-giới",
)
_UNRELATED = (
    "https://en.wikipedia.org/wiki/Geneva",
    "https://www.who.int/news-room",
    "https://data.worldbank.org/",
    "https://www.bbc.co.uk/weather",
)
_START = datetime(2026, 4, 6, 9, 15, tzinfo=UTC)
_FIRST = "Alderley Bramwell Coldharbour Dovecote Eastwick Foxhollow Greystone Hollins Ivybridge Kestrel Lowmoor Marwood Netherby Oldcastle Pennard Quarry".split()
_SECOND = (
    "Gazette Courier Chronicle Herald Sentinel Observer Dispatch Bulletin Tribune Ledger".split()
)
SEED = 6


def _order(seed: int, name: str) -> str:
    return hashlib.sha1(f"holdout6:{seed}:{name}".encode()).hexdigest()


def _day(days: float) -> timedelta:
    return timedelta(days=days)


@cache
def holdout_phrasings() -> dict:
    """The phrasing file of this set (credit templates with their sources, disclaimers)."""
    return yaml.safe_load(PHRASINGS.read_text(encoding="utf-8"))


def templates(group: str) -> list[str]:
    """The credit templates of one group (``site``, ``bare_link`` or ``seed``)."""
    return [entry["template"] for entry in holdout_phrasings()[group]]


def template_of(phrasing: str) -> str:
    """The template of a page's recorded ``credit_phrasing`` (``"<form>: <template>"``)."""
    return phrasing.split(": ", 1)[1]


# --- articles ---------------------------------------------------------------------------------


# (module, builder) of every earlier scenario set, the held-out ones included.
_EARLIER_SETS = (
    ("scenarios", "build"),
    ("scenario_families", "build_families"),
    ("scenario_holdout2", "build_holdout2"),
    ("scenario_holdout3", "build_holdout3"),
    ("scenario_holdout4", "build_holdout4"),
    ("scenario_holdout5", "build_holdout5"),
)


@cache
def use_counts(corpus: Path) -> Counter[str]:
    """How many earlier scenario sets take each corpus article (built, not listed by hand)."""
    counts: Counter[str] = Counter()
    for module, builder in _EARLIER_SETS:
        build = getattr(importlib.import_module(module), builder)
        counts.update(set(build(corpus).sources.values()))
    return counts


def used_before(corpus: Path) -> frozenset[str]:
    """The article sources of every earlier scenario set, holdout5 included."""
    return frozenset(use_counts(corpus))


def pick(
    corpus: Path, seed: int, need: int
) -> tuple[list[tuple[Source, str]], list[Source], list[Source]]:
    """(header-charset articles with their charsets, articles not used before, reused articles)."""
    used = used_before(corpus)
    sources = all_sources(corpus, seed)
    distinct = Distinct()
    charset: list[tuple[Source, str]] = []
    taken: set[str] = set()
    for label, codec, _ in CHARSETS:
        pool = [s for s in sources if s.source not in taken and usable(s.paragraphs, 6000)]
        # Pages whose words a windows-1252 reading garbles first: they test their own charset.
        scored = [(_charset_score(s, codec), s) for s in pool]
        scored.sort(key=lambda pair: (pair[0], pair[1].source not in used), reverse=True)
        for score, source in scored:
            if score[1] >= 5 and distinct.admit(source.text):
                charset.append((source, label))
                taken.add(source.source)
                break
    fresh = [s for s in sources if s.source not in used | taken and usable(s.paragraphs)]
    fresh = [s for s in fresh if distinct.admit(s.text)]
    reused: list[Source] = []
    # The pages the fewest earlier sets take come first.
    for source in sorted(sources, key=lambda s: use_counts(corpus)[s.source]):
        if len(fresh) + len(reused) >= need:
            break
        if source.source in used and source.source not in taken and usable(source.paragraphs, 3000):
            if distinct.admit(source.text):
                reused.append(source)
    return charset, fresh, reused


def _charset_score(source: Source, codec: str) -> tuple[int, int]:
    words = charset_words(source.paragraphs, codec)
    return min(len(_specific(words)), 12), min(len(words), 12)


# --- the builder ------------------------------------------------------------------------------


class Builder6(_Builder):
    """holdout5's builder (copier rounds, related titles, page records) with this set's sites,
    wordings, placements, link forms and page templates."""

    def __init__(self, seed: int, titles: list[str]) -> None:
        self.pages = []
        self.sources = {}
        self.seed = seed
        names = sorted((f"{a} {b}" for a in _FIRST for b in _SECOND), key=lambda n: _order(seed, n))
        self._names = iter(names)
        self.count = 0
        self.copiers = [self.site() for _ in range(8)]
        self.syndicators = [self.site() for _ in range(2)]
        lines = [list(d["paragraphs"]) for d in holdout_phrasings()["disclaimers"]]
        self.disclaimer_sites = [(self.site("mediawiki"), lines[0]), (self.site("discourse"), lines[1])]  # fmt: skip
        self.pool = list(self.copiers)
        self.turn = 0
        self.titles = titles
        self.site_lines = Turns(templates("site"), seed)
        self.bare_lines = Turns(templates("bare_link"), seed)
        self.placements = Turns(PLACEMENTS, seed)
        self.link_forms = Turns(LINK_FORMS, seed)
        self.bare_forms = Turns(LINK_FORMS, seed + 3)

    def site(self, skin: str | None = None) -> Site6:
        self.count += 1
        return Site6(next(self._names), self.count, skin)

    def credit(self, form: str, target: Site, url: str, title: str) -> tuple[CreditLine, str]:
        """A credit to ``url`` (a page of ``target``) in ``form``, and the form of its link."""
        if form == "bare link":
            template, link_form = self.bare_lines(), self.bare_forms()
            if link_form == "click-tracker" and "{url}" not in template:
                # Linked words with a tracker behind them show the reader nothing: another form.
                link_form = self.bare_forms()
            return credit_line(template, target, url, form, title, link_form), link_form
        if form == "linked":
            link_form = self.link_forms()
            return credit_line(self.site_lines(), target, url, form, title, link_form), link_form
        return credit_line(self.site_lines(), target, None, form, title), form

    def origin(  # type: ignore[override]
        self, key: str, family: str, source: Source, home: Site, url: str,
        published: datetime | None, seen: datetime, paragraphs: list[str] | None = None,
        real: bool = True, charset_meta: bool = True,
    ) -> Holdout5Page:  # fmt: skip
        """The origin page: the real page re-hosted, or the article in the home site's template."""
        if real and source.html and paragraphs is None:
            html = rehost(source, url, home.name)
            if published is not None:
                stamp = f'<meta property="article:published_time" content="{published.isoformat()}">'  # fmt: skip
                html = html.replace("</head>", stamp + "</head>", 1)
            skin = "real page"
        else:
            body = paragraphs or source.paragraphs
            if paragraphs is None and int(_order(self.seed, key)[:2], 16) % 2:
                body = with_unrelated_links(body, key)
            related = self.related(key, source.title)
            html = render(home, url, source.title, body, published, related, Shape(charset_meta=charset_meta))  # fmt: skip
            skin = home.skin
        return self.add(
            key, family, url=url, site_name=home.name, role="origin", fetched_at=iso(seen),
            published=iso(published) if published else None, title=source.title, html=html, skin=skin,
        )  # fmt: skip

    def copy(  # type: ignore[override]
        self, key: str, family: str, source: Source, site: Site, paragraphs: list[str],
        published: datetime | None, seen: datetime, credited: bool | None,
        credit: CreditLine | None = None, link_form: str | None = None, number: int = 1,
        **extra,
    ) -> Holdout5Page:  # fmt: skip
        """A copy of the article on ``site``; ``extra`` holds the page's other choices (``url``,
        ``placement``, ``name_in_page``, ``canonical``, ``disclaimer``, ``mode``, ``noise_line``,
        ``aside_line``: a line that is no credit) and its extra labels (``expect_retained``, ``expect_credit_target``)."""
        url = extra.pop("url", None) or site.url(f"{slug(source.title, key)}-{number}", seen, number)  # fmt: skip
        noise, aside = extra.pop("noise_line", None), extra.pop("aside_line", None)
        line = credit or noise or aside
        placement = extra.pop("placement", None) or (self.placements() if line else None)
        disclaimer = extra.pop("disclaimer", None)
        shape = Shape(line, placement, extra.pop("name_in_page", True), extra.pop("canonical", None),
                      disclaimer, mode=extra.pop("mode", "p"))  # fmt: skip
        related = self.related(key, source.title)
        html = render(site, url, source.title, paragraphs, published, related, shape)
        return self.add(
            key, family, url=url, site_name=site.name, role="repost", fetched_at=iso(seen),
            published=iso(published) if published else None, title=source.title, html=html,
            credited=credited, credit_phrasing=credit.phrasing if credit else None, skin=site.skin,
            placement=placement, link_form=link_form, noise_line=noise,
            expect_absent=list(disclaimer) if disclaimer else None, **extra,
        )  # fmt: skip


def with_unrelated_links(paragraphs: list[str], key: str) -> list[str]:
    """The body with a reference link to an unrelated site after two paragraphs' first sentence
    words (the same text: the link wraps words already there)."""
    out = list(paragraphs)
    for k, index in enumerate((0, len(out) - 2)):
        words = out[index].split(" ")
        cut = min(4, max(1, len(words) - 1))
        target = _UNRELATED[(int(_order(0, key)[:4], 16) + k) % len(_UNRELATED)]
        head, tail = escape(" ".join(words[:cut])), escape(" ".join(words[cut:]))
        out[index] = f'<span>{head} <a class="ext" rel="nofollow" href="{target}">{tail}</a></span>'
    return out


def build_holdout6(corpus: Path, per_family: int = PER_FAMILY, seed: int = SEED) -> ScenarioSet:
    """The holdout6 set, read from the corpus folder ``corpus`` (``../shared/corpus``): the nine
    families with ``per_family`` articles each (ten in the disclaimer family), the seed chain and
    the noise family, in the order ``seed`` gives to corpus pages, site names and wordings. The
    same arguments and corpus give the same pages and labels (see the module docstring).
    """
    from holdout6_families import add_article

    need = article_need(per_family)
    charset, fresh, reused = pick(corpus, seed, need)
    if len(fresh) + len(reused) < need or len(charset) < 4:
        raise ValueError(f"corpus too small: {len(fresh) + len(reused)} articles, {len(charset)} charset pages")  # fmt: skip
    # Reused articles go first into the disclaimer and noise families (planned last, taken last).
    queue = fresh[: need - len(reused)] + reused
    titles = [s.title for s in queue] + [s.title for s, _ in charset]
    b = Builder6(seed, titles)
    plan: list[tuple[str, int]] = [(f, n) for f in FAMILIES for n in range(per_family)]
    plan += [("new-disclaimer", n) for n in range(DISCLAIMER_ARTICLES)]
    plan += [("seed-chain", n) for n in range(2)] + [("noise", n) for n in range(NOISE_ARTICLES)]
    for index, (family, number) in enumerate(plan):
        if family == "header-charset":
            source, label = charset[number % len(charset)]
        else:
            source, label = queue.pop(0), ""
        key = f"h6-{family}-{number}"
        b.sources[key] = source.source
        add_article(b, family, key, source, _START + _day(2.5 * index), number, label)
        last_syndicated = family == "canonical-syndication" and number == per_family - 1
        # The syndicators then join the copiers, twice each: most of their pages name them.
        b.pool += b.syndicators * 2 if last_syndicated else []
    return ScenarioSet(b.pages, b.sources)


def reused_sources(scenarios: ScenarioSet, corpus: Path) -> list[str]:
    """Which corpus articles of ``scenarios`` some earlier scenario set takes too, sorted."""
    return sorted(set(scenarios.sources.values()) & used_before(corpus))


def unicode_target(home: Site, number: int, path_slug: str) -> tuple[str, str]:
    """(the Unicode address a copier writes, the address the crawler stores) of an origin page."""
    path = f"{UNICODE_PATHS[number % len(UNICODE_PATHS)]}/{path_slug}"
    host = home.host
    if number == 2:
        # An internationalised host name: written in Unicode, stored in its ASCII (xn--) form.
        host = host.replace("e", "é", 1) if "e" in host.split(".")[0] else "ñ" + host
    stored = f"https://{host.encode('idna').decode('ascii')}/{quote(path, safe='/')}"
    return f"https://{host}/{path}", stored


def charset_labels(label: str, codec: str, paragraphs: list[str]) -> list[str]:
    """The words a header-charset page must keep: first those a windows-1252 reading garbles."""
    words = charset_words(paragraphs, codec)
    return list(dict.fromkeys(_specific(words) + words))[:12]


__all__ = [
    "ALL_FAMILIES",
    "CHARSETS",
    "LABEL",
    "PHRASINGS",
    "Builder6",
    "build_holdout6",
    "holdout_phrasings",
    "reused_sources",
    "split_sentences",
    "template_of",
    "templates",
    "write_json",
]
