"""A SEVENTH held-out set of the issue 11 judgement families ("holdout7"), LABELLED AS BUILT.

The first six held-out sets have all been looked at. This one is built like them (the nine
families, the same labels and the same scorer ``eval_judgement.judge``) with shapes none of them
uses, to be run once, at the end:

* **Articles** are corpus pages (Scrapinghub benchmark pages and Readability cases) with their own
  bodies (ground truth or Readability's expected output), never tracker's extractor. Every usable
  page has been taken by some earlier set (holdout6 included), so the pages the fewest earlier sets
  take come first, in new roles (``reused_sources`` names them, ``use_counts`` counts them).
* **Pages**: origins are the real pages re-hosted (every other one) or written in one of six page
  templates of ``bench/holdout7_pages.py`` (Jekyll minima, Wix blog, TYPO3 news, Webflow CMS,
  Lemmy, Bear Blog); copies are written in those templates, with their own date and name markup.
  Some origins link words of their body to unrelated reference sites.
* **Credit lines** come from ``bench/phrasings_holdout7.yml`` (real wordings, each with where it was
  found, 16 languages), as a linked name, a plain name, another form of the name ("The …", "…
  Online", in capitals), the domain, the name linked to the original site's home page, or a bare
  address; in eight new placements and five new link forms to the original (a ``?ref=``
  parameter, an ``fbclid`` parameter, Google's AMP viewer, an Outlook SafeLinks wrapper, a
  ``;jsessionid=`` path parameter).
* **Charsets** of the header-charset family: gb18030, shift_jis, euc-jp, euc-kr, windows-1258 and
  iso-8859-14 (no earlier set serves them), each only in the HTTP header.
* **Unicode credit targets** have Armenian, Tamil, Serbian, Hungarian, Amharic and Spanish paths,
  and one an internationalised host name (stored in its ``xn--`` form).
* **Seed chain** (issue 11) in its two variants, and a **noise** family of copies that really are
  uncredited (one whose only line links "Source" to a social shortener, undated pages, one copy
  linking an unrelated reference page, an origin with unrelated links copied twice).

The corpus is read at run time; no page text is written into the repository.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote

import yaml
from holdout5_pages import CreditLine, Site
from holdout6_pages import Shape
from holdout7_pages import LINK_FORMS, PLACEMENTS, Site7, credit_line, render
from scenario_families import FAMILIES
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
from scenario_holdout6 import charset_labels, with_unrelated_links
from scenario_pages import BENCH, Distinct, ScenarioSet, Source, rehost
from scenarios import iso, slug

PHRASINGS = BENCH / "phrasings_holdout7.yml"
LABEL = (
    "LABELLED AS BUILT (holdout7): synthetic repost scenarios made from real corpus pages with "
    "credit wordings, page shapes and charsets no earlier set uses; labels are true by construction"
)
# (label, Python codec, Content-Type header as served)
CHARSETS = (
    ("gb18030", "gb18030", "text/html; charset=GB18030"),
    ("shift_jis", "shift_jis", "text/html; charset=Shift_JIS"),
    ("euc-jp", "euc_jp", "text/html;charset=EUC-JP"),
    ("euc-kr", "euc_kr", 'text/html; charset="euc-kr"'),
    ("windows-1258", "cp1258", "text/html; charset=windows-1258"),
    ("iso-8859-14", "iso8859_14", "text/html; charset=ISO-8859-14"),
)
UNICODE_PATHS = (
    "լուրեր/աշխարհ",
    "செய்திகள்/உலகம்",
    "вести/свет",
    "hírek/világ-közélet",
    "ዜና/ዓለም",
    "noticias/política-exterior",
)
_START = datetime(2026, 6, 1, 7, 20, tzinfo=UTC)
_FIRST = "Ashgrove Bellwether Carrick Dunholm Elderfield Fenwick Gorsemoor Heathcote Ironbridge Kinloch Lindisfarne Merriott Northwold Penhallow Rosedale Thornbury".split()
_SECOND = "Recorder Advertiser Messenger Gleaner Argus Echo Packet Reporter Leader Clarion".split()
SEED = 7
SHORTENER = "https://trib.al/"


def _order(seed: int, name: str) -> str:
    return hashlib.sha1(f"holdout7:{seed}:{name}".encode()).hexdigest()


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


@cache
def use_counts(corpus: Path) -> Counter[str]:
    """How many earlier scenario sets (holdout6 included) take each corpus article."""
    from scenario_holdout6 import build_holdout6
    from scenario_holdout6 import use_counts as before_holdout6

    counts = Counter(before_holdout6(corpus))
    counts.update(set(build_holdout6(corpus).sources.values()))
    return counts


def reused_sources(scenarios: ScenarioSet, corpus: Path) -> list[str]:
    """Which corpus articles of ``scenarios`` some earlier scenario set takes too, sorted."""
    return sorted(set(scenarios.sources.values()) & set(use_counts(corpus)))


def pick(
    corpus: Path, seed: int, need: int
) -> tuple[list[tuple[Source, str]], list[Source], list[Source]]:
    """(header-charset articles with their charsets, articles no earlier set takes, the others),
    the least-taken first."""
    counts = use_counts(corpus)
    sources = sorted(all_sources(corpus, seed), key=lambda s: counts[s.source])
    distinct = Distinct()
    charset: list[tuple[Source, str]] = []
    for label, codec, _ in CHARSETS:
        taken = {s.source for s, _ in charset}
        candidates = [s for s in sources if s.source not in taken and usable(s.paragraphs, 6000)]
        # The pages with most words a windows-1252 reading garbles, then most non-ASCII words.
        ranked = sorted(candidates, key=lambda s: _garbled(s, label, codec), reverse=True)
        chosen = next((s for s in ranked if len(charset_labels(label, codec, s.paragraphs)) >= 5 and distinct.admit(s.text)), None)  # fmt: skip
        if chosen is not None:
            charset.append((chosen, label))
    taken = {s.source for s, _ in charset}
    rest = [s for s in sources if s.source not in taken and usable(s.paragraphs, 3000)]
    chosen_rest: list[Source] = []
    for source in rest:
        if len(chosen_rest) >= need:
            break
        if distinct.admit(source.text):
            chosen_rest.append(source)
    fresh = [s for s in chosen_rest if not counts[s.source]]
    return charset, fresh, [s for s in chosen_rest if counts[s.source]]


def _garbled(source: Source, label: str, codec: str) -> tuple[int, int]:
    words = charset_labels(label, codec, source.paragraphs)
    cp1252_safe = sum(
        1 for w in words if w.encode("cp1252", errors="replace").decode("cp1252") == w
    )
    return len(words) - cp1252_safe, len(words)


# --- the builder ------------------------------------------------------------------------------


class Builder7(_Builder):
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
        self.disclaimer_sites = [(self.site("typo3"), lines[0]), (self.site("lemmy"), lines[1])]
        self.pool = list(self.copiers)
        self.turn = 0
        self.titles = titles
        self.site_lines = Turns(templates("site"), seed)
        self.bare_lines = Turns(templates("bare_link"), seed)
        self.placements = Turns(PLACEMENTS, seed)
        self.link_forms = Turns(LINK_FORMS, seed)
        self.bare_forms = Turns(LINK_FORMS, seed + 2)

    def site(self, skin: str | None = None) -> Site7:
        self.count += 1
        return Site7(next(self._names), self.count, skin)

    def credit(self, form: str, target: Site, url: str, title: str, via: str = "") -> tuple[CreditLine, str]:  # fmt: skip
        """A credit to ``url`` (a page of ``target``) in ``form`` written from ``via``'s page,
        and the form of its link."""
        if form == "bare link":
            return credit_line(self.bare_lines(), target, url, f"bare link:{self.bare_forms()}", title, via)  # fmt: skip
        if form == "linked":
            return credit_line(self.site_lines(), target, url, f"linked:{self.link_forms()}", title, via)  # fmt: skip
        return credit_line(self.site_lines(), target, None, form, title)

    def origin(  # type: ignore[override]
        self, key: str, family: str, source: Source, home: Site, url: str,
        published: datetime | None, seen: datetime, paragraphs: list[str] | None = None,
        real: bool = True, charset_meta: bool = True,
    ) -> Holdout5Page:  # fmt: skip
        """The origin page: the real page re-hosted (its date as an ``itemprop`` meta), or the
        article in the home site's template, half of those with words linked to unrelated sites."""
        if real and source.html and paragraphs is None:
            html = rehost(source, url, home.name)
            if published is not None:
                stamp = f'<meta itemprop="datePublished" content="{published.isoformat()}">'
                html = html.replace("</head>", stamp + "</head>", 1)
            return self._record(key, family, home, url, source, published, seen, html, "real page")  # fmt: skip
        body = paragraphs or source.paragraphs
        if paragraphs is None and int(_order(self.seed, key)[:2], 16) % 2:
            body = with_unrelated_links(body, key)
        html = self._html(key, home, url, source, body, published, Shape(charset_meta=charset_meta))
        return self._record(key, family, home, url, source, published, seen, html, home.skin)

    def copy(  # type: ignore[override]
        self, key: str, family: str, source: Source, site: Site, paragraphs: list[str],
        published: datetime | None, seen: datetime, credited: bool | None,
        credit: CreditLine | None = None, link_form: str | None = None, number: int = 1,
        **extra,
    ) -> Holdout5Page:  # fmt: skip
        """A copy on ``site``. ``extra`` may set the page's address (``url``), the line's
        ``placement``, ``name_in_page``, ``canonical``, a recurring ``disclaimer``, the body's
        ``mode``, a ``noise_line`` or an ``aside_line`` (lines that are no credit), and the labels
        ``expect_retained`` and ``expect_credit_target``."""
        url = extra.pop("url", None) or site.url(f"{slug(source.title, key)}-{number}", seen, number)  # fmt: skip
        noise = extra.pop("noise_line", None)
        shown = credit or noise or extra.pop("aside_line", None)
        shape = Shape(
            line=shown,
            placement=extra.pop("placement", None) or (self.placements() if shown else None),
            name_in_page=extra.pop("name_in_page", True),
            canonical=extra.pop("canonical", None),
            disclaimer=extra.pop("disclaimer", None),
            mode=extra.pop("mode", "p"),
        )
        html = self._html(key, site, url, source, paragraphs, published, shape)
        labels = {
            "credited": credited,
            "credit_phrasing": credit.phrasing if credit else None,
            "placement": shape.placement,
            "link_form": link_form,
            "noise_line": noise,
            "expect_absent": list(shape.disclaimer) if shape.disclaimer else None,
        }
        return self._record(key, family, site, url, source, published, seen, html, site.skin, "repost", **labels, **extra)  # fmt: skip

    def _html(self, key: str, site: Site, url: str, source: Source, body: list[str],
              published: datetime | None, shape: Shape) -> str:  # fmt: skip
        return render(site, url, source.title, body, published, self.related(key, source.title), shape)  # fmt: skip

    def _record(self, key: str, family: str, site: Site, url: str, source: Source,
                published: datetime | None, seen: datetime, html: str, skin: str,
                role: str = "origin", **labels) -> Holdout5Page:  # fmt: skip
        return self.add(key, family, url=url, site_name=site.name, role=role, fetched_at=iso(seen),
                        published=iso(published) if published else None, title=source.title,
                        html=html, skin=skin, **labels)  # fmt: skip


def build_holdout7(corpus: Path, per_family: int = PER_FAMILY, seed: int = SEED) -> ScenarioSet:
    """The holdout7 set, read from the corpus folder ``corpus`` (``../shared/corpus``): the nine
    families with ``per_family`` articles each (ten in the disclaimer family), the seed chain and
    the noise family, in the order ``seed`` gives to corpus pages, site names and wordings. The
    same arguments and corpus give the same pages and labels (see the module docstring).
    """
    from holdout7_families import add_article

    need = article_need(per_family)
    charset, fresh, reused = pick(corpus, seed, need)
    if len(fresh) + len(reused) < need or len(charset) < 4:
        raise ValueError(f"corpus too small: {len(fresh) + len(reused)} articles, {len(charset)} charset pages")  # fmt: skip
    # The least-taken pages go first, into the chain families; the most-taken into noise.
    queue = (fresh + reused)[:need]
    titles = [s.title for s in queue] + [s.title for s, _ in charset]
    b = Builder7(seed, titles)
    plan: list[tuple[str, int]] = [(f, n) for f in FAMILIES for n in range(per_family)]
    plan += [("new-disclaimer", n) for n in range(DISCLAIMER_ARTICLES)]
    plan += [("seed-chain", n) for n in range(2)] + [("noise", n) for n in range(NOISE_ARTICLES)]
    for index, (family, number) in enumerate(plan):
        if family == "header-charset":
            source, label = charset[number % len(charset)]
        else:
            source, label = queue.pop(0), ""
        key = f"h7-{family}-{number}"
        b.sources[key] = source.source
        add_article(b, family, key, source, _START + _day(2.25 * index), number, label)
        if family == "canonical-syndication" and number == per_family - 1:
            # The syndicators then copy with their name in the page, twice as often as the
            # other copiers: their own name is the majority of their pages.
            b.pool += b.syndicators * 2
    return ScenarioSet(b.pages, b.sources)


def unicode_target(home: Site, number: int, path_slug: str) -> tuple[str, str]:
    """(the Unicode address a copier writes, the address the crawler stores) of an origin page."""
    path = f"{UNICODE_PATHS[number % len(UNICODE_PATHS)]}/{path_slug}"
    host = home.host
    if number == 4:
        # An internationalised host name: written in Unicode, stored in its ASCII (xn--) form.
        first = host.split(".")[0]
        host = host.replace("a", "å", 1) if "a" in first else "ø" + host
    stored = f"https://{host.encode('idna').decode('ascii')}/{quote(path, safe='/')}"
    return f"https://{host}/{path}", stored


__all__ = [
    "ALL_FAMILIES",
    "CHARSETS",
    "LABEL",
    "PHRASINGS",
    "SHORTENER",
    "Builder7",
    "build_holdout7",
    "holdout_phrasings",
    "reused_sources",
    "split_sentences",
    "template_of",
    "templates",
    "unicode_target",
    "use_counts",
    "write_json",
]
