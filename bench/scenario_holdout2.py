"""A SECOND held-out set of the issue 11 judgement families ("holdout2"), LABELLED AS BUILT.

The first held-out split of ``bench/scenario_families.py`` has been looked at, so it no longer
measures what tracker does on pages nobody tuned on. This set is built the same way (same nine
shapes, same page machinery, same scorer) from material the first one does not use:

* **Articles** are the real news, magazine and blog pages of the Mozilla Readability test pages
  (``mozilla-readability-test-pages`` in the corpus). Each article's body is the corpus's own
  expected Readability output (``expected.html``), never tracker's extractor. The two pages the
  corpus notes as real cross-posts (``citylab-1``, ``medium-2``) are left out: their bodies credit
  a site outside the scenario.
* **Chrome** for the copying sites comes from corpus pages that are never articles of either set:
  Readability pages too short, too long or too odd to be articles here, and Scrapinghub benchmark
  pages that fail the article test of ``scenario_pages.good_body`` (so the existing builders never
  use them as articles).
* **Credit lines and disclaimers** come from ``bench/phrasings_holdout2.yml``: wordings of real
  republishers found with the search tools, each with where it was found, written without
  looking at tracker's phrase data.

The families and their labels are those of ``bench/scenario_families.py`` (read its docstring).
One difference of layout: each of the two disclaimer sites also hosts the copies of one other
family (re-paragraphed or header-charset), so that every page a disclaimer site serves carries its
disclaimer, as on a real republishing site, and each site reaches 10+ pages with the corpus's 42
usable articles. Those copies are judged for their own family and for the disclaimer.

The corpus pages are read at run time and never copied into the repository.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote

import lxml.html
import yaml
from scenario_families import (
    FAMILIES,
    _body_origin,
    _cp1252_words,
    _Families,
    _header_only_bytes,
    _merge_pairs,
)
from scenario_pages import (
    BENCH,
    CreditLine,
    Cycle,
    Distinct,
    ScenarioPage,
    ScenarioSet,
    Source,
    chrome_lines,
    corpus_sources,
    good_body,
    load_source,
    main_node,
    page_title,
    parse,
    rehost,
)
from scenarios import Site, slug

MOZILLA = "mozilla-readability-test-pages"
PHRASINGS = BENCH / "phrasings_holdout2.yml"
ALL_FAMILIES = (*FAMILIES, "new-disclaimer")
LABEL = (
    "LABELLED AS BUILT (holdout2): synthetic repost scenarios made from real corpus pages not used "
    "by the first judgement set; labels are true by construction"
)
# Real cross-posts of the corpus (its SOURCE.md): their bodies credit a site outside the scenario.
_CROSS_POSTS = frozenset({"citylab-1", "medium-2"})
_TEXT_BLOCKS = ("p", "li", "h2", "h3", "h4", "h5", "blockquote", "pre")
_NESTED_BLOCKS = frozenset({*_TEXT_BLOCKS, "ul", "ol", "div", "table", "section", "article"})
_MAX_DONOR_BYTES = 400_000
_START = datetime(2025, 2, 10, 6, 30, tzinfo=UTC)
_HEADER = "text/html; charset=windows-1252"
_UNICODE_PATHS = (
    "nachrichten/straße-ärger",
    "cultura/canción-niño",
    "économie/dépêche",
    "kultur/öl-söder",
)
# Names of this set's synthetic sites: words the first set's names never use.
_FIRST = "Granite Cedar Willow Beacon Copper Meridian Summit Thistle Juniper Basalt Orchard Quarry".split()
_SECOND = "Wire Bulletin Digest Almanac Journal Record Monitor Register Press Argus Clarion Messenger".split()
_LINK = re.compile(r"\[\[(.+?)\]\]")


@cache
def holdout_phrasings() -> dict:
    """The phrasing file of this set (credit templates with their sources, disclaimers)."""
    return yaml.safe_load(PHRASINGS.read_text(encoding="utf-8"))


def templates(group: str) -> list[str]:
    """The credit templates of one group (``site`` or ``bare_link``)."""
    return [entry["template"] for entry in holdout_phrasings()[group]]


def disclaimer_sets() -> list[list[str]]:
    """The disclaimer paragraphs of each disclaimer site."""
    return [list(entry["paragraphs"]) for entry in holdout_phrasings()["disclaimers"]]


class Turns(Cycle):
    """``scenario_pages.Cycle`` over a group of this set's file: the templates in turn from
    ``start``, so every wording gets written."""

    def __init__(self, group: str, start: int = 0) -> None:
        self.items = templates(group)
        self.turn = start


def credit_paragraph(template: str, name: str, url: str | None, linked: bool) -> CreditLine:
    """One credit paragraph (HTML) from a template of ``bench/phrasings_holdout2.yml``.

    ``{site}`` becomes the site's name (a link to ``url`` when ``linked``), ``{url}`` a bare link,
    ``[[words]]`` words linking to ``url`` (plain words without a url).
    """
    href = html_lib.escape(url) if url else ""
    site = (
        f'<a href="{href}">{html_lib.escape(name)}</a>' if linked and url else html_lib.escape(name)
    )
    text = html_lib.escape(template, quote=False)
    text = _LINK.sub(lambda m: f'<a href="{href}">{m.group(1)}</a>' if url else m.group(1), text)
    text = text.replace("{site}", site).replace(
        "{url}", f'<a href="{href}">{href}</a>' if url else ""
    )
    line = CreditLine(f"<p>{text}</p>")
    form = "bare link" if "{site}" not in template else ("linked" if linked and url else "plain")
    line.phrasing = f"{form}: {template}"
    return line


def template_of(phrasing: str) -> str:
    """The template of a page's recorded ``credit_phrasing`` (``"<form>: <template>"``)."""
    return phrasing.split(": ", 1)[1]


def expected_paragraphs(expected_html: bytes) -> list[str]:
    """The article body of a Readability case: the text blocks of its expected output, in order
    (a block holding other blocks is left to its children)."""
    # The expected outputs are UTF-8 fragments without a charset declaration: given bytes, lxml
    # would read them as Latin-1 (every accented letter garbled in the built pages and labels).
    tree = lxml.html.fromstring(expected_html.decode("utf-8"))
    out = []
    for el in tree.iter(*_TEXT_BLOCKS):
        if any(child.tag in _NESTED_BLOCKS for child in el.iterdescendants()):
            continue
        text = " ".join(el.text_content().split())
        if text:
            out.append(text)
    return out


def _order(seed: int, name: str) -> str:
    return hashlib.sha1(f"holdout2:{seed}:{name}".encode()).hexdigest()


def mozilla_pages(corpus: Path, seed: int) -> list[tuple[str, Source]]:
    """(case, source) of every Readability case with a readable title, in a seeded order."""
    root = corpus / MOZILLA / "pages"
    if not root.is_dir():
        raise FileNotFoundError(f"no {MOZILLA}/pages under {corpus}")
    out = []
    for case in sorted(
        (p.name for p in root.iterdir() if p.is_dir()), key=lambda c: _order(seed, c)
    ):
        folder = root / case
        if not (folder / "source.html").exists() or not (folder / "expected.html").exists():
            continue
        html = (folder / "source.html").read_bytes().decode("utf-8", errors="replace")
        tree = parse(html)
        title = page_title(tree) if tree is not None else ""
        if title:
            paragraphs = expected_paragraphs((folder / "expected.html").read_bytes())
            out.append((case, Source(f"mozilla/{case}", html, "", title, paragraphs)))
    return out


def _lends_chrome(source: Source) -> bool:
    tree = parse(source.html)
    return (
        tree is not None
        and main_node(tree, source.paragraphs) is not None
        and bool(chrome_lines(source))
    )


def pick(corpus: Path, seed: int, shub_donors: int = 4) -> tuple[list[Source], list[Source]]:
    """The articles (Readability pages that pass the article test, one per story) and the chrome
    donors (Readability pages that do not, then Scrapinghub pages that do not)."""
    distinct = Distinct()
    articles: list[Source] = []
    donors: list[Source] = []
    for case, source in mozilla_pages(corpus, seed):
        if case not in _CROSS_POSTS and good_body(source.paragraphs):
            if distinct.admit(source.text):
                articles.append(source)
        elif (
            case not in _CROSS_POSTS
            and len(source.html) <= _MAX_DONOR_BYTES
            and len(source.paragraphs) >= 3
            and _lends_chrome(source)
            and distinct.admit(source.text)
        ):
            donors.append(source)
    lent = 0
    for key, path, url, paragraphs in corpus_sources(corpus, f"holdout2-donors:{seed}"):
        if lent >= shub_donors:
            break
        if (
            good_body(paragraphs)
            or len(paragraphs) < 3
            or path.stat().st_size * 4 > _MAX_DONOR_BYTES
        ):
            continue
        lender = load_source(key, path, url, paragraphs)
        if lender is not None and _lends_chrome(lender) and distinct.admit(lender.text):
            donors.append(lender)
            lent += 1
    return articles, donors


def site_names(seed: int) -> list[str]:
    """This set's synthetic site names in a seeded order."""
    names = [f"{a} {b}" for a in _FIRST for b in _SECOND]
    return sorted(names, key=lambda name: _order(seed, name))


class _Holdout2(_Families):
    """The first set's page-making helpers with this set's names and phrasings."""

    def __init__(self, corpus: Path, seed: int, donors: list[Source]) -> None:
        self.corpus = corpus
        self.pages: list[ScenarioPage] = []
        self.sources: dict[str, str] = {}
        self._names = iter(site_names(seed))
        self.syndicators = [Site(next(self._names), d) for d in donors[:2]]
        self.donors = [Site(next(self._names), d) for d in donors[2:]]
        self.turn = 0
        self.linked = Turns("site", seed)
        self.unlinked = Turns("site", seed + 19)
        self.bare = Turns("bare_link", seed)
        self.disclaimer_sites: list[tuple[Site, list[str]]] = []


def _day(days: float) -> timedelta:
    return timedelta(days=days)


def build_holdout2(
    corpus: Path, per_family: int = 3, disclaimer_donors: int = 2, seed: int = 2
) -> ScenarioSet:
    """Build the holdout2 set (see the module docstring) from the corpus at ``corpus``.

    Args:
        corpus: the folder holding the corpus sub-folders (``../shared/corpus``).
        per_family: articles in each of the eight chain families; every other article goes to the
            new-disclaimer family.
        disclaimer_donors: chrome donors kept for the two disclaimer sites.
        seed: the order in which corpus pages are taken.

    Returns:
        The pages with their labels (the same for the same arguments and corpus).
    """
    articles, donors = pick(corpus, seed)
    disclaimers = disclaimer_sets()
    need = per_family * len(FAMILIES) + 2 * len(disclaimers)
    if len(articles) < need or len(donors) < 4 + len(disclaimers):
        raise ValueError(f"corpus too small: {len(articles)} articles, {len(donors)} donors")
    f = _Holdout2(corpus, seed, donors[: -len(disclaimers)])
    f.disclaimer_sites = [
        (Site(next(f._names), donor), lines)
        for donor, lines in zip(donors[-len(disclaimers) :], disclaimers, strict=True)
    ]
    rich = sorted(
        range(len(articles)),
        key=lambda i: (-min(len(_cp1252_words(articles[i].paragraphs)), 12), i),
    )
    charset_ids = rich[:per_family]
    queue = [i for i in range(len(articles)) if i not in charset_ids]
    # The re-paragraphed origins rebuild their own page around the body: they need a found article.
    with_main = [i for i in queue if _has_main(articles[i])]
    repara_ids = with_main[:per_family]
    queue = [i for i in queue if i not in repara_ids]
    index = 0
    for family in FAMILIES:
        for number in range(per_family):
            if family == "header-charset":
                i = charset_ids[number]
            elif family == "re-paragraphed":
                i = repara_ids[number]
            else:
                i = queue.pop(0)
            key = f"h2-{family}-{number}"
            f.sources[key] = articles[i].source
            _family(f, family, key, articles[i], _START + _day(3 * index), number)
            index += 1
        if family == "canonical-syndication":
            f.donors.extend(f.syndicators)  # from now on they copy with their name in the page
    for number, i in enumerate(queue):
        site, lines = f.disclaimer_sites[number % len(f.disclaimer_sites)]
        source = articles[i]
        key = f"h2-new-disclaimer-{number}"
        f.sources[key] = source.source
        day = _START + _day(3 * index)
        index += 1
        home = f.site()
        origin_url = home.url(slug(source.title, key), day)
        f.origin(key, "new-disclaimer", source, home, origin_url, day, day + _day(0.5))
        f.copy(
            key, "new-disclaimer", source, site, [*source.paragraphs, *lines], day + _day(1),
            day + _day(1), credited=False, expect_absent=list(lines),
        )  # fmt: skip
        # A second copy on an ordinary site credits the origin, so more of the wordings are written.
        linked = number % 2 == 0
        line = credit_paragraph(
            (f.linked if linked else f.unlinked)(),
            home.name,
            origin_url if linked else None,
            linked,
        )
        f.copy(
            key, "new-disclaimer", source, f.donor({home.host}), [*source.paragraphs, line],
            day + _day(2), day + _day(2), credited=True, number=2,
        )  # fmt: skip
    return ScenarioSet(f.pages, f.sources)


def _has_main(source: Source) -> bool:
    tree = parse(source.html)
    return tree is not None and main_node(tree, source.paragraphs) is not None


def _family(
    f: _Holdout2, family: str, key: str, source: Source, day: datetime, number: int
) -> None:
    body = source.paragraphs
    home = f.site()
    origin_url = home.url(slug(source.title, key), day)
    if family in ("silent-intermediary", "bare-link"):
        f.origin(key, family, source, home, origin_url, day, day + _day(9))
        b_site = f.donor({home.host})
        tail = (
            [credit_paragraph(f.bare(), home.name, origin_url, linked=True)]
            if family == "bare-link"
            else []
        )
        made = f.copy(
            key, family, source, b_site, [*body, *tail], day + _day(1), day + _day(8),
            credited=bool(tail),
        )  # fmt: skip
        if made:
            b_url, _ = made
            line = credit_paragraph(f.linked(), b_site.name, b_url, linked=True)
            c_site = f.donor({home.host, b_site.host})
            f.copy(
                key, family, source, c_site, [*body, line], day + _day(6), day + _day(7),
                credited=True, number=2,
            )  # fmt: skip
    elif family == "unlinked-phrase":
        f.origin(key, family, source, home, origin_url, None, day + _day(2))
        if number % 3 == 2:
            line = credit_paragraph(f.unlinked(), home.name, "javascript:void(0)", linked=True)
            line.phrasing = "javascript link: " + template_of(line.phrasing)
        else:
            line = credit_paragraph(f.unlinked(), home.name, None, linked=False)
        f.copy(
            key, family, source, f.donor({home.host}), [*body, line], day + _day(1), day + _day(1),
            credited=True,
        )  # fmt: skip
    elif family == "canonical-syndication":
        f.origin(key, family, source, home, origin_url, day, day + _day(1))
        # Whether a canonical link alone is a credit is not what this family asks: not scored.
        f.copy(
            key, family, source, f.syndicators[number % 2], body, day + _day(0.2), day + _day(2),
            credited=None, name_in_page=False, canonical=origin_url,
        )  # fmt: skip
    elif family == "backdated-credit":
        f.origin(key, family, source, home, origin_url, day + _day(2), day + _day(4))
        line = credit_paragraph(f.linked(), home.name, origin_url, linked=True)
        f.copy(
            key, family, source, f.donor({home.host}), [*body, line], day, day + _day(5),
            credited=True,
        )  # fmt: skip
    elif family == "re-paragraphed":
        if number % 2:
            origin_html = _body_origin(source, origin_url, home, [" ".join(body)])
            copy_body = body
        else:
            origin_html = _body_origin(source, origin_url, home, body)
            copy_body = _merge_pairs(body)
        f.origin(key, family, source, home, origin_url, day, day + _day(0.1), html=origin_html)
        site, lines = f.disclaimer_sites[0]
        f.copy(
            key, family, source, site, [*copy_body, *lines], day + _day(1), day + _day(1),
            credited=False, expect_retained=1.0, expect_absent=list(lines),
        )  # fmt: skip
    elif family == "unicode-credit-target":
        path = f"{_UNICODE_PATHS[number % len(_UNICODE_PATHS)]}-{number}/{slug(source.title, key)}"
        unicode_url = f"https://{home.host}/{path}"
        stored_url = f"https://{home.host}/{quote(path, safe='/')}"
        f.origin(key, family, source, home, stored_url, None, day + _day(3))
        line = credit_paragraph(f.linked(), home.name, unicode_url, linked=True)
        made = f.copy(
            key, family, source, f.donor({home.host}), [*body, line], day + _day(1), day + _day(1),
            credited=True, expect_credit_target=stored_url,
        )  # fmt: skip
        if made:
            # lxml's HTML serialiser percent-encodes non-ASCII in href: put back the Unicode form
            # the credit is written in (the only place the page holds the stored address).
            copy = f.pages[-1]
            assert copy.html is not None
            copy.html = copy.html.replace(stored_url, unicode_url)
    elif family == "header-charset":
        html = rehost(source, origin_url, home.name)
        page = f.origin(key, family, source, home, origin_url, day, day + _day(0.2), html=html)
        page.body_bytes = _header_only_bytes(html)
        page.content_type = _HEADER
        page.expect_words = _cp1252_words(body)[:12]
        site, lines = f.disclaimer_sites[-1]
        f.copy(
            key, family, source, site, [*body, *lines], day + _day(1), day + _day(1),
            credited=False, expect_absent=list(lines),
        )  # fmt: skip
    else:
        raise ValueError(f"unknown family {family!r}")


def family_counts(scenarios: ScenarioSet) -> dict[str, dict[str, int]]:
    """Articles and pages per family, and pages per disclaimer-printing site."""
    out: dict[str, dict[str, int]] = {}
    for family in ALL_FAMILIES:
        pages = [p for p in scenarios.pages if p.family == family]
        out[family] = {"articles": len({p.key for p in pages}), "pages": len(pages)}
    hosts = Counter(p.url.split("/")[2] for p in scenarios.pages if p.expect_absent is not None)
    out["disclaimer sites"] = dict(sorted(hosts.items()))
    return out


def construction_problems(scenarios: ScenarioSet) -> list[str]:
    """Where the built set breaks its own labelling rules (empty when consistent)."""
    problems = []
    known = set(templates("site")) | set(templates("bare_link"))
    for key, pages in sorted(scenarios.groups().items()):
        family = pages[0].family
        origins = [p for p in pages if p.role == "origin"]
        if len(origins) != 1:
            problems.append(f"{key}: {len(origins)} origins")
            continue
        if len(pages) < 2:
            problems.append(f"{key}: no copy (a donor's article was not found)")
        if any(p.family != family for p in pages):
            problems.append(f"{key}: pages of several families")
        copies = [p for p in pages if p.role != "origin"]
        want = {
            "silent-intermediary": [False, True],
            "bare-link": [True, True],
            "unlinked-phrase": [True],
            "canonical-syndication": [None],
            "backdated-credit": [True],
            "re-paragraphed": [False],
            "unicode-credit-target": [True],
            "header-charset": [False],
            "new-disclaimer": [False, True],
        }[family]
        if [p.credited for p in copies] != want:
            problems.append(f"{key}: credited labels {[p.credited for p in copies]}, want {want}")
        for page in copies:
            if page.credited and not page.credit_phrasing:
                problems.append(f"{page.url}: credited without a written credit line")
            if page.credit_phrasing and template_of(page.credit_phrasing) not in known:
                problems.append(f"{page.url}: credit line not from {PHRASINGS.name}")
            if not page.credited and page.credit_phrasing:
                problems.append(f"{page.url}: uncredited copy carries a credit line")
            if page.html is None:
                problems.append(f"{page.url}: no page")
        if family == "backdated-credit" and not (copies[0].published or "") < (
            origins[0].published or ""
        ):
            problems.append(f"{key}: copy not dated before its origin")
        if family == "header-charset" and not (origins[0].expect_words and origins[0].body_bytes):
            problems.append(f"{key}: header-charset origin without bytes or words to check")
        if family == "re-paragraphed" and copies[0].expect_retained != 1.0:
            problems.append(f"{key}: re-paragraphed copy without its retained label")
        if family == "unicode-credit-target":
            if copies[0].expect_credit_target != origins[0].url:
                problems.append(f"{key}: credit target is not the stored origin")
            if not re.search(r'href="https://[^"]*[^\x00-\x7f]', copies[0].html or ""):
                problems.append(f"{key}: the credit link is not in its Unicode form")
    hosts = Counter(p.url.split("/")[2] for p in scenarios.pages if p.expect_absent is not None)
    for host, count in sorted(hosts.items()):
        if count < 10:
            problems.append(f"disclaimer site {host}: {count} pages, want 10+")
    if len(hosts) < 2:
        problems.append(f"{len(hosts)} disclaimer sites, want 2")
    for page in scenarios.pages:
        if page.expect_absent is not None and page.html is not None:
            if not all(html_lib.escape(line, quote=False) in page.html or line in page.html
                       for line in page.expect_absent):  # fmt: skip
                problems.append(f"{page.url}: disclaimer not in the page")
    if any(source.startswith("scrapinghub/") for source in scenarios.sources.values()):
        problems.append("an article taken from the Scrapinghub pages")
    return problems
