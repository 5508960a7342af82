"""Readers for saved pages: WARC / WARC.gz archives, single HTML files and folders of them,
and JSON Lines of ``{url, html, fetched_at}``.

Each reader yields :class:`~tracker.items.FetchedPage` objects and :class:`Problem` objects; a
problem is one clear line about one input, counted in the summary, and never stops the import.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urljoin

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader
from warcio.statusandheaders import (
    StatusAndHeaders,
    StatusAndHeadersParser,
    StatusAndHeadersParserException,
)

from tracker.capture import imported_capture, warc_positions
from tracker.extraction import declared_url
from tracker.items import FetchedPage
from tracker.settings import DOWNLOAD_MAXSIZE
from tracker.timestamps import iso_utc
from tracker.urls import is_http_url
from tracker.warc import Broken, Record, iter_records

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz")
MANIFEST_NAMES = ("manifest.csv", "manifest.jsonl")


@dataclass
class Problem:
    """An input (or one record of it) that could not be read."""

    source: str
    message: str


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    return None


def _mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0).isoformat()


# An ARC file opens with its version block's URL line: "filedesc://<name> <ip> <date> <type>
# <length>", printable ASCII, in this many bytes.
_ARC_HEAD = 1024
_ARC_FIRST_LINE = re.compile(rb"^filedesc://[\x21-\x7e]+(?: [\x21-\x7e]+){2,}\r?\n")


def _looks_like_arc(head: bytes) -> bool:
    """Whether a file's first bytes are an ARC file's first line; "filedesc://" followed by
    binary bytes is a damaged WARC.gz, read as a WARC so its later records are found."""
    return bool(_ARC_FIRST_LINE.match(head.lstrip()))


def read_warc(path: Path, max_body: int = DOWNLOAD_MAXSIZE) -> Iterator[FetchedPage | Problem]:
    """Response records of a WARC file: URL from ``WARC-Target-URI``, time from ``WARC-Date``.

    Non-HTML responses are skipped silently (archives hold images and scripts too). Records are
    read with bounded buffers (:mod:`tracker.warc`): a body over ``max_body`` bytes (before or
    after its Content-Encoding is undone), a record cut short or with a wrong Content-Length is
    one problem, and the rest of the file is still read.
    """
    source = str(path)
    try:
        with path.open("rb") as stream:
            if _looks_like_arc(stream.read(_ARC_HEAD)):
                yield from _read_arc(path, max_body)
                return
            stream.seek(0)
            positions: dict[str, tuple[int, int]] | None = None
            for item in iter_records(stream, max_body):
                if isinstance(item, Broken):
                    prefix = f"record {item.name}: " if item.name else ""
                    yield Problem(source, f"{prefix}{item.reason}, skipped")
                    continue
                page = _response(item, path, max_body)
                if isinstance(page, FetchedPage):
                    # The page stays referenced where it is in this file (tracker export).
                    # (A record after damage that warcio cannot place gets no capture.)
                    if positions is None:
                        positions = warc_positions(path)
                    if item.headers.get("warc-record-id") in positions:
                        page.capture = imported_capture(path, item.headers, positions)
                if page is not None:
                    yield page
    except OSError as exc:
        yield Problem(source, f"not a readable WARC file ({exc})")


def _response(record: Record, path: Path, max_body: int) -> FetchedPage | Problem | None:
    """The page in a response record; None for records that are not HTML pages."""
    source = str(path)
    if record.headers.get("warc-type", "").lower() != "response":
        return None
    uri = record.headers.get("warc-target-uri", "").strip("<> ")
    if not uri or not is_http_url(uri) or not uri.isprintable() or " " in uri:
        name = record.headers.get("warc-record-id") or "?"
        return Problem(source, f"record {name} has no http(s) WARC-Target-URI, skipped")
    block = io.BytesIO(record.block if record.block is not None else record.head)
    try:
        headers = StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1"], verify=False).parse(block)
        code = headers.get_statuscode()
        status = int(code) if code else None
    except (StatusAndHeadersParserException, ValueError, EOFError) as exc:
        return Problem(source, f"record {uri}: damaged (bad HTTP headers: {exc}), skipped")
    ctype = headers.get_header("Content-Type") or ""
    if (ctype and "html" not in ctype.lower()) or (status is not None and status >= 300):
        return None
    if record.block is None:
        return Problem(source, f"record {uri}: body over {max_body} bytes, skipped")
    body = _decoded_body(block, headers, max_body)
    if isinstance(body, str):
        return Problem(source, f"record {uri}: {body}, skipped")
    date = record.headers.get("warc-date")
    try:
        fetched = iso_utc(date) if date else _mtime(path)
    except ValueError as exc:
        return Problem(source, f"record {uri}: bad WARC-Date ({exc}), skipped")
    return FetchedPage(
        url=uri,
        body=body,
        fetched_at=fetched,
        source="warc",
        http_status=status,
        etag=headers.get_header("ETag"),
        last_modified=headers.get_header("Last-Modified"),
        content_type=ctype or None,
    )


def _decoded_body(payload: BinaryIO, headers: StatusAndHeaders, max_body: int) -> bytes | str:
    """The payload with its chunked transfer and gzip/deflate/br encoding undone, read up to
    ``max_body`` bytes; a reason (str) when it is over that or cannot be decoded."""
    encoding = (headers.get_header("Content-Encoding") or "").strip().lower()
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = ""
    chunked = (headers.get_header("Transfer-Encoding") or "").strip().lower() == "chunked"
    reader: BinaryIO
    if chunked:
        reader = ChunkedDataReader(payload, decomp_type=encoding or None)
    elif encoding:
        reader = BufferedReader(payload, decomp_type=encoding)
    else:
        reader = payload
    try:
        body = reader.read(max_body + 1)
    except Exception as exc:  # noqa: BLE001 - any decoder error on a stranger's bytes is one line
        return f"damaged (cannot undo its {encoding or 'chunked'} encoding: {exc})"
    if len(body) > max_body:
        return f"body over {max_body} bytes once decompressed"
    return body


def _read_arc(path: Path, max_body: int) -> Iterator[FetchedPage | Problem]:
    """An old ARC file, through warcio (bodies read up to ``max_body`` bytes)."""
    source = str(path)
    try:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, arc2warc=True):
                uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")
                ctype = (
                    record.http_headers.get_header("Content-Type") if record.http_headers else ""
                ) or ""
                if record.rec_type != "response" or not is_http_url(uri):
                    continue
                if ctype and "html" not in ctype.lower():
                    continue
                body = record.content_stream().read(max_body + 1)
                if len(body) > max_body:
                    yield Problem(source, f"record {uri}: body over {max_body} bytes, skipped")
                    continue
                date = record.rec_headers.get_header("WARC-Date")
                yield FetchedPage(
                    url=uri,
                    body=body,
                    fetched_at=iso_utc(date) if date else _mtime(path),
                    source="warc",
                    content_type=ctype or None,
                )
    except Exception as exc:  # noqa: BLE001 - warcio's many errors on damaged ARC files
        yield Problem(
            source, f"ARC file is damaged ({exc.__class__.__name__}: {exc}), rest skipped"
        )


def read_jsonl(path: Path, max_body: int = DOWNLOAD_MAXSIZE) -> Iterator[FetchedPage | Problem]:
    """JSON Lines, one ``{"url": …, "html": …, "fetched_at": …}`` object a line
    (``fetched_at`` optional: the file's modification time stands in; ``content_type`` or
    ``encoding`` optional: the page's HTTP Content-Type or charset). A line is read up to twice
    ``max_body`` bytes (room for JSON escapes); a longer one is skipped alone."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    limit = 2 * max_body
    try:
        with opener(path, "rb") as lines:
            for number, raw in enumerate(_bounded_lines(lines, limit), 1):
                where = f"{path}:{number}"
                if raw is None:
                    yield Problem(where, f"line over {limit} bytes, skipped")
                    continue
                if not raw.strip():
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:  # one bad line is skipped alone, not the whole file
                    yield Problem(where, "not UTF-8, skipped")
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Problem(where, f"not valid JSON ({exc.msg})")
                    continue
                if not isinstance(row, dict):
                    yield Problem(where, "not a JSON object")
                    continue
                url, html = row.get("url"), row.get("html")
                if not isinstance(url, str) or not is_http_url(url):
                    yield Problem(where, "missing or invalid 'url'")
                    continue
                if not isinstance(html, str):
                    yield Problem(where, f"{url}: missing 'html'")
                    continue
                try:
                    fetched = iso_utc(row["fetched_at"]) if row.get("fetched_at") else _mtime(path)
                except ValueError as exc:
                    yield Problem(where, f"{url}: bad 'fetched_at' ({exc})")
                    continue
                yield FetchedPage(
                    url=url,
                    body=html,
                    fetched_at=fetched,
                    source="jsonl",
                    content_type=_jsonl_content_type(row),
                )
    except (OSError, EOFError, zlib.error) as exc:
        yield Problem(str(path), f"cannot read JSON Lines file ({exc}), rest skipped")


def _bounded_lines(handle: io.BufferedIOBase, limit: int) -> Iterator[bytes | None]:
    """The lines of a file, each read up to ``limit`` bytes; None for a longer line (dropped)."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit:
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = handle.readline(64 * 1024)
        yield None


def _jsonl_content_type(row: dict) -> str | None:
    """The page's Content-Type from a JSON Lines row: ``content_type``, else one made of an
    ``encoding`` field (kept with the page; the ``html`` string itself is already text)."""
    content_type, encoding = row.get("content_type"), row.get("encoding")
    if isinstance(content_type, str) and content_type.strip():
        return content_type.strip()
    if isinstance(encoding, str) and encoding.strip():
        return f"text/html; charset={encoding.strip()}"
    return None


def _read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """``manifest.csv`` (columns file,url[,fetched_at]) or ``manifest.jsonl`` beside HTML files.

    Raises:
        ValueError: when the manifest cannot be read (not UTF-8, bad JSON, no file/url columns).
    """
    for name in MANIFEST_NAMES:
        path = folder / name
        if not path.exists():
            continue
        try:
            with path.open(encoding="utf-8") as handle:
                if name.endswith(".csv"):
                    rows = list(csv.DictReader(handle))
                else:
                    rows = [json.loads(line) for line in handle if line.strip()]
        except (UnicodeDecodeError, json.JSONDecodeError, csv.Error, OSError) as exc:
            raise ValueError(
                f"{path}: unreadable manifest ({exc.__class__.__name__}: {exc})"
            ) from exc
        if not all(isinstance(row, dict) for row in rows):
            raise ValueError(f"{path}: every manifest line must be an object with file and url")
        return {row["file"]: row for row in rows if row.get("file") and row.get("url")}
    return {}


def _manifest_or_problem(folder: Path) -> tuple[dict[str, dict[str, str]], Problem | None]:
    try:
        return _read_manifest(folder), None
    except ValueError as exc:
        path, _, message = str(exc).partition(": ")
        return {}, Problem(path, message + "; files of this folder get their URL another way")


def read_html(
    path: Path,
    root: Path,
    base_url: str | None,
    manifest: dict[str, dict[str, str]],
    max_body: int = DOWNLOAD_MAXSIZE,
) -> FetchedPage | Problem:
    """One saved HTML file. Its URL comes from, in order: ``--base-url`` joined with the file's path
    under the imported folder, the folder's manifest, or the page's own canonical / og:url link."""
    try:
        with path.open("rb") as raw:
            stream = gzip.open(raw) if path.name.lower().endswith(".gz") else raw
            body = stream.read(max_body + 1)
    except (OSError, EOFError, zlib.error) as exc:
        return Problem(str(path), f"cannot read file ({exc})")
    if len(body) > max_body:
        return Problem(str(path), f"over {max_body} bytes, skipped")
    if not body.strip():
        return Problem(str(path), "empty body (empty file), skipped")
    relative = path.relative_to(root).as_posix() if path != root else path.name
    entry = manifest.get(relative) or manifest.get(path.name) or {}
    if base_url:
        url = urljoin(base_url.rstrip("/") + "/", quote(relative))
    elif entry:
        url = entry["url"]
    else:
        declared = declared_url(body[:200_000])
        url = declared if declared and is_http_url(declared) else ""
    if not is_http_url(url):
        return Problem(
            str(path), "no URL: give --base-url, a manifest.csv, or a page with a canonical link"
        )
    fetched = entry.get("fetched_at")
    try:
        fetched = iso_utc(fetched) if fetched else _mtime(path)
    except ValueError as exc:
        return Problem(str(path), f"bad fetched_at in manifest ({exc})")
    return FetchedPage(url=url, body=body, fetched_at=fetched, source="html")


def read_paths(paths: list[Path], base_url: str | None = None) -> Iterator[FetchedPage | Problem]:
    """Every page in the given files and folders (folders are walked for supported files)."""
    for path in paths:
        if not path.exists():
            yield Problem(str(path), "no such file or folder")
            continue
        if path.is_dir():
            manifest, problem = _manifest_or_problem(path)
            if problem:
                yield problem
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and _kind(p) and p.name not in MANIFEST_NAMES
            )
            if not files:
                yield Problem(str(path), "folder holds no .html, .warc(.gz) or .jsonl files")
            for file in files:
                yield from _read_file(file, path, base_url, manifest)
        else:
            manifest, problem = _manifest_or_problem(path.parent)
            if problem:
                yield problem
            yield from _read_file(path, path.parent, base_url, manifest)


def _read_file(
    path: Path, root: Path, base_url: str | None, manifest: dict
) -> Iterator[FetchedPage | Problem]:
    kind = _kind(path)
    if kind == "warc":
        yield from read_warc(path)
    elif kind == "jsonl":
        yield from read_jsonl(path)
    elif kind == "html":
        yield read_html(path, root, base_url, manifest)
    else:
        yield Problem(str(path), "unknown file type (expected .html, .warc, .warc.gz or .jsonl)")
