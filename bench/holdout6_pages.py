"""Page shapes of the sixth held-out judgement set (``bench/scenario_holdout6.py``).

Six page templates no earlier set writes (a Discourse forum topic, a MediaWiki article, a
press-release wire page, a news live blog, a print view, a Squarespace blog post), eight places a
credit line sits that no earlier set used (inside the dateline, in the deck under the headline, in
a print-only block, as the last item of the notes list closing the article, under a table of
contents, in an infobox row, in the signature block, under a "Source" heading) and the forms a
credit link takes that no earlier set wrote (a web-archive snapshot of the original, the default
port written out, percent-encoded ASCII in the path, a text fragment, and a click tracker whose
link text is the original's address). Names linked to an anchor of the copier's own page reach
nothing: the name is the credit.

Sites, date markup, the body and the credit line's HTML come from ``bench/holdout5_pages.py``;
only what is new is written here. Nothing here reads tracker; the builder decides every label.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from holdout5_pages import CreditLine, Site, _dates, body_html, credit_html, escape

SKINS = ("discourse", "mediawiki", "press-wire", "live-blog", "print-view", "squarespace")
PLACEMENTS = (
    "dateline",
    "deck",
    "print-only",
    "last-list-item",
    "toc-sidebar",
    "infobox-row",
    "signature",
    "source-heading",
)
# Forms of a link a reader follows to the original (or to a snapshot of it).
LINK_FORMS = ("web-archive", "default-port", "percent-path", "text-fragment", "click-tracker")
# Forms of a named credit whose link does not reach the original (the name is the credit).
NAMED_ONLY_FORMS = ("plain", "alt-name", "domain", "own-anchor")
_LD_TYPE = {
    "discourse": "DiscussionForumPosting",
    "mediawiki": "Article",
    "press-wire": "NewsArticle",
    "live-blog": "LiveBlogPosting",
    "print-view": "NewsArticle",
    "squarespace": "BlogPosting",
}


def _digest(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:10], 16)


class Site6(Site):
    """A site of this set: one of this set's templates, and its address shapes."""

    def __init__(self, name: str, number: int, skin: str | None = None) -> None:
        super().__init__(name, number, skin or SKINS[number % len(SKINS)])

    def url(self, path: str, when: datetime, number: int = 0) -> str:
        """An article address on this site, in its template's URL shape."""
        n = _digest(f"{path}:{number}")
        shapes = {
            "discourse": f"https://{self.host}/t/{path}/{n % 90000 + 1000}",
            "mediawiki": f"https://{self.host}/wiki/{path.replace('-', '_').capitalize()}",
            "press-wire": f"https://{self.host}/news-releases/{path}-{n % 900000000 + 300000000}.html",
            "live-blog": f"https://{self.host}/live/{when:%Y/%b/%d}/{path}".lower(),
            "print-view": f"https://{self.host}/print/{when:%Y%m%d}/{path}",
            "squarespace": f"https://{self.host}/journal/{when:%Y/%m/%d}/{path}",
        }
        return shapes.get(self.skin, f"https://{self.host}/{path}/")


def link_variant(url: str, form: str) -> str:
    """The original's address as a copier links it (see ``LINK_FORMS``; the click tracker's own
    address is ``tracker_of``)."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    if form == "web-archive":
        taken = datetime(2025, 1, 1) + timedelta(seconds=_digest(url) % 25_000_000)
        return f"https://web.archive.org/web/{taken:%Y%m%d%H%M%S}/{url}"
    if form == "default-port":
        return f"{scheme}://{host}:{443 if scheme == 'https' else 80}/{path}"
    if form == "percent-path":
        # RFC 3986 unreserved characters written percent-encoded, as some mail clients do.
        return f"{scheme}://{host}/" + path.replace("-", "%2D").replace("_", "%5F")
    if form == "text-fragment":
        words = quote(" ".join(path.strip("/").split("/")[-1].split("-")[:3]))
        return f"{url}#:~:text={words}"
    return url


def tracker_of(url: str) -> str:
    """The click-tracking address a mailing tool writes in place of ``url``."""
    token = hashlib.sha256(url.encode()).hexdigest()[:40]
    return f"https://u{_digest(url) % 9000000 + 1000000}.ct.sendgrid.net/ls/click?upn={token}"


def credit_line(
    template: str,
    target: Site,
    url: str | None,
    form: str,
    title: str,
    link_form: str | None = None,
) -> CreditLine:
    """``holdout5_pages.credit_html`` with this set's link forms: ``form`` is ``linked``, ``bare
    link`` or one of ``NAMED_ONLY_FORMS``; ``link_form`` one of ``LINK_FORMS`` (or None: exact)."""
    if form == "own-anchor":
        line = credit_html(template, target, None, "plain", title)
        name = escape(target.name)
        linked = line.replace(name, f'<a href="#source-note">{name}</a>', 1)
        return _with_phrasing(linked, f"own-anchor: {template}")
    if link_form == "click-tracker" and url:
        line = credit_html(template, target, url, form, title)
        swapped = line.replace(f'href="{html_lib.escape(url)}"', f'href="{html_lib.escape(tracker_of(url))}"')  # fmt: skip
        return _with_phrasing(swapped, line.phrasing)
    href = link_variant(url, link_form) if url and link_form else url
    return credit_html(template, target, href, form, title)


def _with_phrasing(html: str, phrasing: str) -> CreditLine:
    line = CreditLine(html)
    line.phrasing = phrasing
    return line


def place(credit: str | None, placement: str | None, v: dict) -> tuple[str, str, str]:
    """(under the headline, before the body, after the body) HTML of a credit line."""
    if not credit:
        return "", "", ""
    place_name = {"press-wire": "NEW YORK", "live-blog": "LONDON"}.get(v["site"].skin, "GENEVA")
    shown = v["shown"] or "Today"
    toc = "".join(f'<li><a href="#section-{i}">Part {i}</a></li>' for i in (1, 2, 3))
    return {
        "dateline": (
            "",
            f'<p class="dateline"><span class="location">{place_name}</span>, {shown} — {credit}</p>',
            "",
        ),  # fmt: skip
        "deck": (f'<p class="deck standfirst">{credit}</p>', "", ""),
        "print-only": ("", "", f'<div class="print-only"><p>{credit}</p></div>'),
        "last-list-item": (
            "",
            "",
            f'<ul class="article-notes"><li>Photos: staff</li><li>Edited by the desk</li><li>{credit}</li></ul>',
        ),  # fmt: skip
        "toc-sidebar": (
            "",
            f'<nav class="toc" role="navigation"><h2>Contents</h2><ol>{toc}</ol><p class="toc-note">{credit}</p></nav>',
            "",
        ),  # fmt: skip
        "infobox-row": (
            "",
            f'<table class="infobox"><tr><th>Published</th><td>{shown}</td></tr><tr><th>Source</th><td>{credit}</td></tr></table>',
            "",
        ),  # fmt: skip
        "signature": ("", "", f'<p class="signature">— The editors<br>{credit}</p>'),
        "source-heading": ("", "", f'<h3 class="source-heading">Source</h3><p>{credit}</p>'),
    }[placement or "signature"]


def _head(site: Site, url: str, title: str, published: datetime | None, shape: Shape) -> str:
    named, canonical = shape.name_in_page, shape.canonical
    head_date, ld_date, _ = _dates(site, published)
    ld: dict = {"@context": "https://schema.org", "@type": _LD_TYPE.get(site.skin, "Article"), "headline": title}  # fmt: skip
    if ld_date:
        ld["datePublished"] = published.isoformat() if published else None
    if named and site.naming in ("jsonld", "both"):
        ld["publisher"] = {"@type": "Organization", "name": site.name}
    tags = [
        '<meta charset="utf-8">' if shape.charset_meta else "",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}{' | ' + escape(site.name) if named else ''}</title>",
        f'<link rel="canonical" href="{html_lib.escape(canonical or url)}">',
        f'<meta property="og:site_name" content="{html_lib.escape(site.name)}">'
        if named and site.naming in ("og", "both")
        else "",  # fmt: skip
        f'<meta property="og:title" content="{html_lib.escape(title)}">',
        head_date,
        f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>',
    ]
    return "\n".join(t for t in tags if t)


@dataclass
class Shape:
    """What a page carries besides its article: the credit line (or another line) and where it
    sits, whether the page names its own site, its canonical address, a recurring disclaimer,
    whether it declares its charset, and how its paragraphs are kept (``body_html``'s mode)."""

    line: str | None = None
    placement: str | None = None
    name_in_page: bool = True
    canonical: str | None = None
    disclaimer: list[str] | None = None
    charset_meta: bool = True
    mode: str = "p"


def render(site: Site, url: str, title: str, paragraphs: list[str], published: datetime | None,
           related: list[str], shape: Shape) -> str:  # fmt: skip
    """A whole page of ``site`` in its template, carrying ``paragraphs`` as its article."""
    v = {
        "site": site,
        "url": url,
        "t": escape(title),
        "n": escape(site.name),
        "shown": _dates(site, published)[2],
        "year": (published or datetime(2025, 6, 1)).year,
        "related": "".join(
            f'<li><a href="https://{site.host}/more/{i}/">{escape(r)}</a></li>'
            for i, r in enumerate(related)
        ),
        "notes": "".join(f'<p class="site-notice">{escape(p)}</p>' for p in shape.disclaimer or []),
    }
    under, before, after = place(shape.line, shape.placement, v)
    v.update(under=under, body=before + body_html(paragraphs, shape.mode) + after)
    head = _head(site, url, title, published, shape)
    page = _TEMPLATES[site.skin](v)
    return f'<!DOCTYPE html>\n<html lang="en" dir="ltr"><head>\n{head}\n</head><body>\n{page}\n</body></html>'  # fmt: skip


def _discourse(v: dict) -> str:
    return (
        f'<header class="d-header"><div class="title"><a href="https://{v["site"].host}/">{v["n"]}</a></div><div class="panel"><a class="btn sign-up-button" href="/signup">Sign Up</a><a class="login-button" href="/login">Log In</a></div></header>'
        f'<div id="main-outlet" class="wrap"><div id="topic-title"><h1><a class="fancy-title" href="{html_lib.escape(v["url"])}">{v["t"]}</a></h1>{v["under"]}<div class="topic-category"><span class="badge-category">News &amp; Current Affairs</span></div></div>'
        f'<div class="post-stream"><article class="topic-post" id="post_1"><div class="topic-meta-data"><span class="names"><a class="username" href="/u/newsdesk">newsdesk</a></span><span class="post-date">{v["shown"]}</span></div>'
        f'<div class="cooked">{v["body"]}</div><nav class="post-controls"><button class="like">Like</button><button class="share">Share</button><button class="reply">Reply</button></nav></article>'
        '<article class="topic-post" id="post_2"><div class="topic-meta-data"><span class="names"><a class="username" href="/u/reader42">reader42</a></span></div><div class="cooked"><p>Thanks for posting this here.</p></div></article></div>'
        f'<div class="suggested-topics"><h3>Suggested Topics</h3><ul class="topic-list">{v["related"]}</ul></div>{v["notes"]}</div>'
        f'<footer class="powered-by"><p>© {v["year"]} {v["n"]} · Powered by <a href="https://www.discourse.org">Discourse</a>, best viewed with JavaScript enabled</p></footer>'
    )  # fmt: skip


def _mediawiki(v: dict) -> str:
    return (
        f'<div id="mw-page-base" class="noprint"></div><div id="content" class="mw-body" role="main"><h1 id="firstHeading" class="firstHeading mw-first-heading"><span class="mw-page-title-main">{v["t"]}</span></h1>{v["under"]}'
        f'<div id="bodyContent" class="vector-body"><div id="siteSub" class="noprint">From {v["n"]}</div><div id="contentSub"><span class="date">{v["shown"]}</span></div>'
        f'<div id="mw-content-text" class="mw-body-content"><div class="mw-parser-output">{v["body"]}</div></div>'
        '<div id="catlinks" class="catlinks"><div id="mw-normal-catlinks"><a href="/wiki/Special:Categories">Categories</a>: <ul><li><a href="/wiki/Category:World">World</a></li><li><a href="/wiki/Category:Current_events">Current events</a></li></ul></div></div></div></div>'
        f'<div id="mw-navigation"><nav id="p-navigation" class="vector-menu"><h3>Navigation</h3><ul><li id="n-mainpage"><a href="/wiki/Main_Page">Main page</a></li><li id="n-recentchanges"><a href="/wiki/Special:RecentChanges">Recent changes</a></li></ul></nav>'
        f'<nav id="p-related" class="vector-menu"><h3>Related pages</h3><ul>{v["related"]}</ul></nav></div>{v["notes"]}'
        f'<footer id="footer" class="mw-footer"><ul id="footer-info"><li id="footer-info-lastmod">This page was last edited on {v["shown"] or "an earlier date"}.</li><li id="footer-info-copyright">Text is available under the Creative Commons Attribution-ShareAlike License; additional terms may apply.</li></ul>'
        f'<ul id="footer-places"><li><a href="/wiki/{v["n"]}:About">About {v["n"]}</a></li><li><a href="/wiki/{v["n"]}:General_disclaimer">Disclaimers</a></li></ul><ul id="footer-icons"><li><a href="https://www.mediawiki.org/">Powered by MediaWiki</a></li></ul></footer>'
    )  # fmt: skip


def _press_wire(v: dict) -> str:
    return (
        f'<header class="wire-header"><a class="wire-logo" href="https://{v["site"].host}/">{v["n"]}</a><nav class="wire-nav"><a href="/news-releases/">News</a><a href="/news-releases/list/">All releases</a><a href="/contact-us/">Send a release</a></nav></header>'
        f'<main class="release"><div class="release-header"><p class="release-category">News provided by <strong>{v["n"]} Newsroom</strong></p><h1 class="release-title">{v["t"]}</h1>{v["under"]}<p class="release-date">{v["shown"]}</p>'
        '<div class="share-tools"><a href="#email">Email</a> · <a href="#print">Print</a> · <a href="#share">Share</a></div></div>'
        f'<section class="release-body">{v["body"]}<p class="release-end">###</p></section>'
        f'<aside class="more-releases"><h2>More news releases</h2><ul>{v["related"]}</ul></aside>{v["notes"]}</main>'
        f'<footer class="wire-footer"><p>© {v["year"]} {v["n"]}. All rights reserved. Terms of use · Privacy</p></footer>'
    )  # fmt: skip


def _live_blog(v: dict) -> str:
    return (
        f'<header class="site-masthead"><a class="brand" href="https://{v["site"].host}/">{v["n"]}</a><nav><a href="/world/">World</a><a href="/live/">Live</a><a href="/opinion/">Opinion</a></nav></header>'
        f'<main class="liveblog"><div class="liveblog-header"><span class="live-badge">LIVE</span><h1 class="liveblog-title">{v["t"]}</h1>{v["under"]}<p class="updated">Updated {v["shown"]}</p></div>'
        '<section class="key-events"><h2>Key events</h2><ul><li><a href="#block-2">Officials respond</a></li><li><a href="#block-1">What we know so far</a></li></ul></section>'
        f'<ol class="liveblog-stream"><li class="block" id="block-2"><time class="block-time">{v["shown"]}</time><div class="block-elements">{v["body"]}</div></li>'
        '<li class="block" id="block-1"><time class="block-time">Earlier</time><div class="block-elements"><p>Welcome to our live coverage.</p></div></li></ol>'
        f'<aside class="onward"><h2>Most viewed</h2><ol>{v["related"]}</ol></aside>{v["notes"]}</main>'
        f'<footer class="site-footer">© {v["year"]} {v["n"]} · <a href="/help/">Help</a> · <a href="/terms/">Terms</a></footer>'
    )  # fmt: skip


def _print_view(v: dict) -> str:
    return (
        f'<div class="print-header"><p class="print-brand">{v["n"]}</p><p class="printed-from">Printed from {html_lib.escape(v["url"])}</p>'
        '<p class="noprint"><a href="javascript:window.print()">Print this page</a> · <a href="javascript:window.close()">Close window</a></p></div>'
        f'<div class="print-article"><h1>{v["t"]}</h1>{v["under"]}<p class="print-date">{v["shown"]}</p>{v["body"]}</div>{v["notes"]}'
        f'<div class="print-footer"><p>Copyright © {v["year"]} {v["n"]}. This copy is for your personal, non-commercial use only.</p></div>'
    )  # fmt: skip


def _squarespace(v: dict) -> str:
    return (
        f'<div id="siteWrapper" class="clearfix site-wrapper"><header id="header" class="header"><div class="header-title"><a href="https://{v["site"].host}/">{v["n"]}</a></div>'
        '<nav class="header-nav"><a href="/journal">Journal</a><a href="/about">About</a><a href="/contact">Contact</a></nav></header>'
        f'<main id="page" class="container" role="main"><article class="BlogItem hentry"><div class="blog-item-top-wrapper"><div class="blog-meta-item blog-meta-item--date">{v["shown"]}</div><h1 class="entry-title">{v["t"]}</h1>{v["under"]}</div>'
        f'<div class="blog-item-content-wrapper"><div class="sqs-layout sqs-grid-12 columns-12"><div class="sqs-block html-block"><div class="sqs-block-content">{v["body"]}</div></div></div></div>'
        '<div class="blog-item-share"><a href="#share-facebook">Facebook</a><a href="#share-x">X</a><a href="#share-linkedin">LinkedIn</a></div></article>'
        f'<section class="BlogItem-pagination"><h2>More from the journal</h2><ul>{v["related"]}</ul></section>{v["notes"]}</main>'
        f'<footer class="Footer"><div class="sqs-block-content"><p>© {v["year"]} {v["n"]} · Made with Squarespace</p></div></footer></div>'
    )  # fmt: skip


_TEMPLATES = {
    "discourse": _discourse,
    "mediawiki": _mediawiki,
    "press-wire": _press_wire,
    "live-blog": _live_blog,
    "print-view": _print_view,
    "squarespace": _squarespace,
}
