"""A THIRD held-out set of the issue 11 judgement families ("holdout3"), LABELLED AS BUILT.

The first two sets (``bench/scenario_families.py``, ``bench/scenario_holdout2.py``) have both been
looked at. This one is built the same way (same nine families, same labels, same scorer
``eval_judgement.judge``) from material neither of them uses, so that it measures tracker on shapes
it was not written against:

* **Articles** come first from the copietje corpus (``copietje-neardup-variants-and-newsedits``):
  the last stored version of each NewsEdits entry (its ``<p>`` paragraphs) and the full texts of
  the CNN/DailyMail variants (hard-wrapped text, cut into paragraphs of three sentences). Then from
  the Scrapinghub benchmark pages that neither the first judgement set nor the clustering scenario
  set takes as articles (a new seed). The header-charset family also takes the corpus's Russian,
  Czech and French pages, whatever set used them, for charsets no other set serves. Every body is
  the corpus's own text (ground truth, stored version, expected output), never tracker's extractor.
* **Pages** are drawn from six page skins of this module (a WordPress theme, a newsroom CMS, Ghost,
  Blogger, Drupal, an old table layout), each with its own chrome (navigation, related links,
  newsletter box, comments), its own date markup (``article:published_time``, JSON-LD
  ``datePublished``, ``<time datetime>``, or a visible date only) and its own way of naming the
  site (``og:site_name``, JSON-LD publisher, or both). Origins of Scrapinghub and Readability
  articles are the real pages re-hosted.
* **Credit lines** come from ``bench/phrasings_holdout3.yml`` (real wordings, each with where it was
  found), written as a linked site name, a plain name, a plain domain, a ``javascript:`` link or a
  bare link, and placed where real sites put them: the last paragraph, an italic intro, a
  blockquote intro, a box after the body, a ``<footer>`` or ``<aside>`` inside ``<article>``, a
  ``<p><small>``, after an ``<hr>``. Links point at the original exactly or at its ``http://``,
  ``www.``, trailing-slash or ``?utm_…`` form.
* **Charsets** of the header-charset family: koi8-r, iso-8859-2, iso-8859-15, windows-1252 (quoted
  in the header) and iso-8859-1, each only in the HTTP ``Content-Type``.
* **Unicode credit targets** have Cyrillic, Greek, Japanese, Arabic and Polish paths.

Labels are those of ``bench/scenario_families.py`` (read its docstring). As in holdout2, the two
disclaimer sites also host the re-paragraphed and header-charset copies, so every page they serve
carries their disclaimer. The re-paragraphed copies merge the origin's paragraphs two by two,
split them into sentences, or keep them while the origin is one long paragraph.

The corpus pages are read at run time and never copied into the repository.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote

import yaml
from scenario_families import FAMILIES, _merge_pairs
from scenario_holdout2 import MOZILLA, expected_paragraphs
from scenario_pages import (
    _OWN_CREDIT,
    BENCH,
    Distinct,
    ScenarioPage,
    ScenarioSet,
    Source,
    corpus_sources,
    good_body,
    latin,
    load_source,
    page_title,
    parse,
    rehost,
)
from scenarios import iso, slug

COPIETJE = "copietje-neardup-variants-and-newsedits"
PHRASINGS = BENCH / "phrasings_holdout3.yml"
ALL_FAMILIES = (*FAMILIES, "new-disclaimer")
LABEL = (
    "LABELLED AS BUILT (holdout3): synthetic repost scenarios made from real corpus pages with "
    "credit wordings, page shapes and charsets no earlier set uses; labels are true by construction"
)
SKINS = ("wp", "newsroom", "ghost", "blogger", "drupal", "table")
PLACEMENTS = (
    "end",
    "italic-intro",
    "box-after",
    "article-footer",
    "aside",
    "small",
    "after-hr",
    "blockquote-intro",
)
LINK_FORMS = ("exact", "utm", "http", "www", "slash")
# (label, Python codec, Content-Type header as served)
CHARSETS = (
    ("koi8-r", "koi8_r", "text/html; charset=KOI8-R"),
    ("iso-8859-2", "iso8859_2", "text/html;charset=iso-8859-2"),
    ("iso-8859-15", "iso8859_15", "text/html; charset=ISO-8859-15"),
    ("windows-1252", "cp1252", 'text/html; charset="windows-1252"'),
    ("iso-8859-1", "latin_1", "text/html; charset=iso-8859-1"),
)
_UNICODE_PATHS = (
    "новости/общество",
    "ειδήσεις/κοινωνία",
    "ニュース/社会",
    "أخبار/محلية",
    "wiadomości/świat",
)
_START = datetime(2025, 9, 1, 5, 45, tzinfo=UTC)
_FIRST = "Alder Birch Cobalt Ember Fjord Garnet Indigo Jasper Kestrel Lantern Marble Nimbus Onyx Quartz Raven Saffron".split()
_SECOND = (
    "Current Signal Lens Compass Forum Network Insider Standard Express Voice Outlook Daily".split()
)
_LINK = re.compile(r"\[\[(.+?)\]\]")
_TAG = re.compile(r"<[^>]+>")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z])")


def _order(seed: int, name: str) -> str:
    return hashlib.sha1(f"holdout3:{seed}:{name}".encode()).hexdigest()


def _day(days: float) -> timedelta:
    return timedelta(days=days)


@dataclass
class Holdout3Page(ScenarioPage):
    """A scenario page with the shape it was built in (for the per-shape figures)."""

    skin: str | None = None
    placement: str | None = None
    link_form: str | None = None
    charset: str | None = None


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


def template_of(phrasing: str) -> str:
    """The template of a page's recorded ``credit_phrasing`` (``"<form>: <template>"``)."""
    return phrasing.split(": ", 1)[1]


# --- articles ---------------------------------------------------------------------------------


def _clean(fragment: str) -> str:
    return " ".join(html_lib.unescape(_TAG.sub(" ", fragment)).split())


def _title_from(text: str) -> str:
    first = _SENTENCE.split(text, 1)[0]
    tokens = first.split()
    return " ".join(tokens[:12]) + ("…" if len(tokens) > 12 else "")


def _usable(paragraphs: list[str]) -> bool:
    text = "\n".join(paragraphs)
    count = len(text.split())
    return (
        len(paragraphs) >= 5
        and 200 <= count <= 3000
        and latin(text)
        and not _OWN_CREDIT.search("\n".join(paragraphs[-3:]))
    )


def copietje_articles(corpus: Path) -> list[Source]:
    """The copietje articles: the last version of each NewsEdits entry and the variants' full
    texts (bodies only; there is no page)."""
    root = corpus / COPIETJE
    rows = root / "newsedits_sample.jsonl"
    if not rows.exists():
        raise FileNotFoundError(f"no {COPIETJE}/newsedits_sample.jsonl under {corpus}")
    last: dict[tuple[str, int], dict] = {}
    for line in rows.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        key = (row["original_db"], int(row["entry_id"]))
        if key not in last or int(row["version"]) >= int(last[key]["version"]):
            last[key] = row
    out = []
    for (outlet, entry), row in sorted(last.items()):
        found = (_clean(m) for m in re.findall(r"<p[^>]*>(.*?)</p>", row["summary"], re.S))
        # A stored "paragraph" that is only punctuation (a stray quote mark) is no text.
        paragraphs = [p for p in found if re.search(r"\w", p)]
        title = re.split(r" [-|] ", row["title"] or "")[0].strip()
        if not title or title.lower().startswith("news from") or len(title.split()) < 3:
            title = _title_from(paragraphs[0] if paragraphs else "")
        out.append(Source(f"copietje/newsedits/{outlet}/{entry}", "", "", title, paragraphs))
    for path in sorted((root / "variants").glob("[0-9]_fulltext_odt.txt")):
        text = " ".join(path.read_text(encoding="utf-8").split())
        sentences = _SENTENCE.split(text)
        paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
        out.append(Source(f"copietje/variants/{path.stem}", "", "", _title_from(text), paragraphs))
    return [s for s in out if _usable(s.paragraphs)]


def _used_before(corpus: Path) -> tuple[set[str], set[str]]:
    """Scrapinghub articles of the first judgement set (never taken here) and of the clustering
    scenario set (taken last, when the others run out)."""
    from scenario_families import build_families
    from scenarios import build

    return set(build_families(corpus).sources.values()), set(build(corpus).sources.values())


def shub_articles(corpus: Path, seed: int, avoid: set[str], later: set[str]) -> list[Source]:
    """Scrapinghub articles in this set's seeded order: none of ``avoid``, those of ``later`` last."""
    out = []
    found = corpus_sources(corpus, f"holdout3:{seed}")
    for key, path, url, paragraphs in sorted(found, key=lambda f: f"scrapinghub/{f[0]}" in later):
        if f"scrapinghub/{key}" in avoid or not good_body(paragraphs):
            continue
        if path.stat().st_size * 4 > 700_000:
            continue
        source = load_source(key, path, url, paragraphs)
        if source is not None:
            out.append(source)
    return out


def charset_candidates(corpus: Path) -> list[Source]:
    """Pages in the corpus written in Cyrillic, Czech or French (any set may have used them)."""
    out: list[Source] = []
    for key, path, url, paragraphs in corpus_sources(corpus, "holdout3:charsets"):
        text = " ".join(paragraphs)
        if 150 <= len(text.split()) <= 3000 and len(paragraphs) >= 4:
            if sum("\u0400" <= ch <= "\u04ff" for ch in text) > 200 or text.count("é") > 30:
                source = load_source(key, path, url, paragraphs)
                if source is not None:
                    out.append(source)
    root = corpus / MOZILLA / "pages"
    for case in ("aktualne", "lemonde-1", "liberation-1"):
        folder = root / case
        if (folder / "source.html").exists() and (folder / "expected.html").exists():
            html = (folder / "source.html").read_bytes().decode("utf-8", errors="replace")
            tree = parse(html)
            title = page_title(tree) if tree is not None else ""
            paragraphs = expected_paragraphs((folder / "expected.html").read_bytes())
            if title and len(paragraphs) >= 4:
                out.append(Source(f"mozilla/{case}", html, "", title, paragraphs))
    return out


def charset_words(paragraphs: list[str], codec: str) -> list[str]:
    """Distinct words of the body holding a non-ASCII character that ``codec`` can encode."""
    out: list[str] = []
    for token in " ".join(paragraphs).split():
        token = token.strip(".,;:!?()[]\"'«»„“”‘’-–—")
        if any(ord(ch) > 127 for ch in token) and token not in out:
            try:
                token.encode(codec)
            except UnicodeEncodeError:
                continue
            out.append(token)
    return out


def _specific(words: list[str]) -> list[str]:
    """The words a windows-1252 reading would garble (so the page tests its own charset)."""
    out = []
    for word in words:
        try:
            word.encode("cp1252")
        except UnicodeEncodeError:
            out.append(word)
    return out


# --- sites and pages --------------------------------------------------------------------------


class Site:
    """A synthetic site of this set with its page skin, date markup and name markup."""

    def __init__(self, name: str, number: int) -> None:
        self.name = name
        self.host = name.lower().replace(" ", "") + ".example"
        self.skin = SKINS[number % len(SKINS)]
        self.dates = ("meta", "jsonld", "time", "visible")[number % 4]
        self.naming = ("og", "jsonld", "both")[number % 3]
        self.nav = ["Home", "World", "Politics", "Business", "Culture", "Opinion"][: 3 + number % 4]

    def url(self, path: str, when: datetime) -> str:
        """A dated article address on this site."""
        if self.skin == "blogger":
            return f"https://{self.host}/{when:%Y/%m}/{path}.html"
        if self.skin == "drupal":
            return f"https://{self.host}/node/{int(when.timestamp()) % 100000}/{path}"
        return f"https://{self.host}/{when:%Y/%m/%d}/{path}/"


def site_names(seed: int) -> list[str]:
    """This set's synthetic site names in a seeded order."""
    return sorted((f"{a} {b}" for a in _FIRST for b in _SECOND), key=lambda n: _order(seed, n))


def link_variant(url: str, form: str) -> str:
    """The original's address as a copier links it: exact, with tracking parameters, as
    ``http://``, with ``www.``, or without its trailing slash / with one added."""
    if form == "utm":
        return url + ("&" if "?" in url else "?") + "utm_source=syndication&utm_medium=referral"
    if form == "http":
        return "http://" + url.split("://", 1)[1]
    if form == "www":
        return url.replace("://", "://www.", 1)
    if form == "slash":
        return url[:-1] if url.endswith("/") else url + "/"
    return url


class CreditLine(str):
    """A credit (inner HTML) with the phrasing it was written from."""

    phrasing: str = ""


def credit_html(
    template: str, name: str, host: str, url: str | None, form: str, title: str
) -> CreditLine:
    """A credit line's inner HTML from a template of ``bench/phrasings_holdout3.yml``.

    ``form`` is ``linked`` (the site's name links to ``url``), ``plain`` (name, no link),
    ``domain`` (the host as plain text, no link), ``javascript`` (the name links to
    ``javascript:void(0)``) or ``bare link`` (a template without ``{site}``; its words link).
    """
    href = html_lib.escape(url or "")
    esc = html_lib.escape(template.replace("{title}", title), quote=False)
    esc = esc.replace("{domain}", html_lib.escape(host))
    words_link = form in ("linked", "bare link") and url
    esc = _LINK.sub(
        lambda m: f'<a href="{href}">{m.group(1)}</a>' if words_link else m.group(1), esc
    )
    shown = html_lib.escape(host if form == "domain" else name)
    if form == "linked" and url:
        site = f'<a href="{href}">{shown}</a>'
    elif form == "javascript":
        site = f'<a href="javascript:void(0)">{shown}</a>'
    else:
        site = shown
    esc = esc.replace("{site}", site).replace(
        "{url}", f'<a href="{href}">{href}</a>' if url else ""
    )
    line = CreditLine(esc)
    line.phrasing = f"{form}: {template}"
    return line


def _date_markup(site: Site, published: datetime | None) -> tuple[str, str, str]:
    """(head markup, JSON-LD date field, visible date line) for a page of ``site``."""
    if published is None:
        return "", "", ""
    stamp = published.isoformat()
    visible = f"{published:%d %B %Y}"
    if site.dates == "meta":
        return (
            f'<meta property="article:published_time" content="{stamp}">',
            "",
            f"<span class='date'>{visible}</span>",
        )
    if site.dates == "jsonld":
        return "", f', "datePublished": "{stamp}"', f"<span class='date'>{visible}</span>"
    if site.dates == "time":
        return "", "", f'<time datetime="{stamp}">{visible}</time>'
    return "", "", f"<span class='posted'>Posted on {visible}</span>"


def _paragraphs_html(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{html_lib.escape(p, quote=False)}</p>" for p in paragraphs)


def _place(credit: str | None, placement: str | None) -> tuple[str, str, str]:
    """(before the body, at the body's end, after the body) HTML for a credit line."""
    if not credit:
        return "", "", ""
    return {
        "end": ("", f"<p>{credit}</p>", ""),
        "italic-intro": (f"<p><em>{credit}</em></p>", "", ""),
        "blockquote-intro": (
            f'<blockquote class="editor-note"><p>{credit}</p></blockquote>',
            "",
            "",
        ),
        "small": ("", f"<p><small>{credit}</small></p>", ""),
        "after-hr": ("", f"<hr><p>{credit}</p>", ""),
        "box-after": ("", "", f'<div class="republish-box"><p>{credit}</p></div>'),
        "article-footer": ("", "", f'<footer class="article-footer"><p>{credit}</p></footer>'),
        "aside": ("", "", f'<aside class="source-note"><p>{credit}</p></aside>'),
    }[placement or "end"]


def render(
    site: Site,
    url: str,
    title: str,
    paragraphs: list[str],
    published: datetime | None,
    related: list[str],
    credit: str | None = None,
    placement: str | None = None,
    name_in_page: bool = True,
    canonical: str | None = None,
    after_body: list[str] | None = None,
    in_body: list[str] | None = None,
    charset_meta: bool = True,
) -> str:
    """A whole page of ``site`` in its skin, carrying ``paragraphs`` as its article."""
    t = html_lib.escape(title, quote=False)
    n = html_lib.escape(site.name)
    head_date, ld_date, visible = _date_markup(site, published)
    named = name_in_page and site.naming in ("og", "both")
    ld_publisher = (
        f', "publisher": {{"@type": "Organization", "name": "{n}"}}'
        if name_in_page and site.naming in ("jsonld", "both")
        else ""
    )
    ld = f'<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle", "headline": {json.dumps(title)}{ld_date}{ld_publisher}}}</script>'  # fmt: skip
    head = "\n".join(
        x
        for x in (
            '<meta charset="utf-8">' if charset_meta else "",
            f"<title>{t}{' | ' + n if name_in_page else ''}</title>",
            f'<link rel="canonical" href="{html_lib.escape(canonical or url)}">',
            f'<meta property="og:site_name" content="{n}">' if named else "",
            f'<meta property="og:title" content="{html_lib.escape(title)}">',
            head_date,
            ld,
        )
        if x
    )
    before, end, after = _place(credit, placement)
    body = before + _paragraphs_html(paragraphs) + _paragraphs_html(in_body or []) + end
    after += "".join(f'<div class="disclaimer"><p>{html_lib.escape(p, quote=False)}</p></div>' for p in after_body or [])  # fmt: skip
    nav = "".join(f'<li><a href="https://{site.host}/{x.lower()}/">{x}</a></li>' for x in site.nav)
    links = "".join(f'<li><a href="https://{site.host}/related/{i}/">{html_lib.escape(r, quote=False)}</a></li>' for i, r in enumerate(related))  # fmt: skip
    letter = f'<div class="newsletter"><h3>The {n} briefing</h3><p>Our editors pick the day\'s essential stories. Sign up to get them by email every morning.</p><form><input type="email" placeholder="Your email"><button>Subscribe</button></form></div>'  # fmt: skip
    comments = '<section id="comments"><h3>2 comments</h3><ol><li><p class="comment">Thanks for posting this, worth reading in full.</p></li><li><p class="comment">Does anyone have a link to the report they mention?</p></li></ol><p>Leave a reply. Your email address will not be published.</p></section>'  # fmt: skip
    foot = f"<p>© 2025 {n}. All rights reserved. <a href='https://{site.host}/privacy/'>Privacy</a> · <a href='https://{site.host}/contact/'>Contact</a></p>"  # fmt: skip
    logo = f'<a class="logo" href="https://{site.host}/">{n}</a>'
    if site.skin == "wp":
        page = f'<div id="page"><header id="masthead">{logo}<nav class="main-navigation"><ul>{nav}</ul></nav></header><main id="main"><article class="post hentry"><header class="entry-header"><h1 class="entry-title">{t}</h1><div class="entry-meta">{visible}</div></header><div class="entry-content">{body}</div>{after}<footer class="entry-footer"><span class="cat-links">Posted in News</span></footer></article><nav class="post-navigation"><ul>{links}</ul></nav>{comments}</main><aside id="secondary" class="widget-area">{letter}</aside><footer id="colophon">{foot}</footer></div>'  # fmt: skip
    elif site.skin == "newsroom":
        page = f'<header class="site-header">{logo}<nav><ul>{nav}</ul></nav></header><main><div class="breadcrumb"><a href="https://{site.host}/">Home</a> › News</div><article><h1>{t}</h1><p class="byline">By Staff Reporter · {visible}</p><div class="article-body">{body}</div>{after}</article>{letter}<section class="related"><h2>More from {n}</h2><ul>{links}</ul></section></main><footer class="site-footer">{foot}</footer>'  # fmt: skip
    elif site.skin == "ghost":
        page = f'<div class="gh-viewport"><header class="gh-head">{logo}<nav class="gh-head-menu"><ul>{nav}</ul></nav></header><main class="gh-main"><article class="gh-article post"><header class="gh-article-header"><h1 class="gh-article-title">{t}</h1>{visible}</header><section class="gh-content">{body}</section>{after}</article><section class="gh-cta">{letter}</section><aside class="gh-readmore"><h3>Read more</h3><ul>{links}</ul></aside></main><footer class="gh-foot">{foot}</footer></div>'  # fmt: skip
    elif site.skin == "blogger":
        page = f'<div class="outer-wrapper"><div class="header-outer"><h1 class="title">{logo}</h1><p class="description">News and notes from around the world</p></div><div class="main-outer"><div class="date-outer"><h2 class="date-header">{visible}</h2><div class="post hentry"><h3 class="post-title entry-title">{t}</h3><div class="post-body entry-content">{body}</div>{after}<div class="post-footer">Posted by Editor · Labels: news</div></div></div>{comments}</div><div class="sidebar"><h2>Blog Archive</h2><ul>{links}</ul>{letter}</div><div class="footer-outer">{foot}</div></div>'  # fmt: skip
    elif site.skin == "drupal":
        page = f'<div class="dialog-off-canvas-main-canvas"><header role="banner">{logo}<nav role="navigation"><ul class="menu">{nav}</ul></nav></header><main role="main"><div class="region region-content"><article class="node node--type-article"><h1 class="page-title"><span>{t}</span></h1><div class="node__meta">{visible}</div><div class="node__content"><div class="field field--name-body">{body}</div>{after}</div></article></div><div class="region region-sidebar"><div class="block"><h2>Most read</h2><ul>{links}</ul></div>{letter}</div></main><footer role="contentinfo">{foot}</footer></div>'  # fmt: skip
    else:
        page = f'<table width="100%" cellpadding="6"><tr><td colspan="2" class="top">{logo} | {nav}</td></tr><tr><td valign="top" width="160" class="left"><b>Sections</b><ul>{nav}</ul><b>Recent</b><ul>{links}</ul></td><td valign="top" class="main"><font size="5"><b>{t}</b></font><br><font size="2">{visible}</font><div class="story">{body}</div>{after}</td></tr><tr><td colspan="2" class="bottom">{foot}</td></tr></table>'  # fmt: skip
    return f'<!DOCTYPE html>\n<html lang="en"><head>\n{head}\n</head><body>\n{page}\n</body></html>'


def header_only_bytes(html: str, codec: str) -> bytes:
    """The page as bytes in ``codec`` with every in-document charset declaration removed
    (characters the charset lacks become numeric references, as a CMS would write them)."""
    html = re.sub(r"<meta[^>]+charset[^>]*>", "", html, flags=re.I)
    return html.encode(codec, errors="xmlcharrefreplace")


# --- the set ----------------------------------------------------------------------------------


class Turns:
    """The items of a list in turn from ``start``: every wording, placement and link form gets
    written."""

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
        self._names = iter(site_names(seed))
        self.count = 0
        self.copiers = [self.site() for _ in range(8)]
        self.syndicators = [self.site() for _ in range(2)]
        self.disclaimer_sites = [(self.site(), lines) for lines in disclaimer_sets()]
        self.pool = list(self.copiers)
        self.turn = 0
        self.titles = titles
        # One turn over the site wordings for linked and plain credits alike: with at least as
        # many credits naming a site as wordings, every wording of the file is written.
        self.linked = self.unlinked = Turns(templates("site"), seed)
        self.bare = Turns(templates("bare_link"), seed)
        self.placements = Turns(PLACEMENTS, seed)
        self.link_forms = Turns(LINK_FORMS, seed)

    def site(self) -> Site:
        self.count += 1
        return Site(next(self._names), self.count)

    def copier(self, avoid: set[str]) -> Site:
        """The next copying site, round robin, other than the ``avoid`` hosts."""
        for _ in range(len(self.pool)):
            self.turn += 1
            site = self.pool[self.turn % len(self.pool)]
            if site.host not in avoid:
                return site
        raise ValueError("not enough copying sites")

    def related(self, key: str, title: str) -> list[str]:
        """Three other stories' headlines for the related-links box of a page."""
        start = int(_order(0, key)[:6], 16)
        others = [t for t in self.titles if t != title]
        return [others[(start + k) % len(others)] for k in range(3)]

    def credit(self, group: Turns, form: str, target: Site, url: str, title: str) -> tuple[CreditLine, str | None]:  # fmt: skip
        """A credit to ``url`` (a page of ``target``) and the link form of its address."""
        link_form = self.link_forms() if form in ("linked", "bare link") else None
        if link_form == "slash" and not url.endswith("/"):
            link_form = self.link_forms()  # a ".html" address has no trailing-slash twin
        href = link_variant(url, link_form) if link_form else None
        return credit_html(group(), target.name, target.host, href, form, title), link_form

    def add(self, key: str, family: str, **fields) -> Holdout3Page:
        page = Holdout3Page(key=key, family=family, source=self.sources[key], declare_site_name=False, **fields)  # fmt: skip
        self.pages.append(page)
        return page

    def origin(
        self, key: str, family: str, source: Source, home: Site, url: str, published: datetime | None,
        seen: datetime, paragraphs: list[str] | None = None, charset_meta: bool = True,
    ) -> Holdout3Page:  # fmt: skip
        if source.html and paragraphs is None:
            html = rehost(source, url, home.name)
            head_date = _date_markup(home, published)[0]
            html = html.replace("</head>", head_date + "</head>", 1) if head_date else html
            skin = "real page"
        else:
            html = render(home, url, source.title, paragraphs or source.paragraphs, published,
                          self.related(key, source.title), charset_meta=charset_meta)  # fmt: skip
            skin = home.skin
        return self.add(
            key, family, url=url, site_name=home.name, role="origin", fetched_at=iso(seen),
            published=iso(published) if published else None, title=source.title, html=html, skin=skin,
        )  # fmt: skip

    def copy(
        self, key: str, family: str, source: Source, site: Site, paragraphs: list[str],
        published: datetime, seen: datetime, credited: bool | None, credit: CreditLine | None = None,
        link_form: str | None = None, number: int = 1, name_in_page: bool = True,
        canonical: str | None = None, disclaimer: list[str] | None = None, **extra,
    ) -> Holdout3Page:  # fmt: skip
        url = site.url(f"{slug(source.title, key)}-{number}", seen)
        placement = self.placements() if credit else None
        inside = disclaimer if disclaimer and site is self.disclaimer_sites[0][0] else None
        outside = disclaimer if disclaimer and inside is None else None
        html = render(site, url, source.title, paragraphs, published, self.related(key, source.title), credit,
                      placement, name_in_page, canonical, after_body=outside, in_body=inside)  # fmt: skip
        return self.add(
            key, family, url=url, site_name=site.name, role="repost", fetched_at=iso(seen),
            published=iso(published), title=source.title, html=html, credited=credited,
            credit_phrasing=credit.phrasing if credit else None, skin=site.skin, placement=placement,
            link_form=link_form, expect_absent=list(disclaimer) if disclaimer else None, **extra,
        )  # fmt: skip


def _sentences(paragraphs: list[str]) -> list[str]:
    return [s for p in paragraphs for s in _SENTENCE.split(p) if s]


def pick(corpus: Path, seed: int, need: int) -> tuple[list[tuple[Source, str]], list[Source]]:
    """The header-charset articles with their charsets, and the other articles (copietje first)."""
    distinct = Distinct()
    copietje = copietje_articles(corpus)
    chosen: list[tuple[Source, str]] = []
    taken: set[str] = set()
    candidates = charset_candidates(corpus) + copietje
    for label, codec, _ in CHARSETS:

        def score(source: Source, codec: str = codec, label: str = label) -> tuple[int, int]:
            words = charset_words(source.paragraphs, codec)
            useful = _specific(words) if label in ("koi8-r", "iso-8859-2") else words
            return min(len(useful), 12), source.source.startswith("copietje/")

        ranked = sorted((s for s in candidates if s.source not in taken), key=score, reverse=True)
        for source in ranked:
            if score(source)[0] >= 6 and distinct.admit(source.text):
                chosen.append((source, label))
                taken.add(source.source)
                break
    articles = [s for s in copietje if s.source not in taken and distinct.admit(s.text)]
    if len(articles) < need:
        judged, clustered = _used_before(corpus)
        for source in shub_articles(corpus, seed, judged | taken, clustered):
            if len(articles) >= need:
                break
            if distinct.admit(source.text):
                articles.append(source)
    return chosen, articles


PER_FAMILY = 6
DISCLAIMER_ARTICLES = 24
SEED = 3


def article_need(
    per_family: int = PER_FAMILY, disclaimer_articles: int = DISCLAIMER_ARTICLES
) -> int:
    """Articles the set takes besides the header-charset ones."""
    return per_family * (len(FAMILIES) - 1) + disclaimer_articles


def build_holdout3(
    corpus: Path,
    per_family: int = PER_FAMILY,
    disclaimer_articles: int = DISCLAIMER_ARTICLES,
    seed: int = SEED,
) -> ScenarioSet:
    """Build the holdout3 set (see the module docstring) from the corpus at ``corpus``.

    Args:
        corpus: the folder holding the corpus sub-folders (``../shared/corpus``).
        per_family: articles in each of the eight chain families (the header-charset family has
            one article per charset at most).
        disclaimer_articles: articles of the new-disclaimer family (split over its two sites).
        seed: the order in which corpus pages, names and wordings are taken.

    Returns:
        The pages with their labels (the same for the same arguments and corpus).
    """
    need = article_need(per_family, disclaimer_articles)
    charset_articles, articles = pick(corpus, seed, need)
    if len(articles) < need or len(charset_articles) < min(per_family, len(CHARSETS)):
        raise ValueError(f"corpus too small: {len(articles)} articles, {len(charset_articles)} charset pages")  # fmt: skip
    titles = [s.title for s in articles] + [s.title for s, _ in charset_articles]
    b = _Builder(seed, titles)
    queue = list(articles)
    index = 0
    for family in FAMILIES:
        count = min(per_family, len(charset_articles)) if family == "header-charset" else per_family
        for number in range(count):
            if family == "header-charset":
                source, label = charset_articles[number]
            else:
                source, label = queue.pop(0), ""
            key = f"h3-{family}-{number}"
            b.sources[key] = source.source
            _family(b, family, key, source, _START + _day(3 * index), number, label)
            index += 1
        if family == "canonical-syndication":
            # From now on the syndicators copy with their name in the page, twice as often as the
            # other copiers: their own name is the majority of their pages.
            b.pool.extend(b.syndicators * 2)
    for number in range(disclaimer_articles):
        source = queue.pop(0)
        key = f"h3-new-disclaimer-{number}"
        b.sources[key] = source.source
        day = _START + _day(3 * index)
        index += 1
        home = b.site()
        origin_url = home.url(slug(source.title, key), day)
        b.origin(key, "new-disclaimer", source, home, origin_url, day, day + _day(0.5))
        site, lines = b.disclaimer_sites[number % len(b.disclaimer_sites)]
        b.copy(key, "new-disclaimer", source, site, source.paragraphs, day + _day(1), day + _day(1),
               credited=False, disclaimer=lines)  # fmt: skip
        form = ("linked", "plain", "domain")[number % 3]
        group = b.linked if form == "linked" else b.unlinked
        line, link_form = b.credit(group, form, home, origin_url, source.title)
        b.copy(key, "new-disclaimer", source, b.copier({home.host}), source.paragraphs,
               day + _day(2), day + _day(2), credited=True, credit=line, link_form=link_form, number=2)  # fmt: skip
    return ScenarioSet(b.pages, b.sources)


def _family(b: _Builder, family: str, key: str, source: Source, day: datetime, number: int, label: str) -> None:  # fmt: skip
    body = source.paragraphs
    home = b.site()
    origin_url = home.url(slug(source.title, key), day)
    if family in ("silent-intermediary", "bare-link"):
        b.origin(key, family, source, home, origin_url, day, day + _day(9))
        b_site = b.copier({home.host})
        line, form = (b.credit(b.bare, "bare link", home, origin_url, source.title) if family == "bare-link" else (None, None))  # fmt: skip
        made = b.copy(key, family, source, b_site, body, day + _day(1), day + _day(8),
                      credited=line is not None, credit=line, link_form=form)  # fmt: skip
        c_line, c_form = b.credit(b.linked, "linked", b_site, made.url, source.title)
        b.copy(key, family, source, b.copier({home.host, b_site.host}), body, day + _day(6),
               day + _day(7), credited=True, credit=c_line, link_form=c_form, number=2)  # fmt: skip
    elif family == "unlinked-phrase":
        b.origin(key, family, source, home, origin_url, None, day + _day(2))
        form = ("plain", "domain", "javascript")[number % 3]
        line, _ = b.credit(b.unlinked, form, home, origin_url, source.title)
        b.copy(key, family, source, b.copier({home.host}), body, day + _day(1), day + _day(1),
               credited=True, credit=line)  # fmt: skip
    elif family == "canonical-syndication":
        b.origin(key, family, source, home, origin_url, day, day + _day(1))
        # Whether a canonical link alone is a credit is not what this family asks: not scored.
        b.copy(key, family, source, b.syndicators[number % 2], body, day + _day(0.2), day + _day(2),
               credited=None, name_in_page=False, canonical=origin_url)  # fmt: skip
    elif family == "backdated-credit":
        b.origin(key, family, source, home, origin_url, day + _day(2), day + _day(4))
        line, form = b.credit(b.linked, "linked", home, origin_url, source.title)
        b.copy(key, family, source, b.copier({home.host}), body, day, day + _day(5), credited=True,
               credit=line, link_form=form)  # fmt: skip
    elif family == "re-paragraphed":
        # The origin's page holds exactly the corpus body, so every word of the origin's article
        # is in the copy, in order: the expected retained share is 1.0.
        if number % 3 == 1:
            origin_body, copy_body = [" ".join(body)], body
        elif number % 3 == 2:
            origin_body, copy_body = body, _sentences(body)
        else:
            origin_body, copy_body = body, _merge_pairs(body)
        b.origin(
            key, family, source, home, origin_url, day, day + _day(0.1), paragraphs=origin_body
        )
        site, lines = b.disclaimer_sites[0]
        b.copy(key, family, source, site, copy_body, day + _day(1), day + _day(1), credited=False,
               disclaimer=lines, expect_retained=1.0)  # fmt: skip
    elif family == "unicode-credit-target":
        path = f"{_UNICODE_PATHS[number % len(_UNICODE_PATHS)]}-{number}/{slug(source.title, key)}"
        unicode_url = f"https://{home.host}/{path}"
        stored_url = f"https://{home.host}/{quote(path, safe='/')}"
        b.origin(key, family, source, home, stored_url, None, day + _day(3))
        form, group = ("linked", b.linked) if number % 2 == 0 else ("bare link", b.bare)
        line = credit_html(group(), home.name, home.host, unicode_url, form, source.title)
        b.copy(key, family, source, b.copier({home.host}), body, day + _day(1), day + _day(1),
               credited=True, credit=line, link_form="unicode", expect_credit_target=stored_url)  # fmt: skip
    elif family == "header-charset":
        codec, header = next((c, h) for name, c, h in CHARSETS if name == label)
        page = b.origin(
            key, family, source, home, origin_url, day, day + _day(0.2), charset_meta=False
        )
        assert page.html is not None
        page.body_bytes = header_only_bytes(page.html, codec)
        page.content_type = header
        page.charset = label
        words = charset_words(body, codec)
        page.expect_words = (
            (_specific(words) if label in ("koi8-r", "iso-8859-2") else []) + words
        )[:12]
        page.expect_words = list(dict.fromkeys(page.expect_words))[:12]
        site, lines = b.disclaimer_sites[1]
        b.copy(key, family, source, site, body, day + _day(1), day + _day(1), credited=False,
               disclaimer=lines)  # fmt: skip
    else:
        raise ValueError(f"unknown family {family!r}")


# --- construction checks ----------------------------------------------------------------------

_WANT = {
    "silent-intermediary": [False, True],
    "bare-link": [True, True],
    "unlinked-phrase": [True],
    "canonical-syndication": [None],
    "backdated-credit": [True],
    "re-paragraphed": [False],
    "unicode-credit-target": [True],
    "header-charset": [False],
    "new-disclaimer": [False, True],
}


def family_counts(scenarios: ScenarioSet) -> dict[str, dict[str, int]]:
    """Articles and pages per family, pages per disclaimer-printing site, and the shapes written
    (skins, credit placements, link forms, charsets)."""
    out: dict[str, dict[str, int]] = {}
    for family in ALL_FAMILIES:
        pages = [p for p in scenarios.pages if p.family == family]
        out[family] = {"articles": len({p.key for p in pages}), "pages": len(pages)}
    hosts = Counter(p.url.split("/")[2] for p in scenarios.pages if p.expect_absent is not None)
    out["disclaimer sites"] = dict(sorted(hosts.items()))
    for name in ("skin", "placement", "link_form", "charset"):
        values = Counter(getattr(p, name, None) for p in scenarios.pages)
        out[name + "s"] = dict(sorted((k, v) for k, v in values.items() if k))
    forms = Counter(
        p.credit_phrasing.split(": ", 1)[0] for p in scenarios.pages if p.credit_phrasing
    )
    out["credit forms"] = dict(sorted(forms.items()))
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
        origin = origins[0]
        if any(p.family != family for p in pages):
            problems.append(f"{key}: pages of several families")
        copies = [p for p in pages if p.role != "origin"]
        if [p.credited for p in copies] != _WANT[family]:
            problems.append(f"{key}: credited labels {[p.credited for p in copies]}, want {_WANT[family]}")  # fmt: skip
        for page in copies:
            if page.credited and not page.credit_phrasing:
                problems.append(f"{page.url}: credited without a written credit line")
            if page.credit_phrasing and template_of(page.credit_phrasing) not in known:
                problems.append(f"{page.url}: credit line not from {PHRASINGS.name}")
            if not page.credited and page.credit_phrasing:
                problems.append(f"{page.url}: uncredited copy carries a credit line")
            if page.html is None:
                problems.append(f"{page.url}: no page")
        if family == "backdated-credit" and not (copies[0].published or "") < (origin.published or ""):  # fmt: skip
            problems.append(f"{key}: copy not dated before its origin")
        if family == "header-charset":
            problems.extend(_charset_problems(key, origin))
        if family == "re-paragraphed" and copies[0].expect_retained != 1.0:
            problems.append(f"{key}: re-paragraphed copy without its retained label")
        if family == "unicode-credit-target":
            if copies[0].expect_credit_target != origin.url:
                problems.append(f"{key}: credit target is not the stored origin")
            if not re.search(r'href="https://[^"]*[^\x00-\x7f]', copies[0].html or ""):
                problems.append(f"{key}: the credit link is not in its Unicode form")
            if not origin.url.isascii():
                problems.append(f"{key}: the origin is not stored at its percent-encoded address")
        if family == "canonical-syndication":
            html = copies[0].html or ""
            if f'rel="canonical" href="{html_lib.escape(origin.url)}"' not in html or "og:site_name" in html or '"publisher"' in html:  # fmt: skip
                problems.append(f"{key}: syndicated copy not canonical to its origin or names its site")  # fmt: skip
    named = Counter(p.site_name for p in scenarios.pages if p.role != "origin" and p.family != "canonical-syndication")  # fmt: skip
    unnamed = Counter(p.site_name for p in scenarios.pages if p.family == "canonical-syndication" and p.role != "origin")  # fmt: skip
    for name, count in unnamed.items():
        if named[name] <= count:
            problems.append(f"syndicator {name}: {named[name]} named pages against {count} unnamed")
    hosts = Counter(p.url.split("/")[2] for p in scenarios.pages if p.expect_absent is not None)
    for host, count in sorted(hosts.items()):
        if count < 10:
            problems.append(f"disclaimer site {host}: {count} pages, want 10+")
    if len(hosts) < 2:
        problems.append(f"{len(hosts)} disclaimer sites, want 2")
    served = Counter(p.url.split("/")[2] for p in scenarios.pages)
    for host in hosts:
        if served[host] != hosts[host]:
            problems.append(f"disclaimer site {host}: a page without the disclaimer")
    for page in scenarios.pages:
        if page.expect_absent is not None and page.html is not None:
            if not all(
                html_lib.escape(line, quote=False) in page.html for line in page.expect_absent
            ):
                problems.append(f"{page.url}: disclaimer not in the page")
    return problems


def _charset_problems(key: str, origin: ScenarioPage) -> list[str]:
    label: str = getattr(origin, "charset", None) or ""
    codec = next((c for name, c, _ in CHARSETS if name == label), None)
    if codec is None or origin.body_bytes is None or not origin.expect_words or not origin.content_type:  # fmt: skip
        return [f"{key}: header-charset origin without charset, bytes, header or words to check"]
    problems = []
    text = origin.body_bytes.decode(codec)
    if "\ufffd" in text:
        problems.append(f"{key}: a replacement character in the page before encoding")
    if re.search(rb"<meta[^>]+charset", origin.body_bytes, re.I):
        problems.append(f"{key}: a charset declared inside the page")
    if label not in origin.content_type.lower():
        problems.append(f"{key}: header {origin.content_type!r} does not name {label}")
    missing = [w for w in origin.expect_words if w not in text]
    if missing:
        problems.append(f"{key}: words missing from the {label} bytes: {missing[:3]}")
    utf8 = origin.body_bytes.decode("utf-8", errors="replace")
    if all(w in utf8 for w in origin.expect_words):
        problems.append(f"{key}: the {label} bytes read the same as UTF-8")
    return problems
