"""Readers for saved pages: WARC / WARC.gz archives, single HTML files and folders of them,
and JSON Lines of ``{url, html, fetched_at}``.

Each reader yields :class:`~tracker.items.FetchedPage` objects and :class:`Problem` objects; a
problem is one clear line about one input, counted in the summary, and never stops the import.
"""

from __future__ import annotations

import csv
import gzip
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urljoin

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from tracker.capture import imported_capture
from tracker.extraction import declared_url
from tracker.items import FetchedPage
from tracker.timestamps import iso_utc
from tracker.urls import is_http_url

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz")
MANIFEST_NAMES = ("manifest.csv", "manifest.jsonl")


class _ArchiveIterator(ArchiveIterator):
    """warcio's iterator, minus the warning it writes straight to stderr for a record whose
    length looks wrong: tracker counts those (``err_count``) and reports them in one line."""

    INC_RECORD = ""


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


def read_warc(path: Path) -> Iterator[FetchedPage | Problem]:
    """Response records of a WARC file: URL from ``WARC-Target-URI``, time from ``WARC-Date``.
    Non-HTML responses are skipped silently (archives hold images and scripts too)."""
    source = str(path)
    try:
        head = _head(path)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield Problem(source, f"not a readable WARC file ({exc})")
        return
    if not (head.startswith(b"WARC/") or head.startswith(b"filedesc://")):
        yield Problem(source, "not a WARC file (no WARC/1.x header at the start)")
        return
    try:
        with path.open("rb") as stream:
            # Digests are checked so that a truncated or damaged record is reported, not stored.
            damaged = 0
            records = _ArchiveIterator(stream, arc2warc=True, check_digests="raise")
            for record in records:
                if record.rec_type != "response":
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI")
                offset = record.rec_headers.get_header("WARC-Record-ID") or "?"
                if not uri or not is_http_url(uri.strip("<>")):
                    yield Problem(
                        source, f"record {offset} has no http(s) WARC-Target-URI, skipped"
                    )
                    continue
                uri = uri.strip("<>")
                headers = record.http_headers
                ctype = (headers.get_header("Content-Type") if headers else "") or ""
                if ctype and "html" not in ctype.lower():
                    continue
                try:
                    body = record.content_stream().read()
                except ArchiveLoadFailed as exc:
                    damaged += 1
                    yield Problem(source, f"record {uri}: damaged ({exc}), skipped")
                    continue
                status = (
                    int(headers.get_statuscode()) if headers and headers.get_statuscode() else None
                )
                if status is not None and status >= 300:
                    continue
                date = record.rec_headers.get_header("WARC-Date")
                try:
                    fetched = iso_utc(date) if date else _mtime(path)
                except ValueError as exc:
                    yield Problem(source, f"record {uri}: bad WARC-Date ({exc}), skipped")
                    continue
                yield FetchedPage(
                    url=uri,
                    body=body,
                    fetched_at=fetched,
                    source="warc",
                    http_status=status,
                    etag=headers.get_header("ETag") if headers else None,
                    last_modified=headers.get_header("Last-Modified") if headers else None,
                    content_type=ctype or None,
                    capture=imported_capture(path, records),
                )
            if records.err_count and not damaged:
                yield Problem(
                    source,
                    f"{records.err_count} record(s) with a wrong Content-Length (file damaged?)",
                )
    except ArchiveLoadFailed as exc:
        yield Problem(source, f"not a readable WARC file ({str(exc).strip().splitlines()[0]})")
    except (OSError, EOFError, gzip.BadGzipFile, ValueError) as exc:
        yield Problem(
            source, f"WARC file is truncated or corrupt ({exc.__class__.__name__}: {exc})"
        )


def _head(path: Path, size: int = 64) -> bytes:
    """The first bytes of a file, gunzipped when it is gzip."""
    with path.open("rb") as raw:
        magic = raw.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rb") as stream:
        return stream.read(size).lstrip()


def read_jsonl(path: Path) -> Iterator[FetchedPage | Problem]:
    """JSON Lines, one ``{"url": …, "html": …, "fetched_at": …}`` object a line
    (``fetched_at`` optional: the file's modification time stands in; ``content_type`` or
    ``encoding`` optional: the page's HTTP Content-Type or charset)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as lines:
            for number, raw in enumerate(lines, 1):
                if not raw.strip():
                    continue
                where = f"{path}:{number}"
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
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield Problem(str(path), f"cannot read JSON Lines file ({exc})")


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
    path: Path, root: Path, base_url: str | None, manifest: dict[str, dict[str, str]]
) -> FetchedPage | Problem:
    """One saved HTML file. Its URL comes from, in order: ``--base-url`` joined with the file's path
    under the imported folder, the folder's manifest, or the page's own canonical / og:url link."""
    try:
        body = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            body = gzip.decompress(body)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return Problem(str(path), f"cannot read file ({exc})")
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
