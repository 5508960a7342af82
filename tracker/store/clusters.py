"""The SQL of clustering and provenance: ``fingerprints``, ``cluster_pages``,
``boilerplate_blocks``, ``clusters`` and ``cluster_members``.

Who writes what (one writer per column):

- :mod:`tracker.clustering` (membership): ``fingerprints``, ``cluster_pages``,
  ``boilerplate_blocks`` (through :mod:`tracker.boilerplate`), ``clusters.id`` /
  ``seed_page_id`` (creating and deleting cluster rows), ``cluster_members.cluster_id`` /
  ``page_id`` / ``version_id`` / ``joined``.
- :mod:`tracker.provenance` (judgements): ``cluster_members.role`` / ``similarity`` /
  ``containment`` / ``credited`` / ``credits_page_id`` / ``credit_evidence`` and
  ``clusters.origin_page_id`` / ``origin_evidence`` / ``size`` / ``title`` / ``first_seen`` /
  ``first_published`` / ``updated``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import sqlite_utils

from tracker.store.boilerplate import extracted_paragraphs, removed_from_json
from tracker.store.queries import LATEST_VERSIONS_SQL, version_paragraphs
from tracker.store.schema import ATTRIBUTION_COLUMNS

_CHUNK = 5000
_JUDGEMENT_COLUMNS = (
    "role",
    "similarity",
    "containment",
    "credited",
    "credits_page_id",
    "credit_evidence",
)
_SUMMARY_COLUMNS = (
    "id",
    "seed_page_id",
    "origin_page_id",
    "size",
    "first_seen",
    "first_published",
    "origin_evidence",
    "title",
    "updated",
)
_CREDIT_COLUMNS = ("id", *ATTRIBUTION_COLUMNS)


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


# --- pages and versions, as clustering counts them -------------------------------------------


def current_versions(db: sqlite_utils.Database) -> dict[int, tuple[int, str]]:
    """Each page's latest version and site: ``{page_id: (version_id, site)}``."""
    rows = db.execute(
        f"select l.page_id, l.version_id, p.site from ({LATEST_VERSIONS_SQL}) l"
        " join pages p on p.id = l.page_id"
    ).fetchall()
    return {page_id: (version_id, site) for page_id, version_id, site in rows}


def counted_versions(db: sqlite_utils.Database) -> dict[int, int]:
    """The version of each page that clustering counted last: ``{page_id: version_id}``."""
    return dict(db.execute("select page_id, version_id from cluster_pages").fetchall())


def set_counted_versions(db: sqlite_utils.Database, pairs: Iterable[tuple[int, int]]) -> None:
    """Record ``(page_id, version_id)`` as the versions clustering now counts."""
    db.conn.executemany(
        "insert into cluster_pages (page_id, version_id) values (?, ?)"
        " on conflict (page_id) do update set version_id = excluded.version_id",
        list(pairs),
    )


def pages_of_versions(db: sqlite_utils.Database, version_ids: Iterable[int]) -> set[int]:
    """The pages the given versions belong to."""
    pages: set[int] = set()
    for chunk in _chunks(list(version_ids)):
        pages.update(
            r[0]
            for r in db.execute(
                f"select page_id from versions where id in ({_marks(chunk)})", chunk
            )
        )
    return pages


def version_paragraph_list(db: sqlite_utils.Database, version_id: int) -> list[str]:
    """A version's paragraphs as extracted, site boilerplate included (empty when there is no
    such version): the boilerplate statistics count what the site prints, not what is stored."""
    row = db.execute(
        "select paragraphs, text, boilerplate from versions where id = ?", [version_id]
    ).fetchone()
    if not row:
        return []
    return extracted_paragraphs(version_paragraphs(row[0], row[1]), removed_from_json(row[2]))


def version_text(db: sqlite_utils.Database, version_id: int | None) -> str:
    """A version's text ("" when there is none)."""
    row = db.execute("select text from versions where id = ?", [version_id]).fetchone()
    return (row[0] or "") if row else ""


# --- fingerprints ------------------------------------------------------------------------------


def fingerprint_settings(
    db: sqlite_utils.Database, version_id: int
) -> tuple[bytes | None, int, int, str | None] | None:
    """``(boilerplate, k, num_perm, scheme)`` of a version's stored fingerprint, or None."""
    row = db.execute(
        "select boilerplate, k, num_perm, scheme from fingerprints where version_id = ?",
        [version_id],
    ).fetchone()
    return (row[0], row[1], row[2], row[3]) if row else None


def write_fingerprints(db: sqlite_utils.Database, rows: Iterable[dict]) -> None:
    """Insert or replace fingerprint rows (one per version)."""
    db.table("fingerprints").insert_all(rows, replace=True)


def fingerprint_blob(
    db: sqlite_utils.Database, version_id: int | None, column: str
) -> bytes | None:
    """One stored blob (``shingles``, ``blocks``, ``minhash`` or ``anchors``) of a version's
    fingerprint; None when the version has no fingerprint."""
    if column not in ("shingles", "blocks", "minhash", "anchors"):
        raise ValueError(column)
    row = db.execute(
        f"select {column} from fingerprints where version_id = ?", [version_id]
    ).fetchone()
    return row[0] if row else None


def counted_fingerprints(
    db: sqlite_utils.Database, scheme: str
) -> Iterator[tuple[int, int, bytes, bytes, int]]:
    """``(page_id, version_id, minhash, anchors, num_shingles)`` of every counted version whose
    signature was made with ``scheme`` (signatures of two schemes are never compared)."""
    yield from db.execute(
        "select c.page_id, f.version_id, f.minhash, f.anchors, f.num_shingles from cluster_pages c"
        " join fingerprints f on f.version_id = c.version_id where f.scheme = ?",
        [scheme],
    )


def fingerprints_of_other_schemes(
    db: sqlite_utils.Database, scheme: str, limit: int
) -> list[tuple[int, bytes]]:
    """``(version_id, shingles)`` of up to ``limit`` fingerprints whose signature was made with
    another scheme than ``scheme`` (or none recorded)."""
    # Ranges rather than "<>", so that the scheme index answers (no scan past the blobs).
    return db.execute(
        "select version_id, shingles from fingerprints"
        " where scheme < ? or scheme > ? or scheme is null limit ?",
        [scheme, scheme, limit],
    ).fetchall()


def set_signatures(db: sqlite_utils.Database, rows: Iterable[tuple[bytes, str, int]]) -> None:
    """Replace stored signatures: ``(minhash, scheme, version_id)`` per fingerprint row."""
    db.conn.executemany(
        "update fingerprints set minhash = ?, scheme = ? where version_id = ?", list(rows)
    )


def counted_blocks(
    db: sqlite_utils.Database, sites: Sequence[str] | None
) -> Iterator[tuple[int, int, bytes, str]]:
    """``(page_id, version_id, blocks, site)`` of counted versions, of ``sites`` or of all."""
    query = (
        "select f.page_id, f.version_id, f.blocks, p.site from fingerprints f"
        " join cluster_pages c on c.version_id = f.version_id join pages p on p.id = f.page_id"
    )
    params: list = []
    if sites is not None:
        query += f" where p.site in ({_marks(sites)})"
        params = list(sites)
    yield from db.execute(query, params)


# --- boilerplate statistics --------------------------------------------------------------------


def site_block_counts(
    db: sqlite_utils.Database, site: str, blocks: Sequence[int]
) -> Iterator[tuple[int, int, int]]:
    """``(block, pages, words)`` of the given blocks on one site."""
    for chunk in _chunks(list(blocks)):
        yield from db.execute(
            "select block, pages, words from boilerplate_blocks"
            f" where site = ? and block in ({_marks(chunk)})",
            [site, *chunk],
        )


def block_site_counts(
    db: sqlite_utils.Database, blocks: Sequence[int]
) -> Iterator[tuple[int, int]]:
    """``(block, number of sites carrying it)`` of the given blocks."""
    for chunk in _chunks(list(blocks)):
        yield from db.execute(
            "select block, count(*) from boilerplate_blocks"
            f" where block in ({_marks(chunk)}) group by block",
            chunk,
        )


def write_block_counts(
    db: sqlite_utils.Database,
    upserts: Iterable[tuple[str, int, int, int]],
    deletes: Iterable[tuple[str, int]],
) -> None:
    """Set ``(site, block, pages, words)`` counts and delete ``(site, block)`` rows."""
    db.conn.executemany(
        "insert into boilerplate_blocks (site, block, pages, words) values (?, ?, ?, ?)"
        " on conflict (site, block) do update set pages = excluded.pages",
        list(upserts),
    )
    db.conn.executemany(
        "delete from boilerplate_blocks where site = ? and block = ?", list(deletes)
    )


# --- membership (written by clustering) --------------------------------------------------------


def memberships(db: sqlite_utils.Database) -> list[tuple[int, int]]:
    """Every ``(cluster_id, page_id)``."""
    return db.execute("select cluster_id, page_id from cluster_members").fetchall()


def cluster_seeds(db: sqlite_utils.Database) -> dict[int, int]:
    """``{cluster_id: seed page}`` (the origin for rows made before seeds were stored)."""
    return dict(db.execute("select id, coalesce(seed_page_id, origin_page_id) from clusters"))


def create_cluster(db: sqlite_utils.Database, seed_page_id: int) -> int:
    """A new cluster row around a seed; returns its id."""
    cursor = db.execute("insert into clusters (seed_page_id) values (?)", [seed_page_id])
    return int(cursor.lastrowid or 0)


def set_cluster_seed(db: sqlite_utils.Database, cluster_id: int, seed_page_id: int) -> None:
    """Change a cluster's seed."""
    db.table("clusters").update(cluster_id, {"seed_page_id": seed_page_id})


def delete_cluster(db: sqlite_utils.Database, cluster_id: int) -> None:
    """Delete a cluster row (its members must be gone)."""
    db.execute("delete from clusters where id = ?", [cluster_id])


def add_members(db: sqlite_utils.Database, rows: Iterable[dict]) -> None:
    """Insert membership rows (``cluster_id, page_id, version_id, joined``)."""
    db.table("cluster_members").insert_all(rows, replace=True)


def remove_member(db: sqlite_utils.Database, cluster_id: int, page_id: int) -> None:
    """Take a page out of a cluster."""
    db.execute(
        "delete from cluster_members where cluster_id = ? and page_id = ?", [cluster_id, page_id]
    )


def set_member_version(
    db: sqlite_utils.Database, cluster_id: int, page_id: int, version_id: int
) -> None:
    """Record which version of a member its membership was verified on (only when it differs)."""
    db.execute(
        "update cluster_members set version_id = ? where cluster_id = ? and page_id = ?"
        " and version_id is not ?",
        [version_id, cluster_id, page_id, version_id],
    )


def clusters_of_page(db: sqlite_utils.Database, page_id: int) -> list[int]:
    """The clusters a page is a member of."""
    return [
        r[0]
        for r in db.execute(
            "select cluster_id from cluster_members where page_id = ? order by cluster_id",
            [page_id],
        )
    ]


def cluster_ids(db: sqlite_utils.Database) -> list[int]:
    """Every cluster id."""
    return [r[0] for r in db.execute("select id from clusters order by id")]


# --- judgements (written by provenance) --------------------------------------------------------


def cluster_summary(db: sqlite_utils.Database, cluster_id: int) -> dict[str, object] | None:
    """A cluster row as a dict (``id, seed_page_id, origin_page_id, size, ...``), or None."""
    row = db.execute(
        f"select {', '.join(_SUMMARY_COLUMNS)} from clusters where id = ?", [cluster_id]
    ).fetchone()
    return dict(zip(_SUMMARY_COLUMNS, row, strict=True)) if row else None


def member_pages(
    db: sqlite_utils.Database, cluster_id: int
) -> list[tuple[int, int, str, str | None, str, str | None, str | None]]:
    """``(page_id, version_id, url, canonical_url, site, first_seen, site name)`` per member."""
    return db.execute(
        "select cm.page_id, cm.version_id, p.url, p.canonical_url, p.site, p.first_seen, s.name"
        " from cluster_members cm join pages p on p.id = cm.page_id"
        " left join sites s on s.domain = p.site where cm.cluster_id = ? order by cm.page_id",
        [cluster_id],
    ).fetchall()


def page_versions(
    db: sqlite_utils.Database, page_id: int
) -> list[tuple[int, str | None, str | None, str | None]]:
    """``(id, title, published, site_name)`` of a page's versions, newest first."""
    return db.execute(
        "select id, title, published, site_name from versions where page_id = ?"
        " order by fetched_at desc, id desc",
        [page_id],
    ).fetchall()


def page_credits(db: sqlite_utils.Database, page_ids: Sequence[int]) -> list[dict[str, object]]:
    """The ``attributions`` rows of the given pages, as dicts in id order."""
    out: list[dict[str, object]] = []
    for chunk in _chunks(list(page_ids)):
        out.extend(
            dict(zip(_CREDIT_COLUMNS, row, strict=True))
            for row in db.execute(
                f"select {', '.join(_CREDIT_COLUMNS)} from attributions"
                f" where page_id in ({_marks(chunk)}) order by id",
                chunk,
            )
        )
    out.sort(key=lambda c: c["id"])  # type: ignore[arg-type, return-value]
    return out


def member_judgements(db: sqlite_utils.Database, cluster_id: int) -> dict[int, dict[str, object]]:
    """``{page_id: {role, similarity, containment, credited, credits_page_id, credit_evidence}}``."""
    return {
        r[0]: dict(zip(_JUDGEMENT_COLUMNS, r[1:], strict=True))
        for r in db.execute(
            f"select page_id, {', '.join(_JUDGEMENT_COLUMNS)} from cluster_members"
            " where cluster_id = ?",
            [cluster_id],
        )
    }


def update_member_judgement(
    db: sqlite_utils.Database, cluster_id: int, page_id: int, values: dict[str, object]
) -> None:
    """Set some of a member's judgement columns."""
    unknown = set(values) - set(_JUDGEMENT_COLUMNS)
    if unknown:
        raise ValueError(f"not a judgement column: {sorted(unknown)}")
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(
        f"update cluster_members set {sets} where cluster_id = ? and page_id = ?",
        [*values.values(), cluster_id, page_id],
    )


def update_cluster_summary(
    db: sqlite_utils.Database, cluster_id: int, values: dict[str, object]
) -> None:
    """Set some of a cluster's origin and summary columns."""
    unknown = set(values) - set(_SUMMARY_COLUMNS[2:])
    if unknown:
        raise ValueError(f"not a summary column: {sorted(unknown)}")
    db.table("clusters").update(cluster_id, values)
