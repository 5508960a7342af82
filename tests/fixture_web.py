"""A small web of news sites on loopback for crawl tests, one HTTP server (port) per site.

Page texts come from the real-page corpus at run time (never copied into the repository):
originals are real article pages served as they were saved (their canonical links removed, so
they name no other site); reposts put a real article's paragraphs into another site's page
chrome (written here) and add a credit line. Every request is logged so tests can assert what
was, and was not, fetched.

Sites:

* ``origin`` (watched): two real originals, an article edited between crawls (a real newsroom
  edit from NewsEdits), a redirect, a 404, a PDF, and ``/private/`` disallowed by robots.txt;
  RSS feed, sitemap index with a news sitemap.
* ``reposter`` (watched): a credited repost, an uncredited repost, an excerpt whose feed item
  carries an RSS ``<source>``; Atom feed.
* ``aggregator`` (watched): the end of a credit chain, ``aggregator <- middle <- hidden``.
* ``middle``, ``hidden`` (not watched): reachable only by following credit links.
* ``bulk`` (watched only by the resume test): generated articles, sitemap only.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_LOCK = threading.Lock()


@dataclass
class Hit:
    """One request the fixture web answered."""

    site: str
    path: str
    status: int
    headers: dict[str, str]


@dataclass
class Route:
    """What a path answers: a body (or a function of the web's state) and its type, or a redirect."""

    body: bytes | Callable[[], bytes] = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None
    modified: Callable[[], datetime] | None = None


@dataclass
class FixtureSite:
    """One site of the fixture web: its server, routes and base URL."""

    key: str
    name: str
    routes: dict[str, Route] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def host(self) -> str:
        return self.base.removeprefix("http://")

    def url(self, path: str) -> str:
        return self.base + path


def _chrome(
    site_name: str, title: str, body_html: str, nav: list[tuple[str, str]] | None = None
) -> str:
    """A plain news page around an article: header, navigation, sidebar and footer."""
    links = "".join(
        f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in (nav or [])
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {html.escape(site_name)}</title>
<meta property="og:site_name" content="{html.escape(site_name)}"></head>
<body>
<header><div class="logo">{html.escape(site_name)}</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about.html">About us</a></li>{links}</ul></nav></header>
<main><article><h1>{html.escape(title)}</h1>
<div class="entry-content">
{body_html}
</div></article></main>
<aside><h3>Newsletter</h3><p>Sign up for our weekly newsletter.</p></aside>
<footer><p>Independent news from around the world, collected by volunteers.</p></footer>
</body></html>"""


def _paragraphs_html(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _strip_self_naming(page: str) -> str:
    """Drop the saved page's canonical/og:url so it names no other site than the one serving it."""
    import re

    page = re.sub(r"<link[^>]+rel=[\"']?canonical[\"']?[^>]*>", "", page, flags=re.I)
    page = re.sub(r"<meta[^>]+property=[\"']og:url[\"'][^>]*>", "", page, flags=re.I)
    return page


def _pick_originals(corpus: Path, count: int) -> list[tuple[str, str, list[str]]]:
    """Real English article pages with plain bodies and no credit wording of their own."""
    root = corpus / "scrapinghub-article-extraction-benchmark"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    picked = []
    for key in sorted(truth):
        body = truth[key]["articleBody"]
        lower = body.lower()
        paragraphs = [p.strip() for p in body.split("\n") if len(p.strip()) > 40]
        if not (2500 < len(body) < 6000 and len(paragraphs) >= 6):
            continue
        if any(
            w in lower for w in ("originally", "republish", "this article", "source:", "appeared")
        ):
            continue
        if not truth[key]["url"].startswith("https://www.") or not body.isascii():
            continue
        page = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")
        picked.append((key, _strip_self_naming(page), paragraphs))
        if len(picked) == count:
            break
    return picked


def _newsedits_versions(corpus: Path) -> tuple[str, list[str], list[str]]:
    """Two consecutive versions of one real wire story (AP entry 1 of the NewsEdits sample)."""
    import re

    path = corpus / "copietje-neardup-variants-and-newsedits" / "newsedits_sample.jsonl"
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    versions = sorted(
        (r for r in rows if r["original_db"] == "ap" and r["entry_id"] == 1),
        key=lambda r: r["version"],
    )

    def paragraphs(summary: str) -> list[str]:
        parts = re.findall(r"<p>(.*?)</p>", summary, flags=re.S)
        return [
            html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", p))).strip()
            for p in parts
            if p.strip()
        ]

    first, second = paragraphs(versions[0]["summary"]), paragraphs(versions[1]["summary"])
    return "Clemency for hundreds before the term ends", first, second


_WORDS = (
    "river council harbour budget school winter market railway festival library bridge farmers "
    "museum election hospital forest coast village energy transport water housing court report "
    "mayor students workers volunteers storm garden trade history science music island road"
).split()


def generated_article(index: int) -> tuple[str, list[str]]:
    """A deterministic self-authored article (title, paragraphs) for bulk sites."""
    rng = random.Random(index)
    title = f"Report {index}: the {rng.choice(_WORDS)} and the {rng.choice(_WORDS)}"
    paragraphs = []
    for _ in range(rng.randint(5, 9)):
        sentences = []
        for _ in range(rng.randint(2, 4)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 16))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    return title, paragraphs


def _rss(site: FixtureSite, items: list[dict]) -> bytes:
    parts = []
    for item in items:
        source = ""
        if item.get("source"):
            url, name = item["source"]
            source = f'<source url="{html.escape(url)}">{html.escape(name)}</source>'
        parts.append(
            f"<item><title>{html.escape(item['title'])}</title><link>{html.escape(item['url'])}</link>"
            f"<pubDate>{item.get('date', 'Mon, 01 Jan 2024 10:00:00 +0000')}</pubDate>{source}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(site.name)}</title><link>{site.base}/</link>{''.join(parts)}</channel></rss>"
    ).encode()


def _atom(site: FixtureSite, items: list[dict]) -> bytes:
    entries = "".join(
        f'<entry><title>{html.escape(i["title"])}</title><link rel="alternate" href="{html.escape(i["url"])}"/>'
        f"<id>{html.escape(i['url'])}</id><updated>2024-01-01T10:00:00Z</updated>"
        + (
            f'<source><title>{html.escape(i["source"][1])}</title><link href="{html.escape(i["source"][0])}"/></source>'
            if i.get("source")
            else ""
        )
        + "</entry>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{html.escape(site.name)}</title><id>{site.base}/</id><updated>2024-01-01T10:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def _urlset(entries: list[tuple[str, str]], news: bool = False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    rows = []
    for url, lastmod in entries:
        extra = (
            f"<news:news><news:publication><news:name>x</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>{lastmod}</news:publication_date></news:news>"
            if news
            else f"<lastmod>{lastmod}</lastmod>"
        )
        rows.append(f"<url><loc>{html.escape(url)}</loc>{extra}</url>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>'
        + "".join(rows)
        + "</urlset>"
    ).encode()


class FixtureWeb:
    """The fixture web: start it, read its URLs, flip the edited page, read the request log."""

    def __init__(self, corpus: Path, bulk_pages: int = 30) -> None:
        self.corpus = corpus
        self.bulk_pages = bulk_pages
        self.sites: dict[str, FixtureSite] = {}
        self.hits: list[Hit] = []
        self.edited_version = 1
        self.edited_changed_at = datetime(2024, 2, 1, 10, tzinfo=UTC)
        for key, name in (
            ("origin", "Origin Daily"),
            ("reposter", "Repost Weekly"),
            ("aggregator", "The Aggregator"),
            ("middle", "Middle Press"),
            ("hidden", "Hidden Times"),
            ("bulk", "Bulk News"),
        ):
            self.sites[key] = FixtureSite(key, name)

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> FixtureWeb:
        for site in self.sites.values():
            site.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(site))
            site.server.daemon_threads = True
            threading.Thread(target=site.server.serve_forever, daemon=True).start()
        self._build()
        return self

    def stop(self) -> None:
        for site in self.sites.values():
            if site.server:
                site.server.shutdown()
                site.server.server_close()

    def _handler(self, site: FixtureSite) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path.split("?", 1)[0].split("#", 1)[0]
                route = site.routes.get(path)
                status, headers, body = (
                    404,
                    {"Content-Type": "text/html"},
                    b"<html><body>Not found</body></html>",
                )
                if route is not None and route.location:
                    status, headers, body = route.status, {"Location": route.location}, b""
                elif route is not None:
                    body = route.body() if callable(route.body) else route.body
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    headers = {"Content-Type": route.content_type, "ETag": etag}
                    if route.modified:
                        headers["Last-Modified"] = format_datetime(route.modified(), usegmt=True)
                    status = route.status
                    if self.headers.get("If-None-Match") == etag:
                        status, body = 304, b""
                with _LOCK:
                    web.hits.append(Hit(site.key, self.path, status, dict(self.headers.items())))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    # -- queries ------------------------------------------------------------------------------

    def url(self, site: str, path: str) -> str:
        return self.sites[site].url(path)

    def requests(self, site: str | None = None, path: str | None = None) -> list[Hit]:
        with _LOCK:
            return [
                h
                for h in self.hits
                if (site is None or h.site == site) and (path is None or h.path == path)
            ]

    def clear_log(self) -> None:
        with _LOCK:
            self.hits.clear()

    def edit_page(self) -> None:
        """Publish the second version of the edited article (its sitemap lastmod moves too)."""
        self.edited_version = 2
        self.edited_changed_at = datetime.now(UTC).replace(microsecond=0)

    def sources_yaml(self, follow_credits: int = 2, bulk: bool = False) -> str:
        """A sources file watching origin, reposter and aggregator (or only bulk)."""
        o, r, a, b = (self.sites[k] for k in ("origin", "reposter", "aggregator", "bulk"))
        if bulk:
            return f"""sites:
  - name: {b.name}
    domain: {b.host}
    sitemaps: [{b.url("/sitemap.xml")}]
follow_credits: 0
allow_private: true  # the fixture web is on loopback
"""
        return f"""# fixture web sources
sites:
  - name: {o.name}
    domain: {o.host}
    feeds: [{o.url("/feed.xml")}]
    sitemaps: [{o.url("/sitemap.xml")}]
    start_urls: [{o.url("/")}]
    article_urls: ['/20\\d\\d/']
  - name: {r.name}
    domain: {r.host}
    feeds: [{r.url("/atom.xml")}]
    start_urls: [{r.url("/")}]
    article_urls: ['/news/']
  - name: {a.name}
    domain: {a.host}
    feeds: [{a.url("/rss")}]
    start_urls: [{a.url("/")}]
    article_urls: ['/stories/']
follow_credits: {follow_credits}
recheck: [1h, 6h, 1d, 3d, 7d]
allow_private: true  # the fixture web is on loopback
"""

    # -- content ------------------------------------------------------------------------------

    def _build(self) -> None:
        originals = _pick_originals(self.corpus, 4)
        (k1, page1, paras1), (k2, page2, paras2), (k3, page3, _), (k4, page4, paras4) = originals
        self.original_keys = [k1, k2, k3, k4]
        o, r, a, m, h, b = (
            self.sites[k] for k in ("origin", "reposter", "aggregator", "middle", "hidden", "bulk")
        )
        served = datetime(2024, 1, 1, 10, tzinfo=UTC)

        def static(text: str, content_type: str = "text/html; charset=utf-8") -> Route:
            return Route(text.encode("utf-8"), content_type, modified=lambda: served)

        # origin: originals, an edited article, a redirect, a 404, a PDF, a robots-disallowed page.
        title, first, second = _newsedits_versions(self.corpus)
        o.routes["/2024/01/original-1.html"] = static(page1)
        o.routes["/2024/01/original-2.html"] = static(page2)
        o.routes["/2024/01/original-3.html"] = static(page3)
        o.routes["/2024/02/edited.html"] = Route(
            lambda: _chrome(
                o.name, title, _paragraphs_html(first if self.edited_version == 1 else second)
            ).encode(),
            modified=lambda: self.edited_changed_at,
        )
        o.routes["/2024/01/moved.html"] = Route(
            status=301, location=o.url("/2024/01/original-3.html")
        )
        o.routes["/2024/01/report.pdf"] = Route(
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            "application/pdf",
        )
        o.routes["/private/draft.html"] = static(
            _chrome(o.name, "Draft", "<p>Not for robots: an unpublished draft.</p>" * 5)
        )
        o.routes["/robots.txt"] = static(
            f"User-agent: *\nDisallow: /private/\n\nSitemap: {o.url('/sitemap.xml')}\n",
            "text/plain",
        )
        articles = ["/2024/01/original-1.html", "/2024/01/original-2.html", "/2024/02/edited.html"]
        o.routes["/feed.xml"] = Route(
            lambda: _rss(
                o,
                [{"title": p, "url": o.url(p)} for p in articles]
                + [
                    {"title": "gone", "url": o.url("/2024/01/gone.html")},
                    {"title": "draft", "url": o.url("/private/draft.html")},
                    {
                        "title": "tracked",
                        "url": o.url("/2024/01/original-1.html?utm_source=rss#top"),
                    },
                ],
            ),
            "application/rss+xml",
        )
        o.routes["/sitemap.xml"] = static(
            '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{o.url('/sitemap-news.xml')}</loc></sitemap></sitemapindex>",
            "application/xml",
        )
        o.routes["/sitemap-news.xml"] = Route(
            lambda: _urlset(
                [(o.url(p), "2024-01-01T10:00:00+00:00") for p in articles[:2]]
                + [
                    (o.url("/2024/02/edited.html"), self.edited_changed_at.isoformat()),
                    (o.url("/2024/01/moved.html"), "2024-01-01T10:00:00+00:00"),
                    (o.url("/2024/01/report.pdf"), "2024-01-01T10:00:00+00:00"),
                    (o.url("/private/draft.html"), "2024-01-01T10:00:00+00:00"),
                ],
                news=True,
            ),
            "application/xml",
        )
        o.routes["/"] = static(
            _chrome(
                o.name,
                "Front page",
                "<ul>"
                + "".join(
                    f'<li><a href="{p}">{p}</a></li>'
                    for p in [*articles, "/private/draft.html", "/about.html"]
                )
                + "</ul>",
            )
        )
        o.routes["/about.html"] = static(
            _chrome(o.name, "About", "<p>A fixture site for crawl tests.</p>")
        )

        # reposter: a credited repost, an uncredited repost, an excerpt.
        credit = f'<p>This article originally appeared on <a href="{o.url("/2024/01/original-1.html")}">{o.name}</a>.</p>'
        r.routes["/news/credited.html"] = static(
            _chrome(r.name, "A story from elsewhere", _paragraphs_html(paras1) + credit)
        )
        r.routes["/news/uncredited.html"] = static(
            _chrome(r.name, "Our own story", _paragraphs_html(paras2))
        )
        r.routes["/news/excerpt.html"] = static(
            _chrome(r.name, "In brief", _paragraphs_html(paras1[: max(2, len(paras1) // 3)]))
        )
        reposts = ["/news/credited.html", "/news/uncredited.html", "/news/excerpt.html"]
        r.routes["/atom.xml"] = static(
            _atom(
                r,
                [
                    {"title": "credited", "url": r.url(reposts[0])},
                    {"title": "uncredited", "url": r.url(reposts[1])},
                    {
                        "title": "excerpt",
                        "url": r.url(reposts[2]),
                        "source": (o.url("/feed.xml"), o.name),
                    },
                ],
            ).decode(),
            "application/atom+xml",
        )
        for site in (r, a, m, h, b):
            site.routes["/about.html"] = static(
                _chrome(site.name, "About", "<p>A fixture site for crawl tests.</p>")
            )
        r.routes["/robots.txt"] = static("User-agent: *\nAllow: /\n", "text/plain")
        r.routes["/"] = static(
            _chrome(r.name, "Front", "".join(f'<p><a href="{p}">{p}</a></p>' for p in reposts))
        )

        # The chain: aggregator credits middle ("Go to Original"), middle credits hidden (link).
        hidden_url, middle_url = h.url("/articles/original-4.html"), m.url("/2024/repost.html")
        h.routes["/articles/original-4.html"] = static(page4)
        h.routes["/robots.txt"] = static("User-agent: *\nAllow: /\n", "text/plain")
        m.routes["/2024/repost.html"] = static(
            _chrome(
                m.name,
                "Reposted with thanks",
                _paragraphs_html(paras4)
                + f'<p>Originally published at <a href="{hidden_url}">{h.name}</a>.</p>',
            )
        )
        m.routes["/robots.txt"] = static("User-agent: *\nAllow: /\n", "text/plain")
        a.routes["/stories/chain.html"] = static(
            _chrome(
                a.name,
                "Found on the web",
                _paragraphs_html(paras4)
                + f'<p>Go to Original – <a href="{middle_url}">{m.host}</a></p>',
            )
        )
        a.routes["/rss"] = static(
            _rss(a, [{"title": "chain", "url": a.url("/stories/chain.html")}]).decode(),
            "application/rss+xml",
        )
        a.routes["/robots.txt"] = static("User-agent: *\nAllow: /\n", "text/plain")
        a.routes["/"] = static(
            _chrome(a.name, "Front", '<p><a href="/stories/chain.html">chain</a></p>')
        )

        # bulk: generated articles listed in a sitemap only (the resume test).
        bulk_paths = [f"/a/{i:04d}.html" for i in range(self.bulk_pages)]
        for i, path in enumerate(bulk_paths):
            t, paras = generated_article(i)
            b.routes[path] = static(_chrome(b.name, t, _paragraphs_html(paras)))
        b.routes["/sitemap.xml"] = static(
            _urlset([(b.url(p), "2024-01-01") for p in bulk_paths]).decode(), "application/xml"
        )
        b.routes["/robots.txt"] = static("User-agent: *\nAllow: /\n", "text/plain")
