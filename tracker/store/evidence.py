"""Evidence: where each version's fetched page is kept (``captures``, one row per version: a WARC
file, the byte range of its response record and of the request record beside it) and the WARC
files of each crawl run (``crawl_runs.warc_files``); and the reads ``tracker export`` makes.

The one writer of ``captures`` and of ``crawl_runs.warc_files``. Reads take a
:class:`sqlite3.Connection` (Datasette's read connection or ``sqlite_utils.Database.conn``) and
return plain dicts keyed by column name.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import sqlite_utils

from tracker.store.schema import write_transaction
from tracker.store.writes import StoreResult

Row = dict[str, Any]

#: The keys of a capture (``FetchedPage.capture`` / ``PageRecord.capture``), as stored.
CAPTURE_KEYS = (
    "warc_file",
    "warc_offset",
    "warc_length",
    "record_id",
    "request_offset",
    "request_length",
    "target_uri",
    "warc_date",
    "referenced",
)


def store_capture(
    db: sqlite_utils.Database, result: StoreResult | None, capture: Mapping[str, Any] | None
) -> bool:
    """Record where the fetched page behind a stored version is kept (call after ``store_page``).

    A version keeps the capture of the fetch that made it; an unchanged re-fetch only fills in a
    version that had none (one imported from plain HTML, or stored before captures existed).

    Args:
        db: The tracker database.
        result: What ``store_page`` did with the page (``None``: nothing stored).
        capture: The page's capture (``warc_file``, ``warc_offset``, ``warc_length``,
            ``record_id``, optionally ``request_offset``/``request_length``, ``target_uri``,
            ``warc_date``, ``referenced``); ``None`` when the page was not captured.

    Returns:
        Whether a ``captures`` row was written.
    """
    if result is None or not capture:
        return False
    version_id = result.version_id or result.previous_version_id
    if version_id is None:
        return False
    row = {key: capture.get(key) for key in CAPTURE_KEYS}
    row["referenced"] = int(bool(row["referenced"]))
    with write_transaction(db):
        cursor = db.execute(
            f"insert into captures (version_id, {', '.join(CAPTURE_KEYS)})"
            f" values (?{', ?' * len(CAPTURE_KEYS)}) on conflict(version_id) do nothing",
            [version_id, *row.values()],
        )
    return cursor.rowcount > 0


def record_run_warc_files(db: sqlite_utils.Database, spider: str, files: Sequence[str]) -> bool:
    """Set ``warc_files`` (a JSON list of paths) on the newest ``crawl_runs`` row of ``spider``
    that has none; returns whether a row was there to take them."""
    row = db.execute(
        "select id from crawl_runs where spider = ? and warc_files is null order by id desc limit 1",
        [spider],
    ).fetchone()
    if row is None:
        return False
    with write_transaction(db):
        db.execute(
            "update crawl_runs set warc_files = ? where id = ?", [json.dumps(list(files)), row[0]]
        )
    return True


# --------------------------------------------------------------------------- reads for export


def fetch_rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    cursor = conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values)) or "null"


def cluster_exists(conn: sqlite3.Connection, cluster_id: int) -> bool:
    """Whether a cluster of this id is stored."""
    return conn.execute("select 1 from clusters where id = ?", [cluster_id]).fetchone() is not None


def clusters_of_page(conn: sqlite3.Connection, page_id: int) -> list[int]:
    """The clusters a page is a member of, lowest id first."""
    rows = conn.execute(
        "select cluster_id from cluster_members where page_id = ? order by cluster_id", [page_id]
    )
    return [r[0] for r in rows]


def story(conn: sqlite3.Connection, cluster_id: int) -> Row | None:
    """The ``clusters`` row with its origin page's URL; ``None`` if unknown."""
    rows = fetch_rows(
        conn,
        "select c.*, p.url as origin_url from clusters c"
        " left join pages p on p.id = c.origin_page_id where c.id = ?",
        [cluster_id],
    )
    return rows[0] if rows else None


def story_members(conn: sqlite3.Connection, cluster_id: int) -> list[Row]:
    """A story's members: role, credit, page, the member version and when it was fetched and
    published, the credited page's URL; the origin first, then by first seen."""
    return fetch_rows(
        conn,
        "select m.page_id, p.url, p.site, m.role, m.credited, cp.url as credits_url,"
        " m.credit_evidence, m.similarity, m.containment, m.version_id, v.title, v.byline,"
        " v.published, v.fetched_at, p.first_seen, m.joined, v.word_count"
        " from cluster_members m join pages p on p.id = m.page_id"
        " left join versions v on v.id = m.version_id"
        " left join pages cp on cp.id = m.credits_page_id"
        " where m.cluster_id = ? order by m.role != 'origin', p.first_seen, p.id",
        [cluster_id],
    )


def story_credits(conn: sqlite3.Connection, version_ids: Sequence[int]) -> list[Row]:
    """The credits (``attributions``) found in these versions, with the credited page's URL."""
    return fetch_rows(
        conn,
        "select a.version_id, p.url as page_url, a.kind, a.evidence, a.target_url,"
        " a.target_site, a.target_name, t.url as target_page_url"
        " from attributions a join pages p on p.id = a.page_id"
        " left join pages t on t.id = a.target_page_id"
        f" where a.version_id in ({_marks(version_ids)}) order by a.version_id, a.id",
        version_ids,
    )


def story_diffs(conn: sqlite3.Connection, page_ids: Sequence[int]) -> list[Row]:
    """Every stored diff whose newer side is a version of one of ``page_ids`` (edits and
    copies), with its figures and the URLs of both sides, oldest first."""
    return fetch_rows(
        conn,
        "select d.*, pa.url as a_url, va.fetched_at as a_fetched_at,"
        " pb.url as b_url, vb.fetched_at as b_fetched_at"
        " from diffs d join versions va on va.id = d.a_version_id"
        " join versions vb on vb.id = d.b_version_id"
        " join pages pa on pa.id = va.page_id join pages pb on pb.id = vb.page_id"
        f" where vb.page_id in ({_marks(page_ids)}) order by d.id",
        page_ids,
    )


def versions_text(conn: sqlite3.Connection, version_ids: Sequence[int]) -> list[Row]:
    """The stored text (and title, byline, dates, source) of these versions, by id."""
    return fetch_rows(
        conn,
        "select v.id, p.url, v.title, v.byline, v.published, v.fetched_at, v.source,"
        " v.content_hash, v.text from versions v join pages p on p.id = v.page_id"
        f" where v.id in ({_marks(version_ids)}) order by v.id",
        version_ids,
    )


def captures_of(conn: sqlite3.Connection, version_ids: Sequence[int]) -> list[Row]:
    """The ``captures`` rows of these versions (none for versions that were not captured)."""
    return fetch_rows(
        conn,
        f"select * from captures where version_id in ({_marks(version_ids)}) order by version_id",
        version_ids,
    )
