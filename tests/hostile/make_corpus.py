"""A hostile-input corpus, generated at test time (nothing large is committed).

Pages a stranger could serve, and the files a damaged crawl could leave, each named for what it
tries: a gzip bomb inside a WARC record, a WARC cut short, a record with a wrong Content-Length,
a JSON Lines file with a line that is not UTF-8, a 30 MB page, 100 000 nested elements, UTF-16 and
UTF-32 pages with a byte-order mark, windows-1252 named only in the HTTP header, IPv6-literal,
``javascript:``, ``data:`` and invalid links, megabyte attribute values, NUL bytes, a canonical
link to the cloud metadata address. :func:`write_import_corpus` writes them as files for
``tracker import``; :class:`HostileWeb` serves them (and redirect loops, redirect chains, a
compressed bomb and an oversized body) on loopback for ``tracker crawl``.

Run it by hand to look at the files: ``python -m tests.hostile.make_corpus /tmp/hostile``.
"""

from __future__ import annotations

import codecs
import io
import json
import sys
import threading
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.fixture_web import generated_article

MB = 1024 * 1024
METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


def article(index: int, head: str = "", body: str = "", extra: str = "") -> str:
    """A self-authored article page (generated text) with extra head and body markup."""
    title, paragraphs = generated_article(5000 + index)
    text = "".join(f"<p>{p}{extra}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{head}</head>"
        f"<body><main><article><h1>{title}</h1>{text}{body}</article></main></body></html>"
    )


def hostile_pages(big: int = 30 * MB) -> dict[str, tuple[str, bytes]]:
    """name -> (Content-Type header, body bytes) of every hostile page."""
    links = "".join(
        f"<a href='{url}'>link</a> "
        for url in (
            "http://[2001:db8::1]/x",
            "http://[::ffff:127.0.0.1]/",
            "http://[::1]:99999/bad-port",
            "http://[zz::1]/not-an-address",
            "https://[::1",
            "http://x:99999/",
            "http://",
            "http://exa mple.com/space",
            "http://%zz/",
            "http://a..b/",
            "http://example.com/" + "a" * 100_000,
            "javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "vbscript:msgbox(1)",
            "\x00http://nul.example/",
        )
    )
    cp1252 = article(4, extra=" \u201ccaf\u00e9\u201d \u2013 na\u00efve")
    pages = {
        "nested": ("text/html; charset=utf-8", _nested(5, 100_000)),
        "utf16": ("text/html", codecs.BOM_UTF16_LE + article(1).encode("utf-16-le")),
        "utf32": ("text/html", codecs.BOM_UTF32_BE + article(2).encode("utf-32-be")),
        "cp1252": ("text/html; charset=windows-1252", cp1252.encode("cp1252")),
        "links": ("text/html; charset=utf-8", article(6, body=f"<p>{links}</p>").encode()),
        "hugeattr": (
            "text/html; charset=utf-8",
            article(7, body=f"<div data-x='{'A' * (3 * MB)}' title='{'B' * MB}'>x</div>").encode(),
        ),
        "nul": ("text/html; charset=utf-8", article(8, extra="\x00 nul\x00").encode()),
        "metadata": (
            "text/html; charset=utf-8",
            article(
                9,
                head=f"<link rel='canonical' href='{METADATA}'><meta property='og:url' content='{METADATA}'>",
                body=f"<p>Originally published at <a href='{METADATA}'>the source</a>.</p>",
            ).encode(),
        ),
        "big": ("text/html; charset=utf-8", _big(big)),
    }
    return pages


def _nested(index: int, depth: int) -> bytes:
    inner = article(index).split("<body>", 1)[1].split("</body>", 1)[0]
    return (
        "<!DOCTYPE html><html><head><title>Nested</title></head><body>"
        + "<div>" * depth
        + inner
        + "</div>" * depth
        + "</body></html>"
    ).encode()


def _big(size: int) -> bytes:
    page = article(10)
    _, paragraphs = generated_article(5010)
    filler = "".join(f"<p>{p}</p>" for p in paragraphs).encode()
    head, tail = page.encode().split(b"</article>", 1)
    return head + filler * (size // len(filler) + 1) + b"</article>" + tail


def response_record(url: str, ctype: str, body: bytes, gz: bool = True) -> bytes:
    """One WARC response record (one gzip member when gz)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        http_headers=headers,
        warc_headers_dict={"WARC-Date": "2026-11-02T00:00:00Z"},
    )
    writer.write_record(record)
    return out.getvalue()


def bomb_record(url: str, size: int) -> bytes:
    """A gzip member holding a record whose body is ``size`` zero bytes (about size/1000 on disk)."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    head = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: %s\r\n"
        b"WARC-Date: 2026-11-02T00:00:00Z\r\nContent-Length: %d\r\n\r\n"
    ) % (url.encode(), len(http) + size)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(head + http)]
    zeros = b"\0" * MB
    full, rest = divmod(size, MB)
    parts += [packer.compress(zeros) for _ in range(full)]
    parts += [packer.compress(b"\0" * rest + b"\r\n\r\n"), packer.flush()]
    return b"".join(parts)


@dataclass
class ImportCorpus:
    """The files written for ``tracker import`` and what each must give."""

    folder: Path
    files: list[Path]
    bad: dict[str, str]  # file name -> a fragment of the one line it must give
    pages: list[str]  # URLs that must be stored


def write_import_corpus(folder: Path, bomb: int = 1024 * MB, big: int = 30 * MB) -> ImportCorpus:
    """Write the import corpus into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    base = "https://hostile.example/"
    pages = hostile_pages(big)
    good = [name for name in pages if name != "big"]
    (folder / "pages.warc.gz").write_bytes(
        b"".join(response_record(base + name, *pages[name]) for name in good)
    )
    (folder / "big.warc.gz").write_bytes(response_record(base + "big", *pages["big"]))
    ok = response_record(base + "after-bomb", "text/html", article(11).encode())
    (folder / "bomb.warc.gz").write_bytes(bomb_record(base + "bomb", bomb) + ok)
    whole = [
        response_record(base + f"cut-{n}", "text/html", article(20 + n).encode()) for n in range(3)
    ]
    cut = whole[0] + whole[1] + whole[2][: len(whole[2]) // 2]
    (folder / "truncated.warc.gz").write_bytes(cut)
    plain = [
        response_record(base + f"length-{n}", "text/html", article(30 + n).encode(), gz=False)
        for n in range(3)
    ]
    plain[1] = plain[1].replace(b"Content-Length: ", b"Content-Length: 1", 1)
    (folder / "wrong-length.warc").write_bytes(b"".join(plain))
    lines = [
        json.dumps(
            {"url": base + "jsonl-0", "html": article(40), "fetched_at": "2026-11-02T00:00:00Z"}
        ).encode(),
        b'{"url": "' + base.encode() + b'jsonl-bad", "html": "caf\xe9 \xff\xfe"}',
        json.dumps(
            {"url": base + "jsonl-2", "html": article(42), "fetched_at": "2026-11-02T00:00:00Z"}
        ).encode(),
    ]
    (folder / "lines.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (folder / "notes.warc").write_text("this is not a WARC file\n")
    (folder / "big.html").write_bytes(pages["big"][1])
    files = sorted(folder.iterdir())
    bad = {
        "big.warc.gz": "record https://hostile.example/big: body over",
        "bomb.warc.gz": "record https://hostile.example/bomb: body over",
        "truncated.warc.gz": "record https://hostile.example/cut-2: damaged",
        "wrong-length.warc": "record https://hostile.example/length-1: damaged",
        "lines.jsonl": "lines.jsonl:2: not UTF-8",
        "notes.warc": "not a WARC file",
        "big.html": "big.html: over",
    }
    stored = [base + name for name in good] + [base + "after-bomb"]
    stored += [base + "cut-0", base + "cut-1", base + "length-0", base + "length-2"]
    stored += [base + "jsonl-0", base + "jsonl-2"]
    return ImportCorpus(folder, files, bad, stored)


class HostileWeb:
    """The hostile pages on a loopback HTTP server, with redirect loops and chains, a compressed
    bomb, an oversized body and a feed listing them all. ``hits`` logs every path asked for."""

    def __init__(self, big: int = 30 * MB, bomb: int = 256 * MB) -> None:
        self.pages = hostile_pages(big)
        self.bomb = bomb_body(bomb)
        self.hits: list[str] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                web.hits.append(self.path)
                status, headers, body = web.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the crawler hangs up on a body over its limit

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def paths(self) -> list[str]:
        """Every path the feed lists."""
        pages = [f"/p/{name}" for name in self.pages]
        return [*pages, "/loop", "/chain/1", "/gzip-bomb", "/p/missing"]

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/feed.xml":
            items = "".join(
                f"<item><title>t</title><link>{self.base}{p}</link></item>" for p in self.paths()
            )
            feed = f"<?xml version='1.0'?><rss version='2.0'><channel><title>h</title>{items}</channel></rss>"
            return 200, {"Content-Type": "application/rss+xml"}, feed.encode()
        if path == "/loop":
            return 302, {"Location": "/loop"}, b""
        if path.startswith("/chain/"):
            step = int(path.rsplit("/", 1)[1])
            return 302, {"Location": f"/chain/{step + 1}"}, b""
        if path == "/gzip-bomb":
            return 200, {**html, "Content-Encoding": "gzip"}, self.bomb
        name = path.removeprefix("/p/")
        if name in self.pages:
            ctype, body = self.pages[name]
            return 200, {"Content-Type": ctype}, body
        return 404, html, b"<p>not found</p>"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def bomb_body(size: int) -> bytes:
    """A gzip body of ``size`` zero bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * MB
    return b"".join(packer.compress(zeros) for _ in range(size // MB)) + packer.flush()


if __name__ == "__main__":
    corpus = write_import_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus"))
    for path in corpus.files:
        print(f"{path.stat().st_size:>12}  {path}")
