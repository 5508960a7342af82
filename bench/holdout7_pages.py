"""Page shapes of the seventh held-out judgement set (``bench/scenario_holdout7.py``).

Six page templates no earlier set writes (a Jekyll minima post, a Wix blog post, a TYPO3 news
detail page, a Webflow CMS post, a Lemmy link post, a Bear Blog post), eight places a credit line
sits that no earlier set used (run into the first paragraph, run onto the end of the last one, in
an IndieWeb ``u-repost-of h-cite`` block, in a coloured call-out group at the top, in the lead
image's caption, in a Bootstrap alert at the top, after the author's bio box, in the teaser
paragraph above the body) and the forms a credit link takes that no earlier set wrote (a Ghost
style ``?ref=`` parameter, a Facebook ``fbclid`` parameter, Google's AMP viewer address, an
Outlook SafeLinks wrapper, a Java ``;jsessionid=`` path parameter). Named credits without a link
to the article: the name linked to the original site's home page, or written in capitals.

Sites, date markup, the body and the credit line's HTML come from ``bench/holdout5_pages.py``;
the page head and ``Shape`` from ``bench/holdout6_pages.py``; only what is new is written here.
Nothing here reads tracker; the builder decides every label.
"""

from __future__ import annotations

import hashlib
import html as html_lib
from datetime import datetime
from urllib.parse import quote

from holdout5_pages import CreditLine, Site, _dates, body_html, credit_html, escape
from holdout6_pages import Shape, _head

SKINS = ("jekyll", "wix", "typo3", "webflow", "lemmy", "bearblog")
PLACEMENTS = (
    "first-paragraph-inline",
    "last-paragraph-inline",
    "h-cite-repost",
    "callout-block",
    "figcaption",
    "alert-box",
    "author-bio",
    "excerpt-teaser",
)
# Forms of a link a reader follows to the original (every one carries the original's address).
LINK_FORMS = ("ref-param", "fbclid", "amp-viewer", "safelinks", "jsessionid")
# Forms of a named credit whose link does not reach the article (the name is the credit).
NAMED_ONLY_FORMS = ("plain", "alt-name", "domain", "homepage", "caps-name")
_INLINE = ("first-paragraph-inline", "last-paragraph-inline")


def _digest(text: str) -> int:
    return int(hashlib.sha1(f"holdout7:{text}".encode()).hexdigest()[:12], 16)


class Site7(Site):
    """A site of this set: one of this set's templates, and its address shapes."""

    def __init__(self, name: str, number: int, skin: str | None = None) -> None:
        super().__init__(name, number, skin or SKINS[number % len(SKINS)])

    def url(self, path: str, when: datetime, number: int = 0) -> str:
        """An article address on this site, in its template's URL shape."""
        n = _digest(f"{path}:{number}")
        shapes = {
            "jekyll": f"https://{self.host}/{when:%Y/%m/%d}/{path}.html",
            "wix": f"https://{self.host}/post/{path}",
            "typo3": f"https://{self.host}/aktuelles/detail/news/{path}/",
            "webflow": f"https://{self.host}/blog-posts/{path}",
            "lemmy": f"https://{self.host}/post/{n % 9_000_000 + 100_000}",
            "bearblog": f"https://{self.host}/{path}/",
        }
        return shapes.get(self.skin, f"https://{self.host}/{path}/")


def link_variant(url: str, form: str, via: str = "") -> str:
    """The original's address as a copier links it (see ``LINK_FORMS``); ``via`` is the copier's
    host, which Ghost writes into its ``ref`` parameter."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    token = hashlib.sha256(url.encode()).hexdigest()
    if form == "ref-param":
        return f"{url}{'&' if '?' in url else '?'}ref={via or host}"
    if form == "fbclid":
        return f"{url}{'&' if '?' in url else '?'}fbclid=IwAR{token[:56]}"
    if form == "amp-viewer":
        return f"https://www.google.com/amp/s/{host}/{path}"
    if form == "safelinks":
        wrapped = quote(url, safe="")
        return (
            f"https://eur{_digest(url) % 5 + 1:02d}.safelinks.protection.outlook.com/?url={wrapped}"
            f"&data=05%7C02%7C%7C{token[:32]}%7C0%7C0&sdata={token[32:60]}%3D&reserved=0"
        )
    if form == "jsessionid":
        base, _, query = url.partition("?")
        return f"{base};jsessionid={token[:32].upper()}" + (f"?{query}" if query else "")
    return url


def credit_line(
    template: str, target: Site, url: str | None, form: str, title: str, via: str = ""
) -> tuple[CreditLine, str]:
    """A credit line in ``form`` and the form of its link: ``linked`` (the name links to ``url``
    in the next link form, given as ``form="linked:<link form>"``), ``bare link`` (likewise
    ``"bare link:<link form>"``) or one of ``NAMED_ONLY_FORMS``."""
    kind, _, link_form = form.partition(":")
    if kind in ("linked", "bare link"):
        href = link_variant(url, link_form, via) if url and link_form else url
        line = credit_html(template, target, href, kind, title)
        if link_form == "safelinks" and url and href:
            # Outlook rewrites the link's target, not the address the reader sees.
            shown = f">{html_lib.escape(href)}</a>"
            line = _phrased(line.replace(shown, f">{html_lib.escape(url)}</a>"), line.phrasing)
        return line, link_form or "exact"
    if kind == "homepage":
        line = credit_html(template, target, None, "plain", title)
        name = escape(target.name)
        home = f'<a href="https://{target.host}/" rel="noopener">{name}</a>'
        return _phrased(line.replace(name, home, 1), f"homepage: {template}"), kind
    if kind == "caps-name":
        line = credit_html(template, target, None, "plain", title)
        shown = line.replace(escape(target.name), escape(target.name.upper()), 1)
        return _phrased(shown, f"caps-name: {template}"), kind
    return credit_html(template, target, None, kind, title), kind


def _phrased(html: str, phrasing: str) -> CreditLine:
    line = CreditLine(html)
    line.phrasing = phrasing
    return line


def _inline(paragraphs: list[str], credit: str, placement: str) -> list[str]:
    """The body with the credit run into its first paragraph or onto the end of its last (as
    HTML starting with a tag, which ``body_html`` keeps as it is)."""
    out = list(paragraphs)
    index = 0 if placement == "first-paragraph-inline" else len(out) - 1
    text = out[index] if out[index].startswith("<") else escape(out[index])
    if index == 0:
        out[0] = f'<span class="credit-intro"><em>{credit}</em></span> {text}'
    else:
        out[index] = (
            f'<span class="last-words">{text}</span> <span class="credit-end">{credit}</span>'
        )
    return out


def place(credit: str | None, placement: str | None, v: dict) -> tuple[str, str, str]:
    """(under the headline, before the body, after the body) HTML of a credit line that is not
    run into the body's paragraphs."""
    if not credit or placement in _INLINE:
        return "", "", ""
    name = v["n"]
    return {
        "h-cite-repost": (
            "",
            f'<div class="wp-block-indieblocks-repost"><div class="u-repost-of h-cite"><p><i>{credit}</i></p></div></div>',
            "",
        ),  # fmt: skip
        "callout-block": (
            "",
            f'<div class="wp-block-group has-pale-cyan-blue-background-color has-background"><div class="wp-block-group__inner-container"><p>{credit}</p></div></div>',
            "",
        ),  # fmt: skip
        "figcaption": (
            "",
            f'<figure class="lead-image"><img src="/media/lead.jpg" alt="" width="1200" height="675"><figcaption>Photo: handout. {credit}</figcaption></figure>',
            "",
        ),  # fmt: skip
        "alert-box": ("", f'<div class="alert alert-info" role="alert">{credit}</div>', ""),
        "author-bio": (
            "",
            "",
            f'<div class="author-bio"><h4>About the author</h4><p>A contributor to {name} writing on public affairs.</p></div><p class="source-note">{credit}</p>',
        ),  # fmt: skip
        "excerpt-teaser": (f'<p class="excerpt teaser-text">{credit}</p>', "", ""),
    }[placement or "author-bio"]


def render(site: Site, url: str, title: str, paragraphs: list[str], published: datetime | None,
           related: list[str], shape: Shape) -> str:  # fmt: skip
    """A whole page of ``site`` in its template, carrying ``paragraphs`` as its article."""
    body = paragraphs
    if shape.line and shape.placement in _INLINE:
        body = _inline(paragraphs, shape.line, shape.placement)
    v = {
        "site": site,
        "url": html_lib.escape(url),
        "t": escape(title),
        "n": escape(site.name),
        "shown": _dates(site, published)[2],
        "stamp": _stamp(site, published),
        "year": (published or datetime(2026, 1, 1)).year,
        "related": "".join(
            f'<li><a href="https://{site.host}/archive/{i}/">{escape(r)}</a></li>'
            for i, r in enumerate(related)
        ),
        "notes": "".join(
            f'<p class="syndication-note">{escape(p)}</p>' for p in shape.disclaimer or []
        ),  # fmt: skip
    }
    under, before, after = place(shape.line, shape.placement, v)
    v.update(under=under, body=before + body_html(body, shape.mode) + after)
    head = _head(site, url, title, published, shape)
    page = _TEMPLATES[site.skin](v)
    return f'<!DOCTYPE html>\n<html lang="en"><head>\n{head}\n</head><body>\n{page}\n</body></html>'


def _stamp(site: Site, published: datetime | None) -> str:
    """The visible date as Bear Blog writes it: a ``<time>`` with its ``datetime`` (unless the
    site's own date markup already is one)."""
    shown = _dates(site, published)[2]
    if published is None or "<time" in shown:
        return shown
    return f'<time datetime="{published:%Y-%m-%dT%H:%MZ}" style="font-style: normal">{shown}</time>'


def _jekyll(v: dict) -> str:
    return (
        f'<header class="site-header" role="banner"><div class="wrapper"><a class="site-title" rel="author" href="/">{v["n"]}</a><nav class="site-nav"><div class="trigger"><a class="page-link" href="/about/">About</a><a class="page-link" href="/archive/">Archive</a></div></nav></div></header>'
        f'<main class="page-content" aria-label="Content"><div class="wrapper"><article class="post h-entry" itemscope itemtype="http://schema.org/BlogPosting"><header class="post-header"><h1 class="post-title p-name" itemprop="name headline">{v["t"]}</h1>{v["under"]}'
        f'<p class="post-meta"><span class="dt-published">{v["shown"]}</span></p></header><div class="post-content e-content" itemprop="articleBody">{v["body"]}</div><a class="u-url" href="{v["url"]}" hidden></a></article>'
        f'<section class="related"><h2>Recent posts</h2><ul class="post-list">{v["related"]}</ul></section>{v["notes"]}</div></main>'
        f'<footer class="site-footer h-card"><data class="u-url" href="/"></data><div class="wrapper"><h2 class="footer-heading">{v["n"]}</h2><p>Subscribe <a href="/feed.xml">via RSS</a></p></div></footer>'
    )  # fmt: skip


def _wix(v: dict) -> str:
    return (
        f'<div id="SITE_CONTAINER"><header id="SITE_HEADER" class="wixui-header"><a class="wixui-logo" href="https://{v["site"].host}">{v["n"]}</a><nav class="wixui-horizontal-menu"><a href="/blog">Blog</a><a href="/about">About</a><a href="/contact">Contact</a></nav></header>'
        f'<main id="PAGES_CONTAINER"><div class="blog-post-page-font"><article data-hook="post"><div data-hook="post-title"><h1 class="blog-post-title-font">{v["t"]}</h1></div>{v["under"]}'
        f'<div data-hook="post-metadata"><span data-hook="user-name">Admin</span> · <span data-hook="time-ago">{v["shown"]}</span> · <span data-hook="time-to-read">4 min read</span></div>'
        f'<div data-hook="post-description"><div class="rich-content-viewer">{v["body"]}</div></div>'
        '<div data-hook="post-footer"><a href="#share">Share</a> · <span data-hook="view-count">118 views</span> · <span data-hook="comment-count">0 comments</span></div></article>'
        f'<section data-hook="recent-posts"><h2>Recent Posts</h2><ul>{v["related"]}</ul></section>{v["notes"]}</div></main>'
        f'<footer id="SITE_FOOTER"><p>© {v["year"]} by {v["n"]}. Proudly created with Wix.com</p></footer></div>'
    )  # fmt: skip


def _typo3(v: dict) -> str:
    return (
        f'<header class="page-header"><a class="navbar-brand" href="/">{v["n"]}</a><nav class="navbar-main"><ul><li><a href="/aktuelles/">Aktuelles</a></li><li><a href="/themen/">Themen</a></li><li><a href="/kontakt/">Kontakt</a></li></ul></nav></header>'
        f'<main id="page-content"><div id="c273" class="frame frame-default frame-type-news_newsdetail"><div class="news news-single"><div class="article" itemscope="itemscope" itemtype="http://schema.org/Article">'
        f'<div class="header"><h3 itemprop="headline">{v["t"]}</h3></div>{v["under"]}<div class="footer"><p><span class="news-list-date"><time itemprop="datePublished">{v["shown"]}</time></span></p></div>'
        f'<div class="news-text-wrap" itemprop="articleBody">{v["body"]}</div>'
        f'<div class="news-related-wrap"><div class="news-related news-related-news"><h4>Ähnliche Meldungen</h4><ul>{v["related"]}</ul></div></div>'
        f'<div class="news-backlink-wrap"><a href="/aktuelles/">Zurück</a></div></div></div></div>{v["notes"]}</main>'
        f'<footer class="page-footer"><p>© {v["year"]} {v["n"]} · <a href="/impressum/">Impressum</a> · <a href="/datenschutz/">Datenschutz</a></p></footer>'
    )  # fmt: skip


def _webflow(v: dict) -> str:
    return (
        f'<div data-collapse="medium" role="banner" class="navbar w-nav"><a href="/" class="brand w-nav-brand">{v["n"]}</a><nav role="navigation" class="nav-menu w-nav-menu"><a href="/blog" class="nav-link w-nav-link">Blog</a><a href="/about" class="nav-link w-nav-link">About</a></nav></div>'
        f'<section class="section-post"><div class="container w-container"><div class="post-category">Insights</div><h1 class="heading-post">{v["t"]}</h1>{v["under"]}<div class="post-date">{v["shown"]}</div>'
        f'<div class="rich-text-block w-richtext">{v["body"]}</div></div></section>'
        f'<section class="section-more"><div class="w-dyn-list"><h2>More posts</h2><ul role="list" class="w-dyn-items">{v["related"]}</ul></div>{v["notes"]}</section>'
        f'<footer class="footer"><div class="footer-copyright">© {v["year"]} {v["n"]}. All rights reserved.</div><a href="https://webflow.com" class="w-webflow-badge">Made in Webflow</a></footer>'
    )  # fmt: skip


def _lemmy(v: dict) -> str:
    return (
        f'<nav class="navbar navbar-expand-md"><a class="navbar-brand" href="/">{v["n"]}</a><ul class="navbar-nav"><li class="nav-item"><a class="nav-link" href="/communities">Communities</a></li><li class="nav-item"><a class="nav-link" href="/create_post">Create Post</a></li></ul><a class="btn" href="/login">Login</a></nav>'
        f'<div class="container-lg"><div class="row"><main class="col-12 col-md-8"><div class="post-listing"><div class="d-flex"><div class="vote-bar"><button class="btn-animate">▲</button><span class="unselectable">212</span></div>'
        f'<div class="post-title"><h1 class="h5 d-inline">{v["t"]}</h1></div></div>{v["under"]}<div class="small text-muted">submitted {v["shown"]} by <a class="person-listing" href="/u/newsbot">newsbot</a> to <a class="community-link" href="/c/worldnews">worldnews</a></div>'
        f'<div class="md-div">{v["body"]}</div><div class="post-actions small"><button>Save</button><button>Cross-post</button><button>Report</button></div></div>'
        '<div class="comments"><div class="comment-node"><div class="md-div"><p>Thanks, saved for later.</p></div></div></div></main>'
        f'<aside class="col-12 col-md-4 sidebar"><h2 class="h5">Trending</h2><ul>{v["related"]}</ul>{v["notes"]}</aside></div></div>'
        '<footer class="app-footer"><a href="/instances">Instances</a> · <a href="/legal">Legal</a> · <a href="https://join-lemmy.org">Lemmy</a></footer>'
    )  # fmt: skip


def _bearblog(v: dict) -> str:
    return (
        f'<header><a class="title" href="/"><h2>{v["n"]}</h2></a><nav><p><a href="/">Home</a> <a href="/blog/">Blog</a></p></nav></header>'
        f'<main><h1>{v["t"]}</h1>{v["under"]}<p><i>{v["stamp"]}</i></p>'
        f'<content>{v["body"]}</content><p class="tags"><a href="/blog/?q=news">#news</a></p>'
        f'<section class="more"><h3>Also on this blog</h3><ul class="blog-posts">{v["related"]}</ul></section>{v["notes"]}</main>'
        '<footer><span>Powered by <a href="https://bearblog.dev">ʕ•ᴥ•ʔ Bear</a></span></footer>'
    )  # fmt: skip


_TEMPLATES = {
    "jekyll": _jekyll,
    "wix": _wix,
    "typo3": _typo3,
    "webflow": _webflow,
    "lemmy": _lemmy,
    "bearblog": _bearblog,
}
