"""``tracker export``: one story's evidence as a zip file that stands on its own.

The zip holds who copied the story and whether they credited it (``members.csv``/``.json``), the
credits found in each page (``credits.csv``/``.json``), the stored diffs (``diffs.json`` with the
figures, ``diffs/diff-<id>.html`` side by side from :func:`tracker.report.diff.render_html`), the
stored text of each version (``texts/``), and the fetched pages themselves: the WARC records of
each version's capture, copied byte for byte out of the crawl's (or the imported) WARC files into
one ``evidence.warc.gz``. ``README.txt`` says what the zip is and lists each file's SHA-256.

A copy deleted from the web can still be shown from the zip alone: open ``evidence.warc.gz``
with any WARC tool (warcio, pywb, ReplayWeb.page).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from tracker import __version__
from tracker.diffs.stage import load_diff
from tracker.lookup import find_page
from tracker.report.diff import Side, render_html
from tracker.store import evidence as store
from tracker.store import utcnow

#: Columns of members.csv, in order.
MEMBER_COLUMNS = (
    "role",
    "credited",
    "url",
    "site",
    "credits_url",
    "credit_evidence",
    "similarity",
    "containment",
    "title",
    "byline",
    "published",
    "fetched_at",
    "first_seen",
    "joined",
    "page_id",
    "version_id",
    "text_file",
    "capture_record_id",
    "capture_date",
)
CREDIT_COLUMNS = (
    "version_id",
    "page_url",
    "kind",
    "evidence",
    "target_url",
    "target_site",
    "target_name",
    "target_page_url",
)
WARC_NAME = "evidence.warc.gz"


class ExportError(Exception):
    """A story that cannot be exported (unknown cluster id or URL); one line for the user."""


@dataclass
class ExportSummary:
    """What an export wrote."""

    cluster_id: int
    members: int = 0
    versions: int = 0
    diffs: int = 0
    captures: int = 0
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def resolve_story(db: sqlite_utils.Database, ref: str) -> int:
    """The cluster id a STORY argument names: a cluster id, or the URL of any member page (in
    any form :func:`tracker.lookup.find_page` understands).

    Raises:
        ExportError: when no stored story matches.
    """
    ref = ref.strip()
    conn = db.conn
    if ref.isdigit():
        if store.cluster_exists(conn, int(ref)):
            return int(ref)
        raise ExportError(f"{ref}: no story (cluster) with this id")
    page = find_page(conn, ref)
    if page is None:
        raise ExportError(f"{ref}: not a stored page or story id")
    clusters = store.clusters_of_page(conn, page[0])
    if not clusters:
        raise ExportError(f"{ref}: this page is in no story (nothing copied it)")
    return clusters[0]


def _csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k) for k in columns})
    return out.getvalue().encode("utf-8")


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


def _version_text(row: dict[str, Any]) -> bytes:
    head = [
        f"URL: {row['url']}",
        f"Version: {row['id']}",
        f"Fetched: {row['fetched_at']}",
        f"Published: {row['published'] or '(not stated)'}",
        f"Title: {row['title'] or ''}",
        f"Byline: {row['byline'] or ''}",
        f"Source: {row['source'] or ''}",
        f"Content hash: {row['content_hash']}",
    ]
    return ("\n".join(head) + "\n\n" + (row["text"] or "") + "\n").encode("utf-8")


def _read_range(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as stream:
        stream.seek(offset)
        return stream.read(length)


def _record_id(chunk: bytes) -> str | None:
    """The WARC-Record-ID of the one record in ``chunk`` (gzip member or plain), else None."""
    try:
        for record in ArchiveIterator(io.BytesIO(chunk)):
            return record.rec_headers.get_header("WARC-Record-ID")
    except (ArchiveLoadFailed, OSError, EOFError, ValueError):
        return None
    return None


def _as_gzip_member(chunk: bytes) -> bytes:
    """A record's bytes as one gzip member (records of plain ``.warc`` files are compressed)."""
    return chunk if chunk[:2] == b"\x1f\x8b" else gzip.compress(chunk, mtime=0)


def capture_records(capture: dict[str, Any], db_dir: Path) -> tuple[list[bytes], str | None]:
    """The WARC records (response, then request when known) of one capture, as gzip members,
    read from where the capture says; ``(records, None)`` or ``([], why not)``.

    Args:
        capture: A ``captures`` row.
        db_dir: The database's folder (crawl captures are recorded relative to it).
    """
    path = Path(capture["warc_file"])
    if not path.is_absolute():
        path = db_dir / path
    if not path.is_file():
        return [], f"WARC file {capture['warc_file']} is missing"
    if capture["warc_offset"] is None or not capture["warc_length"]:
        return (
            [],
            f"record {capture['record_id']}: its place in {path.name} is unknown (damaged file)",
        )
    try:
        response = _read_range(path, capture["warc_offset"], capture["warc_length"])
        request = b""
        if capture.get("request_offset") is not None and capture.get("request_length"):
            request = _read_range(path, capture["request_offset"], capture["request_length"])
    except OSError as exc:
        return [], f"WARC file {capture['warc_file']} cannot be read ({exc.strerror})"
    if _record_id(response) != capture["record_id"]:
        return [], f"record {capture['record_id']} is no longer at its place in {path.name}"
    return [_as_gzip_member(c) for c in (response, request) if c], None


def build_evidence(
    db: sqlite_utils.Database, cluster_id: int, db_dir: Path
) -> tuple[bytes, ExportSummary]:
    """The evidence zip of one story, in memory.

    Args:
        db: The tracker database (``sqlite_utils.Database``; a read connection wrapped in one
            will do: nothing is written).
        cluster_id: The story.
        db_dir: The database's folder, where relative capture paths start.

    Returns:
        The zip's bytes and a summary of what went in.
    """
    conn = db.conn
    story = store.story(conn, cluster_id)
    if story is None:
        raise ExportError(f"{cluster_id}: no story (cluster) with this id")
    summary = ExportSummary(cluster_id)
    members = store.story_members(conn, cluster_id)
    page_ids = [m["page_id"] for m in members]
    diffs = store.story_diffs(conn, page_ids)
    version_ids = sorted(
        {m["version_id"] for m in members if m["version_id"] is not None}
        | {d["a_version_id"] for d in diffs}
        | {d["b_version_id"] for d in diffs}
    )
    files: dict[str, bytes] = {}

    for row in store.versions_text(conn, version_ids):
        files[f"texts/version-{row['id']}.txt"] = _version_text(row)

    warc = io.BytesIO()
    captured: dict[int, dict[str, Any]] = {}
    for capture in store.captures_of(conn, version_ids):
        records, problem = capture_records(capture, db_dir)
        if problem:
            summary.notes.append(f"version {capture['version_id']}: {problem}")
            continue
        for chunk in records:
            warc.write(chunk)
        captured[capture["version_id"]] = capture
    if captured:
        files[WARC_NAME] = warc.getvalue()
    summary.captures = len(captured)

    for member in members:
        vid = member["version_id"]
        member["credited"] = bool(member["credited"]) if member["role"] != "origin" else None
        member["text_file"] = f"texts/version-{vid}.txt" if vid is not None else None
        kept = captured.get(vid) if vid is not None else None
        member["capture_record_id"] = kept["record_id"] if kept else None
        member["capture_date"] = kept["warc_date"] if kept else None
    files["members.csv"] = _csv(members, MEMBER_COLUMNS)
    files["members.json"] = _json({"story": story, "members": members})

    credits = store.story_credits(conn, version_ids)
    files["credits.csv"] = _csv(credits, CREDIT_COLUMNS)
    files["credits.json"] = _json(credits)

    for row in diffs:
        _, result = load_diff(db, row["id"])
        sides = (
            Side(row["a_url"], row["a_version_id"], row["a_fetched_at"]),
            Side(row["b_url"], row["b_version_id"], row["b_fetched_at"]),
        )
        row["html_file"] = f"diffs/diff-{row['id']}.html"
        files[row["html_file"]] = render_html(result, *sides).encode("utf-8")
    files["diffs.json"] = _json(diffs)

    summary.members = len(members)
    summary.versions = len(version_ids)
    summary.diffs = len(diffs)
    summary.files = ["README.txt", *sorted(files)]
    files["README.txt"] = _readme(story, summary, files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in summary.files:
            # The WARC is gzip already: stored, so its bytes in the zip are the records' own.
            method = zipfile.ZIP_STORED if name == WARC_NAME else zipfile.ZIP_DEFLATED
            archive.writestr(name, files[name], compress_type=method)
    return out.getvalue(), summary


def _readme(story: dict[str, Any], summary: ExportSummary, files: dict[str, bytes]) -> bytes:
    lines = [
        f"Evidence of story #{summary.cluster_id}: {story.get('title') or '(untitled)'}",
        f"Origin: {story.get('origin_url') or '(not decided)'}",
        f"Exported {utcnow()} by tracker {__version__}.",
        "",
        f"{summary.members} pages in the story, {summary.versions} stored versions,"
        f" {summary.diffs} diffs, {summary.captures} captured pages.",
        "",
        "members.csv / members.json   who has the story: role, credited, URLs, times",
        "credits.csv / credits.json   the credits found in each version",
        "diffs.json                   the stored diff figures; diffs/*.html side by side",
        "texts/version-N.txt          the stored text of each version",
        f"{WARC_NAME:<28} the pages as fetched (WARC records, response and request);",
        "                             members.csv names each page's record (capture_record_id)",
    ]
    if summary.notes:
        lines += ["", "Not included:"] + [f"- {note}" for note in summary.notes]
    lines += ["", "SHA-256 of each file:"]
    for name in sorted(files):
        lines.append(f"{hashlib.sha256(files[name]).hexdigest()}  {name}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def export_story(db: sqlite_utils.Database, ref: str, output: Path, db_dir: Path) -> ExportSummary:
    """Write the evidence zip of the story ``ref`` (cluster id or member URL) to ``output``.

    Raises:
        ExportError: unknown story, or the output cannot be written.
    """
    data, summary = build_evidence(db, resolve_story(db, ref), db_dir)
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"{output}: cannot write ({exc.strerror})") from None
    return summary
