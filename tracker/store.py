"""The SQLite store: schema (sqlite-utils migrations), and the writes of pages, versions and credits.

The table and column names here are the public contract that Datasette users and scripts query;
they are documented in the README and in ``datasette-metadata.yml``. Add columns through a new
migration at the end of this file, never by editing an applied one.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from tracker.normalize import normalize_text

migrations = Migrations("tracker")


def utcnow() -> str:
    """Now, as an ISO 8601 UTC timestamp with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@migrations(name="0001_core")
def _core(db: sqlite_utils.Database) -> None:
    db["sites"].create({"domain": str, "name": str, "first_seen": str}, pk="domain")
    db["pages"].create(
        {
            "id": int,
            "url": str,
            "site": str,
            "canonical_url": str,
            "first_seen": str,
            "last_fetched": str,
            "http_status": int,
            "etag": str,
            "last_modified": str,
            "next_check": str,
            "checks": int,
        },
        pk="id",
        foreign_keys=[("site", "sites", "domain")],
        not_null={"url", "site"},
    )
    db["pages"].create_index(["url"], unique=True)
    db["pages"].create_index(["site"])
    db["versions"].create(
        {
            "id": int,
            "page_id": int,
            "fetched_at": str,
            "content_hash": str,
            "title": str,
            "byline": str,
            "published": str,
            "language": str,
            "site_name": str,
            "description": str,
            "text": str,
            "paragraphs": str,
            "word_count": int,
            "source": str,
        },
        pk="id",
        foreign_keys=[("page_id", "pages", "id")],
        not_null={"page_id", "content_hash"},
    )
    db["versions"].create_index(["page_id", "content_hash"])
    db["attributions"].create(
        {
            "id": int,
            "page_id": int,
            "version_id": int,
            "kind": str,
            "evidence": str,
            "target_url": str,
            "target_site": str,
            "target_name": str,
            "target_page_id": int,
        },
        pk="id",
        foreign_keys=[
            ("page_id", "pages", "id"),
            ("version_id", "versions", "id"),
            ("target_page_id", "pages", "id"),
        ],
    )
    db["attributions"].create_index(["page_id"])
    db["attributions"].create_index(["target_site"])
    db["versions"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")


@migrations(name="0002_clusters_diffs_crawls")
def _later_stages(db: sqlite_utils.Database) -> None:
    db["clusters"].create(
        {
            "id": int,
            "origin_page_id": int,
            "size": int,
            "first_seen": str,
            "first_published": str,
            "origin_evidence": str,
            "title": str,
            "updated": str,
        },
        pk="id",
        foreign_keys=[("origin_page_id", "pages", "id")],
    )
    db["cluster_members"].create(
        {
            "cluster_id": int,
            "page_id": int,
            "version_id": int,
            "role": str,
            "similarity": float,
            "containment": float,
            "credited": int,
            "credits_page_id": int,
            "credit_evidence": str,
            "joined": str,
        },
        pk=("cluster_id", "page_id"),
        foreign_keys=[
            ("cluster_id", "clusters", "id"),
            ("page_id", "pages", "id"),
            ("version_id", "versions", "id"),
            ("credits_page_id", "pages", "id"),
        ],
    )
    db["cluster_members"].create_index(["page_id"])
    db["diffs"].create(
        {
            "id": int,
            "kind": str,
            "a_version_id": int,
            "b_version_id": int,
            "retained": float,
            "words_added": int,
            "words_removed": int,
            "paragraphs_added": int,
            "paragraphs_removed": int,
            "paragraphs_changed": int,
            "paragraphs_moved": int,
            "title_changed": int,
            "old_title": str,
            "new_title": str,
            "byline_changed": int,
            "published_changed": int,
            "credit_added": int,
            "credit_removed": int,
            "created": str,
        },
        pk="id",
        foreign_keys=[("a_version_id", "versions", "id"), ("b_version_id", "versions", "id")],
    )
    db["diffs"].create_index(["a_version_id", "b_version_id", "kind"], unique=True)
    db["diff_ops"].create(
        {"diff_id": int, "seq": int, "op": str, "a_text": str, "b_text": str, "similarity": float},
        pk=("diff_id", "seq"),
        foreign_keys=[("diff_id", "diffs", "id")],
    )
    db["crawl_runs"].create(
        {
            "id": int,
            "spider": str,
            "started": str,
            "finished": str,
            "pages_fetched": int,
            "pages_new": int,
            "versions_new": int,
            "not_modified": int,
            "skipped_non_html": int,
            "errors": int,
            "stats": str,
        },
        pk="id",
    )


class StoreError(Exception):
    """A database file that cannot be opened or is not a tracker database."""


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a tracker database: WAL, foreign keys on, migrations applied.

    Raises:
        StoreError: when the file cannot be created or opened, or is not an SQLite database.
    """
    try:
        db = sqlite_utils.Database(path)
        if str(path) != ":memory:":
            db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 30000")
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open as a tracker database ({exc})") from exc
    return db


def open_existing_db(path: str | Path) -> sqlite_utils.Database:
    """Open a tracker database that must already exist (commands that only read or update).

    Raises:
        StoreError: when there is no such file, or it cannot be opened as a tracker database.
    """
    if not Path(path).is_file():
        raise StoreError(
            f"{path}: no such database (create one with tracker demo, import or crawl)"
        )
    return open_db(path)


def table_names_read_only(path: str | Path) -> set[str]:
    """The table names of an SQLite file, opened read-only (nothing is created or migrated).

    Raises:
        StoreError: when the file is missing or not a readable SQLite database.
    """
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            return {
                r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")
            }
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: not a readable SQLite database ({exc})") from exc


def find_page(db: sqlite_utils.Database, url: str) -> tuple[int, str, str] | None:
    """The ``(id, url, site)`` of the page at ``url`` (normalised), else of the first page whose
    canonical link is ``url``; None when neither is stored."""
    from tracker.urls import normalize_url

    wanted = normalize_url(url)
    row = db.execute("select id, url, site from pages where url = ?", [wanted]).fetchone()
    if row is None:
        row = db.execute(
            "select id, url, site from pages where canonical_url = ? order by id", [wanted]
        ).fetchone()
    return tuple(row) if row else None


@dataclass
class PageRecord:
    """One extracted page, ready to store (made by :mod:`tracker.ingest`)."""

    url: str
    site: str
    fetched_at: str
    title: str | None
    byline: str | None
    published: str | None
    language: str | None
    site_name: str | None
    description: str | None
    paragraphs: list[str]
    canonical_url: str | None = None
    credits: list[dict] | None = None
    source: str = "import"
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class StoreResult:
    """What storing one page did."""

    page_id: int
    version_id: int | None
    new_page: bool
    new_version: bool
    previous_version_id: int | None = None


def version_paragraphs(paragraphs_json: str | None, text: str | None) -> list[str]:
    """A version's paragraphs from its ``paragraphs`` column (JSON), else split from ``text``."""
    if paragraphs_json:
        return json.loads(paragraphs_json)
    return [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def content_hash(title: str | None, text: str) -> str:
    """Hash of the normalised title and text: a new version only when either really changed."""
    blob = normalize_text(title or "") + "\n" + normalize_text(text)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def ensure_site(db: sqlite_utils.Database, domain: str, name: str | None, seen: str) -> None:
    """Insert a site if new; fill its name once one is known."""
    row = db.execute("select name from sites where domain = ?", [domain]).fetchone()
    if row is None:
        db["sites"].insert({"domain": domain, "name": name, "first_seen": seen})
    elif name and not row[0]:
        db["sites"].update(domain, {"name": name})


def store_page(db: sqlite_utils.Database, rec: PageRecord) -> StoreResult:
    """Store one fetched page: its ``pages`` row, a new ``versions`` row when the normalised
    title or text changed, and the credits it declares. Storing the same content twice adds nothing."""
    with db.atomic():
        ensure_site(db, rec.site, rec.site_name, rec.fetched_at)
        row = db.execute(
            "select id, first_seen, last_fetched from pages where url = ?", [rec.url]
        ).fetchone()
        new_page = row is None
        page_fields = {
            "canonical_url": rec.canonical_url,
            "http_status": rec.http_status,
            "etag": rec.etag,
            "last_modified": rec.last_modified,
        }
        if new_page:
            page_id = (
                db["pages"]
                .insert(
                    {
                        "url": rec.url,
                        "site": rec.site,
                        "first_seen": rec.fetched_at,
                        "last_fetched": rec.fetched_at,
                        "checks": 1,
                        **page_fields,
                    }
                )
                .last_pk
            )
        else:
            page_id = row[0]
            updates = {k: v for k, v in page_fields.items() if v is not None}
            if rec.fetched_at < (row[1] or rec.fetched_at):
                updates["first_seen"] = rec.fetched_at
            if rec.fetched_at > (row[2] or ""):
                updates["last_fetched"] = rec.fetched_at
            if updates:
                db["pages"].update(page_id, updates)
        chash = content_hash(rec.title, rec.text)
        # Idempotent re-import: the same content at the same fetch time is already stored.
        same = db.execute(
            "select id from versions where page_id = ? and content_hash = ? and fetched_at = ?",
            [page_id, chash, rec.fetched_at],
        ).fetchone()
        # The version in force when this copy was fetched; unchanged text adds no version.
        prev = db.execute(
            "select id, content_hash from versions where page_id = ? and fetched_at <= ?"
            " order by fetched_at desc, id desc limit 1",
            [page_id, rec.fetched_at],
        ).fetchone()
        if same or (prev and prev[1] == chash):
            return StoreResult(page_id, None, new_page, False, prev[0] if prev else None)
        text = rec.text
        version_id = (
            db["versions"]
            .insert(
                {
                    "page_id": page_id,
                    "fetched_at": rec.fetched_at,
                    "content_hash": chash,
                    "title": rec.title,
                    "byline": rec.byline,
                    "published": rec.published,
                    "language": rec.language,
                    "site_name": rec.site_name,
                    "description": rec.description,
                    "text": text,
                    "paragraphs": json.dumps(rec.paragraphs, ensure_ascii=False),
                    "word_count": len(text.split()),
                    "source": rec.source,
                }
            )
            .last_pk
        )
        store_credits(db, page_id, version_id, rec.credits or [])
        return StoreResult(page_id, version_id, new_page, True, prev[0] if prev else None)


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
        db["attributions"].insert(
            {
                "page_id": page_id,
                "version_id": version_id,
                "kind": credit["kind"],
                "evidence": credit.get("evidence"),
                "target_url": credit.get("target_url"),
                "target_site": credit.get("target_site"),
                "target_name": credit.get("target_name"),
                "target_page_id": target_page,
            }
        )


def resolve_credit_targets(db: sqlite_utils.Database) -> int:
    """Point credits at pages that have arrived since the credit was stored; returns rows updated."""
    cur = db.execute(
        "update attributions set target_page_id = (select p.id from pages p where p.url = attributions.target_url)"
        " where target_page_id is null and target_url is not null"
        " and exists (select 1 from pages p where p.url = attributions.target_url)"
    )
    return cur.rowcount


@migrations(name="0003_diffs_op_positions")
def _diff_op_positions(db: sqlite_utils.Database) -> None:
    # Paragraph numbers in A and B: renderers show where a paragraph moved from, and
    # ``diffs.apply_ops`` takes an unchanged paragraph from A instead of storing it twice.
    db["diff_ops"].add_column("a_index", int)
    db["diff_ops"].add_column("b_index", int)


@migrations(name="0005_crawl_schedule")
def _crawl_schedule(db: sqlite_utils.Database) -> None:
    # Credit hops from a watched site (0 on a watched site), so credit-following across runs
    # stops at the sources file's ``follow_credits``.
    db["pages"].add_column("crawl_hops", int)
    db["pages"].create_index(["next_check"])
    # URLs the crawler asked for that are not a stored page of their own: redirects (page_url
    # says where to), failures, non-HTML bodies, pages without article text. Their recheck
    # schedule keeps a second crawl from asking again before it is due.
    db["crawl_urls"].create(
        {
            "url": str,
            "page_url": str,
            "status": int,
            "note": str,
            "first_seen": str,
            "last_fetched": str,
            "next_check": str,
            "checks": int,
        },
        pk="url",
    )


@migrations(name="0006_clustering_fingerprints")
def _clustering_fingerprints(db: sqlite_utils.Database) -> None:
    # One row per fingerprinted version (tracker.clustering): the signature and exact shingle set,
    # so a re-run never re-hashes unchanged text. ``boilerplate`` lists the paragraph hashes that
    # were left out as boilerplate when the row was made; a change to that set re-fingerprints.
    db["fingerprints"].create(
        {
            "version_id": int,
            "page_id": int,
            "k": int,
            "num_perm": int,
            "num_shingles": int,
            "minhash": bytes,
            "shingles": bytes,
            "anchors": bytes,
            "blocks": bytes,
            "boilerplate": bytes,
            "created": str,
        },
        pk="version_id",
        foreign_keys=[("version_id", "versions", "id"), ("page_id", "pages", "id")],
    )
    db["fingerprints"].create_index(["page_id"])
    # The version of each page that clustering and the boilerplate statistics currently count.
    db["cluster_pages"].create(
        {"page_id": int, "version_id": int},
        pk="page_id",
        foreign_keys=[("page_id", "pages", "id"), ("version_id", "versions", "id")],
    )
    # Paragraph document frequency per site (normalised paragraph hash), for boilerplate.
    db.execute(
        "create table boilerplate_blocks (site text not null, block integer not null,"
        " pages integer not null, words integer not null, primary key (site, block)) without rowid"
    )
    db["boilerplate_blocks"].create_index(["block"])
    # The member every other member of a cluster was verified against (stable as it grows).
    db["clusters"].add_column("seed_page_id", int)
