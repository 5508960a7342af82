"""The database schema: every migration, in order, and opening a tracker database.

The table and column names are the public contract that Datasette users and scripts query; they
are documented in the README and in ``datasette-metadata.yml``. Add columns through a new migration
at the end of this file, never by editing an applied one (sqlite-utils records applied migrations
by name, so names stay as they were first applied).

There is no ``0004``: no migration of that name appears in the project's history (``0005`` and
``0006`` arrived together after ``0003``). The gap stays, because renaming would make existing
databases run ``0005`` and ``0006`` again under new names.

Every migration runs in a transaction together with the record of it having been applied
(sqlite-utils' ``Migrations`` does this since 4.0), and :func:`open_db` applies the pending ones
under one write lock, so two processes opening a new database at once do not both migrate it.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("tracker")
log = logging.getLogger(__name__)


# The columns of an ``attributions`` row besides its ``id``, in the order the store writes them.
ATTRIBUTION_COLUMNS = (
    "page_id",
    "version_id",
    "kind",
    "evidence",
    "target_url",
    "target_site",
    "target_name",
    "target_page_id",
)


def utcnow() -> str:
    """Now, as an ISO 8601 UTC timestamp with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@migrations(name="0001_core")
def _core(db: sqlite_utils.Database) -> None:
    db.table("sites").create({"domain": str, "name": str, "first_seen": str}, pk="domain")
    db.table("pages").create(
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
    db.table("pages").create_index(["url"], unique=True)
    db.table("pages").create_index(["site"])
    db.table("versions").create(
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
    db.table("versions").create_index(["page_id", "content_hash"])
    db.table("attributions").create(
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
    db.table("attributions").create_index(["page_id"])
    db.table("attributions").create_index(["target_site"])
    db.table("versions").enable_fts(["title", "text"], create_triggers=True, tokenize="porter")


@migrations(name="0002_clusters_diffs_crawls")
def _later_stages(db: sqlite_utils.Database) -> None:
    db.table("clusters").create(
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
    db.table("cluster_members").create(
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
    db.table("cluster_members").create_index(["page_id"])
    db.table("diffs").create(
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
    db.table("diffs").create_index(["a_version_id", "b_version_id", "kind"], unique=True)
    db.table("diff_ops").create(
        {"diff_id": int, "seq": int, "op": str, "a_text": str, "b_text": str, "similarity": float},
        pk=("diff_id", "seq"),
        foreign_keys=[("diff_id", "diffs", "id")],
    )
    db.table("crawl_runs").create(
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


@migrations(name="0003_diffs_op_positions")
def _diff_op_positions(db: sqlite_utils.Database) -> None:
    # Paragraph numbers in A and B: renderers show where a paragraph moved from, and
    # ``diffs.apply_ops`` takes an unchanged paragraph from A instead of storing it twice.
    db.table("diff_ops").add_column("a_index", int)
    db.table("diff_ops").add_column("b_index", int)


@migrations(name="0005_crawl_schedule")
def _crawl_schedule(db: sqlite_utils.Database) -> None:
    # Credit hops from a watched site (0 on a watched site), so credit-following across runs
    # stops at the sources file's ``follow_credits``.
    db.table("pages").add_column("crawl_hops", int)
    db.table("pages").create_index(["next_check"])
    # URLs the crawler asked for that are not a stored page of their own: redirects (page_url
    # says where to), failures, non-HTML bodies, pages without article text. Their recheck
    # schedule keeps a second crawl from asking again before it is due.
    db.table("crawl_urls").create(
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
    db.table("fingerprints").create(
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
    db.table("fingerprints").create_index(["page_id"])
    # The version of each page that clustering and the boilerplate statistics currently count.
    db.table("cluster_pages").create(
        {"page_id": int, "version_id": int},
        pk="page_id",
        foreign_keys=[("page_id", "pages", "id"), ("version_id", "versions", "id")],
    )
    # Paragraph document frequency per site (normalised paragraph hash), for boilerplate.
    db.execute(
        "create table boilerplate_blocks (site text not null, block integer not null,"
        " pages integer not null, words integer not null, primary key (site, block)) without rowid"
    )
    db.table("boilerplate_blocks").create_index(["block"])
    # The member every other member of a cluster was verified against (stable as it grows).
    db.table("clusters").add_column("seed_page_id", int)


@migrations(name="0007_versions_by_page_and_time")
def _versions_by_page_and_time(db: sqlite_utils.Database) -> None:
    # "The latest version of each page" (store.queries.LATEST_VERSIONS_SQL) and consecutive
    # versions by fetch time read versions in this order: a covering index instead of a sort.
    db.table("versions").create_index(["page_id", "fetched_at", "id"])


@migrations(name="0008_fingerprint_scheme")
def _fingerprint_scheme(db: sqlite_utils.Database) -> None:
    # The signature scheme of each fingerprint row (tracker.signatures.SCHEMES): signatures of
    # two schemes are never compared. Rows made before this column are datasketch's affine32;
    # the next clustering run re-signs them once from their stored shingles
    # (clustering.resign_fingerprints: no re-extraction, no re-shingling), so membership and
    # cluster ids stay as they are.
    fingerprints = db.table("fingerprints")
    fingerprints.add_column("scheme", str)
    fingerprints.create_index(["scheme"])
    db.execute("update fingerprints set scheme = 'affine32'")


@migrations(name="0009_version_boilerplate")
def _version_boilerplate(db: sqlite_utils.Database) -> None:
    # Site boilerplate taken out of the stored article text (tracker.boilerplate): the removed
    # paragraphs of each version as JSON ``[[position in the extracted text, paragraph], ...]``
    # (NULL when nothing was removed), so the extracted text can always be put back together.
    db.table("versions").add_column("boilerplate", str)
    # The paragraphs each site's stored texts are currently stripped of (normalised paragraph
    # hash, words, distinct pages carrying it when it was learned), so a later run knows when
    # the set changed and older versions of the site have to be stripped again.
    db.execute(
        "create table site_boilerplate (site text not null, block integer not null,"
        " words integer not null, pages integer not null, paragraph text,"
        " primary key (site, block)) without rowid"
    )


@migrations(name="0010_evidence_captures")
def _evidence_captures(db: sqlite_utils.Database) -> None:
    # Where each version's fetched page is kept (tracker.store.evidence): the byte range of its
    # WARC response record (and of the request record beside it), so ``tracker export`` copies
    # the exact record. ``referenced``: an imported WARC, read in place (never copied).
    db.table("captures").create(
        {
            "version_id": int,
            "warc_file": str,
            "warc_offset": int,
            "warc_length": int,
            "record_id": str,
            "request_offset": int,
            "request_length": int,
            "target_uri": str,
            "warc_date": str,
            "referenced": int,
        },
        pk="version_id",
        foreign_keys=[("version_id", "versions", "id")],
        not_null={"warc_file", "warc_offset", "warc_length"},
    )
    # The WARC files a crawl run wrote (a JSON list of paths, relative to the database's folder).
    db.table("crawl_runs").add_column("warc_files", str)


@migrations(name="0011_site_boilerplate_prior")
def _site_boilerplate_prior(db: sqlite_utils.Database) -> None:
    # The rule each site's stored texts were last stripped with (tracker.boilerplate): the fixed
    # phrase list as a prior (``prior`` = 1, a site with too few pages to learn from) or its
    # learned boilerplate alone (0). When a site grows past the threshold the rule changes and
    # every version of the site is stripped again: what the prior removed comes back unless the
    # site's own statistics say it is boilerplate. ``pages``: the site's pages at that time.
    db.execute(
        "create table site_boilerplate_prior (site text primary key, pages integer not null,"
        " prior integer not null)"
    )
    # The content hash of a stripped version's text as extracted (NULL when nothing was removed:
    # then ``content_hash`` is that hash), so a fetch of unchanged content is recognised as
    # unchanged although the stored text, and its ``content_hash``, lack the boilerplate.
    db.table("versions").add_column("extracted_hash", str)
    from tracker.store.boilerplate import extracted_paragraphs, removed_from_json
    from tracker.store.queries import version_paragraphs
    from tracker.store.writes import content_hash

    rows = db.execute(
        "select id, title, paragraphs, text, boilerplate from versions"
        " where boilerplate is not null"
    ).fetchall()
    for vid, title, paragraphs, text, blob in rows:
        extracted = extracted_paragraphs(
            version_paragraphs(paragraphs, text), removed_from_json(blob)
        )
        db.execute(
            "update versions set extracted_hash = ? where id = ?",
            [content_hash(title, "\n\n".join(extracted)), vid],
        )


@migrations(name="0012_versions_chrome_dropped")
def _versions_chrome_dropped(db: sqlite_utils.Database) -> None:
    # Versions stored before 0011 were extracted without the paragraphs of the fixed chrome
    # phrase list (tracker.chrome), and hashed so. 1 marks them: the store compares a new fetch
    # with such a version on its text without those paragraphs too, so the first fetch after an
    # upgrade of unchanged content adds no version. (On a database that already ran 0011 this
    # marks its later versions as well; the comparison is only a second chance, so at worst a
    # fetch that differs from them only by chrome-phrase paragraphs adds no version.)
    db.table("versions").add_column("chrome_dropped", int)
    # The full-text index's update trigger fires on any column: it would index every stored
    # text again for a column it does not hold. Left out for this update (same transaction).
    trigger = db.execute(
        "select sql from sqlite_master where type = 'trigger' and name = 'versions_au'"
    ).fetchone()
    if trigger:
        db.execute("drop trigger versions_au")
    db.execute("update versions set chrome_dropped = 1")
    if trigger:
        db.execute(trigger[0])


@migrations(name="0013_site_name_votes")
def _site_name_votes(db: sqlite_utils.Database) -> None:
    # Each page's vote for its site's name (its latest version's site_name), kept counted so a
    # store costs no recount over the site's pages (tracker.store.sites.move_vote).
    db.execute(
        "create table site_name_votes (site text not null, name text not null,"
        " votes integer not null, last text, primary key (site, name))"
    )
    from tracker.store.queries import LATEST_VERSIONS_SQL

    db.execute(
        f"insert into site_name_votes (site, name, votes, last)"
        f" select p.site, trim(v.site_name), count(*), max(v.fetched_at)"
        f" from ({LATEST_VERSIONS_SQL}) l join versions v on v.id = l.version_id"
        f" join pages p on p.id = l.page_id"
        f" where v.site_name is not null and trim(v.site_name) != ''"
        f" group by p.site, trim(v.site_name)"
    )


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One unit of work: committed whole or not at all.

    The write lock is taken at the start (``BEGIN IMMEDIATE``, waiting up to the busy timeout),
    not on the first write, so a transaction never fails half-way because another process
    wrote in between. Inside another transaction it is a savepoint of that one.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    _begin_immediate(db)
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


# How long a writer waits for another tracker process's write lock before giving up (each
# attempt waits the connection's busy timeout).
LOCK_WAIT_SECONDS = 900.0


def _begin_immediate(db: sqlite_utils.Database) -> None:
    """Take the write lock, waiting (with one line on stderr) while another process holds it."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    told = False
    while True:
        try:
            db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise StoreError(
                    f"{_db_name(db)}: another tracker process held the write lock for more"
                    f" than {LOCK_WAIT_SECONDS:g} s; try again when it is done"
                ) from exc
            if not told:
                log.warning(
                    "%s: waiting for another tracker process to finish writing", _db_name(db)
                )
                told = True


def _db_name(db: sqlite_utils.Database) -> str:
    row = db.execute("pragma database_list").fetchone()
    return (row[2] if row else "") or ":memory:"


def _apply_migrations(db: sqlite_utils.Database) -> None:
    """Apply pending migrations, all under one write lock.

    ``Migrations.apply`` runs each migration and its record in a transaction (a savepoint inside
    this one); the lock makes a second process wait and then find nothing pending, instead of
    running the same migration twice.
    """
    if not migrations.pending(db):
        return
    with write_transaction(db):
        migrations.apply(db)


class StoreError(Exception):
    """A database file that cannot be opened or is not a tracker database."""


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a tracker database: WAL, foreign keys on, migrations applied.

    Raises:
        StoreError: when the file cannot be created or opened, or is not an SQLite database.
    """
    try:
        db = sqlite_utils.Database(path)
        # Wait for another process's write lock (up to 30 s) rather than fail at once.
        db.execute("PRAGMA busy_timeout = 30000")
        if str(path) != ":memory:":
            db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        _apply_migrations(db)
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
