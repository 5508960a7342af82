"""A FIFTH held-out set of the issue 11 judgement families ("holdout5"), LABELLED AS BUILT.

The first four held-out sets have all been looked at. This one is built like them (the nine
families, the same labels and the same scorer ``eval_judgement.judge``) with shapes none of them
uses, to be run once, at the end:

* **Articles** are corpus pages (Scrapinghub benchmark pages and Readability cases) with their own
  bodies (ground truth or Readability's expected output), never tracker's extractor. Every usable
  page has been taken by some earlier set, so pages no earlier set takes come first and the rest
  are reused in new roles (``reused_sources`` names them).
* **Pages**: origins are the real pages re-hosted (every other one) or written in one of six page
  skins of ``bench/holdout5_pages.py`` (a Hugo PaperMod theme, Substack-like, a news aggregator card
  page, Joomla, Tumblr-like reblog, feed-reader entry); copies are written in those skins, with their own date and name markup. Some
  origins link words of their body to unrelated sites.
* **Credit lines** come from ``bench/phrasings_holdout5.yml`` (real wordings, each with where it was
  found, 10 languages), as a linked name, a plain name, another form of the name ("The …",
  "… Online"), the domain, a name linked to ``javascript:`` or to the copier's own tag page, or a
  bare address; in eight new placements and four new link forms to the original (a redirect
  wrapper, an upper-case host, a trailing ``index.html``, a session parameter).
* **Charsets** of the header-charset family: ibm866, koi8-u, windows-1257, iso-8859-13,
  windows-1256 and macintosh (no earlier set serves them), each only in the HTTP header.
* **Unicode credit targets** have Hindi, Georgian, Romanian, Czech, Persian and Thai paths, and one an
  internationalised host name (stored in its ``xn--`` form).
* **Seed chain** (issue 11) in its two variants, and a **noise** family of copies that really are
  uncredited (one with only a redirect link to a site that names nothing, one undated pair).

The corpus is read at run time; no page text is written into the repository.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote

import yaml
from holdout5_pages import (
    LINK_FORMS,
    PLACEMENTS,
    CreditLine,
    Site,
    credit_html,
    escape,
    link_variant,
    render,
    unresolvable,
)
from scenario_families import FAMILIES
from scenario_holdout2 import _CROSS_POSTS, MOZILLA, expected_paragraphs
from scenario_holdout3 import _SENTENCE, _specific, charset_words
from scenario_pages import (
    _OWN_CREDIT,
    BENCH,
    Distinct,
    ScenarioPage,
    ScenarioSet,
    Source,
    corpus_sources,
    latin,
    load_source,
    page_title,
    parse,
    rehost,
)
from scenarios import iso, slug

PHRASINGS = BENCH / "phrasings_holdout5.yml"
ALL_FAMILIES = (*FAMILIES, "new-disclaimer", "seed-chain", "noise")
LABEL = (
    "LABELLED AS BUILT (holdout5): synthetic repost scenarios made from real corpus pages with "
    "credit wordings, page shapes and charsets no earlier set uses; labels are true by construction"
)
# (label, Python codec, Content-Type header as served)
CHARSETS = (
    ("ibm866", "cp866", "text/html; charset=IBM866"),
    ("koi8-u", "koi8_u", "text/html;charset=koi8-u"),
    ("windows-1257", "cp1257", "text/html; charset=windows-1257"),
    ("iso-8859-13", "iso8859_13", 'text/html; charset="iso-8859-13"'),
    ("windows-1256", "cp1256", "text/html; charset=Windows-1256"),
    ("macintosh", "mac_roman", "text/html; charset=macintosh"),
)
_NOT_CP1252 = ("ibm866", "koi8-u", "windows-1257", "iso-8859-13")
UNICODE_PATHS = (
    "समाचार/दुनिया",
    "ახალი-ამბები/მსოფლიო",
    "știri/externe",
    "zprávy/svět-dnes",
    "اخبار/جهان",
    "ข่าว/ต่างประเทศ",
)
_UNRELATED = (
    "https://www.openstreetmap.org/about",
    "https://www.un.org/en/",
    "https://apnews.com/hub/world-news",
    "https://archive.org/details/texts",
)
_START = datetime(2026, 2, 9, 8, 40, tzinfo=UTC)
_FIRST = "Ashford Brookvale Cedarport Dunmore Elmstead Fairhaven Glenrock Harborview Inverley Juniper Kingsmere Larchmont Millbrook Norwood Oakridge Port Alder".split()
_SECOND = "Times Daily Post Journal Star Examiner Register Standard Press Enquirer Monitor Telegraph Mirror Clarion".split()
PER_FAMILY = 6
DISCLAIMER_ARTICLES = 10
NOISE_ARTICLES = 6
SEED = 5


def _order(seed: int, name: str) -> str:
    return hashlib.sha1(f"holdout5:{seed}:{name}".encode()).hexdigest()


def _day(days: float) -> timedelta:
    return timedelta(days=days)


@dataclass
class Holdout5Page(ScenarioPage):
    """A scenario page with the shape it was built in (for the per-shape figures)."""

    skin: str | None = None
    placement: str | None = None
    link_form: str | None = None
    charset: str | None = None
    noise_line: str | None = None


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
def used_before(corpus: Path) -> frozenset[str]:
    """The article sources of every earlier scenario set (built, not listed by hand)."""
    from scenario_families import build_families
    from scenario_holdout2 import build_holdout2
    from scenario_holdout3 import build_holdout3
    from scenario_holdout4 import build_holdout4
    from scenarios import build

    used: set[str] = set()
    for builder in (build, build_families, build_holdout2, build_holdout3, build_holdout4):
        used |= set(builder(corpus).sources.values())
    return frozenset(used)


def usable(paragraphs: list[str], max_words: int = 5000) -> bool:
    """An article the set can repost: four paragraphs and 150 words at least (real briefs are
    short), Latin or Cyrillic script, no credit of its own in its last paragraphs."""
    text = "\n".join(paragraphs)
    return (
        len(paragraphs) >= 4
        and 150 <= len(text.split()) <= max_words
        and latin(text)
        and not _OWN_CREDIT.search("\n".join(paragraphs[-3:]))
    )


def all_sources(corpus: Path, seed: int) -> list[Source]:
    """Every Scrapinghub page and Readability case with a readable title, in this set's order."""
    out: list[Source] = []
    for key, path, url, paragraphs in corpus_sources(corpus, f"holdout5:{seed}"):
        if path.stat().st_size * 4 <= 900_000:
            source = load_source(key, path, url, paragraphs)
            if source is not None:
                out.append(source)
    root = corpus / MOZILLA / "pages"
    if not root.is_dir():
        raise FileNotFoundError(f"no {MOZILLA}/pages under {corpus}")
    for case in sorted((p.name for p in root.iterdir()), key=lambda c: _order(seed, c)):
        folder = root / case
        if case in _CROSS_POSTS or not (folder / "expected.html").exists():
            continue
        html = (folder / "source.html").read_bytes().decode("utf-8", errors="replace")
        tree = parse(html)
        title = page_title(tree) if tree is not None else ""
        if title and len(html) <= 1_200_000:
            paragraphs = expected_paragraphs((folder / "expected.html").read_bytes())
            out.append(Source(f"mozilla/{case}", html, "", title, paragraphs))
    return out


def _charset_score(source: Source, label: str, codec: str) -> int:
    words = charset_words(source.paragraphs, codec)
    return min(len(_specific(words) if label in _NOT_CP1252 else words), 12)


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
        ranked = sorted(
            pool,
            key=lambda s: (_charset_score(s, label, codec), s.source not in used),
            reverse=True,
        )
        for source in ranked:
            if _charset_score(source, label, codec) >= 5 and distinct.admit(source.text):
                charset.append((source, label))
                taken.add(source.source)
                break
    fresh = [
        s
        for s in sources
        if s.source not in used and s.source not in taken and usable(s.paragraphs)
    ]
    fresh = [s for s in fresh if distinct.admit(s.text)]
    reused: list[Source] = []
    for source in sources:
        if len(fresh) + len(reused) >= need:
            break
        if source.source in used and source.source not in taken and usable(source.paragraphs, 3000):
            if distinct.admit(source.text):
                reused.append(source)
    return charset, fresh, reused


# --- the builder ------------------------------------------------------------------------------


class Turns:
    """The items of a list in turn from ``start``: every wording, placement and form gets written."""

    def __init__(self, items: list[str] | tuple[str, ...], start: int = 0) -> None:
        self.items = list(items)
        self.turn = start

    def __call__(self) -> str:
        item = self.items[self.turn % len(self.items)]
        self.turn += 1
        return item


class _Builder:
    def __init__(self, seed: int, titles: list[str]) -> None:
        self.pages: list[ScenarioPage] = []
        self.sources: dict[str, str] = {}
        self.seed = seed
        names = sorted((f"{a} {b}" for a in _FIRST for b in _SECOND), key=lambda n: _order(seed, n))
        self._names = iter(names)
        self.count = 0
        self.copiers = [self.site() for _ in range(8)]
        self.syndicators = [self.site() for _ in range(2)]
        lines = [list(d["paragraphs"]) for d in holdout_phrasings()["disclaimers"]]
        self.disclaimer_sites = [
            (self.site("tumblr"), lines[1]),
            (self.site("aggregator"), lines[0]),
        ]
        self.pool = list(self.copiers)
        self.turn = 0
        self.titles = titles
        self.site_lines = Turns(templates("site"), seed)
        self.bare_lines = Turns(templates("bare_link"), seed)
        self.placements = Turns(PLACEMENTS, seed)
        self.link_forms = Turns(LINK_FORMS, seed)
        self.bare_forms = Turns(LINK_FORMS, seed + 2)

    def site(self, skin: str | None = None) -> Site:
        self.count += 1
        return Site(next(self._names), self.count, skin)

    def copier(self, avoid: set[str]) -> Site:
        """The next copying site, round robin, other than the ``avoid`` hosts."""
        for _ in range(len(self.pool)):
            self.turn += 1
            site = self.pool[self.turn % len(self.pool)]
            if site.host not in avoid:
                return site
        raise ValueError("not enough copying sites")

    def related(self, key: str, title: str) -> list[str]:
        start = int(_order(0, key)[:6], 16)
        others = [t for t in self.titles if t != title]
        return [others[(start + k) % len(others)] for k in range(3)]

    def credit(self, form: str, target: Site, url: str, title: str) -> tuple[CreditLine, str]:
        """A credit to ``url`` (a page of ``target``) in ``form``, and the form of its link."""
        if form == "bare link":
            link_form = _fitting(self.bare_forms, url)
            return credit_html(self.bare_lines(), target, link_variant(url, link_form), form, title), link_form  # fmt: skip
        if form == "linked":
            link_form = _fitting(self.link_forms, url)
            return credit_html(self.site_lines(), target, link_variant(url, link_form), form, title), link_form  # fmt: skip
        return credit_html(self.site_lines(), target, unresolvable(url, form), form, title), form

    def add(self, key: str, family: str, **fields) -> Holdout5Page:
        page = Holdout5Page(key=key, family=family, source=self.sources[key], declare_site_name=False, **fields)  # fmt: skip
        self.pages.append(page)
        return page

    def origin(
        self, key: str, family: str, source: Source, home: Site, url: str, published: datetime | None,
        seen: datetime, paragraphs: list[str] | None = None, real: bool = True, **render_args,
    ) -> Holdout5Page:  # fmt: skip
        if real and source.html and paragraphs is None:
            html = rehost(source, url, home.name)
            if published is not None:
                stamp = (
                    f'<meta property="article:published_time" content="{published.isoformat()}">'
                )
                html = html.replace("</head>", stamp + "</head>", 1)
            skin = "real page"
        else:
            body = paragraphs or source.paragraphs
            if paragraphs is None and int(_order(self.seed, key)[:2], 16) % 2:
                body = _with_unrelated_links(body, key)
            html = render(home, url, source.title, body, published, self.related(key, source.title),
                          canonical=_canonical(home, url), **render_args)  # fmt: skip
            skin = home.skin
        return self.add(
            key, family, url=url, site_name=home.name, role="origin", fetched_at=iso(seen),
            published=iso(published) if published else None, title=source.title, html=html, skin=skin,
        )  # fmt: skip

    def copy(
        self, key: str, family: str, source: Source, site: Site, paragraphs: list[str],
        published: datetime | None, seen: datetime, credited: bool | None, credit: CreditLine | None = None,
        link_form: str | None = None, number: int = 1, name_in_page: bool = True, canonical: str | None = None,
        disclaimer: list[str] | None = None, mode: str = "p", url: str | None = None,
        noise_line: str | None = None, placement: str | None = None, **extra,
    ) -> Holdout5Page:  # fmt: skip
        url = url or site.url(f"{slug(source.title, key)}-{number}", seen, number)
        if placement is None and (credit or noise_line):
            placement = self.placements()
        html = render(site, url, source.title, paragraphs, published, self.related(key, source.title),
                      credit or noise_line, placement, name_in_page, canonical or _canonical(site, url),
                      disclaimer, mode=mode)  # fmt: skip
        return self.add(
            key, family, url=url, site_name=site.name, role="repost", fetched_at=iso(seen),
            published=iso(published) if published else None, title=source.title, html=html,
            credited=credited, credit_phrasing=credit.phrasing if credit else None, skin=site.skin,
            placement=placement, link_form=link_form, noise_line=noise_line,
            expect_absent=list(disclaimer) if disclaimer else None, **extra,
        )  # fmt: skip


def _fitting(forms: Turns, url: str) -> str:
    """The next link form that fits ``url`` (a trailing ``index.html`` only after a slash)."""
    form = forms()
    while form == "index-html" and not url.endswith("/"):
        form = forms()
    return form


def _canonical(site: Site, url: str) -> str:
    """Every page of this set names itself (the canonical-syndication copies name their origin)."""
    return url


def _with_unrelated_links(paragraphs: list[str], key: str) -> list[str]:
    """The body with the first words of two paragraphs linked to unrelated sites (same text)."""
    out = list(paragraphs)
    for k, index in enumerate((1, len(out) // 2)):
        words = out[index].split(" ")
        head, tail = " ".join(words[:3]), " ".join(words[3:])
        target = _UNRELATED[(int(_order(0, key)[:4], 16) + k) % len(_UNRELATED)]
        out[index] = f'<span><a href="{target}">{escape(head)}</a> {escape(tail)}</span>'
    return out


def article_need(per_family: int = PER_FAMILY) -> int:
    """Articles the set takes besides the header-charset ones."""
    return per_family * (len(FAMILIES) - 1) + DISCLAIMER_ARTICLES + NOISE_ARTICLES + 2


def build_holdout5(corpus: Path, per_family: int = PER_FAMILY, seed: int = SEED) -> ScenarioSet:
    """Build the holdout5 set (see the module docstring) from the corpus at ``corpus``.

    Args:
        corpus: the folder holding the corpus sub-folders (``../shared/corpus``).
        per_family: articles in each of the eight chain families and the header-charset family.
        seed: the order in which corpus pages, names and wordings are taken.

    Returns:
        The pages with their labels (the same for the same arguments and corpus).
    """
    from holdout5_families import add_article

    need = article_need(per_family)
    charset, fresh, reused = pick(corpus, seed, need)
    articles = fresh + reused
    if len(articles) < need or len(charset) < min(per_family, len(CHARSETS)):
        raise ValueError(f"corpus too small: {len(articles)} articles, {len(charset)} charset pages")  # fmt: skip
    # Reused articles go last into the families, first into the disclaimer and noise families.
    queue = fresh[: need - len(reused)] + reused
    titles = [s.title for s in queue] + [s.title for s, _ in charset]
    b = _Builder(seed, titles)
    index = 0
    plan: list[tuple[str, int]] = [(f, n) for f in FAMILIES for n in range(per_family)]
    plan += [("new-disclaimer", n) for n in range(DISCLAIMER_ARTICLES)]
    plan += [("seed-chain", n) for n in range(2)] + [("noise", n) for n in range(NOISE_ARTICLES)]
    for family, number in plan:
        if family == "header-charset":
            source, label = charset[number % len(charset)]
        else:
            source, label = queue.pop(0), ""
        key = f"h5-{family}-{number}"
        b.sources[key] = source.source
        add_article(b, family, key, source, _START + _day(3 * index), number, label)
        index += 1
        if family == "canonical-syndication" and number == per_family - 1:
            # From here on the syndicators also copy with their name in the page, twice as often
            # as the other copiers: their own name is the majority of their pages.
            b.pool.extend(b.syndicators * 2)
    return ScenarioSet(b.pages, b.sources)


def reused_sources(scenarios: ScenarioSet, corpus: Path) -> list[str]:
    """The article sources of this set that an earlier set uses too."""
    used = used_before(corpus)
    return sorted({s for s in scenarios.sources.values() if s in used})


def unicode_target(home: Site, number: int, path_slug: str) -> tuple[str, str]:
    """(the Unicode address a copier writes, the address the crawler stores) of an origin page."""
    path = f"{UNICODE_PATHS[number % len(UNICODE_PATHS)]}/{path_slug}"
    host = home.host
    if number == len(UNICODE_PATHS) - 1:
        # An internationalised host name: written in Unicode, stored in its ASCII (xn--) form.
        host = host.replace("o", "ö", 1) if "o" in host else "ü" + host
    unicode_url = f"https://{host}/{path}"
    stored = f"https://{host.encode('idna').decode('ascii')}/{quote(path, safe='/')}"
    return unicode_url, stored


def write_json(scenarios: ScenarioSet) -> str:
    """The set's labels (no page text) as JSON, for comparing two builds."""
    return json.dumps(
        [(p.url, p.role, p.credited, p.credit_phrasing, p.published) for p in scenarios.pages]
    )


def split_sentences(paragraphs: list[str]) -> list[str]:
    """Each paragraph of two sentences or more cut in two at its middle sentence."""
    out: list[str] = []
    for paragraph in paragraphs:
        parts = [s for s in _SENTENCE.split(paragraph) if s]
        if len(parts) < 2:
            out.append(paragraph)
        else:
            half = len(parts) // 2
            out += [" ".join(parts[:half]), " ".join(parts[half:])]
    return out
