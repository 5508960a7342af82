"""WARC records read one by one with bounded buffers, resynchronising after damage.

A WARC file is read as it is, whatever a stranger's crawl made of it: a record body is read up
to a cap (``DOWNLOAD_MAXSIZE``, as in the crawl), so a gzip bomb costs time in proportion to the
file and never more memory than the cap; a record cut short, a wrong ``Content-Length`` or a
damaged gzip member is reported once and skipped, and reading goes on at the next record (the
next ``WARC/1.x`` header, or the next gzip member that starts one). Each record is accepted only
once its end (``CRLF CRLF``), its block digest when it has one, and its gzip member's checksum
are seen, so a damaged record is never passed on as a short page.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from tracker.settings import DOWNLOAD_MAXSIZE

HEADER_LIMIT = 64 * 1024
_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b\x08"
_RECORD_END = b"\r\n\r\n"
_NOT_A_HEADER = "no WARC/1.x header where a record should start"


class Damaged(Exception):
    """The bytes of the file cannot be read on from here (bad gzip data or a member cut short)."""


@dataclass
class Record:
    """One WARC record: its headers and its block (``None`` when the block was over the cap).

    ``head`` holds the first bytes of a block over the cap (enough for its HTTP headers).
    """

    headers: dict[str, str]
    block: bytes | None
    head: bytes
    length: int
    offset: int

    @property
    def name(self) -> str:
        """The record's target URI, else its id, else its byte offset: how problems name it."""
        uri = self.headers.get("warc-target-uri", "").strip("<> ")
        return uri or self.headers.get("warc-record-id") or f"at byte {self.offset}"


@dataclass
class Broken:
    """A record or a stretch of the file that could not be read; one line about it."""

    name: str
    reason: str


class _Stream:
    """The uncompressed bytes of a WARC(.gz) file, pulled through a small buffer.

    Gzip members follow one another; a zlib error or a member cut short raises :class:`Damaged`
    (and again on each read) until :meth:`resync` finds the next member that starts a record.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.gz = raw.read(3) == _GZIP_MAGIC
        self.buf = bytearray()
        self.offset = 0  # uncompressed offset of buf[0]
        self.verified = 0  # uncompressed offset up to which gzip checksums were checked
        self.error: Damaged | None = None
        self._start_member(0)

    def _start_member(self, raw_offset: int) -> None:
        self.raw.seek(raw_offset)
        self.member_start = raw_offset
        self.pending = b""  # raw bytes not yet given to the decompressor
        self.fed = False  # whether this member has had any input
        self.careful = False  # feed one byte at a time, to keep every byte before damage
        self.inflate = zlib.decompressobj(31)

    def _fail(self, reason: str) -> bool:
        self.error = Damaged(reason)
        raise self.error

    def _pump(self) -> bool:
        """Move some bytes into ``buf``; False at a clean end of file."""
        if self.error:
            raise self.error
        if not self.gz:
            data = self.raw.read(_CHUNK)
            self.buf += data
            return bool(data)
        if not self.pending:
            self.pending = self.raw.read(_CHUNK)
            if not self.pending:
                if not self.fed:
                    return False  # the file ends between two members
                out = self.inflate.decompress(b"", _CHUNK)  # output zlib still holds
                if not out and not self.inflate.eof:
                    return self._fail("gzip data cut short")
                return self._take(out, b"")
        if not self.fed and len(self.pending) >= 3 and not self.pending.startswith(_GZIP_MAGIC):
            return self._fail("data that is not gzip where a gzip member should start")
        step = 1 if self.careful else 16 * 1024
        piece, rest = self.pending[:step], self.pending[step:]
        before = self.inflate.copy()
        try:
            out = self.inflate.decompress(piece, _CHUNK)
        except zlib.error as exc:
            if not self.careful:
                self.inflate, self.careful = before, True
                return True
            return self._fail(f"bad gzip data ({exc})")
        self.fed = True
        return self._take(out, rest)

    def _take(self, out: bytes, rest: bytes) -> bool:
        self.buf += out
        if not self.inflate.eof:
            self.pending = self.inflate.unconsumed_tail + rest
            return True
        self.verified = self.offset + len(self.buf)
        leftover = self.inflate.unused_data + rest
        member_end = self.raw.tell() - len(leftover)
        self._start_member(member_end)
        self.pending = leftover
        self.raw.seek(member_end + len(leftover))
        return True

    def fill(self, size: int) -> None:
        """Buffer at least ``size`` bytes, or all that is left."""
        while len(self.buf) < size and self._pump():
            pass

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes (fewer only at the end of the readable data)."""
        self.fill(size)
        data = bytes(self.buf[:size])
        del self.buf[:size]
        self.offset += len(data)
        return data

    def readline(self, limit: int) -> bytes:
        """One line with its newline, or at most ``limit`` bytes when no newline comes."""
        start = 0
        while True:
            end = self.buf.find(b"\n", start)
            if end >= 0 and end < limit:
                return self.read(end + 1)
            if len(self.buf) >= limit:
                return self.read(limit)
            start = len(self.buf)
            if not self._pump():
                return self.read(len(self.buf))

    def skip(self, size: int) -> int:
        """Drop ``size`` bytes without keeping them; the number dropped."""
        dropped = 0
        while dropped < size:
            if not self.buf and not self._pump():
                break
            take = min(size - dropped, len(self.buf))
            del self.buf[:take]
            self.offset += take
            dropped += take
        return dropped

    def unread(self, data: bytes) -> None:
        """Put bytes back in front of the buffer (to search them for the next record)."""
        self.buf[:0] = data
        self.offset -= len(data)

    def at_end(self) -> bool:
        """True at a clean end of file; raises :class:`Damaged` when the rest is damaged."""
        self.fill(1)
        return not self.buf

    def seek_record(self) -> bool:
        """Drop bytes up to the next ``WARC/1.`` (a candidate header: the header parser
        decides); False when none is left. Not only at a line start: damage may have hit the
        end of the record before."""
        while True:
            at = self.buf.find(b"WARC/1.")
            if at >= 0:
                self.skip(at)
                return True
            keep = 7  # a header may straddle the buffer's end
            if len(self.buf) > keep:
                self.skip(len(self.buf) - keep)
            if not self._pump():
                self.skip(len(self.buf))
                return False

    def resync(self) -> bool:
        """After :class:`Damaged`: go on at the next gzip member that starts a record.

        Returns False when no such member is left (or the file is not gzip).
        """
        if not self.gz:
            return False
        position = self.member_start + 1
        while True:
            self.raw.seek(position)
            data = self.raw.read(_CHUNK)
            if len(data) < len(_GZIP_MAGIC):
                return False
            at = data.find(_GZIP_MAGIC)
            while at >= 0:
                if self._starts_record(position + at):
                    self.error = None
                    self.offset += len(self.buf)
                    self.buf.clear()
                    self._start_member(position + at)
                    return True
                at = data.find(_GZIP_MAGIC, at + 1)
            position += len(data) - (len(_GZIP_MAGIC) - 1)

    def resync_as_gzip(self) -> bool:
        """For a file whose start is not a record (a damaged first gzip member, or a gzip header
        hit by damage): read on from the next gzip member that starts a record, if any."""
        if self.gz:
            return self.resync()
        self.gz, self.member_start = True, 0
        if self.resync():
            return True
        self.gz = False
        return False

    def _starts_record(self, raw_offset: int) -> bool:
        self.raw.seek(raw_offset)
        probe = zlib.decompressobj(31)
        try:
            out = probe.decompress(self.raw.read(4096), 16)
        except zlib.error:
            return False
        return out.startswith(b"WARC/")


def _headers(stream: _Stream) -> dict[str, str] | str:
    """The header block of the record at the stream's position, or why it is not one."""
    first = stream.readline(HEADER_LIMIT)
    if not first.startswith(b"WARC/"):
        return _NOT_A_HEADER
    headers: dict[str, str] = {}
    used = len(first)
    name = ""
    while True:
        line = stream.readline(HEADER_LIMIT)
        used += len(line)
        if not line.endswith(b"\n"):
            return "record header cut short" if used < HEADER_LIMIT else "record header too long"
        if used > HEADER_LIMIT:
            return "record header too long"
        text = line.rstrip(b"\r\n").decode("utf-8", "replace")
        if not text:
            return headers
        if text[0] in " \t" and name:  # a folded continuation line
            headers[name] += " " + text.strip()
            continue
        name, sep, value = text.partition(":")
        if not sep:
            return "malformed record header line"
        name = name.strip().lower()
        headers[name] = value.strip()


def _digest_ok(headers: dict[str, str], block: bytes) -> bool:
    """False only when the record names a block digest it knows and the block does not match."""
    label, _, value = headers.get("warc-block-digest", "").partition(":")
    algorithm = {"sha1": "sha1", "sha256": "sha256", "md5": "md5"}.get(label.strip().lower())
    if not algorithm or not value:
        return True
    digest = hashlib.new(algorithm, block).digest()
    value = value.strip()
    try:
        expected = (
            bytes.fromhex(value)
            if len(value) == 2 * len(digest)
            else base64.b32decode(value.upper() + "=" * (-len(value) % 8))
        )
    except ValueError:
        return True
    return digest == expected


def iter_records(raw: BinaryIO, max_body: int = DOWNLOAD_MAXSIZE) -> Iterator[Record | Broken]:
    """Every record of an open WARC(.gz) file, and one :class:`Broken` per damaged stretch.

    A file that does not start with a WARC header is one :class:`Broken` named ``""``. After a
    damaged stretch, failures while looking for the next good record are not reported again:
    one damage, one line.
    """
    stream = _Stream(raw)
    quiet = False
    first = True
    read = 0
    while True:
        name = f"at byte {stream.offset}"
        rewind = b""
        try:
            if stream.at_end():
                if first:
                    yield Broken("", "not a WARC file (empty)")
                return
            if stream.buf[:1] in (b"\r", b"\n"):
                stream.readline(HEADER_LIMIT)  # blank lines between records
                continue
            offset = stream.offset
            headers = _headers(stream)
            if isinstance(headers, str):
                if first and headers == _NOT_A_HEADER:
                    if stream.resync_as_gzip():  # a .warc.gz whose first gzip header is hit
                        yield Broken(name, "damaged (not a record, nor a gzip member)")
                        first, quiet = False, True
                        continue
                    yield Broken("", "not a WARC file (no WARC/1.x header at the start)")
                    return
                first = False
                problem: Broken | None = Broken(name, f"damaged ({headers})")
            else:
                first = False
                record = Record(headers, None, b"", 0, offset)
                name = record.name
                problem, rewind = _body(stream, record, max_body)
                if problem is None:
                    quiet, read = False, read + 1
                    yield record
                    continue
        except Damaged as exc:
            if not quiet:
                yield Broken(name, f"damaged ({exc})")
            quiet, first = True, False
            if not stream.resync():
                return
            continue
        if problem and not quiet:
            yield problem
        quiet = True
        stream.unread(rewind)
        if stream.buf.startswith(b"WARC/1."):
            continue
        try:
            if not stream.seek_record() and not (read == 0 and stream.resync_as_gzip()):
                return  # (a .warc.gz whose first bytes read as a broken record header)
        except Damaged:
            if not stream.resync():
                return


def _body(stream: _Stream, record: Record, max_body: int) -> tuple[Broken | None, bytes]:
    """Read the block after a record header into ``record``; when the record is damaged, a
    problem and the bytes to search again for the next record."""
    try:
        length = int(record.headers.get("content-length", ""))
        if length < 0:
            raise ValueError
    except ValueError:
        return Broken(record.name, "damaged (no valid Content-Length)"), b""
    record.length = length
    block = b""
    if length <= max_body:
        block = stream.read(length)
        if len(block) < length:
            reason = f"damaged (cut short: {len(block)} of {length} bytes)"
            return Broken(record.name, reason), block
        record.block = block
    else:
        record.head = stream.read(HEADER_LIMIT)
        stream.skip(length - len(record.head))
    end = stream.read(len(_RECORD_END))
    if end != _RECORD_END:
        reason = "damaged (no record end after Content-Length bytes: wrong length or cut short)"
        return Broken(record.name, reason), block + end
    if record.block is not None and not _digest_ok(record.headers, record.block):
        return Broken(record.name, "damaged (block digest does not match)"), block + end
    record_end = stream.offset
    try:
        stream.at_end()
    except Damaged as exc:
        if stream.verified < record_end:  # the record's own gzip member is damaged
            raise exc from None
    return None, b""
