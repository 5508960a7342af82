"""Writes of pages, versions, sites and credits: one transaction per stored page."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from tracker.chrome import is_chrome
from tracker.items import PageRecord
from tracker.normalize import normalize_text
from tracker.store import sites
from tracker.store.diffs import delete_diff
from tracker.store.schema import ATTRIBUTION_COLUMNS, StoreError, write_transaction


@dataclass
class StoreResult:
    """What storing one page did."""

    page_id: int
    version_id: int | None
    new_page: bool
    new_version: bool
    previous_version_id: int | None = None
    # The version after this one when an older snapshot arrived late (not the page's latest).
    next_version_id: int | None = None


def content_hash(title: str | None, text: str) -> str:
    """Hash of the normalised title and text: a new version only when either really changed."""
    blob = normalize_text(title or "") + "\n" + normalize_text(text)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


# The writes of every stored page, as fixed statements (SQLite's statement cache prepares each
# once per connection), rather than sqlite-utils' insert, which reads the table's columns and
# builds its statement again on every call.
_PAGE_COLUMNS = (
    "url",
    "site",
    "first_seen",
    "last_fetched",
    "checks",
    "canonical_url",
    "http_status",
    "etag",
    "last_modified",
)
_VERSION_COLUMNS = (
    "fetched_at",
    "content_hash",
    "title",
    "byline",
    "published",
    "language",
    "site_name",
    "description",
    "text",
    "paragraphs",
    "word_count",
    "source",
)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"


_INSERT_PAGE = _insert_sql("pages", _PAGE_COLUMNS)
_INSERT_VERSION = _insert_sql("versions", ("page_id", *_VERSION_COLUMNS))
_INSERT_ATTRIBUTION = _insert_sql("attributions", ATTRIBUTION_COLUMNS)


def _insert(db: sqlite_utils.Database, sql: str, values: list, table: str) -> int:
    """Run one insert; the new row's id."""
    row_id = db.conn.execute(sql, values).lastrowid
    if not isinstance(row_id, int):
        raise StoreError(f"{table}: insert returned no row id")
    return row_id


def skip_fsync_per_commit(db: sqlite_utils.Database) -> None:
    """Commit without waiting for the disk, for runs of many one-page transactions (import, crawl).

    In WAL mode ``synchronous = NORMAL`` keeps the database consistent and every committed page
    survives the process being killed (kill -9); only a power cut or an OS crash can lose the
    last commits, which are then simply imported or fetched again by the next run.
    """
    db.conn.execute("PRAGMA synchronous = NORMAL")


def _version_values(rec: PageRecord, chash: str) -> list:
    """The values of ``_VERSION_COLUMNS``, in order."""
    text = rec.text
    return [
        rec.fetched_at,
        chash,
        rec.title,
        rec.byline,
        rec.published,
        rec.language,
        rec.site_name,
        rec.description,
        text,
        json.dumps(rec.paragraphs, ensure_ascii=False),
        len(text.split()),
        rec.source,
    ]


def _store_page_row(db: sqlite_utils.Database, rec: PageRecord) -> tuple[int, bool, str | None]:
    """The page's id (inserting its row if new), whether it is new, and its newest fetch time
    before this one. The page's HTTP fields are those of its newest fetch, whatever order
    fetches arrive in."""
    row = db.execute(
        "select id, first_seen, last_fetched from pages where url = ?", [rec.url]
    ).fetchone()
    page_fields = {
        "canonical_url": rec.canonical_url,
        "http_status": rec.http_status,
        "etag": rec.etag,
        "last_modified": rec.last_modified,
    }
    if row is None:
        values = [rec.url, rec.site, rec.fetched_at, rec.fetched_at, 1, *page_fields.values()]
        return _insert(db, _INSERT_PAGE, values, "pages"), True, None
    page_id, first_seen, last_fetched = row
    updates: dict = {}
    if rec.fetched_at >= (last_fetched or ""):
        updates = {k: v for k, v in page_fields.items() if v is not None}
        updates["last_fetched"] = rec.fetched_at
    if rec.fetched_at < (first_seen or rec.fetched_at):
        updates["first_seen"] = rec.fetched_at
    if updates:
        db.conn.execute(
            f"update pages set {', '.join(f'{c} = ?' for c in updates)} where id = ?",
            [*updates.values(), page_id],
        )
    return page_id, False, last_fetched


def store_page(db: sqlite_utils.Database, rec: PageRecord) -> StoreResult:
    """Store one fetched page: its ``pages`` row, a new ``versions`` row when the normalised
    title or text changed, and the credits it declares. Storing the same content twice adds nothing.

    A page's history does not depend on the order its snapshots arrive in: a snapshot older than
    the stored ones is compared with the version in force when it was fetched (the same content
    adds nothing) and with the version after it (the same content moves that version's start back
    to this fetch); different content is inserted in its place, and the version diff that spanned
    it is dropped, so the stages diff both new neighbours (``StoreResult.next_version_id``).
    """
    with write_transaction(db):
        sites.ensure_site(db, rec.site, rec.fetched_at)
        page_id, new_page, last_fetched = _store_page_row(db, rec)
        voted = None if new_page else sites.page_vote(db, page_id)
        chash = content_hash(rec.title, rec.text)
        # Idempotent re-import: the same content at the same fetch time is already stored.
        same = db.execute(
            "select id from versions where page_id = ?"
            " and coalesce(extracted_hash, content_hash) = ? and fetched_at = ?",
            [page_id, chash, rec.fetched_at],
        ).fetchone()
        # The version in force when this copy was fetched; unchanged text adds no version.
        prev = db.execute(
            "select id, coalesce(extracted_hash, content_hash), chrome_dropped from versions"
            " where page_id = ? and fetched_at <= ? order by fetched_at desc, id desc limit 1",
            [page_id, rec.fetched_at],
        ).fetchone()
        prev_id = prev[0] if prev else None
        if same or (prev and _same_content(prev[1], prev[2], chash, rec)):
            return StoreResult(page_id, None, new_page, False, prev_id)
        # The version that followed this fetch, when an older snapshot arrives late.
        nxt = db.execute(
            "select id, coalesce(extracted_hash, content_hash), extracted_hash is not null,"
            " chrome_dropped"
            " from versions where page_id = ? and fetched_at > ? order by fetched_at, id limit 1",
            [page_id, rec.fetched_at],
        ).fetchone()
        if nxt and _same_content(nxt[1], nxt[3], chash, rec):
            # Seen earlier than known: the version starts at this fetch, as it would have had the
            # snapshots arrived in order (its text and credits are those of its first fetch).
            fields = dict(zip(_VERSION_COLUMNS, _version_values(rec, chash), strict=True))
            if nxt[2] or nxt[1] != chash:
                # Its text was stripped of site boilerplate, or it is a pre-0011 text that matched
                # only without the chrome phrase list's paragraphs: the stored text stays (its
                # fingerprint, boilerplate and diffs were computed from it).
                for key in ("content_hash", "text", "paragraphs", "word_count"):
                    del fields[key]
            else:  # its text is now this fetch's, as extracted today
                fields["chrome_dropped"] = None
            db.conn.execute(
                f"update versions set {', '.join(f'{c} = ?' for c in fields)} where id = ?",
                [*fields.values(), nxt[0]],
            )
            db.execute("delete from attributions where version_id = ?", [nxt[0]])
            store_credits(db, page_id, nxt[0], rec.credits or [])
            sites.revote(db, rec.site, page_id, voted)
            return StoreResult(page_id, None, new_page, False, prev_id)
        version_id = _insert(
            db, _INSERT_VERSION, [page_id, *_version_values(rec, chash)], "versions"
        )
        store_credits(db, page_id, version_id, rec.credits or [])
        if nxt and prev_id is not None:
            delete_diff(db, prev_id, nxt[0], "version")
        if nxt is None and prev_id is not None and last_fetched and last_fetched > rec.fetched_at:
            # A late snapshot that differs from the latest version, although the page was
            # fetched after it and that fetch found the latest version's content (it made no new
            # version): the page went A -> X -> A. The return to A is a version of its own, at
            # that later fetch, or the history would end on X.
            back = _copy_version(db, prev_id, last_fetched)
            sites.revote(db, rec.site, page_id, voted)
            return StoreResult(page_id, version_id, new_page, True, prev_id, back)
        sites.revote(db, rec.site, page_id, voted)
        return StoreResult(page_id, version_id, new_page, True, prev_id, nxt[0] if nxt else None)


def _copy_version(db: sqlite_utils.Database, version_id: int, fetched_at: str) -> int:
    """A copy of a version (text, boilerplate, credits) as fetched again at ``fetched_at``."""
    columns = [c.name for c in db.table("versions").columns if c.name not in ("id", "fetched_at")]
    names = ", ".join(columns)
    cursor = db.execute(
        f"insert into versions (fetched_at, {names}) select ?, {names} from versions where id = ?",
        [fetched_at, version_id],
    )
    copy_id = int(cursor.lastrowid or 0)
    credit_columns = [c for c in ATTRIBUTION_COLUMNS if c not in ("id", "version_id")]
    listed = ", ".join(credit_columns)
    db.execute(
        f"insert into attributions (version_id, {listed}) select ?, {listed}"
        " from attributions where version_id = ?",
        [copy_id, version_id],
    )
    return copy_id


def _same_content(
    stored_hash: str, chrome_dropped: int | None, chash: str, rec: PageRecord
) -> bool:
    """Whether a fetch has a stored version's content: the same hash, or, for a version stored
    before migration 0011 (``chrome_dropped``), the same hash once the paragraphs of the fixed
    chrome phrase list are left out, as that version's extraction left them out."""
    if stored_hash == chash:
        return True
    if not chrome_dropped:
        return False
    kept = [p for p in rec.paragraphs if not is_chrome(p)]
    return len(kept) < len(rec.paragraphs) and content_hash(rec.title, "\n\n".join(kept)) == (
        stored_hash
    )


def store_credits(
    db: sqlite_utils.Database, page_id: int, version_id: int, credits: Iterable[dict]
) -> None:
    """Record the credits a version declares; one row per distinct (kind, target, evidence) of a version.

    Each version keeps its own credits, so a credit line a later version drops stops counting for
    that version (provenance and diffs read the credits of one version). Storing the same
    credits for the same version again adds nothing.
    """
    for credit in credits:
        exists = db.execute(
            "select 1 from attributions where page_id = ? and version_id is ? and kind = ?"
            " and coalesce(target_url, '') = ? and coalesce(evidence, '') = ?",
            [
                page_id,
                version_id,
                credit["kind"],
                credit.get("target_url") or "",
                credit.get("evidence") or "",
            ],
        ).fetchone()
        if exists:
            continue
        target_page = None
        if credit.get("target_url"):
            hit = db.execute(
                "select id from pages where url = ?", [credit["target_url"]]
            ).fetchone()
            target_page = hit[0] if hit else None
        db.conn.execute(
            _INSERT_ATTRIBUTION,
            [
                page_id,
                version_id,
                credit["kind"],
                credit.get("evidence"),
                credit.get("target_url"),
                credit.get("target_site"),
                credit.get("target_name"),
                target_page,
            ],
        )


def resolve_credit_targets(db: sqlite_utils.Database) -> int:
    """Point credits at pages that have arrived since the credit was stored; returns rows updated."""
    cur = db.execute(
        "update attributions set target_page_id = (select p.id from pages p where p.url = attributions.target_url)"
        " where target_page_id is null and target_url is not null"
        " and exists (select 1 from pages p where p.url = attributions.target_url)"
    )
    return cur.rowcount
