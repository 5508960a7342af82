"""Reads that several stages and pages share: the only place they are written in SQL."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import sqlite_utils

from tracker.store.schema import StoreError

#: The latest version of each page (newest fetch, then highest id): ``(page_id, version_id)``.
#: Use it as a CTE (``with latest as (...)``) where a query needs it inside a larger statement;
#: :func:`latest_version_ids` runs it on its own; ``LATEST_VERSIONS_WHERE`` takes a
#: ``{where}`` clause on ``versions`` to narrow it (e.g. to the pages of one site).
LATEST_VERSIONS_WHERE = (
    "select page_id, id as version_id from (select page_id, id, row_number() over"
    " (partition by page_id order by fetched_at desc, id desc) as rank from versions{where})"
    " where rank = 1"
)
LATEST_VERSIONS_SQL = LATEST_VERSIONS_WHERE.format(where="")

# SQLite's default limit on host parameters is 32766; stay well below it.
_CHUNK = 5000


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    values = sorted({int(i) for i in ids})
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


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


def page_sites_read_only(path: str | Path) -> set[str]:
    """The distinct ``pages.site`` values of an SQLite file, opened read-only.

    Raises:
        StoreError: when the file is not a readable SQLite database or has no ``pages`` table.
    """
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            return {r[0] for r in conn.execute("select distinct site from pages")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: not a readable tracker database ({exc})") from exc


def version_paragraphs(paragraphs_json: str | None, text: str | None) -> list[str]:
    """A version's paragraphs from its ``paragraphs`` column (JSON), else split from ``text``."""
    if paragraphs_json:
        return json.loads(paragraphs_json)
    return [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def latest_version_ids(
    db: sqlite_utils.Database, page_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """The latest version of each page (newest ``fetched_at``, then highest id).

    Args:
        db: The tracker database.
        page_ids: Only these pages; every page with a version when None.

    Returns:
        ``{page_id: version_id}``.
    """
    if page_ids is None:
        return dict(db.execute(LATEST_VERSIONS_SQL).fetchall())
    latest: dict[int, int] = {}
    for chunk in _chunks(page_ids):
        latest.update(
            db.execute(
                LATEST_VERSIONS_WHERE.format(
                    where=f" where page_id in ({','.join('?' * len(chunk))})"
                ),
                chunk,
            ).fetchall()
        )
    return latest


def pages_of_versions(db: sqlite_utils.Database, version_ids: Iterable[int]) -> set[int]:
    """The pages the given versions belong to."""
    pages: set[int] = set()
    for chunk in _chunks(version_ids):
        pages.update(
            r[0]
            for r in db.execute(
                f"select distinct page_id from versions where id in ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return pages


def undiffed_version_pairs(db: sqlite_utils.Database) -> list[tuple[int, int]]:
    """Consecutive versions of a page (by fetch time) that have no ``version`` diff yet."""
    rows = db.execute(
        "select prev_id, id from (select id, lag(id) over (partition by page_id"
        " order by fetched_at, id) as prev_id from versions) where prev_id is not null"
        " and not exists (select 1 from diffs d where d.kind = 'version'"
        " and d.a_version_id = prev_id and d.b_version_id = id)"
        " order by id"
    ).fetchall()
    return [(a, b) for a, b in rows]


def unclustered_version_ids(db: sqlite_utils.Database) -> list[int]:
    """Latest versions that clustering has not counted yet (``cluster_pages`` is behind):
    work an interrupted run left undone, picked up by the next one."""
    rows = db.execute(
        f"select l.version_id from ({LATEST_VERSIONS_SQL}) l"
        " left join cluster_pages c on c.page_id = l.page_id"
        " where c.version_id is null or c.version_id != l.version_id order by l.version_id"
    ).fetchall()
    return [r[0] for r in rows]


def clusters_of_page(db: sqlite_utils.Database, page_id: int) -> list[int]:
    """The ids of the clusters a page is a member of, in id order."""
    return [
        r[0]
        for r in db.execute(
            "select cluster_id from cluster_members where page_id = ? order by cluster_id",
            [page_id],
        )
    ]
