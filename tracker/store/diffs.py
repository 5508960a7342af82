"""The ``diffs`` and ``diff_ops`` tables, and the version reads the diff stage and ``tracker diff``
need: the only SQL of diffs.

The one writer of ``diffs`` and ``diff_ops`` is :mod:`tracker.diffs` through :func:`insert_diff`.
``diff_ops.b_text`` is NULL when B's paragraph is byte-identical to ``a_text`` (most of a repost),
which keeps the table small without losing anything: the text is ``a_text``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from tracker.store.queries import LATEST_VERSIONS_SQL, version_paragraphs
from tracker.store.schema import utcnow

# Summary columns stored as 0/1.
FLAG_COLUMNS = (
    "title_changed",
    "byline_changed",
    "published_changed",
    "credit_added",
    "credit_removed",
)

# seq, op, a_text, b_text, similarity, a_index, b_index
OpRow = tuple[int, str, str | None, str | None, float | None, int | None, int | None]


@dataclass
class StoredVersion:
    """The fields of a stored version that a diff compares."""

    title: str | None
    byline: str | None
    published: str | None
    paragraphs: list[str]


def load_version(db: sqlite_utils.Database, version_id: int) -> StoredVersion | None:
    """A version's title, byline, published date and paragraphs; None when the id is unknown."""
    row = db.execute(
        "select title, byline, published, paragraphs, text from versions where id = ?", [version_id]
    ).fetchone()
    if row is None:
        return None
    title, byline, published, paragraphs_json, text = row
    return StoredVersion(title, byline, published, version_paragraphs(paragraphs_json, text))


def version_credits(
    db: sqlite_utils.Database, version_id: int
) -> list[tuple[str, str | None, str | None, str | None]]:
    """``(kind, target_site, target_name, evidence)`` of the credits a version declares.

    ``attributions`` stores each version's own credits, so a credit line a later version dropped
    is absent; a credit stored without a version counts for every version of its page.
    """
    rows = db.execute(
        "select a.kind, a.target_site, a.target_name, a.evidence from attributions a"
        " join versions v on v.id = ? where (a.version_id = v.id"
        " or (a.version_id is null and a.page_id = v.page_id)) and a.kind != 'line'",
        [version_id],
    ).fetchall()
    return [tuple(row) for row in rows]


def existing_diff(
    db: sqlite_utils.Database, a_version_id: int, b_version_id: int, kind: str
) -> int | None:
    """The id of the stored diff of this pair and kind, if any."""
    row = db.execute(
        "select id from diffs where a_version_id = ? and b_version_id = ? and kind = ?",
        [a_version_id, b_version_id, kind],
    ).fetchone()
    return row[0] if row else None


def insert_diff(
    db: sqlite_utils.Database,
    a_version_id: int,
    b_version_id: int,
    kind: str,
    summary: Mapping[str, Any],
    ops: Iterable[OpRow],
) -> int:
    """Insert one ``diffs`` row and its ``diff_ops``; returns the new id, or -1 when another
    writer stored this pair and kind first. Runs inside the caller's transaction.

    Args:
        summary: The ``diffs`` columns besides the pair, kind and creation time (flags as bools).
        ops: One tuple per op; ``b_text`` equal to ``a_text`` is stored as NULL.
    """
    row = {k: int(v) if k in FLAG_COLUMNS else v for k, v in summary.items()}
    columns = ["kind", "a_version_id", "b_version_id", *row.keys(), "created"]
    values = [kind, a_version_id, b_version_id, *row.values(), utcnow()]
    cursor = db.conn.execute(
        f"insert or ignore into diffs ({', '.join(columns)})"
        f" values ({', '.join('?' * len(columns))})",
        values,
    )
    if cursor.rowcount == 0:
        return -1
    diff_id = cursor.lastrowid
    db.conn.executemany(
        "insert into diff_ops (diff_id, seq, op, a_text, b_text, similarity, a_index, b_index)"
        " values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (diff_id, seq, op, a_text, None if b_text == a_text else b_text, sim, a_i, b_i)
            for seq, op, a_text, b_text, sim, a_i, b_i in ops
        ],
    )
    return diff_id  # type: ignore[return-value]


def delete_diff(db: sqlite_utils.Database, a_version_id: int, b_version_id: int, kind: str) -> None:
    """Drop a diff and its ops: a version inserted between A and B (an older snapshot that
    arrived late) makes the A-to-B diff one no history shows. Runs inside the caller's transaction.
    """
    diff_id = existing_diff(db, a_version_id, b_version_id, kind)
    if diff_id is not None:
        db.conn.execute("delete from diff_ops where diff_id = ?", [diff_id])
        db.conn.execute("delete from diffs where id = ?", [diff_id])


_MEMBER_PAIRS_SQL = """
with latest as ({latest}),
origins as (
  select c.id as cluster_id, coalesce(c.origin_page_id, (
    select m.page_id from cluster_members m
    where m.cluster_id = c.id and m.role = 'origin' limit 1)) as origin_page_id
  from clusters c {where}
)
select o.cluster_id, ao.version_id as a_version_id, bm.version_id as b_version_id
from origins o
join cluster_members m on m.cluster_id = o.cluster_id
join latest ao on ao.page_id = o.origin_page_id
join latest bm on bm.page_id = m.page_id
where m.page_id != o.origin_page_id and coalesce(m.role, '') != 'origin'
  and ao.version_id != bm.version_id
  and not exists (select 1 from diffs d where d.a_version_id = ao.version_id
                  and d.b_version_id = bm.version_id and d.kind = 'repost')
order by o.cluster_id, m.page_id
"""


def undiffed_member_pairs(
    db: sqlite_utils.Database, cluster_ids: Sequence[int] | None = None
) -> list[tuple[int, int, int]]:
    """``(cluster_id, origin_version_id, member_version_id)`` of every cluster member whose
    latest version has no ``repost`` diff against its origin's latest version yet.

    Args:
        db: The tracker database.
        cluster_ids: The clusters to visit; all when None. A database from before clustering
            (no cluster tables) has no pairs.
    """
    if cluster_ids is None:
        sql, params = _MEMBER_PAIRS_SQL.format(latest=LATEST_VERSIONS_SQL, where=""), []
    else:
        params = [int(c) for c in cluster_ids]
        if not params:
            return []
        sql = _MEMBER_PAIRS_SQL.format(
            latest=LATEST_VERSIONS_SQL, where=f"where c.id in ({', '.join('?' * len(params))})"
        )
    try:
        rows = db.execute(sql, params).fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return []
        raise
    return [(c, a, b) for c, a, b in rows]


def diff_row(db: sqlite_utils.Database, diff_id: int) -> dict[str, Any] | None:
    """The ``diffs`` row, None when the id is unknown."""
    rows = list(db.query("select * from diffs where id = ?", [diff_id]))
    return rows[0] if rows else None


def diff_op_rows(db: sqlite_utils.Database, diff_id: int) -> list[dict[str, Any]]:
    """The ``diff_ops`` rows of a diff in order (``b_text`` NULL where it equals ``a_text``)."""
    return list(db.query("select * from diff_ops where diff_id = ? order by seq", [diff_id]))


# ---------------------------------------------------------------------------------------------
# Version and page look-ups for ``tracker diff``


def version_exists(db: sqlite_utils.Database, version_id: int) -> bool:
    """True when a version has this id."""
    if not 0 <= version_id <= 2**63 - 1:
        return False
    return db.execute("select 1 from versions where id = ?", [version_id]).fetchone() is not None


def page_version_ids(db: sqlite_utils.Database, page_id: int) -> list[int]:
    """A page's version ids, oldest first."""
    rows = db.execute(
        "select id from versions where page_id = ? order by fetched_at, id", [page_id]
    ).fetchall()
    return [r[0] for r in rows]


def page_of_version(db: sqlite_utils.Database, version_id: int) -> int | None:
    """The page id of a version."""
    row = db.execute("select page_id from versions where id = ?", [version_id]).fetchone()
    return row[0] if row else None


def previous_version(db: sqlite_utils.Database, version_id: int) -> int | None:
    """The version of the same page fetched just before this one."""
    row = db.execute(
        "select v.id from versions v join versions b on b.page_id = v.page_id and b.id = ?"
        " where (v.fetched_at, v.id) < (b.fetched_at, b.id)"
        " order by v.fetched_at desc, v.id desc limit 1",
        [version_id],
    ).fetchone()
    return row[0] if row else None


def origin_pages_of(db: sqlite_utils.Database, page_id: int) -> list[int]:
    """The origin page of each cluster the page belongs to (cluster order), itself excluded."""
    rows = db.execute(
        "select coalesce(c.origin_page_id, (select o.page_id from cluster_members o"
        " where o.cluster_id = c.id and o.role = 'origin' limit 1))"
        " from cluster_members m join clusters c on c.id = m.cluster_id"
        " where m.page_id = ? order by m.cluster_id",
        [page_id],
    ).fetchall()
    return [r[0] for r in rows if r[0] is not None and r[0] != page_id]


def version_url_and_time(db: sqlite_utils.Database, version_id: int) -> tuple[str, str] | None:
    """The page URL and fetch time of a version."""
    row = db.execute(
        "select p.url, v.fetched_at from versions v join pages p on p.id = v.page_id where v.id = ?",
        [version_id],
    ).fetchone()
    return (row[0], row[1]) if row else None


def forget_diffs_of_versions(
    db: sqlite_utils.Database, version_ids: Sequence[int]
) -> list[tuple[int, int, str]]:
    """Delete the diffs (and their ops) that involve these versions, because their stored text
    changed (site boilerplate removed); returns the ``(a, b, kind)`` pairs deleted so the caller
    can diff them again."""
    ids = sorted({int(v) for v in version_ids})
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = db.execute(
        f"select id, a_version_id, b_version_id, kind from diffs"
        f" where a_version_id in ({marks}) or b_version_id in ({marks})",
        [*ids, *ids],
    ).fetchall()
    for diff_id, *_ in rows:
        db.execute("delete from diff_ops where diff_id = ?", [diff_id])
        db.execute("delete from diffs where id = ?", [diff_id])
    return [(a, b, kind) for _, a, b, kind in rows]
