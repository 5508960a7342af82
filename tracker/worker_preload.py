"""Imported by the extraction workers' fork server (:mod:`tracker.workers`) before it forks them:
extracts one small built-in page, so the caches every extraction fills on its first page (the
compiled credit phrases, the regular expressions of trafilatura's XPath expressions) are filled
once, in the fork server, and every worker starts warm instead of paying ~0.1 s on its first page.

Nothing here starts a thread: the fork server must stay single-threaded to fork safely.
"""

from __future__ import annotations

import contextlib

from tracker.items import FetchedPage
from tracker.record import build_or_error

_SENTENCE = "A sentence long enough for the extractor to keep it as the text of an article. "
# Elements of the kinds trafilatura's expressions test (div, section, span, list, table, link,
# a class and an id on each), so that each of its regular expressions is compiled here.
_PAGE = (
    '<html><head><title>Warm-up</title><meta name="description" content="A page.">'
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Warm-up"}</script>'
    '</head><body><div id="page" class="wrapper"><nav class="menu"><ul><li><a href="/">Home</a>'
    '</li></ul></nav><section class="main" id="content"><article class="post"><h1>Warm-up</h1>'
    '<span class="date">1 January 2024</span>'
    + "".join(f'<div class="text" id="p{i}"><p>{i}. {_SENTENCE * 4}</p></div>' for i in range(4))
    + '<table class="data"><tr><td>cell</td></tr></table>'
    + '<p>This article originally appeared on <a href="https://www.theatlantic.com/a">The Atlantic</a>.</p>'
    + "<p>Source: theatlantic.com</p>"
    + '</article></section><aside class="sidebar"><span id="ad">Ad</span></aside>'
    + '<footer id="footer">Footer</footer></div></body></html>'
)


def warm_up() -> None:
    """Extract the built-in page once (its result, or its failure, is dropped: a warm-up that
    fails must not take the fork server down with it)."""
    with contextlib.suppress(Exception):
        build_or_error(
            FetchedPage(
                url="https://example.com/warm-up",
                body=_PAGE.encode(),
                fetched_at="2024-01-01T00:00:00+00:00",
            )
        )


warm_up()
