"""Page shapes of the eighth held-out judgement set (``bench/scenario_holdout8.py``).

Six page templates no earlier set writes (a Forem post as on dev.to, a WriteFreely post, a SPIP
article, a Plone news item, a Movable Type entry, a Telegraph page as on telegra.ph), seven places
a credit sits that no earlier set used (only in the page's JSON-LD as ``isBasedOn`` and
``creditText``, in a data table's ``<tfoot>``, split between a Drupal field's label and its item,
in the footer of a pull quote at the top, in a WordPress embed card after the body, in the post's
meta line beside its date, in a MediaWiki-style hatnote above the body) and the forms a credit link
takes that no earlier set wrote (an AT Internet ``#xtor=`` fragment, Mailchimp's ``mc_cid`` /
``mc_eid`` parameters, Facebook's ``l.php`` link shim, an address wrapped in white space inside
``href``, the original's headline as the link text). A name linked to an archive.today short
address does not reach the article: there the name is the credit.

Sites, date markup, the body and the credit line's HTML come from ``bench/holdout5_pages.py``;
the page head and ``Shape`` from ``bench/holdout6_pages.py``; only what is new is written here.
Nothing here reads tracker; the builder decides every label.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from datetime import datetime
from urllib.parse import quote

from holdout5_pages import CreditLine, Site, _dates, body_html, credit_html, escape
from holdout6_pages import Shape, _head

SKINS = ("forem", "writefreely", "spip", "plone", "movabletype", "telegraph")
PLACEMENTS = (
    "jsonld-isbasedon",
    "tfoot-row",
    "split-label",
    "pullquote-footer",
    "embed-card",
    "meta-line-via",
    "hatnote",
)
# Where the seed chain's lines sit (TRANSCEND's and defenddemocracy.press's own closing line).
SEED_PLACEMENT = "closing-line"
# Forms of a link a reader follows to the original (every one carries the original's address).
LINK_FORMS = ("xtor", "mailchimp", "facebook-shim", "padded-href")
# Forms of a named credit: the name itself, another form of it, the domain, the name linked to an
# archive.today snapshot (whose short address does not show the original's), and the original's
# headline linked to the original (no name, but the link reaches the article).
NAMED_FORMS = ("plain", "alt-name", "domain", "archive-today", "headline")
_TAG = re.compile(r"<[^>]+>")


def _digest(text: str) -> int:
    return int(hashlib.sha1(f"holdout8:{text}".encode()).hexdigest()[:12], 16)


class Site8(Site):
    """A site of this set: one of this set's templates, and its address shapes."""

    def __init__(self, name: str, number: int, skin: str | None = None) -> None:
        super().__init__(name, number, skin or SKINS[number % len(SKINS)])

    def url(self, path: str, when: datetime, number: int = 0) -> str:
        """An article address on this site, in its template's URL shape."""
        n = _digest(f"{path}:{number}")
        words = path.split("-")
        shapes = {
            "forem": f"https://{self.host}/newsdesk/{path}-{n % 0xFFFF:04x}",
            "writefreely": f"https://{self.host}/editors/{path}",
            "spip": f"https://{self.host}/spip.php?article{n % 9000 + 1000}",
            "plone": f"https://{self.host}/news/{path}",
            "movabletype": f"https://{self.host}/{when:%Y/%m}/{'_'.join(words[:6])}.html",
            "telegraph": f"https://{self.host}/{'-'.join(w.capitalize() for w in words[:6])}-{when:%m-%d}",  # fmt: skip
        }
        return shapes.get(self.skin, f"https://{self.host}/{path}/")


def link_variant(url: str, form: str) -> str:
    """The original's address as a copier links it (see ``LINK_FORMS``)."""
    token = hashlib.sha256(url.encode()).hexdigest()
    glue = "&" if "?" in url else "?"
    if form == "xtor":
        return f"{url}#xtor=RSS-{_digest(url) % 900 + 100}"
    if form == "mailchimp":
        return f"{url}{glue}mc_cid={token[:10]}&mc_eid={token[10:20]}"
    if form == "facebook-shim":
        return f"https://l.facebook.com/l.php?u={quote(url, safe='')}&h=AT{token[:40]}"
    if form == "padded-href":
        # A pasted address keeps the line break and spaces around it; browsers strip them.
        return f"\n    {url} "
    return url


def archive_of(url: str) -> str:
    """The archive.today short address of a snapshot of ``url`` (it does not show ``url``)."""
    letters = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    n = _digest(url)
    return "https://archive.ph/" + "".join(letters[(n >> (6 * i)) % len(letters)] for i in range(5))  # fmt: skip


def _phrased(html: str, phrasing: str) -> CreditLine:
    line = CreditLine(html)
    line.phrasing = phrasing
    return line


def credit_line(template: str, target: Site, url: str | None, form: str, title: str) -> tuple[CreditLine, str]:  # fmt: skip
    """A credit line in ``form`` and the form of its link: ``linked`` or ``bare link`` (the link in
    the link form given after a colon, ``"linked:xtor"``), or one of ``NAMED_FORMS``."""
    kind, _, link_form = form.partition(":")
    if kind in ("linked", "bare link"):
        href = link_variant(url, link_form) if url and link_form else url
        line = credit_html(template, target, href, kind, title)
        if url and href and not href.startswith(url):
            # The shim rewrites the link's target and a padded href is stripped by the browser:
            # the reader sees the original's address.
            line = _phrased(line.replace(f">{html_lib.escape(href)}</a>", f">{html_lib.escape(url)}</a>"), line.phrasing)  # fmt: skip
        return line, link_form or "exact"
    name = escape(target.name)
    if kind == "headline" and url:
        line = credit_html(template, target, url, "linked", title)
        shown = line.replace(f">{name}</a>", f">{escape(title)}</a>", 1)
        return _phrased(shown, f"headline: {template}"), kind
    if kind == "archive-today" and url:
        line = credit_html(template, target, None, "plain", title)
        linked = line.replace(name, f'<a href="{archive_of(url)}" rel="nofollow">{name}</a>', 1)
        return _phrased(linked, f"archive-today: {template}"), kind
    return credit_html(template, target, None, kind, title), kind


def _credit_metadata(line: str) -> str:
    """The JSON-LD fields of a credit kept only in the page's metadata: the link's target as
    ``isBasedOn`` (when the line links) and the line's words as ``creditText``."""
    href = re.search(r'href="([^"]*)"', line)
    text = " ".join(html_lib.unescape(_TAG.sub(" ", line)).split())
    fields: dict[str, str] = {"creditText": text}
    if href:
        fields = {"isBasedOn": html_lib.unescape(href.group(1)).strip(), **fields}
    return json.dumps(fields, ensure_ascii=False)[1:-1] + ", "


def place(credit: str | None, placement: str | None, v: dict) -> tuple[str, str, str]:
    """(under the headline, before the body, after the body) HTML of a credit line (nothing for
    a credit kept in the JSON-LD only)."""
    if not credit or placement == "jsonld-isbasedon":
        return "", "", ""
    secret = f"{_digest(credit) % 10**10:010d}"
    return {
        "tfoot-row": (
            "",
            "",
            f'<table class="story-facts"><thead><tr><th scope="col">Story</th><th scope="col">Details</th></tr></thead><tbody><tr><td>Published</td><td>{v["shown"] or "—"}</td></tr><tr><td>Section</td><td>World</td></tr></tbody><tfoot><tr><td colspan="2">{credit}</td></tr></tfoot></table>',
        ),  # fmt: skip
        "split-label": (
            "",
            "",
            f'<div class="field field--name-field-source field--type-string field--label-inline"><div class="field__label">Source</div><div class="field__item">{credit}</div></div>',
        ),  # fmt: skip
        "pullquote-footer": (
            "",
            f'<figure class="pull-quote"><blockquote class="blockquote"><p>{v["t"]}</p></blockquote><figcaption class="blockquote-footer">{credit}</figcaption></figure>',
            "",
        ),  # fmt: skip
        "embed-card": (
            "",
            "",
            f'<figure class="wp-block-embed is-type-wp-embed"><div class="wp-block-embed__wrapper"><blockquote class="wp-embedded-content" data-secret="{secret}"><p>{credit}</p></blockquote></div></figure>',
        ),  # fmt: skip
        "meta-line-via": (
            f'<div class="entry-meta"><span class="posted-on">{v["shown"] or "Recently"}</span> <span class="sep">·</span> <span class="via">{credit}</span></div>',
            "",
            "",
        ),  # fmt: skip
        "hatnote": (
            "",
            f'<div role="note" class="hatnote navigation-not-searchable">{credit}</div>',
            "",
        ),  # fmt: skip
        SEED_PLACEMENT: ("", "", f'<p class="closing-line">{credit}</p>'),
    }[placement or SEED_PLACEMENT]


def render(site: Site, url: str, title: str, paragraphs: list[str], published: datetime | None,
           related: list[str], shape: Shape) -> str:  # fmt: skip
    """A whole page of ``site`` in its template, carrying ``paragraphs`` as its article."""
    v = {
        "site": site,
        "url": html_lib.escape(url),
        "t": escape(title),
        "n": escape(site.name),
        "shown": _dates(site, published)[2],
        "year": (published or datetime(2026, 1, 1)).year,
        "related": "".join(
            f'<li><a href="https://{site.host}/stories/{i}/">{escape(r)}</a></li>'
            for i, r in enumerate(related)
        ),
        "notes": "".join(
            f'<p class="legal-notice">{escape(p)}</p>' for p in shape.disclaimer or []
        ),  # fmt: skip
    }
    under, before, after = place(shape.line, shape.placement, v)
    v.update(under=under, body=before + body_html(paragraphs, shape.mode) + after)
    head = _head(site, url, title, published, shape)
    if shape.line and shape.placement == "jsonld-isbasedon":
        marker = '"@context": "https://schema.org", '
        head = head.replace(marker, marker + _credit_metadata(shape.line), 1)
    page = _TEMPLATES[site.skin](v)
    lang = "fr" if site.skin == "spip" else "en"
    return f'<!DOCTYPE html>\n<html lang="{lang}"><head>\n{head}\n</head><body>\n{page}\n</body></html>'  # fmt: skip


def _forem(v: dict) -> str:
    return (
        f'<header class="crayons-header"><a href="/" class="site-logo" aria-label="{v["n"]} Home">{v["n"]}</a><div class="crayons-header--search"><form action="/search"><input class="crayons-header--search-input" name="q" placeholder="Search..."></form></div><a class="crayons-btn" href="/enter">Log in</a></header>'
        f'<main id="main-content"><div class="crayons-layout"><article class="crayons-card crayons-article" id="article-show-container"><header class="crayons-article__header"><div class="crayons-article__subheader"><a class="crayons-link fw-bold" href="/newsdesk">Newsdesk</a> Posted on {v["shown"] or "a date not shown"}</div>'
        f'<h1 class="fs-3xl">{v["t"]}</h1>{v["under"]}<div class="spec__tags"><a class="crayons-tag" href="/t/news">#news</a><a class="crayons-tag" href="/t/world">#world</a></div></header>'
        f'<div class="crayons-article__main"><div class="crayons-article__body text-styles spec__body" id="article-body">{v["body"]}</div></div>'
        '<section id="comments" class="crayons-card"><h2 class="crayons-subtitle-1">Top comments (0)</h2></section></article>'
        f'<aside class="crayons-layout__sidebar-right"><div class="crayons-card"><h3>More from {v["n"]}</h3><ul>{v["related"]}</ul></div>{v["notes"]}</aside></div></main>'
        f'<footer id="footer" class="crayons-footer"><p>{v["n"]} — A constructive and inclusive community. Built on <a href="https://www.forem.com">Forem</a>.</p><p>© {v["year"]}</p></footer>'
    )  # fmt: skip


def _writefreely(v: dict) -> str:
    return (
        f'<header><h1 dir="auto" id="blog-title"><a rel="author" href="/editors/" class="h-card p-author">{v["n"]}</a></h1><nav><a href="/editors/feed/">Subscribe</a></nav></header>'
        f'<article id="post-body" class="norm h-entry"><h2 id="title" class="p-name">{v["t"]}</h2>{v["under"]}<time class="dt-published">{v["shown"]}</time>'
        f'<div class="e-content">{v["body"]}</div></article>'
        f'<section id="other-posts"><h3>Other posts</h3><ul>{v["related"]}</ul></section>{v["notes"]}'
        '<footer dir="ltr"><nav><a class="home pubd" href="/">Home</a> · <a href="https://writefreely.org">powered by writefreely</a></nav></footer>'
    )  # fmt: skip


def _spip(v: dict) -> str:
    return (
        f'<div class="page"><div class="header" id="header"><a rel="start home" href="https://{v["site"].host}/" title="Accueil">{v["n"]}</a><p id="slogan">Informations et analyses</p></div>'
        '<div class="nav" id="nav"><ul class="menu-liste"><li class="menu-entree"><a href="spip.php?rubrique1">Actualités</a></li><li class="menu-entree"><a href="spip.php?rubrique2">Monde</a></li></ul></div>'
        f'<div class="main"><div class="wrapper"><div class="content" id="content"><p class="arbo"><a href="/">Accueil</a> &gt; <a href="spip.php?rubrique2">Monde</a></p>'
        f'<div class="cartouche"><h1 class="titre">{v["t"]}</h1>{v["under"]}<p class="info-publi"><abbr class="published">{v["shown"]}</abbr></p></div>'
        f'<div class="texte">{v["body"]}</div>{v["notes"]}</div></div>'
        f'<div class="aside"><h2>Dans la même rubrique</h2><ul class="liste-items">{v["related"]}</ul></div></div>'
        f'<div class="footer" id="footer"><p class="colophon">{v["year"]} © {v["n"]} - Tous droits réservés</p><p class="generator"><a href="https://www.spip.net/" rel="generator">SPIP</a></p></div></div>'
    )  # fmt: skip


def _plone(v: dict) -> str:
    return (
        f'<div id="portal-top"><header id="portal-header"><a id="portal-logo" title="{v["n"]}" href="https://{v["site"].host}">{v["n"]}</a><div id="portal-searchbox"><form action="/@@search"><input name="SearchableText" placeholder="Search Site"></form></div></header>'
        '<nav class="plone-navbar" id="portal-globalnav-wrapper"><ul id="portal-globalnav"><li class="index_html"><a href="/">Home</a></li><li class="news"><a href="/news">News</a></li><li class="events"><a href="/events">Events</a></li></ul></nav></div>'
        f'<div id="portal-columns" class="container"><div id="portal-column-content"><article id="content"><header><h1 class="documentFirstHeading">{v["t"]}</h1>{v["under"]}</header>'
        f'<div class="documentByLine" id="plone-document-byline"><span class="documentPublished"><span>published</span> {v["shown"]}</span></div>'
        f'<div id="content-core"><div id="parent-fieldname-text">{v["body"]}</div></div></article></div>'
        f'<aside id="portal-column-two"><div class="portletWrapper"><section class="portlet portletNews"><header class="portletHeader">News</header><ul>{v["related"]}</ul></section></div>{v["notes"]}</aside></div>'
        f'<footer id="portal-footer-wrapper"><div class="colophon">© {v["year"]} {v["n"]} · Powered by <a href="https://plone.org">Plone</a> &amp; Python</div></footer>'
    )  # fmt: skip


def _movabletype(v: dict) -> str:
    return (
        f'<div id="container"><div id="container-inner"><div id="header"><div id="header-inner"><div id="header-content"><h1 id="header-name"><a href="https://{v["site"].host}/" accesskey="1">{v["n"]}</a></h1></div></div></div>'
        f'<div id="content"><div id="content-inner"><div id="alpha"><div id="alpha-inner"><div class="entry-asset asset hentry"><div class="asset-header"><h1 class="asset-name entry-title">{v["t"]}</h1>{v["under"]}'
        f'<div class="asset-meta"><span class="byline">By <span class="vcard author">The Editors</span> on <abbr class="published">{v["shown"]}</abbr></span></div></div>'
        f'<div class="asset-content entry-content"><div class="asset-body">{v["body"]}</div></div>'
        '<div class="asset-footer"><span class="post-footers">Categories: <a href="/world/">World</a></span> | <a href="#comments">Comments (0)</a></div></div></div></div>'
        f'<div id="beta"><div id="beta-inner"><div class="widget-recent-entries widget"><h3 class="widget-header">Recent Entries</h3><div class="widget-content"><ul>{v["related"]}</ul></div></div>{v["notes"]}</div></div></div></div>'
        f'<div id="footer"><div id="footer-inner"><div id="footer-content"><p>© {v["year"]} {v["n"]}. Powered by <a href="https://www.movabletype.org">Movable Type</a></p></div></div></div></div></div>'
    )  # fmt: skip


def _telegraph(v: dict) -> str:
    return (
        f'<div class="tl_page_wrap"><div class="tl_page"><main class="tl_article"><header class="tl_article_header" dir="auto"><h1>{v["t"]}</h1>{v["under"]}'
        f'<address><a rel="author" href="https://{v["site"].host}/">{v["n"]}</a><time>{v["shown"]}</time></address></header>'
        f'<article id="_tl_editor" class="tl_article_content"><div class="ql-editor">{v["body"]}</div></article>'
        f'<aside class="tl_article_more"><h4>More</h4><ul>{v["related"]}</ul>{v["notes"]}</aside>'
        '<div id="_tl_link_tooltip" class="tl_link_tooltip"></div><div class="tl_article_buttons"><a href="#report" class="button report_button">Report content on this page</a></div></main></div></div>'
    )  # fmt: skip


_TEMPLATES = {
    "forem": _forem,
    "writefreely": _writefreely,
    "spip": _spip,
    "plone": _plone,
    "movabletype": _movabletype,
    "telegraph": _telegraph,
}
