"""Page shapes of the fifth held-out judgement set (``bench/scenario_holdout5.py``).

Six page skins no earlier set writes (a Hugo PaperMod post, a Substack-like post, a news
aggregator card page, a Joomla article, a Tumblr-like reblog, a feed-reader entry page), the places real sites put a credit
line and no earlier set used (a kicker above the headline, a ``<small>`` after the byline, an
editor's note in an ``<aside>`` at the top, an "About this article" sidebar box, a ``<details>``
"Article info" element, a ``<cite>`` in a blockquote, a metadata list of tags and source, a line
just before the comments) and the forms a credit link takes (a redirect wrapper carrying the
original's address in a query parameter, an upper-case host, a trailing ``index.html``, an added
session parameter; a name linked to ``javascript:`` or to the copier's own source tag page does not
reach the original).

Nothing here reads tracker; the builder decides every label.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from datetime import datetime
from urllib.parse import quote

SKINS = ("hugo", "substack", "aggregator", "joomla", "tumblr", "feed-reader")
PLACEMENTS = (
    "kicker",
    "small-byline",
    "aside-note",
    "about-box",
    "details-info",
    "blockquote-cite",
    "meta-list",
    "before-comments",
)
# Forms of a link that reaches the original's own page (a reader who follows it lands there).
LINK_FORMS = ("redirect", "upper-host", "index-html", "session")
# Forms of a named credit whose link does not reach the original (the name is the credit).
NAMED_ONLY_FORMS = ("plain", "alt-name", "domain", "javascript", "source-tag")
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
        digest = int(hashlib.sha1(f"{path}:{number}".encode()).hexdigest()[:8], 16)
        if self.skin == "substack":
            return f"https://{self.host}/p/{path}"
        if self.skin == "aggregator":
            return f"https://{self.host}/story/{when:%Y%m%d}/{digest:x}/{path}"
        if self.skin == "joomla":
            return f"https://{self.host}/news/world/{digest % 90000 + 10000}-{path}"
        if self.skin == "tumblr":
            return f"https://{self.host}/post/{digest * 97 + 600000000000}/{path}"
        if self.skin == "feed-reader":
            return f"https://{self.host}/reader/entry/{digest:x}"
        return f"https://{self.host}/posts/{path}/"


def link_variant(url: str, form: str) -> str:
    """The original's address as a copier links it (see ``LINK_FORMS``)."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    if form == "redirect":
        # What a paste from an office document or a mail client leaves behind.
        return f"https://www.google.com/url?q={quote(url, safe='')}&sa=D&source=editors"
    if form == "upper-host":
        return f"{scheme}://{host.upper()}/{path}"
    if form == "index-html" and url.endswith("/"):
        return url + "index.html"
    if form == "session":
        token = hashlib.sha1(url.encode()).hexdigest()[:26]
        return f"{url}{'&' if '?' in url else '?'}PHPSESSID={token}"
    return url


def unresolvable(url: str, form: str, copier_host: str = "") -> str | None:
    """A link that does not reach the original: ``javascript:`` or the copier's own tag page."""
    token = hashlib.sha1(url.encode()).hexdigest()[:7]
    if form == "javascript":
        return "javascript:void(0)"
    if form == "source-tag":
        return (
            f"https://{copier_host}/tag/source-{token}/" if copier_host else f"/tag/source-{token}/"
        )
    return None


class CreditLine(str):
    """A credit (inner HTML) with the phrasing it was written from."""

    phrasing: str = ""


def credit_html(template: str, target: Site, url: str | None, form: str, title: str) -> CreditLine:
    """A credit line's inner HTML from a template of ``bench/phrasings_holdout5.yml``.

    ``form`` is ``linked`` (the name links to ``url``), ``bare link`` (a template without
    ``{site}``: its address or words link), or one of ``NAMED_ONLY_FORMS`` (``url`` is then the
    ``javascript:`` or tag-page link, if any, wrapped around the name).
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
    if form in ("linked", "javascript", "source-tag") and url:
        site = f'<a href="{href}">{escape(shown)}</a>'
    else:
        site = escape(shown)
    written = f'<a href="{href}">{href}</a>' if url else ""
    line = CreditLine(esc.replace("{site}", site).replace("{url}", written))
    line.phrasing = f"{form}: {template}"
    return line


def place(credit: str | None, placement: str | None) -> tuple[str, str, str, str]:
    """(above the headline, before the body, at the body's end, after the body) HTML of a credit
    line."""
    if not credit:
        return "", "", "", ""
    return {
        "last-paragraph": ("", "", f"<p>{credit}</p>", ""),
        "kicker": (f'<p class="kicker">{credit}</p>', "", "", ""),
        "small-byline": (
            "",
            f'<p class="byline"><span class="author">Staff report</span> <small>{credit}</small></p>',
            "",
            "",
        ),  # fmt: skip
        "aside-note": (
            "",
            f'<aside class="editors-note" role="note"><p>{credit}</p></aside>',
            "",
            "",
        ),  # fmt: skip
        "about-box": (
            "",
            "",
            "",
            f'<aside class="widget about-this-article"><h4 class="widget-title">About this article</h4><p>{credit}</p></aside>',
        ),  # fmt: skip
        "details-info": (
            "",
            "",
            "",
            f'<details class="article-info"><summary>Article info</summary><p>{credit}</p></details>',
        ),  # fmt: skip
        "blockquote-cite": (
            "",
            "",
            f'<blockquote class="source-quote"><cite>{credit}</cite></blockquote>',
            "",
        ),  # fmt: skip
        "meta-list": (
            "",
            "",
            "",
            f'<ul class="post-meta"><li class="meta-tags">Tags: <a href="/tag/world/">world</a>, <a href="/tag/politics/">politics</a></li><li class="meta-source">{credit}</li></ul>',
        ),  # fmt: skip
        "before-comments": ("", "", "", f'<p class="credit-line">{credit}</p>'),
    }[placement or "about-box"]


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


def body_html(paragraphs: list[str], mode: str = "p") -> str:
    """The article's paragraphs as ``<p>`` elements, or as one block with ``<br><br>`` between
    them (``mode="br"``, how Blogger's compose mode and some CMS exports keep paragraphs), or as
    ``<div>`` lines (``mode="div"``, what a pasted rich-text editor leaves)."""
    parts = [p if p.startswith("<") else escape(p) for p in paragraphs]
    if mode == "br":
        return '<div class="postcontent">' + "<br><br>\n".join(parts) + "</div>"
    if mode == "div":
        return "\n".join(f'<div dir="ltr">{p}</div><div><br></div>' for p in parts)
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
    kind = "SocialMediaPosting" if site.skin == "tumblr" else "NewsArticle"
    ld = f'<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "{kind}", "headline": {json.dumps(title)}{ld_date}{publisher}}}</script>'  # fmt: skip
    head = "\n".join(
        x
        for x in (
            '<meta charset="utf-8">' if charset_meta else "",
            f"<title>{t}{' – ' + n if name_in_page else ''}</title>",
            f'<link rel="canonical" href="{html_lib.escape(canonical or url)}">',
            f'<meta property="og:site_name" content="{n}">' if og else "",
            f'<meta property="og:title" content="{html_lib.escape(title)}">',
            head_date,
            ld,
        )
        if x
    )
    above, before, end, after = place(credit, placement)
    body = before + body_html(paragraphs, mode) + end
    notes = "".join(f'<p class="reprint-notice">{escape(p)}</p>' for p in disclaimer or [])
    related_html = "".join(f'<li><a href="https://{site.host}/related/{i}/">{escape(r)}</a></li>' for i, r in enumerate(related))  # fmt: skip
    share = (
        '<div class="share-buttons"><span>Share</span>'
        f'<a href="https://bsky.app/intent/compose?text={html_lib.escape(url)}">Bluesky</a>'
        f'<a href="https://www.linkedin.com/sharing/share-offsite/?url={html_lib.escape(url)}">LinkedIn</a></div>'
    )  # fmt: skip
    home = f'<a href="https://{site.host}/" rel="home">{n}</a>'
    year = (published or datetime(2025, 1, 1)).year
    page = _SKIN[site.skin](locals())
    return f'<!DOCTYPE html>\n<html lang="en"><head>\n{head}\n</head><body>\n{page}\n</body></html>'


def _hugo(v: dict) -> str:
    return (
        f'<header class="header"><nav class="nav"><div class="logo"><a href="https://{v["site"].host}/" accesskey="h" title="{v["n"]} (Alt + H)">{v["n"]}</a>'
        '<div class="logo-switches"><button id="theme-toggle" accesskey="t" title="(Alt + T)">Toggle theme</button></div></div>'
        '<ul id="menu"><li><a href="/archives/" title="Archive"><span>Archive</span></a></li><li><a href="/tags/" title="Tags"><span>Tags</span></a></li><li><a href="/search/" title="Search (Alt + /)" accesskey="/"><span>Search</span></a></li></ul></nav></header>'
        f'<main class="main"><article class="post-single"><header class="post-header"><div class="breadcrumbs"><a href="/">Home</a>&nbsp;»&nbsp;<a href="/posts/">Posts</a></div>{v["above"]}'
        f'<h1 class="post-title entry-hint-parent">{v["t"]}</h1><div class="post-meta"><span>{v["shown"]}</span>&nbsp;·&nbsp;5 min&nbsp;·&nbsp;Newsdesk</div></header>'
        f'<div class="post-content">{v["body"]}</div>{v["after"]}'
        '<footer class="post-footer"><ul class="post-tags"><li><a href="/tags/world/">World</a></li><li><a href="/tags/politics/">Politics</a></li></ul>'
        f'<nav class="paginav"><a class="prev" href="/posts/previous/"><span class="title">« Prev</span></a><a class="next" href="/posts/next/"><span class="title">Next »</span></a></nav>{v["share"]}</footer></article>'
        f'<section class="related"><h2>See also</h2><ul>{v["related_html"]}</ul></section>{v["notes"]}</main>'
        f'<footer class="footer"><span>© {v["year"]} <a href="https://{v["site"].host}/">{v["n"]}</a></span> · <span>Powered by <a href="https://gohugo.io/" rel="noopener noreferrer" target="_blank">Hugo</a> &amp; <a href="https://github.com/adityatelange/hugo-PaperMod/" rel="noopener" target="_blank">PaperMod</a></span></footer>'
    )  # fmt: skip


def _substack(v: dict) -> str:
    return (
        f'<div id="main"><div class="main-menu"><div class="topbar"><a class="navbar-title-link" href="https://{v["site"].host}/">{v["n"]}</a><button class="subscribe-btn">Subscribe</button><a href="/account/login">Sign in</a></div></div>'
        f'<div class="single-post-container"><article class="typography newsletter-post post">{v["above"]}<div class="post-header"><h1 class="post-title published">{v["t"]}</h1>'
        f'<div class="post-meta"><div class="pencraft">{v["shown"]}</div></div></div>'
        f'<div class="available-content"><div dir="auto" class="body markup">{v["body"]}</div></div>{v["after"]}'
        '<div class="subscription-widget-wrap"><p class="cta-caption">Thanks for reading! Subscribe for free to receive new posts and support my work.</p><button>Subscribe</button></div>'
        f'<div class="post-footer"><button class="like-button">Like</button><button class="comment-button">Comment</button><button class="restack-button">Restack</button></div></article>'
        f'<div class="post-footer-related"><h3>Ready for more?</h3><ul>{v["related_html"]}</ul></div>{v["notes"]}</div>'
        f'<div class="footer-wrap"><div class="footer">© {v["year"]} {v["n"]} · <a href="https://substack.com/privacy">Privacy</a> · <a href="https://substack.com/tos">Terms</a> · <a href="https://substack.com/signup">Start writing</a></div></div></div>'
    )  # fmt: skip


def _aggregator(v: dict) -> str:
    cards = "".join(
        f'<div class="card card--small"><div class="card__source">Trending</div>{r}</div>'
        for r in v["related_html"].replace("<li>", "").split("</li>")
        if r
    )
    return (
        f'<div class="app"><header class="topbar"><a class="brand" href="https://{v["site"].host}/">{v["n"]}</a>'
        '<nav class="sections"><a href="/top">Top stories</a><a href="/world">World</a><a href="/business">Business</a><a href="/tech">Technology</a><a href="/local">Local</a></nav>'
        '<form class="search" action="/search"><input name="q" type="search" placeholder="Search for topics, sources"></form></header>'
        f'<main class="story-view"><div class="card card--lead"><div class="card__meta">{v["above"]}<span class="card__time">{v["shown"]}</span> <span class="card__coverage">Full coverage</span></div>'
        f'<h1 class="card__title">{v["t"]}</h1><div class="card__body">{v["body"]}</div>{v["after"]}'
        '<div class="card__actions"><button>Save</button><button>Share</button><button>Hide stories like this</button></div></div>'
        f'<section class="more-cards"><h2>More headlines</h2>{cards}</section>{v["notes"]}</main>'
        f'<footer class="legal">© {v["year"]} {v["n"]} · Headlines are gathered automatically · <a href="/settings">Settings</a> · <a href="/help">Help</a></footer></div>'
    )  # fmt: skip


def _joomla(v: dict) -> str:
    return (
        f'<div class="site-grid"><header class="header container-header full-width"><div class="grid-child"><div class="navbar-brand"><a class="brand-logo" href="https://{v["site"].host}/">{v["n"]}</a></div></div>'
        '<div class="grid-child container-nav"><ul class="mod-menu mod-list nav"><li class="nav-item item-101 default"><a href="/">Home</a></li><li class="nav-item item-102"><a href="/news">News</a></li></ul></div></header>'
        '<div class="grid-child container-component"><nav class="mod-breadcrumbs__wrapper" aria-label="Breadcrumbs"><ol class="mod-breadcrumbs breadcrumb"><li class="mod-breadcrumbs__item breadcrumb-item"><a href="/">Home</a></li><li class="mod-breadcrumbs__item breadcrumb-item"><a href="/news">News</a></li></ol></nav>'
        f'<main><div class="com-content-article item-page" itemscope itemtype="https://schema.org/Article"><div class="page-header">{v["above"]}<h2 itemprop="headline">{v["t"]}</h2></div>'
        f'<dl class="article-info text-muted"><dt class="article-info-term">Details</dt><dd class="category-name">Category: <a href="/news/world">World</a></dd><dd class="published"><span class="icon-calendar"></span> {v["shown"]}</dd><dd class="hits">Hits: 1842</dd></dl>'
        f'<div itemprop="articleBody" class="com-content-article__body">{v["body"]}</div>{v["after"]}'
        '<nav class="pagenavigation"><span class="pagination ms-0"><a class="btn btn-sm btn-secondary previous" href="#" rel="prev">Prev</a><a class="btn btn-sm btn-secondary next" href="#" rel="next">Next</a></span></nav></div></main></div>'
        f'<div class="grid-child container-sidebar-right"><div class="sidebar-right card"><h3 class="card-header">Latest Articles</h3><ul class="mod-articleslatest latestnews mod-list">{v["related_html"]}</ul></div></div>{v["notes"]}'
        f'<footer class="container-footer footer full-width"><div class="grid-child"><p>Copyright © {v["year"]} {v["n"]}. All Rights Reserved.</p></div></footer></div>'
    )  # fmt: skip


def _tumblr(v: dict) -> str:
    return (
        f'<div id="container"><header id="header"><h1 class="blog-title"><a href="https://{v["site"].host}/">{v["n"]}</a></h1><div class="description">reblogging the news that matters</div></header>'
        f'<section id="posts"><article class="post text reblogged">{v["above"]}<div class="reblog-header"><a class="reblog-avatar" href="#"><img src="/avatar_64.png" alt=""></a> <span class="reblog-label">reblogged</span></div>'
        f'<h2 class="post-title">{v["t"]}</h2><div class="post-body"><div class="reblog-content">{v["body"]}</div></div>{v["after"]}'
        f'<footer class="post-footer"><span class="post-date"><a href="{html_lib.escape(v["url"])}">{v["shown"]}</a></span> <span class="note-count"><a href="#notes">312 notes</a></span>'
        '<ul class="tags"><li><a href="/tagged/news">#news</a></li><li><a href="/tagged/world">#world</a></li><li><a href="/tagged/long%20post">#long post</a></li></ul></footer></article></section>'
        f'<aside id="sidebar"><h3>Recent posts</h3><ul>{v["related_html"]}</ul><p><a href="/archive">Archive</a> · <a href="/ask">Ask me anything</a></p></aside>{v["notes"]}'
        '<footer id="footer"><a href="https://www.tumblr.com/">Powered by Tumblr</a> · Theme by a reader</footer></div>'
    )  # fmt: skip


def _feed_reader(v: dict) -> str:
    return (
        f'<div id="reader"><header class="header"><a class="logo" href="https://{v["site"].host}/">{v["n"]}</a><form class="search" action="/reader/search"><input type="search" name="q" placeholder="Search feeds"></form><a href="/reader/login">Log in</a></header>'
        '<nav class="sidebar aside_feed" id="aside_feed"><ul class="tree"><li class="category"><a href="/reader/c/1">World news</a></li><li class="category"><a href="/reader/c/2">Science</a></li><li class="category"><a href="/reader/c/3">Local</a></li></ul></nav>'
        f'<main id="stream" class="normal"><div class="flux current" data-entry="1"><div class="flux_content"><div class="content">{v["above"]}<h1 class="title"><a target="_blank" rel="noreferrer" class="item-element title" href="#">{v["t"]}</a></h1>'
        f'<div class="subtitle"><div class="date">{v["shown"]}</div></div><div class="text">{v["body"]}</div>{v["after"]}</div>'
        '<ul class="horizontal-list bottom"><li class="item manage"><a class="read" href="#">Mark as read</a></li><li class="item manage"><a class="bookmark" href="#">Favourite</a></li><li class="item share"><a href="#">Share</a></li></ul></div></div>'
        f'<div class="more-in-feed"><h3>More from this feed</h3><ul>{v["related_html"]}</ul></div>{v["notes"]}</main>'
        f'<footer class="reader-footer">© {v["year"]} {v["n"]} · a public feed reader · <a href="/reader/about">About</a></footer></div>'
    )  # fmt: skip


_SKIN = {
    "hugo": _hugo,
    "substack": _substack,
    "aggregator": _aggregator,
    "joomla": _joomla,
    "tumblr": _tumblr,
    "feed-reader": _feed_reader,
}


def header_only_bytes(html: str, codec: str) -> bytes:
    """The page as bytes in ``codec`` with every in-document charset declaration removed
    (characters the charset lacks become numeric references, as a CMS writes them)."""
    html = re.sub(r"<meta[^>]+charset[^>]*>", "", html, flags=re.I)
    return html.encode(codec, errors="xmlcharrefreplace")
