"""The demo web: several small news sites served from one loopback HTTP server.

Each site has a front page, robots.txt, an RSS feed, a sitemap and article pages wrapped in its
own chrome (navigation, share buttons, related links, disclaimers, comment policy). The server
answers both as an ordinary web server (the ``Host`` header picks the site) and as an HTTP proxy
(absolute request URIs), so a crawler pointed at it with ``http_proxy`` sees real-looking hosts.
"""

from __future__ import annotations

import threading
from datetime import datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tracker.demo.content import SITES, Article, articles_in_state

_CHROME = {
    "peoplesvoice.example": (
        "<p class='disclaimer'>DISCLAIMER: The statements, views and opinions expressed in pieces "
        "republished here are solely those of the authors and do not necessarily represent those of "
        "People's Voice. In accordance with title 17 U.S.C. section 107, this material is distributed "
        "without profit to those who have expressed a prior interest in receiving the included "
        "information for research and educational purposes.</p>"
    ),
    "newsbucket.example": (
        "<div class='comment-policy'><p>Comment policy: we welcome comments that add to the discussion. "
        "Comments are moderated and may take up to a day to appear.</p></div>"
    ),
}


def _page(site: str, title: str, body: str, head: str = "") -> str:
    name = escape(SITES[site])
    others = "".join(
        f"<li><a href='http://{host}/'>{escape(label)}</a></li>"
        for host, label in SITES.items()
        if host != site
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | {name}</title>
<meta property="og:site_name" content="{name}">
<link rel="alternate" type="application/rss+xml" href="/feed.xml">{head}
</head><body>
<header><nav class="menu"><a href="/">{name}</a> <a href="/">Home</a> <a href="/">Local</a>
<a href="/">Opinion</a> <a href="/">Sport</a> <a href="/private/drafts/">Staff</a></nav></header>
<main>{body}</main>
<aside class="related"><h3>More from the network</h3><ul>{others}</ul></aside>
<footer><div class="share">Share this: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>
{_CHROME.get(site, "")}
<p>© 2026 {name}. All rights reserved.</p></footer>
</body></html>"""


def render_article(article: Article) -> str:
    """The HTML page of one article, in its site's chrome."""
    canonical = article.canonical or article.url
    head = (
        f'\n<link rel="canonical" href="{escape(canonical)}">'
        f'\n<meta property="og:url" content="{escape(canonical)}">'
        f'\n<meta property="og:title" content="{escape(article.title)}">'
        f'\n<meta property="article:published_time" content="{article.published}">'
        f'\n<meta name="author" content="{escape(article.byline)}">'
    )
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    body = (
        f"<article><h1>{escape(article.title)}</h1>"
        f"<p class='byline'>{escape(article.byline)} · <time datetime='{article.published}'>"
        f"{article.published[:10]}</time></p>\n{paragraphs}\n{article.credit_html}</article>"
    )
    return _page(article.site, article.title, body, head)


def render_front(site: str, state: int) -> str:
    """A site's front page listing its articles."""
    items = "".join(
        f"<li><a href='{a.path}'>{escape(a.title)}</a></li>"
        for a in articles_in_state(state)
        if a.site == site
    )
    return _page(
        site, SITES[site], f"<h1>{escape(SITES[site])}</h1><ul class='latest'>{items}</ul>"
    )


def render_feed(site: str, state: int) -> str:
    """A site's RSS 2.0 feed."""
    items = []
    for a in articles_in_state(state):
        if a.site != site:
            continue
        date = format_datetime(datetime.fromisoformat(a.published))
        items.append(
            f"<item><title>{escape(a.title)}</title><link>{a.url}</link><guid>{a.url}</guid>"
            f"<pubDate>{date}</pubDate><description>{escape(a.paragraphs[0])}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(SITES[site])}</title><link>http://{site}/</link>"
        f"<description>Latest from {escape(SITES[site])}</description>{''.join(items)}</channel></rss>"
    )


def render_sitemap(site: str, state: int) -> str:
    """A site's sitemap."""
    urls = "".join(
        f"<url><loc>{a.url}</loc><lastmod>{a.published[:10]}</lastmod></url>"
        for a in articles_in_state(state)
        if a.site == site
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


ROBOTS = "User-agent: *\nDisallow: /private/\nSitemap: http://{site}/sitemap.xml\n"


class DemoWeb:
    """The demo sites on one loopback server; ``state`` switches the web to its later version.

    Examples:
        >>> web = DemoWeb().start()
        >>> web.proxy_url.startswith("http://127.0.0.1:")
        True
        >>> web.stop()
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = 1
        self.requests: list[str] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet: the crawler logs
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                host = (parts.hostname or self.headers.get("Host") or "").split(":")[0].lower()
                path = parts.path or "/"
                web.requests.append(f"http://{host}{path}")
                status, ctype, body = web.respond(host, path)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def proxy_url(self) -> str:
        """The server's address, for ``http_proxy``."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond(self, host: str, path: str) -> tuple[int, str, str]:
        """Status, content type and body for one request."""
        if host not in SITES:
            return 404, "text/plain", f"no such demo site: {host}"
        if path == "/robots.txt":
            return 200, "text/plain", ROBOTS.format(site=host)
        if path == "/feed.xml":
            return 200, "application/rss+xml", render_feed(host, self.state)
        if path == "/sitemap.xml":
            return 200, "application/xml", render_sitemap(host, self.state)
        if path == "/":
            return 200, "text/html; charset=utf-8", render_front(host, self.state)
        for article in articles_in_state(self.state):
            if article.site == host and article.path == path:
                return 200, "text/html; charset=utf-8", render_article(article)
        return 404, "text/html", "<html><body><h1>Not found</h1></body></html>"

    def start(self) -> DemoWeb:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
