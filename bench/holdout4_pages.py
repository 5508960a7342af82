"""Page shapes of the fourth held-out judgement set (``bench/scenario_holdout4.py``).

Six page skins no earlier set writes (a WordPress theme with Jetpack's ``sharedaddy`` and related
posts blocks, a Drupal node with a ``field--name-field-source`` field, an AMP page, a Mailchimp-like
newsletter archive, a phpBB-like forum repost, a Medium-like post), the places real sites put a
credit line (a ``Source`` ``<dl>``, a table cell, a byline "By … | partner", a footnote list, an
italic note after ``<hr>``, a bold lead, a Drupal source field, under the share buttons, a
blockquote header) and the forms a credit link takes (exact, protocol-relative, with ``utm_``
parameters and a ``#fragment``, the original's AMP or mobile address, a shortener, a relative link,
an ``<a>`` without ``href``, a Unicode or IDN address).

Nothing here reads tracker; the builder decides every label.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from datetime import datetime

SKINS = ("wp-jetpack", "drupal-source", "amp", "newsletter", "forum", "medium")
PLACEMENTS = (
    "dl-source",
    "table-caption",
    "byline-partner",
    "footnotes",
    "hr-em",
    "strong-lead",
    "source-field",
    "after-share",
    "blockquote-header",
)
# Forms of a link that names or reaches the original's own address.
LINK_FORMS = ("exact", "protocol-relative", "utm-fragment", "amp", "mobile")
# Forms of a named credit whose link does not reach the original (the name is the credit).
NAMED_ONLY_FORMS = ("plain", "alt-name", "domain", "shortener", "relative", "no-href")
_LINK = re.compile(r"\[\[(.+?)\]\]")


def escape(text: str) -> str:
    """Text as HTML character data."""
    return html_lib.escape(text, quote=False)


class Site:
    """A synthetic site of this set: its skin, date markup and name markup."""

    def __init__(self, name: str, number: int, skin: str | None = None) -> None:
        self.name = name
        self.host = name.lower().replace(" ", "") + ".example"
        self.skin = skin or SKINS[number % len(SKINS)]
        self.dates = ("meta", "jsonld", "time", "itemprop", "visible")[number % 5]
        self.naming = ("og", "jsonld", "both")[number % 3]

    @property
    def alt_name(self) -> str:
        """Another form of the site's name, as a copier might write it ("The …", "… Online")."""
        first = self.name.split(" ")[0]
        return f"The {self.name}" if len(first) % 2 else f"{self.name} Online"

    def url(self, path: str, when: datetime, number: int = 0) -> str:
        """An article address on this site, in the skin's URL shape."""
        if self.skin == "forum":
            topic = int(hashlib.sha1(f"{path}:{number}".encode()).hexdigest()[:6], 16) % 900000
            return f"https://{self.host}/viewtopic.php?f=7&t={topic + 100000}"
        if self.skin == "newsletter":
            return f"https://{self.host}/archive/{when:%Y-%m-%d}-{path}.html"
        if self.skin == "amp":
            return f"https://{self.host}/amp/{when:%Y/%m}/{path}"
        if self.skin == "medium":
            digest = hashlib.sha1(path.encode()).hexdigest()[:12]
            return f"https://{self.host}/@newsdesk/{path}-{digest}"
        if self.skin == "drupal-source":
            return f"https://{self.host}/news/{when:%Y/%m/%d}/{path}"
        return f"https://{self.host}/{when:%Y/%m/%d}/{path}/"


def link_variant(url: str, form: str) -> str:
    """The original's address as a copier links it (see ``LINK_FORMS``)."""
    scheme, rest = url.split("://", 1)
    if form == "protocol-relative":
        return "//" + rest
    if form == "utm-fragment":
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}utm_source=rss&utm_medium=rss&utm_campaign=partner-feed#article-body"
    if form == "amp":
        if "?" in url:
            return url + "&amp=1"
        return url + "amp/" if url.endswith("/") else url + "/amp"
    if form == "mobile":
        return f"{scheme}://m.{rest}"
    return url


def unresolvable(url: str, form: str) -> str | None:
    """A link that does not reach the original: a shortener or the copier's own relative path."""
    token = hashlib.sha1(url.encode()).hexdigest()[:7]
    if form == "shortener":
        return f"https://lnkd.example/{token}"
    if form == "relative":
        return f"/go/{token}"
    return None


class CreditLine(str):
    """A credit (inner HTML) with the phrasing it was written from."""

    phrasing: str = ""


def credit_html(template: str, target: Site, url: str | None, form: str, title: str) -> CreditLine:
    """A credit line's inner HTML from a template of ``bench/phrasings_holdout4.yml``.

    ``form`` is ``linked`` (the name links to ``url``), ``bare link`` (a template without
    ``{site}``: its address or words link), or one of ``NAMED_ONLY_FORMS`` (``url`` is then the
    shortener or relative link, if any, wrapped around the name).
    """
    href = html_lib.escape(url or "")
    esc = escape(template.replace("{title}", title)).replace("{domain}", escape(target.host))
    esc = _LINK.sub(
        lambda m: (
            f'<a href="{href}">{m.group(1)}</a>' if form == "bare link" and url else m.group(1)
        ),
        esc,
    )
    shown = {"domain": target.host, "alt-name": target.alt_name}.get(form, target.name)
    if form in ("linked", "shortener", "relative") and url:
        site = f'<a href="{href}">{escape(shown)}</a>'
    elif form == "no-href":
        site = f'<a class="source-name" title="{html_lib.escape(shown)}">{escape(shown)}</a>'
    else:
        site = escape(shown)
    written = f'<a href="{href}">{href}</a>' if url else ""
    line = CreditLine(esc.replace("{site}", site).replace("{url}", written))
    line.phrasing = f"{form}: {template}"
    return line


def place(credit: str | None, placement: str | None) -> tuple[str, str, str]:
    """(before the body, at the body's end, after the body) HTML of a credit line."""
    if not credit:
        return "", "", ""
    return {
        "last-paragraph": ("", f"<p>{credit}</p>", ""),
        "dl-source": ("", "", f'<dl class="article-source"><dt>Source</dt><dd>{credit}</dd></dl>'),
        "table-caption": (
            "",
            "",
            f'<table class="story-credit"><tr><td class="caption"><small>{credit}</small></td></tr></table>',
        ),  # fmt: skip
        "byline-partner": (f'<p class="byline">By Staff Writer | {credit}</p>', "", ""),
        "footnotes": (
            "",
            "",
            f'<ol class="footnotes"><li id="fn1">{credit} <a href="#fnref1">↩</a></li></ol>',
        ),  # fmt: skip
        "hr-em": ("", f"<hr><p><em>{credit}</em></p>", ""),
        "strong-lead": (f"<p><strong>{credit}</strong></p>", "", ""),
        "source-field": (
            "",
            "",
            f'<div class="field field--name-field-source field--type-string field--label-inline"><div class="field__label">Source</div><div class="field__item">{credit}</div></div>',
        ),  # fmt: skip
        "after-share": ("", "", f'<p class="syndication-note">{credit}</p>'),
        "blockquote-header": (
            f'<blockquote class="republished"><header><p>{credit}</p></header></blockquote>',
            "",
            "",
        ),  # fmt: skip
    }[placement or "dl-source"]


def _dates(site: Site, published: datetime | None) -> tuple[str, str, str]:
    """(head markup, JSON-LD date field, visible date) of a page of ``site``."""
    if published is None:
        return "", "", ""
    stamp = published.isoformat()
    shown = f"{published:%B %d, %Y}"
    if site.dates == "meta":
        return f'<meta property="article:published_time" content="{stamp}">', "", shown
    if site.dates == "jsonld":
        return "", f', "datePublished": "{stamp}"', shown
    if site.dates == "time":
        return "", "", f'<time class="published" datetime="{stamp}">{shown}</time>'
    if site.dates == "itemprop":
        return f'<meta itemprop="datePublished" content="{stamp}">', "", shown
    return "", "", f"Posted {shown}"


def body_html(paragraphs: list[str], mode: str = "p", footnote: bool = False) -> str:
    """The article's paragraphs as ``<p>`` elements, or as one block with ``<br><br>`` between
    them (``mode="br"``, how forum posts and some CMS exports keep paragraphs)."""
    parts = [p if p.startswith("<") else escape(p) for p in paragraphs]
    if footnote and parts:
        parts[-1] += '<sup id="fnref1"><a href="#fn1">1</a></sup>'
    if mode == "br":
        return '<div class="postcontent">' + "<br><br>\n".join(parts) + "</div>"
    return "\n".join(f"<p>{p}</p>" for p in parts)


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
    disclaimer: list[str] | None = None,
    charset_meta: bool = True,
    mode: str = "p",
) -> str:
    """A whole page of ``site`` in its skin, carrying ``paragraphs`` as its article."""
    t, n = escape(title), html_lib.escape(site.name)
    head_date, ld_date, shown = _dates(site, published)
    og = name_in_page and site.naming in ("og", "both")
    publisher = (
        f', "publisher": {{"@type": "Organization", "name": {json.dumps(site.name)}}}'
        if name_in_page and site.naming in ("jsonld", "both")
        else ""
    )
    kind = "DiscussionForumPosting" if site.skin == "forum" else "NewsArticle"
    ld = f'<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "{kind}", "headline": {json.dumps(title)}{ld_date}{publisher}}}</script>'  # fmt: skip
    amp = site.skin == "amp"
    head = "\n".join(
        x
        for x in (
            '<meta charset="utf-8">' if charset_meta else "",
            '<script async src="https://cdn.ampproject.org/v0.js"></script>' if amp else "",
            "<style amp-boilerplate>body{visibility:hidden}</style>" if amp else "",
            f"<title>{t}{' – ' + n if name_in_page else ''}</title>",
            f'<link rel="canonical" href="{html_lib.escape(canonical or url)}">',
            f'<meta property="og:site_name" content="{n}">' if og else "",
            f'<meta property="og:title" content="{html_lib.escape(title)}">',
            head_date,
            ld,
        )
        if x
    )
    before, end, after = place(credit, placement)
    body = before + body_html(paragraphs, mode, placement == "footnotes" and bool(credit)) + end
    notes = "".join(f'<p class="site-notice">{escape(p)}</p>' for p in disclaimer or [])
    related_html = "".join(f'<li><a href="https://{site.host}/related/{i}/">{escape(r)}</a></li>' for i, r in enumerate(related))  # fmt: skip
    share = (
        '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social">'
        '<h3 class="sd-title">Share this:</h3><ul>'
        f'<li class="share-twitter"><a href="https://twitter.com/intent/tweet?url={html_lib.escape(url)}">Twitter</a></li>'
        f'<li class="share-facebook"><a href="https://www.facebook.com/sharer.php?u={html_lib.escape(url)}">Facebook</a></li>'
        '<li class="share-email"><a href="#">Email</a></li></ul></div></div>'
    )  # fmt: skip
    home = f'<a href="https://{site.host}/" rel="home">{n}</a>'
    year = (published or datetime(2025, 1, 1)).year
    page = _SKIN[site.skin](locals())
    html_tag = '<html amp lang="en">' if amp else '<html lang="en">'
    return f"<!DOCTYPE html>\n{html_tag}<head>\n{head}\n</head><body>\n{page}\n</body></html>"


def _wp(v: dict) -> str:
    return (
        f'<div id="page" class="site"><header id="masthead" class="site-header"><p class="site-title">{v["home"]}</p>'
        '<nav id="site-navigation" class="main-navigation"><ul><li><a href="/news/">News</a></li><li><a href="/opinion/">Opinion</a></li><li><a href="/about/">About</a></li></ul></nav></header>'
        f'<div id="content" class="site-content"><main id="main"><article class="post type-post status-publish hentry"><header class="entry-header"><h1 class="entry-title">{v["t"]}</h1>'
        f'<div class="entry-meta"><span class="posted-on">{v["shown"]}</span></div></header>'
        f'<div class="entry-content">{v["body"]}{v["share"]}{v["after"]}'
        f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3><ul>{v["related_html"]}</ul></div></div>'
        '<footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/world/">World</a></span> <span class="tags-links">Tagged <a href="/tag/news/">news</a></span></footer>'
        f'</article>{v["notes"]}</main></div><footer id="colophon"><div class="site-info">Proudly powered by WordPress | Theme: Newsup</div></footer></div>'
    )  # fmt: skip


def _drupal(v: dict) -> str:
    return (
        f'<div class="layout-container"><header role="banner"><div class="site-branding">{v["home"]}</div>'
        '<nav role="navigation" aria-label="Main"><ul class="menu"><li class="menu-item"><a href="/news">News</a></li><li class="menu-item"><a href="/features">Features</a></li></ul></nav></header>'
        f'<main role="main"><div class="region region-content"><article role="article" class="node node--type-article node--view-mode-full"><h1 class="page-title"><span class="field field--name-title">{v["t"]}</span></h1>'
        f'<div class="node__meta"><span class="field field--name-created">{v["shown"]}</span></div><div class="node__content">'
        f'<div class="clearfix text-formatted field field--name-body field--type-text-with-summary field--label-hidden field__item">{v["body"]}</div>{v["after"]}'
        '<div class="field field--name-field-tags field--type-entity-reference field--label-above"><div class="field__label">Tags</div><div class="field__items"><div class="field__item"><a href="/taxonomy/term/12">World</a></div></div></div>'
        f'</div></article>{v["notes"]}</div><aside class="region region-sidebar"><div class="block block-views"><h2>Most read</h2><ul>{v["related_html"]}</ul></div></aside></main>'
        f'<footer role="contentinfo"><p>© {v["year"]} {v["n"]}</p></footer></div>'
    )  # fmt: skip


def _amp(v: dict) -> str:
    return (
        f'<header class="amp-header"><amp-img src="/logo.png" width="120" height="32" alt="{v["n"]}"></amp-img>{v["home"]}</header>'
        f'<article class="amp-article"><h1 class="amp-title">{v["t"]}</h1><div class="amp-meta">{v["shown"]}</div>'
        f'<div class="amp-content">{v["body"]}</div>{v["after"]}</article>'
        f'<amp-social-share type="twitter"></amp-social-share><amp-social-share type="facebook"></amp-social-share>'
        f'<section class="amp-related"><h2>More stories</h2><ul>{v["related_html"]}</ul></section>{v["notes"]}'
        f'<footer class="amp-footer"><a href="{html_lib.escape(v["url"].replace("/amp/", "/", 1))}">View the full site</a> · © {v["year"]} {v["n"]}</footer>'
    )  # fmt: skip


def _newsletter(v: dict) -> str:
    return (
        '<center><table id="bodyTable" width="100%" cellpadding="0" cellspacing="0"><tr><td id="bodyCell" align="center" valign="top">'
        '<table class="templateContainer" width="600"><tr><td id="templatePreheader" class="mcnTextContent">'
        f'<a href="{html_lib.escape(v["url"])}" target="_blank">View this email in your browser</a></td></tr>'
        f'<tr><td id="templateHeader"><h1>{v["n"]}</h1><p>{v["shown"]}</p></td></tr>'
        f'<tr><td id="templateBody" class="mcnTextContent" valign="top"><h2>{v["t"]}</h2>{v["body"]}{v["after"]}</td></tr>'
        f'<tr><td class="mcnTextContent"><h3>Also in this issue</h3><ul>{v["related_html"]}</ul>{v["notes"]}</td></tr>'
        f'<tr><td id="templateFooter" class="mcnTextContent"><em>Copyright © {v["year"]} {v["n"]}, All rights reserved.</em><br>You are receiving this email because you opted in via our website.<br>'
        '<a href="#">unsubscribe from this list</a> · <a href="#">update subscription preferences</a></td></tr></table></td></tr></table></center>'
    )  # fmt: skip


def _forum(v: dict) -> str:
    return (
        f'<div id="wrap"><div class="headerbar"><h1>{v["home"]}</h1><p>Discussion board</p></div>'
        '<div class="navbar"><ul class="breadcrumbs"><li><a href="./index.php">Board index</a></li><li><a href="./viewforum.php?f=7">News &amp; Current Affairs</a></li></ul></div>'
        f'<h2 class="topic-title">{v["t"]}</h2><div class="post bg2"><div class="postbody"><p class="author">by <strong>newsbot</strong> » {v["shown"]}</p>'
        f'<div class="content">{v["body"]}</div>{v["after"]}<div class="signature">Posting news so you do not have to.</div></div>'
        '<dl class="postprofile"><dt>newsbot</dt><dd>Posts: 18211</dd></dl></div>'
        '<div class="post bg1"><div class="postbody"><p class="author">by <strong>riverwatch</strong></p><div class="content">Thanks for sharing, interesting read.</div></div></div>'
        f'{v["notes"]}<div class="stat-block"><h3>Similar topics</h3><ul>{v["related_html"]}</ul></div>'
        '<div class="copyright">Powered by phpBB® Forum Software © phpBB Limited</div></div>'
    )  # fmt: skip


def _medium(v: dict) -> str:
    return (
        f'<div class="metabar"><a class="logo" href="https://{v["site"].host}/">{v["n"]}</a><a href="#">Sign in</a><a href="#">Get started</a></div>'
        f'<article class="meteredContent"><section data-field="body" class="section section--body"><div class="section-content"><div class="section-inner">'
        f'<h1 class="graf graf--h3 graf--title">{v["t"]}</h1><div class="postMetaInline">Newsdesk · {v["shown"]} · 6 min read</div>'
        f'<div class="graf-body">{v["body"]}</div>{v["after"]}</div></div></section></article>'
        '<div class="js-postActionsFooter"><button>👏 214</button><button>Follow</button></div>'
        f'<footer class="u-marginTop30"><h3>More from {v["n"]}</h3><ul>{v["related_html"]}</ul>{v["notes"]}</footer>'
    )  # fmt: skip


_SKIN = {
    "wp-jetpack": _wp,
    "drupal-source": _drupal,
    "amp": _amp,
    "newsletter": _newsletter,
    "forum": _forum,
    "medium": _medium,
}


def header_only_bytes(html: str, codec: str) -> bytes:
    """The page as bytes in ``codec`` with every in-document charset declaration removed
    (characters the charset lacks become numeric references, as a CMS writes them)."""
    html = re.sub(r"<meta[^>]+charset[^>]*>", "", html, flags=re.I)
    return html.encode(codec, errors="xmlcharrefreplace")
