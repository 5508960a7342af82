"""Evidence of what was fetched: every HTML page a crawl downloads is also written to a WARC file
(warcio), as a request record and a response record with the HTTP headers and the body as it
came off the wire (before content decoding), so a copy deleted tomorrow can still be shown.

:class:`WarcCaptureMiddleware`, a downloader middleware registered in :mod:`tracker.settings`
before Scrapy's HttpCompressionMiddleware (so it sees the raw response), writes the records: one
series of files per crawl run in ``<db stem>-warc/`` next to the database, a new file when one
reaches ``TRACKER_WARC_MAX_BYTES``; the files are recorded in ``crawl_runs.warc_files``. It notes
the record's place in ``request.meta["tracker_capture"]``; the spider copies it into the page's
:class:`~tracker.items.PageItem` and the store keeps it per version (``captures``,
:mod:`tracker.store.evidence`).

``TRACKER_WARC = False`` turns it off. Imported WARC files are referenced in place
(:func:`imported_capture`), never copied.
"""

from __future__ import annotations

import io
import logging
import os
import zlib
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tracker import __version__

if TYPE_CHECKING:
    from scrapy.http import Request, Response

# Scrapy is imported where the components run: tracker import reads WARC files through this
# module (imported_capture) without loading Scrapy.

log = logging.getLogger(__name__)

#: Where the downloader middleware leaves a response's capture for the spider (spiders/base.py).
META_KEY = "tracker_capture"
#: Content types written to the WARC files (what the spiders treat as pages).
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Headers that describe the connection, not the message: Scrapy has already undone them.
_HOP_HEADERS = {"transfer-encoding"}
#: zlib level of the WARC records when ``TRACKER_WARC_GZIP_LEVEL`` is unset and ISA-L (the
#: ``isal`` package) is not installed. warcio's own is 9, ~5 ms of the crawl process's CPU per
#: 170 KB page; 3 takes ~1.6 ms for files ~12% larger.
DEFAULT_GZIP_LEVEL = 3

try:  # ISA-L's deflate: standard gzip members, ~5x faster than zlib's level 3 at about its size
    from isal import isal_zlib as _isal_zlib
except ImportError:  # pragma: no cover - a platform without isal's wheels
    _isal_zlib = None  # type: ignore[assignment]


def _gzip_compressor(level: int | None) -> Any:
    """A compressor writing one gzip member: zlib at ``level`` (1-9) when one is chosen, else
    ISA-L's level 1 (0.31 ms for a 170 KB page, 23% of its size, against zlib 3's 1.6 ms and 22%),
    else zlib at :data:`DEFAULT_GZIP_LEVEL`."""
    if level is None and _isal_zlib is not None:
        return _isal_zlib.compressobj(1, _isal_zlib.DEFLATED, _isal_zlib.MAX_WBITS + 16)
    chosen = DEFAULT_GZIP_LEVEL if level is None else min(9, max(1, level))
    return zlib.compressobj(chosen, zlib.DEFLATED, zlib.MAX_WBITS + 16)


class _GzipMember:
    """One gzip member per WARC record (what warcio writes), at a chosen compression level."""

    def __init__(self, out: IO[bytes], level: int | None) -> None:
        self.out = out
        self.compressor = _gzip_compressor(level)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())
        self.out.flush()


class _LevelWARCWriter(WARCWriter):
    """warcio's writer with each record gzipped at ``level`` (None: ISA-L's fast level, see
    :func:`_gzip_compressor`) instead of warcio's fixed 9."""

    def __init__(self, stream: IO[bytes], level: int | None) -> None:
        super().__init__(stream, gzip=False)
        self.level = level

    def _write_warc_record(self, out: Any, record: Any) -> None:
        # warcio writes the record into ``out`` and ends with ``out.flush()``: the member's end.
        super()._write_warc_record(_GzipMember(out, self.level), record)


def warc_folder(db_path: str | Path) -> Path:
    """The folder a crawl into ``db_path`` writes its WARC files to: ``<db stem>-warc/`` beside it."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}-warc")


def remove_run_files(db_path: str | Path) -> int:
    """Delete the WARC files crawls into ``db_path`` wrote (``<db stem>-*.warc.gz`` in
    :func:`warc_folder`), and the folder when that leaves it empty; for ``tracker demo``, which
    starts a fresh database each time. Returns how many files were deleted."""
    folder = warc_folder(db_path)
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob(f"{Path(db_path).stem}-*.warc.gz"):
        path.unlink()
        removed += 1
    if not any(folder.iterdir()):
        folder.rmdir()
    return removed


def _headers(raw: Any) -> list[tuple[str, str]]:
    """Scrapy's ``Headers`` (bytes, several values a name) as WARC header pairs, in order."""
    pairs = []
    for name, values in raw.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        if key.lower() in _HOP_HEADERS:
            continue
        for value in values:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            pairs.append((key, text))
    return pairs


def _is_html(response: Response) -> bool:
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    kind = ctype.split(";")[0].strip()
    return kind in HTML_TYPES or (not kind and response.body.lstrip()[:1] == b"<")


class WarcRun:
    """The WARC files of one crawl run: written one after another, each up to ``max_bytes``.

    Args:
        folder: Where the files go (created when the first record is written).
        prefix: The start of each file name (the database's stem).
        max_bytes: A file that has reached this size is closed; the next record starts a new one.
        relative_to: Paths are reported relative to this folder (the database's), when inside it.
        gzip_level: zlib level of each record's gzip member (1-9); None for the fast default
            (ISA-L's level 1 when the ``isal`` package is installed, else zlib's level 3).
    """

    def __init__(
        self,
        folder: Path,
        prefix: str,
        max_bytes: int,
        relative_to: Path | None = None,
        gzip_level: int | None = None,
    ) -> None:
        self.folder = folder
        self.gzip_level = None if gzip_level is None else min(9, max(1, gzip_level))
        self.max_bytes = max(1, max_bytes)
        self.relative_to = relative_to
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.stem = f"{prefix}-{stamp}-{os.getpid()}"
        self.files: list[str] = []
        self.records = 0
        self._index = 0
        self._stream: IO[bytes] | None = None
        self._writer: WARCWriter | None = None

    def _name(self, path: Path) -> str:
        if self.relative_to is not None:
            try:
                return str(path.resolve().relative_to(self.relative_to.resolve()))
            except ValueError:
                pass
        return str(path.resolve())

    def _open(self) -> WARCWriter:
        if self._writer is not None and self._stream is not None:
            if self._stream.tell() < self.max_bytes:
                return self._writer
            self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            path = self.folder / f"{self.stem}-{self._index:05d}.warc.gz"
            self._index += 1
            try:
                self._stream = path.open("xb")  # never append to another run's file
                break
            except FileExistsError:
                continue
        self._writer = _LevelWARCWriter(self._stream, self.gzip_level)
        self.files.append(self._name(path))
        info = self._writer.create_warcinfo_record(
            path.name,
            {"software": f"tracker/{__version__} (warcio)", "format": "WARC File Format 1.0"},
        )
        self._writer.write_record(info)
        return self._writer

    def write(
        self,
        url: str,
        request_line: str,
        request_headers: list[tuple[str, str]],
        status_line: str,
        response_headers: list[tuple[str, str]],
        body: bytes,
        ip_address: str | None = None,
    ) -> dict[str, Any]:
        """Write one exchange (response record, then its request record) and return its capture:
        the file, byte offsets and lengths of both records, the response's record id and date."""
        writer = self._open()
        assert self._stream is not None
        extra = {"WARC-IP-Address": ip_address} if ip_address else {}
        response = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            warc_headers_dict=extra,
            http_headers=StatusAndHeaders(status_line, response_headers, protocol=""),
        )
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        date = response.rec_headers.get_header("WARC-Date")
        request = writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            warc_headers_dict={"WARC-Concurrent-To": record_id, "WARC-Date": date},
            http_headers=StatusAndHeaders(request_line, request_headers, is_http_request=True),
        )
        offset = self._stream.tell()
        writer.write_record(response)
        request_offset = self._stream.tell()
        writer.write_record(request)
        end = self._stream.tell()
        self._stream.flush()
        self.records += 2
        return {
            "warc_file": self.files[-1],
            "warc_offset": offset,
            "warc_length": request_offset - offset,
            "record_id": record_id,
            "request_offset": request_offset,
            "request_length": end - request_offset,
            "target_uri": url,
            "warc_date": date,
            "referenced": False,
        }

    def close(self) -> None:
        """Close the current file (the next write opens a new one)."""
        if self._stream is not None:
            self._stream.close()
        self._stream = None
        self._writer = None


class WarcCaptureMiddleware:
    """Write every HTML response (status 2xx) to the crawl run's WARC files, raw.

    Settings: ``TRACKER_WARC`` (on unless false), ``TRACKER_WARC_MAX_BYTES`` (rotate at this size),
    ``TRACKER_WARC_DIR`` (instead of ``<db stem>-warc/`` beside the database).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_bytes = crawler.settings.getint("TRACKER_WARC_MAX_BYTES", 1_000_000_000)
        chosen = crawler.settings.get("TRACKER_WARC_GZIP_LEVEL")
        self.gzip_level = None if chosen in (None, "") else int(chosen)
        self.run: WarcRun | None = None
        self.db_path: str | None = None
        self.spider_name = ""

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcCaptureMiddleware:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("TRACKER_WARC", True):
            raise NotConfigured("TRACKER_WARC is off")
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        # After the item pipeline has written the run's crawl_runs row (at spider_closed).
        crawler.signals.connect(middleware.engine_stopped, signal=signals.engine_stopped)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        from tracker.schedule import crawl_db_path

        self.db_path = crawl_db_path(self.crawler)
        self.spider_name = getattr(spider, "name", "") or ""
        chosen = self.crawler.settings.get("TRACKER_WARC_DIR")
        db = Path(self.db_path)
        folder = Path(chosen) if chosen else warc_folder(db)
        prefix = f"{db.stem}-{self.spider_name}" if self.spider_name else db.stem
        self.run = WarcRun(
            folder, prefix, self.max_bytes, relative_to=db.parent, gzip_level=self.gzip_level
        )

    def process_response(self, request: Request, response: Response) -> Response:
        if self.run is None or not 200 <= response.status < 300 or not _is_html(response):
            return response
        parts = urlsplit(request.url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        try:
            capture = self.run.write(
                response.url,
                f"{request.method} {target} HTTP/1.1",
                [("Host", parts.netloc), *_headers(request.headers)],
                f"{protocol} {response.status} {reason}".strip(),
                _headers(response.headers),
                response.body,
                ip_address=str(response.ip_address) if response.ip_address else None,
            )
        except OSError as exc:  # a full disk must not stop the crawl: the page is still stored
            log.error("WARC capture of %s failed: %s", response.url, exc)
            return response
        request.meta[META_KEY] = capture
        return response

    def engine_stopped(self) -> None:
        if self.run is None:
            return
        self.run.close()
        if not self.run.files or self.db_path is None:
            return
        from tracker.store import open_db
        from tracker.store.evidence import record_run_warc_files

        if self.crawler.stats is not None:
            self.crawler.stats.set_value("tracker/warc_files", list(self.run.files))
        db = open_db(self.db_path)
        try:
            record_run_warc_files(db, self.spider_name, self.run.files)
        finally:
            db.close()
        log.info("WARC: %d records in %s", self.run.records, ", ".join(self.run.files))


def warc_positions(path: Path) -> dict[str, tuple[int, int]]:
    """Where each record of a WARC file is: ``{record id: (byte offset, byte length)}``, as
    warcio reads them (for a ``.warc.gz``, the record's gzip member). A damaged file gives the
    positions of the records before the damage only; the records after it are imported all the
    same, without a known position."""
    positions: dict[str, tuple[int, int]] = {}
    try:
        with Path(path).open("rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                records.read_to_end(record)
                if record_id:
                    positions[record_id] = (
                        records.get_record_offset(),
                        records.get_record_length(),
                    )
    except Exception:  # noqa: BLE001 - warcio's many errors on a damaged file: stop there
        log.debug("%s: record positions read up to the damage", path, exc_info=True)
    return positions


def imported_capture(
    path: Path, headers: dict[str, str], positions: dict[str, tuple[int, int]]
) -> dict[str, Any]:
    """The capture of a response record in an imported WARC file: referenced where it is
    (absolute path, byte range), never copied.

    Args:
        path: The WARC file being read.
        headers: The record's WARC headers (lower-case names).
        positions: :func:`warc_positions` of the file (which holds this record's id).
    """
    record_id = headers.get("warc-record-id") or ""
    offset, length = positions[record_id]
    return {
        "warc_file": str(Path(path).resolve()),
        "warc_offset": offset,
        "warc_length": length,
        "record_id": record_id,
        "target_uri": headers.get("warc-target-uri", "").strip("<> "),
        "warc_date": headers.get("warc-date"),
        "referenced": True,
    }
