"""Reads and the one small state table behind watching: new uncredited copies, edits after
publication, and where ``tracker watch`` stopped.

``watch_state`` is created here (``create table if not exists``), not by a schema migration: it
holds only the position of each watcher, one row per watched site (``*`` for all sites), and is
written only by :func:`save_position`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tracker.store.web import Row, fetch_rows

_SEEN = (
    "coalesce((select min(pv.published) from versions pv where pv.page_id = p.id), p.first_seen)"
)

_COPIES = f"""
select m.cluster_id, m.page_id, coalesce(m.joined, '') as joined, m.role, m.similarity, m.containment,
       c.title as story, op.id as origin_page_id, op.url as original_url, op.site as original_site,
       os.name as original_site_name, p.url as copy_url, p.site as republished_by,
       s.name as republished_by_name, v.title as copy_title, {_SEEN} as seen
from cluster_members m
join clusters c on c.id = m.cluster_id
join pages op on op.id = c.origin_page_id
join pages p on p.id = m.page_id
left join sites os on os.domain = op.site
left join sites s on s.domain = p.site
left join versions v on v.id = m.version_id
where m.role != 'origin' and not coalesce(m.credited, 0) and p.site != op.site
"""


@dataclass(frozen=True)
class Position:
    """Where a watcher stopped: the last copy it reported, in ``(joined, cluster, page)`` order."""

    joined: str
    cluster_id: int
    page_id: int


@contextmanager
def one_writer(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction taken at once (``begin immediate``): a second watcher waits here until
    the first commits, so both never read the same position. Commits on success, rolls back on
    any error."""
    if conn.in_transaction:
        conn.commit()
    conn.execute("begin immediate")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def ensure_watch_table(conn: sqlite3.Connection) -> None:
    """Create ``watch_state`` when it is missing (idempotent)."""
    conn.execute(
        "create table if not exists watch_state ("
        " watcher text primary key,"
        " joined text not null,"
        " cluster_id integer not null,"
        " page_id integer not null,"
        " updated text not null)"
    )


def position(conn: sqlite3.Connection, watcher: str) -> Position | None:
    """Where ``watcher`` stopped; ``None`` before its first report (or without the table)."""
    exists = conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = 'watch_state'"
    ).fetchone()
    if not exists:
        return None
    row = conn.execute(
        "select joined, cluster_id, page_id from watch_state where watcher = ?", [watcher]
    ).fetchone()
    return Position(row[0], int(row[1]), int(row[2])) if row else None


def save_position(conn: sqlite3.Connection, watcher: str, at: Position, now: str) -> None:
    """Record that ``watcher`` has reported everything up to ``at`` (the caller commits)."""
    ensure_watch_table(conn)
    conn.execute(
        "insert into watch_state (watcher, joined, cluster_id, page_id, updated)"
        " values (?, ?, ?, ?, ?) on conflict(watcher) do update set joined = excluded.joined,"
        " cluster_id = excluded.cluster_id, page_id = excluded.page_id, updated = excluded.updated",
        [watcher, at.joined, at.cluster_id, at.page_id, now],
    )


def uncredited_copies(
    conn: sqlite3.Connection,
    *,
    site: str | None = None,
    after: Position | None = None,
    since: str | None = None,
    newest_first: bool = False,
    limit: int = 1000,
) -> list[Row]:
    """Copies on another site that credit neither the origin nor an upstream copy, in the order
    they joined their story.

    Args:
        conn: The database.
        site: Only copies of stories that started on this site (registrable domain).
        after: Only copies that joined after this position.
        since: Only copies that joined at or after this ISO 8601 time.
        newest_first: Newest first (for feeds) instead of oldest first (for reports).
        limit: At most this many.
    """
    sql = _COPIES
    params: list[Any] = []
    if site:
        sql += " and op.site = ?"
        params.append(site)
    if after is not None:
        sql += " and (coalesce(m.joined, ''), m.cluster_id, m.page_id) > (?, ?, ?)"
        params += [after.joined, after.cluster_id, after.page_id]
    if since:
        sql += " and julianday(m.joined) >= julianday(?)"
        params.append(since)
    direction = "desc" if newest_first else "asc"
    sql += f" order by coalesce(m.joined, '') {direction}, m.cluster_id {direction}, m.page_id {direction}"
    sql += " limit ?"
    params.append(limit)
    return fetch_rows(conn, sql, params)


def edits_after_publication(
    conn: sqlite3.Connection, *, site: str | None = None, limit: int = 50
) -> list[Row]:
    """Version diffs (a page's text changed after tracker first saw it), newest first; with
    ``site``, of that site's pages only."""
    where = "where d.kind = 'version'" + (" and p.site = ?" if site else "")
    return fetch_rows(
        conn,
        "select d.id, d.title_changed, d.old_title, d.new_title, d.credit_removed, d.retained,"
        " d.words_added, d.words_removed, p.id as page_id, p.url, p.site, s.name as site_name,"
        " vb.title, vb.fetched_at"
        " from diffs d join versions vb on vb.id = d.b_version_id"
        " join pages p on p.id = vb.page_id left join sites s on s.domain = p.site"
        f" {where} order by vb.fetched_at desc, d.id desc limit ?",
        [site, limit] if site else [limit],
    )
