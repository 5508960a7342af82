"""Reads behind :mod:`tracker.lookup`: pages by URL forms, candidate versions for pasted text.

Functions take a :class:`sqlite3.Connection` and return plain dicts; nothing here writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from tracker.store.web import Row, fetch_rows


def page_with_url(conn: sqlite3.Connection, column: str, forms: Sequence[str]) -> Row | None:
    """The first page (by the order of ``forms``, then id) whose ``url`` or ``canonical_url``
    (``column``) is one of ``forms``; ``None`` when none is."""
    if column not in ("url", "canonical_url") or not forms:
        return None
    marks = ",".join("?" * len(forms))
    order = " ".join(f"when ? then {i}" for i in range(len(forms)))
    rows = fetch_rows(
        conn,
        f"select id, url, site from pages where {column} in ({marks})"
        f" order by case {column} {order} end, id limit 1",
        [*forms, *forms],
    )
    return rows[0] if rows else None


def clusters_of_page(conn: sqlite3.Connection, page_id: int) -> list[int]:
    """Ids of the clusters the page is a member of, lowest first."""
    return [
        row["cluster_id"]
        for row in fetch_rows(
            conn,
            "select cluster_id from cluster_members where page_id = ? order by cluster_id",
            [page_id],
        )
    ]


def version_candidates(conn: sqlite3.Connection, fts_query: str, limit: int) -> list[Row]:
    """Versions matching an FTS5 query (best first), each with its stored fingerprint's shingles
    and ``k`` (``None`` without one), its text, page, and the cluster and size of any story its
    page is in (one row per cluster)."""
    if not _has(conn, "versions_fts"):
        return []
    fingerprint = "f.k, f.shingles" if _has(conn, "fingerprints") else "null as k, null as shingles"
    join = "left join fingerprints f on f.version_id = v.id" if _has(conn, "fingerprints") else ""
    return fetch_rows(
        conn,
        f"""
        with hits as (
          select rowid as version_id, rank from versions_fts where versions_fts match ?
          order by rank limit ?
        )
        select v.id as version_id, v.page_id, v.title, v.text, p.url, p.site, {fingerprint},
               m.cluster_id, c.title as cluster_title, c.size
        from hits h
        join versions v on v.id = h.version_id
        join pages p on p.id = v.page_id
        {join}
        left join cluster_members m on m.page_id = v.page_id
        left join clusters c on c.id = m.cluster_id
        order by h.rank, v.id
        """,
        [fts_query, limit],
    )


def _has(conn: sqlite3.Connection, table: str) -> bool:
    found: Any = conn.execute(
        "select 1 from sqlite_master where name = ? and type in ('table', 'view')", [table]
    ).fetchone()
    return found is not None
