"""Page shapes of the ninth held-out judgement set (``bench/scenario_holdout9.py``).

Six page templates no earlier set writes (a Hexo blog in the NexT theme, a Hashnode post, a
WordPress Newspack news article, a Mastodon status page, a Wagtail news page, a vBulletin thread),
six places a credit sits that no earlier set used (a provider badge above the headline as news
portals show it, a canonical banner above the body as Hashnode and dev.to print it, the header of a
vBulletin quote box, a Markdown ``######`` line after the body, the "post copyright" box of Hexo's
NexT theme, a Tufte-style margin note) and the forms a credit link takes that no earlier set wrote
(HubSpot's ``_hsenc`` / ``_hsmi`` parameters, LinkedIn's redirect wrapper, the AMP cache address,
WordPress's ``#more-`` anchor, the Guardian-style ``CMP=`` parameter). A credit may also name the
original by its social handle ("@KestrelWatchman") and link nothing: a reader knows whom it means.

Sites, date markup, the body and the credit line's HTML come from ``bench/holdout5_pages.py``;
the page head and ``Shape`` from ``bench/holdout6_pages.py``; only what is new is written here.
Nothing here reads tracker; the builder decides every label.
"""

from __future__ import annotations

import hashlib
import html as html_lib
from datetime import datetime
from urllib.parse import quote, urlsplit

from holdout5_pages import CreditLine, Site, _dates, body_html, credit_html, escape
from holdout6_pages import Shape, _head

SKINS = ("hexo-next", "hashnode", "newspack", "mastodon", "wagtail", "vbulletin")
PLACEMENTS = (
    "provider-badge",
    "canonical-banner",
    "bbcode-quote-header",
    "markdown-h6",
    "post-copyright-box",
    "margin-note",
)
# Where the seed chain's lines sit (TRANSCEND's and defenddemocracy.press's own last paragraph).
SEED_PLACEMENT = "closing-paragraph"
# Forms of a link a reader follows to the original (every one carries the original's address).
LINK_FORMS = ("hubspot", "linkedin-redirect", "amp-cache", "wp-more-anchor", "cmp-param")
# Forms of a named credit with no link to the article: the name, another form of it, the domain,
# the site's social handle.
NAMED_FORMS = ("plain", "alt-name", "domain", "handle")


def _digest(text: str) -> int:
    return int(hashlib.sha1(f"holdout9:{text}".encode()).hexdigest()[:12], 16)


class Site9(Site):
    """A site of this set: one of this set's templates, its address shapes and social handle."""

    def __init__(self, name: str, number: int, skin: str | None = None) -> None:
        super().__init__(name, number, skin or SKINS[number % len(SKINS)])

    @property
    def handle(self) -> str:
        """The site's social handle, as a copier writes it without the ``@``."""
        return self.name.replace(" ", "")

    def url(self, path: str, when: datetime, number: int = 0) -> str:
        """An article address on this site, in its template's URL shape."""
        n = _digest(f"{path}:{number}")
        shapes = {
            "hexo-next": f"https://{self.host}/{when:%Y/%m/%d}/{path}/",
            "hashnode": f"https://{self.host}/{path}",
            "newspack": f"https://{self.host}/{when:%Y/%m/%d}/{path}/",
            "mastodon": f"https://{self.host}/@newsdesk/{n % 10**17 + 10**17}",
            "wagtail": f"https://{self.host}/news/{path}/",
            "vbulletin": f"https://{self.host}/forum/showthread.php?t={n % 900000 + 100000}",
        }
        return shapes.get(self.skin, f"https://{self.host}/{path}/")


def link_variant(url: str, form: str) -> str:
    """The original's address as a copier links it (see ``LINK_FORMS``)."""
    token = hashlib.sha256(url.encode()).hexdigest()
    glue = "&" if "?" in url else "?"
    if form == "hubspot":
        return f"{url}{glue}_hsenc=p2ANqtz-{token[:24]}&_hsmi={_digest(url) % 10**9}"
    if form == "linkedin-redirect":
        return f"https://www.linkedin.com/redir/redirect?url={quote(url, safe='')}&urlhash={token[:4]}"  # fmt: skip
    if form == "amp-cache":
        parts = urlsplit(url)
        cache_host = parts.netloc.replace("-", "--").replace(".", "-")
        return f"https://{cache_host}.cdn.ampproject.org/c/s/{parts.netloc}{parts.path}{'?' + parts.query if parts.query else ''}"  # fmt: skip
    if form == "wp-more-anchor":
        return f"{url}#more-{_digest(url) % 90000 + 10000}"
    if form == "cmp-param":
        return f"{url}{glue}CMP=share_btn_link"
    return url


def _phrased(html: str, phrasing: str) -> CreditLine:
    line = CreditLine(html)
    line.phrasing = phrasing
    return line


def credit_line(template: str, target: Site9, url: str | None, form: str, title: str) -> tuple[CreditLine, str]:  # fmt: skip
    """A credit line in ``form`` and the form of its link: ``linked`` or ``bare link`` (the link in
    the link form given after a colon, ``"linked:hubspot"``), or one of ``NAMED_FORMS``."""
    kind, _, link_form = form.partition(":")
    if kind in ("linked", "bare link"):
        href = link_variant(url, link_form) if url and link_form else url
        line = credit_html(template, target, href, kind, title)
        if url and href and not href.startswith(url):
            # A redirect wrapper or a cache address: the reader sees the original's address.
            shown = line.replace(f">{html_lib.escape(href)}</a>", f">{html_lib.escape(url)}</a>")
            line = _phrased(shown, line.phrasing)
        return line, link_form or "exact"
    if kind == "handle":
        line = credit_html(template, target, None, "plain", title)
        return _phrased(line.replace(escape(target.name), f"@{target.handle}", 1), f"handle: {template}"), kind  # fmt: skip
    return credit_html(template, target, None, kind, title), kind


def place(credit: str | None, placement: str | None, v: dict) -> tuple[str, str, str]:
    """(above the headline, before the body, after the body) HTML of a credit line."""
    if not credit:
        return "", "", ""
    return {
        "provider-badge": (
            f'<div class="provider-badge"><span class="provider-logo" aria-hidden="true"></span><span class="provider-name">{credit}</span></div>',
            "",
            "",
        ),  # fmt: skip
        "canonical-banner": (
            "",
            f'<div class="canonical-url-banner" role="note"><svg class="icon" aria-hidden="true" width="16" height="16"></svg><p>{credit}</p></div>',
            "",
        ),  # fmt: skip
        "bbcode-quote-header": (
            "",
            f'<div class="bbcode_container"><div class="bbcode_quote"><div class="quote_container"><div class="bbcode_quote_container"></div><div class="bbcode_postedby">{credit}</div></div></div></div>',
            "",
        ),  # fmt: skip
        "markdown-h6": ("", "", f'<h6 id="source">{credit}</h6>'),
        "post-copyright-box": (
            "",
            "",
            f'<div class="reward-container"></div><div><ul class="post-copyright"><li class="post-copyright-author"><strong>Post author: </strong>The editors</li><li class="post-copyright-link"><strong>Post link: </strong>{credit}</li><li class="post-copyright-license"><strong>Copyright Notice: </strong>All articles in this blog are licensed under BY-NC-SA unless stating additionally.</li></ul></div>',
        ),  # fmt: skip
        "margin-note": (
            "",
            f'<p><label for="mn-source" class="margin-toggle">&#8853;</label><input type="checkbox" id="mn-source" class="margin-toggle"><span class="marginnote">{credit}</span></p>',
            "",
        ),  # fmt: skip
        SEED_PLACEMENT: ("", "", f"<p>{credit}</p>"),
    }[placement or SEED_PLACEMENT]


def render(site: Site, url: str, title: str, paragraphs: list[str], published: datetime | None,
           related: list[str], shape: Shape) -> str:  # fmt: skip
    """A whole page of ``site`` in its template, carrying ``paragraphs`` as its article."""
    v = {
        "site": site,
        "t": escape(title),
        "n": escape(site.name),
        "shown": _dates(site, published)[2],
        "year": (published or datetime(2026, 3, 1)).year,
        "related": "".join(
            f'<li><a href="https://{site.host}/read/{i}/">{escape(r)}</a></li>'
            for i, r in enumerate(related)
        ),
        "notes": "".join(
            f'<p class="site-disclaimer">{escape(p)}</p>' for p in shape.disclaimer or []
        ),  # fmt: skip
    }
    above, before, after = place(shape.line, shape.placement, v)
    v.update(above=above, body=before + body_html(paragraphs, shape.mode) + after)
    head = _head(site, url, title, published, shape)
    page = _TEMPLATES[site.skin](v)
    return f'<!DOCTYPE html>\n<html lang="en"><head>\n{head}\n</head><body>\n{page}\n</body></html>'  # fmt: skip


def _hexo_next(v: dict) -> str:
    return (
        f'<div class="headband"></div><main class="main"><header class="header"><div class="header-inner"><div class="site-brand-container"><div class="site-meta"><a href="/" class="brand" rel="start"><h1 class="site-title">{v["n"]}</h1></a><p class="site-subtitle">Notes and news</p></div></div>'
        '<nav class="site-nav"><ul class="main-menu menu"><li class="menu-item menu-item-home"><a href="/" rel="section">Home</a></li><li class="menu-item menu-item-archives"><a href="/archives/" rel="section">Archives</a></li></ul></nav></div></header>'
        f'<div class="main-inner"><div class="content-wrap"><div class="content post posts-expand"><article itemscope itemtype="http://schema.org/Article" class="post-block"><header class="post-header">{v["above"]}<h1 class="post-title" itemprop="name headline">{v["t"]}</h1>'
        f'<div class="post-meta-container"><div class="post-meta"><span class="post-meta-item"><span class="post-meta-item-text">Posted on</span> {v["shown"]}</span></div></div></header>'
        f'<div class="post-body" itemprop="articleBody">{v["body"]}</div>'
        '<footer class="post-footer"><div class="post-tags"><a href="/tags/news/" rel="tag"># news</a></div></footer></article></div></div>'
        f'<div class="sidebar"><div class="sidebar-inner"><div class="links-of-recent-posts"><div class="links-of-recent-posts-title">Recent posts</div><ul class="links-of-recent-posts-list">{v["related"]}</ul></div>{v["notes"]}</div></div></div></main>'
        f'<footer class="footer"><div class="footer-inner"><div class="copyright">&copy; {v["year"]} <span class="author" itemprop="copyrightHolder">{v["n"]}</span></div><div class="powered-by">Powered by <a href="https://hexo.io/" rel="noopener" target="_blank">Hexo</a> &amp; <a href="https://theme-next.js.org/" rel="noopener" target="_blank">NexT.Gemini</a></div></div></footer>'
    )  # fmt: skip


def _hashnode(v: dict) -> str:
    return (
        f'<div id="__next"><header class="blog-header"><div class="blog-header-inner"><a href="/" aria-label="{v["n"]} home" class="blog-title">{v["n"]}</a><nav class="blog-nav"><a href="/newsletter">Newsletter</a><a href="/series">Series</a></nav></div></header>'
        f'<main class="blog-post-main"><article><div class="blog-article-header">{v["above"]}<h1 class="article-title">{v["t"]}</h1><div class="article-meta"><a href="/@newsroom" class="author-name">The newsroom</a> <span class="dot">·</span> <span>{v["shown"]}</span> <span class="dot">·</span> <span>5 min read</span></div></div>'
        f'<div class="prose" id="post-content-parent"><div id="post-content-wrapper">{v["body"]}</div></div>'
        '<div class="post-floating-bar"><button aria-label="Like this article">Like</button><button aria-label="Comments">Comments</button><button aria-label="Bookmark">Bookmark</button></div></article>'
        f'<section class="more-articles"><h2>More articles</h2><ul>{v["related"]}</ul></section>{v["notes"]}</main>'
        f'<footer class="blog-footer"><p>©{v["year"]} {v["n"]}</p><p><a href="https://hashnode.com/onboard?unlock-blog=true">Start a personal dev blog on Hashnode</a></p></footer></div>'
    )  # fmt: skip


def _newspack(v: dict) -> str:
    return (
        f'<div id="page" class="site"><a class="skip-link screen-reader-text" href="#main">Skip to content</a><header id="masthead" class="site-header hide-header-search"><div class="middle-header-contain"><div class="wrapper"><div class="site-branding"><p class="site-title"><a href="/" rel="home">{v["n"]}</a></p><p class="site-description">Independent, nonprofit news</p></div>'
        '<nav class="main-navigation nav1"><ul id="menu-primary" class="main-menu"><li class="menu-item"><a href="/category/news/">News</a></li><li class="menu-item"><a href="/donate/">Donate</a></li></ul></nav></div></div></header>'
        f'<div id="content" class="site-content"><div class="main-content"><main id="main" class="site-main"><article class="entry post type-post status-publish has-post-thumbnail"><header class="entry-header">{v["above"]}<span class="cat-links"><a href="/category/news/">News</a></span><h1 class="entry-title">{v["t"]}</h1>'
        f'<div class="entry-subhead"><div class="entry-meta"><span class="byline"><span class="author vcard"><a class="url fn n" href="/author/staff/">Staff</a></span></span><span class="posted-on">{v["shown"]}</span></div></div></header>'
        f'<div class="entry-content">{v["body"]}</div></article></main>'
        f'<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">Recent stories</h2><ul>{v["related"]}</ul></section>{v["notes"]}</aside></div></div>'
        f'<footer id="colophon" class="site-footer"><div class="site-info"><span class="copyright">&copy; {v["year"]} {v["n"]}.</span> <a href="https://newspack.com/" class="imprint">Proudly powered by Newspack by Automattic</a></div></footer></div>'
    )  # fmt: skip


def _mastodon(v: dict) -> str:
    return (
        f'<div class="app-holder" id="mastodon"><div class="public-layout"><div class="container"><nav class="header"><div class="nav-left"><a class="brand" href="/">{v["n"]}</a></div><div class="nav-right"><a class="button" href="/auth/sign_in">Log in</a></div></nav>'
        f'<div class="activity-stream activity-stream--headless"><div class="entry entry-center"><div class="detailed-status detailed-status--flex"><a class="detailed-status__display-name" href="/@newsdesk"><strong class="display-name__html">{v["n"]} newsdesk</strong> <span class="display-name__account">@newsdesk</span></a><h1 class="status__title">{v["t"]}</h1>{v["above"]}'
        f'<div class="status__content emojify"><div class="e-content" lang="en">{v["body"]}</div></div>'
        f'<div class="detailed-status__meta"><a class="detailed-status__datetime u-url u-uid" href="/@newsdesk">{v["shown"]}</a> · <span class="detailed-status__link">0 boosts</span> · <span class="detailed-status__link">0 favourites</span></div></div></div></div>'
        f'<div class="public-account-bio"><h4>Other posts</h4><ul>{v["related"]}</ul>{v["notes"]}</div></div></div>'
        '<div class="footer"><p>Mastodon is free, open-source software. <a href="https://joinmastodon.org">About Mastodon</a></p></div></div>'
    )  # fmt: skip


def _wagtail(v: dict) -> str:
    return (
        f'<header class="site-header" role="banner"><div class="site-header__inner"><a class="site-header__logo" href="/">{v["n"]}</a><nav class="primary-nav" aria-label="Main"><ul><li><a href="/news/">News</a></li><li><a href="/about/">About</a></li></ul></nav></div></header>'
        f'<main id="main-content" class="template-news-page"><div class="container"><nav class="breadcrumb" aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li><li><a href="/news/">News</a></li></ol></nav>'
        f'<div class="news-page__header">{v["above"]}<h1 class="heading heading--1">{v["t"]}</h1><p class="news-page__date">{v["shown"]}</p></div>'
        f'<div class="streamfield"><div class="block-paragraph rich-text">{v["body"]}</div></div>'
        f'<section class="related-news"><h2 class="heading heading--3">Related news</h2><ul class="related-news__list">{v["related"]}</ul></section>{v["notes"]}</div></main>'
        f'<footer class="site-footer"><p>© {v["year"]} {v["n"]}</p><p class="site-footer__built">Built with <a href="https://wagtail.org">Wagtail</a></p></footer>'
    )  # fmt: skip


def _vbulletin(v: dict) -> str:
    return (
        f'<div class="above_body"><div id="header" class="floatcontainer doc_header"><div><a name="top" href="/forum/" class="logo-image">{v["n"]} Forums</a></div></div>'
        f'<div id="breadcrumb" class="breadcrumb"><ul class="floatcontainer"><li class="navbithome"><a href="/forum/" accesskey="1">Forum</a></li><li class="navbit"><a href="/forum/forumdisplay.php?f=12">World News</a></li><li class="navbit lastnavbit"><span>{v["t"]}</span></li></ul></div></div>'
        f'<div class="body_wrapper"><div id="pagetitle"><h1>Thread: <span class="threadtitle">{v["t"]}</span></h1></div>'
        f'<div id="postlist" class="postlist restrain"><ol id="posts" class="posts" start="1"><li class="postbitlegacy postbitim postcontainer old" id="post_1"><div class="posthead"><span class="postdate old"><span class="date">{v["shown"] or "Today"}</span></span><span class="nodecontrols"><a name="post1" href="#post1" class="postcounter">#1</a></span></div>'
        f'<div class="postdetails"><div class="userinfo"><a class="username offline popupctrl" href="/forum/member.php?u=7"><strong>newsbot</strong></a><span class="usertitle">Senior Member</span></div>'
        f'<div class="postbody"><div class="postrow"><h2 class="title icon">{v["t"]}</h2>{v["above"]}<div class="content"><div><blockquote class="postcontent restore">{v["body"]}</blockquote></div></div></div></div></div></li></ol></div>'
        f'<div id="similar_threads"><h4 class="threadinfohead blockhead">Similar Threads</h4><ul>{v["related"]}</ul></div>{v["notes"]}</div>'
        f'<div id="footer" class="floatcontainer footer"><p>Powered by vBulletin® Copyright © {v["year"]} MH Sub I, LLC dba vBulletin. All rights reserved.</p></div>'
    )  # fmt: skip


_TEMPLATES = {
    "hexo-next": _hexo_next,
    "hashnode": _hashnode,
    "newspack": _newspack,
    "mastodon": _mastodon,
    "wagtail": _wagtail,
    "vbulletin": _vbulletin,
}
