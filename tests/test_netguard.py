"""No internal fetches: links, credit links, canonical links and redirects to loopback in every
spelling are refused, with and without an HTTP proxy, while an allowed loopback site still
crawls; the check holds where the connection is made (the resolver), not only in a middleware.

Everything runs on loopback: an "internal" listener that counts its hits, a hostile site that
points at it, and a forwarding proxy. Crawls run in subprocesses (Scrapy's reactor starts once
per process).
"""

from __future__ import annotations

import ipaddress
import json
import os
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fixture_web import generated_article
from tracker.netguard import NetPolicy, is_internal, parse_ip
from tracker.sources import SourcesError, parse_sources

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "TRACKER_EXTRACT_PROCESSES=1"]
SECRET = "AccessKeyId ASIAFAKEFAKEFAKE internal secret"


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a crawler hanging up on a body over DOWNLOAD_MAXSIZE is expected here


class Server:
    """A loopback HTTP server answering from ``answer(path) -> (status, headers, body)``."""

    def __init__(self, answer: Callable[[str, str], tuple[int, dict[str, str], bytes]]) -> None:
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.hits.append(self.path)
                status, headers, body = answer(self.path, self.headers.get("Host", ""))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _internal(path: str, host: str) -> tuple[int, dict[str, str], bytes]:
    page = f"<html><head><title>metadata</title></head><body><article>{('<p>' + SECRET + '</p>') * 8}</article></body></html>"
    return 200, {"Content-Type": "text/html"}, page.encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _forward(path: str, host: str) -> tuple[int, dict[str, str], bytes]:
    """A forwarding HTTP proxy: fetch the absolute URI it was asked for, redirects not followed."""
    try:
        with _OPENER.open(path, timeout=10) as answer:
            return (
                answer.status,
                {"Content-Type": answer.headers.get("Content-Type", "")},
                answer.read(),
            )
    except urllib.error.HTTPError as error:
        headers = {k: v for k, v in error.headers.items() if k in ("Location", "Content-Type")}
        return error.code, headers, error.read()
    except OSError:
        return 502, {"Content-Type": "text/plain"}, b"bad gateway"


def spellings(port: int) -> list[str]:
    """The internal listener's address, spelled every way a resolver accepts."""
    return [
        f"http://127.0.0.1:{port}/plain",
        f"http://2130706433:{port}/decimal",
        f"http://0x7f000001:{port}/hex",
        f"http://0177.0.0.1:{port}/octal",
        f"http://127.1:{port}/short",
        f"http://[::ffff:127.0.0.1]:{port}/mapped",
        f"http://localhost:{port}/name",
        f"http://localhost.:{port}/dotted-name",
    ]


def _article(index: int, extra_head: str = "", extra_body: str = "") -> bytes:
    title, paragraphs = generated_article(1000 + index)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"{extra_head}</head><body><main><article><h1>{title}</h1>{body}{extra_body}"
        "</article></main></body></html>"
    ).encode()


class HostileSite:
    """A listed site whose pages credit, canonicalise and redirect to the internal listener."""

    def __init__(self, internal_port: int) -> None:
        self.targets = spellings(internal_port)
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        html = {"Content-Type": "text/html; charset=utf-8"}
        items = ["/news/ok.html"]
        self.routes["/news/ok.html"] = (200, html, _article(0))
        # Each way in names its own URL, so no request is dropped as a duplicate of another.
        for i, target in enumerate(self.targets, start=1):
            credit = f"<p>This article originally appeared on <a href='{target}-credit'>Internal</a>.</p>"
            self.routes[f"/news/credit-{i}.html"] = (200, html, _article(i, extra_body=credit))
            canonical = f"{target}-canonical"
            head = f"<link rel='canonical' href='{canonical}'><meta property='og:url' content='{canonical}'>"
            self.routes[f"/news/canon-{i}.html"] = (200, html, _article(100 + i, extra_head=head))
            self.routes[f"/news/redirect-{i}.html"] = (302, {"Location": f"{target}-redirect"}, b"")
            items += [f"/news/credit-{i}.html", f"/news/canon-{i}.html", f"/news/redirect-{i}.html"]
        self.items = items
        self.extra_links: list[str] = []
        self.server = Server(self.answer)

    def answer(self, path: str, host: str) -> tuple[int, dict[str, str], bytes]:
        path = path.split("://", 1)[-1]
        path = "/" + path.split("/", 1)[1] if not path.startswith("/") else path
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/feed.xml":
            links = [self.server.base + p for p in self.items] + self.targets + self.extra_links
            entries = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in links)
            feed = f"<?xml version='1.0'?><rss version='2.0'><channel><title>h</title>{entries}</channel></rss>"
            return 200, {"Content-Type": "application/rss+xml"}, feed.encode()
        return self.routes.get(path, (404, {"Content-Type": "text/html"}, b"<p>not found</p>"))


@pytest.fixture()
def web():
    internal = Server(_internal)
    hostile = HostileSite(internal.port)
    proxy = Server(_forward)
    yield internal, hostile, proxy
    for server in (internal, hostile.server, proxy):
        server.stop()


def run_tracker(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {
        k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")
    }
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", "from tracker.cli import cli; cli()", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=240,
    )


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("through_proxy", [False, True], ids=["direct", "proxy"])
def test_internal_listener_gets_no_hit_in_any_spelling(web, tmp_path, through_proxy):
    internal, hostile, proxy = web
    sources = tmp_path / "sources.yml"
    sources.write_text(
        f"""sites:
  - name: Hostile
    domain: {hostile.server.base.removeprefix("http://")}
    feeds: [{hostile.server.base}/feed.xml]
    allow_private: true  # this site only: the listener on another loopback port is not allowed
follow_credits: 2
"""
    )
    db = tmp_path / "t.db"
    env = {"http_proxy": proxy.base, "no_proxy": ""} if through_proxy else {}
    # The proxy is infrastructure, not a target: a link to the proxy itself is refused too.
    hostile.extra_links = [f"{proxy.base}/proxy-self"]
    result = run_tracker(
        "crawl", "--sources", str(sources), "--db", str(db), "--spider", "feed",
        "--spider", "credits", *FAST, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert internal.hits == []
    assert "Traceback" not in result.stderr
    stored = {url for (url,) in rows(db, "select url from pages")}
    assert f"{hostile.server.base}/news/ok.html" in stored  # the allowed loopback site crawls
    assert all(url.startswith(hostile.server.base) for url in stored)
    assert not rows(db, f"select id from versions where text like '%{SECRET[:20]}%'")
    if through_proxy:
        assert any(hit.startswith(hostile.server.base) for hit in proxy.hits)
        assert not any(str(internal.port) in hit for hit in proxy.hits)
    assert not any("proxy-self" in hit for hit in proxy.hits)
    stats = [json.loads(s) for (s,) in rows(db, "select stats from crawl_runs")]
    refused = sum(int(s.get("tracker/refused_internal", 0)) for s in stats)
    assert refused >= len(hostile.targets)  # feed links alone name each spelling once
    # A redirect to an internal address is remembered with its reason and a back-off.
    notes = dict(rows(db, "select url, note from crawl_urls where next_check is not null"))
    redirect = f"{hostile.server.base}/news/redirect-1.html"
    assert "refused" in notes.get(redirect, ""), notes
    # Each refusal is one log line, not a traceback.
    assert result.stderr.count("refused http") <= refused


def test_second_run_does_not_ask_again_at_once(web, tmp_path):
    internal, hostile, proxy = web
    sources = tmp_path / "sources.yml"
    sources.write_text(
        f"sites:\n  - name: H\n    feeds: [{hostile.server.base}/feed.xml]\n"
        "    allow_private: true\nfollow_credits: 0\n"
    )
    db = tmp_path / "t.db"
    args = ("crawl", "--sources", str(sources), "--db", str(db), "--spider", "feed", *FAST)
    assert run_tracker(*args).returncode == 0
    first = len(hostile.server.hits)
    assert run_tracker(*args).returncode == 0
    redirects = [h for h in hostile.server.hits[first:] if "redirect-" in h]
    assert redirects == []  # backed off: not asked again in the next run
    assert internal.hits == []


RESOLVER_SCRIPT = """
import sys
from twisted.internet import reactor
from twisted.web.client import Agent, readBody
from tracker.netguard import GUARD, GuardedResolver, NetPolicy

class Settings:
    def getbool(self, name): return False
    def getint(self, name): return 0
class Crawler:
    settings = Settings()

GuardedResolver.from_crawler(Crawler(), reactor).install_on_reactor()
policy = NetPolicy()
policy.allow_host("127.0.0.1:" + sys.argv[1])
GUARD.set_policy(policy)
agent = Agent(reactor)
results = []

def fetch(urls):
    if not urls:
        print(" ".join(results)); reactor.stop(); return
    d = agent.request(b"GET", urls[0].encode())
    d.addCallback(readBody)
    d.addCallbacks(lambda body: results.append("ok"), lambda f: results.append(f.type.__name__))
    d.addBoth(lambda _: fetch(urls[1:]))

reactor.callWhenRunning(fetch, sys.argv[2:])
reactor.run()
"""


def test_resolver_refuses_where_the_connection_is_made(web):
    """Without the middleware, the resolver alone keeps every spelling off the listener."""
    internal, hostile, _ = web
    targets = [t for t in spellings(internal.port) if "[" not in t]
    result = subprocess.run(
        [sys.executable, "-c", RESOLVER_SCRIPT, str(hostile.server.port),
         f"{hostile.server.base}/news/ok.html", *targets],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcomes = result.stdout.split()
    assert outcomes[0] == "ok"  # the allowed host and port connects
    assert all(o == "DNSLookupError" for o in outcomes[1:]), outcomes
    assert internal.hits == []


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]", "[::1]", "0.0.0.0"],
)
def test_every_spelling_of_an_internal_address_is_internal(host):
    address = parse_ip(host)
    assert address is not None and is_internal(address)


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "fd12::1",
     "fe80::1", "ff02::1", "224.0.0.251", "240.0.0.1", "::", "64:ff9b::7f00:1", "2002:7f00:1::1"],
)  # fmt: skip
def test_private_reserved_and_embedded_addresses_are_internal(address):
    assert is_internal(ipaddress.ip_address(address))


def test_public_addresses_and_names_are_not():
    assert not is_internal(ipaddress.ip_address("93.184.216.34"))
    assert not is_internal(ipaddress.ip_address("2606:2800:220:1::1"))
    assert parse_ip("example.org") is None and parse_ip("cafe.be") is None


def test_policy_from_sources_allows_only_what_it_names():
    sources = parse_sources(
        """sites:
  - name: Test site
    domain: 127.0.0.1:8080
    allow_private: true
  - name: Public
    domain: example.org
allow_private_hosts: [intranet.example, 10.1.0.0/16, "[::1]:9000"]
""",
        "s.yml",
    )
    policy = NetPolicy.from_sources(sources)
    loopback = ipaddress.ip_address("127.0.0.1")
    assert policy.allows("127.0.0.1", 8080, loopback)
    assert not policy.allows("127.0.0.1", 8081, loopback)
    assert not policy.allows("localhost", 8081, loopback)
    assert policy.allows("intranet.example", 80, ipaddress.ip_address("10.9.9.9"))
    assert policy.allows("db.example", 5432, ipaddress.ip_address("10.1.2.3"))
    assert not policy.allows("db.example", 5432, ipaddress.ip_address("10.2.2.3"))
    assert policy.allows("::1", 9000, ipaddress.ip_address("::1"))
    assert policy.allows("example.org", 80, ipaddress.ip_address("93.184.216.34"))
    everything = NetPolicy.from_sources(parse_sources("sites: []\nallow_private: true\n"))
    assert everything.allows("localhost", 1, loopback)
    assert NetPolicy.from_sources(None).allows("a.example", 80, loopback) is False


@pytest.mark.parametrize(
    "text, message",
    [
        ("sites: []\nallow_private: maybe\n", "allow_private: expected true or false"),
        ("sites: []\nallow_private_hosts: [10.0.0.0/33]\n", "is not a network"),
        ("sites: []\nallow_private_hosts: ['http://x']\n", "has a scheme or a path"),
    ],
)
def test_bad_allow_private_values_are_one_clear_error(text, message):
    with pytest.raises(SourcesError, match=message):
        parse_sources(text, "s.yml")


# -- politeness under faults ---------------------------------------------------------------------


def _politeness_web() -> dict[str, Server]:
    import gzip
    import time

    html = {"Content-Type": "text/html; charset=utf-8"}
    robots_ok = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")
    asked: dict[str, int] = {}

    def broken_robots(path: str, host: str) -> tuple[int, dict[str, str], bytes]:
        if path == "/robots.txt":
            return 500, {"Content-Type": "text/plain"}, b"oops"
        return 200, html, _article(200)

    def slow_robots(path: str, host: str) -> tuple[int, dict[str, str], bytes]:
        if path == "/robots.txt":
            # Far longer than the crawl's DOWNLOAD_TIMEOUT (2 s), so that even a crawl process
            # starved of CPU on a busy machine times out before the answer comes.
            time.sleep(30)
            return robots_ok
        return 200, html, _article(201)

    def faults(path: str, host: str) -> tuple[int, dict[str, str], bytes]:
        asked[path] = asked.get(path, 0) + 1
        if path == "/robots.txt":
            return robots_ok
        if path == "/retry.html" and asked[path] == 1:
            return 429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down"
        if path == "/retry.html":
            return 200, html, _article(202)
        if path == "/later.html":
            return 503, {"Retry-After": "3600", "Content-Type": "text/plain"}, b"come back later"
        if path in ("/loop-a.html", "/loop-b.html"):
            other = "/loop-b.html" if path == "/loop-a.html" else "/loop-a.html"
            return 302, {"Location": other}, b""
        if path.startswith("/chain-"):
            step = int(path.removeprefix("/chain-").removesuffix(".html"))
            return 302, {"Location": f"/chain-{step + 1}.html"}, b""
        if path == "/big.html":
            return 200, html, b"<p>" + b"x" * 300_000 + b"</p>"
        if path == "/bomb.html":
            body = gzip.compress(b"<p>" + b"a" * 5_000_000 + b"</p>")
            return 200, {**html, "Content-Encoding": "gzip"}, body
        return 404, html, b"<p>not found</p>"

    return {
        "broken": Server(broken_robots),
        "slow": Server(slow_robots),
        "faults": Server(faults),
    }


def test_politeness_under_faults(tmp_path):
    web = _politeness_web()
    try:
        broken, slow, faults = web["broken"], web["slow"], web["faults"]
        paths = ["/retry.html", "/later.html", "/loop-a.html", "/chain-0.html", "/big.html"]
        paths.append("/bomb.html")
        urls = [broken.base + "/a.html", slow.base + "/a.html"] + [faults.base + p for p in paths]
        db = tmp_path / "t.db"
        args = (
            "crawl", "--urls", "-", "--db", str(db), *FAST, "-s", "TRACKER_ALLOW_PRIVATE=true",
            "-s", "DOWNLOAD_TIMEOUT=2", "-s", "REDIRECT_MAX_TIMES=3",
            "-s", "DOWNLOAD_MAXSIZE=200000", "-s", "RETRY_TIMES=2",
        )  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-c", "from tracker.cli import cli; cli()", *args],
            input="\n".join(urls),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=240,
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        # robots.txt answering 5xx or not answering: nothing else from that host (RFC 9309).
        assert set(broken.hits) == {"/robots.txt"}
        assert set(slow.hits) == {"/robots.txt"}
        # 429 with a short Retry-After: retried once, then stored.
        assert faults.hits.count("/retry.html") == 2
        stored = {url for (url,) in rows(db, "select url from pages")}
        assert faults.base + "/retry.html" in stored
        # 503 with a Retry-After beyond TRACKER_RETRY_AFTER_MAX: not retried in this run.
        assert faults.hits.count("/later.html") == 1
        notes = {
            url: (note, last, next_check)
            for url, note, last, next_check in rows(
                db, "select url, note, last_fetched, next_check from crawl_urls"
            )
        }
        note, last, next_check = notes[faults.base + "/later.html"]
        assert "Retry-After 3600" in note
        wait = datetime.fromisoformat(next_check) - datetime.fromisoformat(last)
        assert wait >= timedelta(seconds=3600)
        assert "redirect loop" in notes[faults.base + "/loop-a.html"][0]
        assert "too many redirects" in notes[faults.base + "/chain-0.html"][0]
        assert "too large" in notes[faults.base + "/big.html"][0]
        assert "too large" in notes[faults.base + "/bomb.html"][0]
        # The next run does not ask again at once for what failed.
        before = list(faults.hits)
        again = subprocess.run(
            [sys.executable, "-c", "from tracker.cli import cli; cli()", *args],
            input="\n".join(urls[2:]),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=240,
        )
        assert again.returncode == 0, again.stderr
        asked_again = [h for h in faults.hits[len(before) :] if h != "/robots.txt"]
        assert asked_again == [], asked_again
    finally:
        for server in web.values():
            server.stop()
