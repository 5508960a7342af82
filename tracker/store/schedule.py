"""The crawl's bookkeeping in SQL: when each page and URL is due (``pages.next_check``,
``crawl_urls``), one ``crawl_runs`` row per spider run, and the credit targets still to fetch.

:mod:`tracker.schedule` decides; this module only reads and writes the rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from tracker.store.schema import open_db, write_transaction

_crawl_dbs: dict[str, sqlite_utils.Database] = {}


def crawl_db(path: str | Path) -> sqlite_utils.Database:
    """The one connection to a database that the pipeline and middlewares of a crawl share
    (per process and file), opened on first use."""
    key = str(Path(path).resolve())
    if key not in _crawl_dbs:
        db = open_db(key)
        # One commit per stored page: in WAL mode NORMAL skips the fsync per commit (the
        # database stays consistent; a power cut can lose only the last pages, which the next
        # crawl fetches again since they are not stored).
        db.execute("PRAGMA synchronous = NORMAL")
        _crawl_dbs[key] = db
    return _crawl_dbs[key]


def page_check(
    db: sqlite_utils.Database, url: str
) -> tuple[str | None, str | None, str | None, str | None] | None:
    """``(next_check, last_fetched, etag, last_modified)`` of the stored page at ``url``."""
    row = db.execute(
        "select next_check, last_fetched, etag, last_modified from pages where url = ?", [url]
    ).fetchone()
    return (row[0], row[1], row[2], row[3]) if row else None


def url_check(
    db: sqlite_utils.Database, url: str
) -> tuple[str | None, str | None, str | None] | None:
    """``(page_url, next_check, last_fetched)`` of a URL remembered in ``crawl_urls``."""
    row = db.execute(
        "select page_url, next_check, last_fetched from crawl_urls where url = ?", [url]
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def page_schedule(
    db: sqlite_utils.Database, url: str
) -> tuple[int, str | None, int | None, int | None] | None:
    """``(id, first_seen, checks, crawl_hops)`` of the stored page at ``url``."""
    row = db.execute(
        "select id, first_seen, checks, crawl_hops from pages where url = ?", [url]
    ).fetchone()
    return (row[0], row[1], row[2], row[3]) if row else None


_SCHEDULE_COLUMNS = {"next_check", "last_fetched", "checks", "crawl_hops"}


def update_page_schedule(db: sqlite_utils.Database, page_id: int, values: dict[str, Any]) -> None:
    """Set a page's ``next_check``, ``last_fetched``, ``checks`` or ``crawl_hops``."""
    unknown = set(values) - _SCHEDULE_COLUMNS
    if unknown:
        raise ValueError(f"update_page_schedule: not schedule columns: {sorted(unknown)}")
    if values:
        # A fixed statement (once per page fetched): sqlite-utils' update reads the table's
        # primary keys and columns on every call, ~0.1 ms of the crawl process per page.
        with write_transaction(db):
            db.conn.execute(
                f"update pages set {', '.join(f'{c} = ?' for c in values)} where id = ?",
                [*values.values(), page_id],
            )


def crawl_url_seen(db: sqlite_utils.Database, url: str) -> tuple[str | None, int | None] | None:
    """``(first_seen, checks)`` of a URL remembered in ``crawl_urls``."""
    row = db.execute("select first_seen, checks from crawl_urls where url = ?", [url]).fetchone()
    return (row[0], row[1]) if row else None


def upsert_crawl_url(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Write one ``crawl_urls`` row (keyed by ``url``)."""
    db.table("crawl_urls").upsert(row, pk="url")


def insert_crawl_run(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Write one ``crawl_runs`` row."""
    db.table("crawl_runs").insert(row)


def unresolved_credit_targets(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """Credited URLs that are no stored page yet, with the fewest credit hops of a page that
    credits each: ``(target_url, hops)`` in URL order (RSS ``<source>`` feeds left out)."""
    rows = db.execute(
        "select a.target_url, min(coalesce(p.crawl_hops, 0)) as hops"
        " from attributions a join pages p on p.id = a.page_id"
        " where a.target_url is not null and a.target_page_id is null and a.kind not in ('rss-source', 'link')"
        " and not exists (select 1 from pages q where q.url = a.target_url)"
        " group by a.target_url order by a.target_url"
    ).fetchall()
    return [(url, hops) for url, hops in rows]
