"""The SQL of site boilerplate removal: ``site_boilerplate``, ``site_boilerplate_prior`` and the
stored text of ``versions``.

:mod:`tracker.boilerplate` is the one writer of ``site_boilerplate``, ``site_boilerplate_prior``
and ``versions.boilerplate``;
when it strips a version it also rewrites that version's ``text``, ``paragraphs``, ``word_count``
and ``content_hash`` (the store wrote them first, from the extracted text), so the hash always
describes the text that is stored, and writes ``extracted_hash`` (the hash of the text as
extracted, which the store compares a new fetch with).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from tracker.store import sites
from tracker.store.queries import LATEST_VERSIONS_WHERE, version_paragraphs

_CHUNK = 5000
# The latest version of each page of one site (the site is the query's first parameter).
_SITE_LATEST = LATEST_VERSIONS_WHERE.format(
    where=" where page_id in (select id from pages where site = ?)"
)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _chunks(values: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted({int(v) for v in values})
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


@dataclass
class SiteVersion:
    """One stored version of a page of a site, with its removed boilerplate."""

    version_id: int
    page_id: int
    fetched_at: str
    title: str | None
    content_hash: str
    paragraphs: list[str]
    removed: list[tuple[int, str]]
    latest: bool


def _site_version(row: Sequence[Any], latest: bool) -> SiteVersion:
    """A ``SiteVersion`` from ``(id, page_id, fetched_at, title, content_hash, paragraphs, text,
    boilerplate)``."""
    vid, pid, fetched, title, chash, paras, text, blob = row
    return SiteVersion(
        vid, pid, fetched or "", title, chash, version_paragraphs(paras, text),
        removed_from_json(blob), latest,
    )  # fmt: skip


def extracted_paragraphs(
    paragraphs: Sequence[str], removed: Sequence[tuple[int, str]]
) -> list[str]:
    """The paragraphs as extracted: the stored ones with the removed ones put back in place."""
    out = list(paragraphs)
    for position, paragraph in sorted(removed):
        out.insert(min(position, len(out)), paragraph)
    return out


def removed_from_json(blob: str | None) -> list[tuple[int, str]]:
    """``versions.boilerplate`` as ``[(position, paragraph), ...]``."""
    if not blob:
        return []
    return [(int(pos), str(para)) for pos, para in json.loads(blob)]


def sites_of_versions(db: sqlite_utils.Database, version_ids: Iterable[int]) -> set[str]:
    """The sites of the pages of these versions."""
    sites: set[str] = set()
    for chunk in _chunks(version_ids):
        sites.update(
            row[0]
            for row in db.execute(
                "select distinct p.site from versions v join pages p on p.id = v.page_id"
                f" where v.id in ({_marks(chunk)})",
                chunk,
            )
        )
    return sites


def all_sites(db: sqlite_utils.Database) -> list[str]:
    """Every site that has a stored page."""
    return [row[0] for row in db.execute("select distinct site from pages order by site")]


def site_versions(
    db: sqlite_utils.Database,
    site: str,
    pages: Iterable[int] | None = None,
) -> list[SiteVersion]:
    """The versions of a site's pages, oldest first per page.

    Args:
        db: The tracker database.
        site: The site.
        pages: Only these pages (all of the site's when None).
    """
    query = (
        f"with latest as ({_SITE_LATEST})"
        " select v.id, v.page_id, v.fetched_at, v.title, v.content_hash, v.paragraphs, v.text,"
        " v.boilerplate, l.version_id is not null from versions v join pages p on p.id = v.page_id"
        " left join latest l on l.version_id = v.id"
        " where p.site = ?"
    )
    params: list[object] = [site, site]
    if pages is not None:
        wanted = sorted({int(p) for p in pages})
        if not wanted:
            return []
        query += f" and v.page_id in ({_marks(wanted)})"
        params.extend(wanted)
    rows = db.execute(query + " order by v.page_id, v.fetched_at, v.id", params).fetchall()
    return [_site_version(row[:8], bool(row[8])) for row in rows]


def site_latest_blocks(db: sqlite_utils.Database, site: str) -> list[tuple[int, int, bytes | None]]:
    """``(page_id, version_id, blocks)`` of the latest version of each page of a site: the
    paragraph hashes clustering stored with the version's fingerprint (``fingerprints.blocks``,
    made from the extracted paragraphs), None when the version has no fingerprint yet."""
    return [
        (pid, vid, blob)
        for pid, vid, blob in db.execute(
            f"with latest as ({_SITE_LATEST})"
            " select l.page_id, l.version_id, f.blocks from latest l"
            " left join fingerprints f on f.version_id = l.version_id order by l.page_id",
            [site],
        )
    ]


def versions_by_id(db: sqlite_utils.Database, version_ids: Iterable[int]) -> list[SiteVersion]:
    """The given versions (``latest`` is not filled: False)."""
    out: list[SiteVersion] = []
    for chunk in _chunks(version_ids):
        rows = db.execute(
            "select id, page_id, fetched_at, title, content_hash, paragraphs, text, boilerplate"
            f" from versions where id in ({_marks(chunk)}) order by page_id, fetched_at, id",
            chunk,
        ).fetchall()
        out.extend(_site_version(row, False) for row in rows)
    return out


def page_clusters(db: sqlite_utils.Database, page_ids: Iterable[int]) -> dict[int, int]:
    """``{page_id: cluster_id}`` of the pages that are members of a cluster."""
    found: dict[int, int] = {}
    for chunk in _chunks(page_ids):
        try:
            rows = db.execute(
                "select page_id, cluster_id from cluster_members"
                f" where page_id in ({_marks(chunk)})",
                chunk,
            ).fetchall()
        except Exception:  # a database from before clustering has no cluster tables
            return {}
        found.update((pid, cid) for pid, cid in rows)
    return found


def known_site_blocks(db: sqlite_utils.Database, site: str) -> set[int]:
    """The blocks a site's stored texts are currently stripped of."""
    return {
        row[0] for row in db.execute("select block from site_boilerplate where site = ?", [site])
    }


def set_site_blocks(
    db: sqlite_utils.Database, site: str, rows: Iterable[tuple[int, int, int, str]]
) -> None:
    """Replace a site's learned boilerplate with ``(block, words, pages, paragraph)`` rows."""
    db.execute("delete from site_boilerplate where site = ?", [site])
    db.conn.executemany(
        "insert into site_boilerplate (site, block, words, pages, paragraph) values (?, ?, ?, ?, ?)",
        [(site, *row) for row in rows],
    )


def set_version_text(
    db: sqlite_utils.Database,
    version_id: int,
    paragraphs: Sequence[str],
    removed: Sequence[tuple[int, str]],
    content_hash: str,
    extracted_hash: str | None,
) -> None:
    """Store a version's article text without its boilerplate (and the boilerplate apart), with
    the hash of the stored text and that of the text as extracted (None when nothing was
    removed)."""
    text = "\n\n".join(paragraphs)
    db.execute(
        "update versions set text = ?, paragraphs = ?, word_count = ?, content_hash = ?,"
        " boilerplate = ?, extracted_hash = ? where id = ?",
        [
            text,
            json.dumps(list(paragraphs), ensure_ascii=False),
            len(text.split()),
            content_hash,
            json.dumps([list(r) for r in removed], ensure_ascii=False) if removed else None,
            extracted_hash if removed else None,
            version_id,
        ],
    )


def fold_version(db: sqlite_utils.Database, keep: int, drop: int) -> None:
    """Fold version ``drop`` into the earlier, now equal, version ``keep`` of the same page.

    Every row that points at ``drop`` (credits, cluster membership, fingerprints, captures, any
    table with a foreign key to ``versions``) is pointed at ``keep``; where ``keep`` already
    has such a row (a primary key or unique index would clash) the row of ``drop`` is deleted.
    Diffs that involve ``drop`` are deleted by the caller before (they are recomputed).
    """
    page = db.execute(
        "select p.id, p.site from versions v join pages p on p.id = v.page_id where v.id = ?",
        [drop],
    ).fetchone()
    voted = sites.page_vote(db, page[0]) if page else None
    # Clustering's counts were made from the fingerprint of the version it counted: keep that one.
    db.execute(
        "delete from fingerprints where version_id = ?"
        " and exists (select 1 from fingerprints where version_id = ?)",
        [keep, drop],
    )
    db.execute(
        "delete from attributions where version_id = ? and exists (select 1 from attributions k"
        " where k.version_id = ? and k.kind = attributions.kind"
        " and coalesce(k.target_url, '') = coalesce(attributions.target_url, '')"
        " and coalesce(k.evidence, '') = coalesce(attributions.evidence, ''))",
        [drop, keep],
    )
    tables = [row[0] for row in db.execute("select name from sqlite_master where type = 'table'")]
    for table in tables:
        for fk in db.execute(f"pragma foreign_key_list([{table}])").fetchall():
            if fk[2] != "versions":
                continue
            column = fk[3]
            db.execute(
                f"update or ignore [{table}] set [{column}] = ? where [{column}] = ?", [keep, drop]
            )
            db.execute(f"delete from [{table}] where [{column}] = ?", [drop])
    db.execute("delete from versions where id = ?", [drop])
    if page:  # the page's latest version may have been the one folded: its vote follows
        sites.revote(db, page[1], page[0], voted)


def site_page_counts(db: sqlite_utils.Database, sites: Iterable[str]) -> dict[str, int]:
    """``{site: number of stored pages}`` (a site with no page is left out)."""
    wanted = sorted(set(sites))
    counts: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        counts.update(
            db.execute(
                f"select site, count(*) from pages where site in ({_marks(chunk)}) group by site",
                chunk,
            ).fetchall()
        )
    return counts


def site_prior(db: sqlite_utils.Database, site: str) -> bool | None:
    """Whether a site's stored texts were last stripped with the fixed phrase list as a prior
    (None: not stripped since the rule was recorded)."""
    row = db.execute("select prior from site_boilerplate_prior where site = ?", [site]).fetchone()
    return None if row is None else bool(row[0])


def set_site_prior(db: sqlite_utils.Database, site: str, pages: int, prior: bool) -> None:
    """Record the rule a site's stored texts were stripped with (and its page count then)."""
    db.execute(
        "insert into site_boilerplate_prior (site, pages, prior) values (?, ?, ?)"
        " on conflict (site) do update set pages = excluded.pages, prior = excluded.prior"
        " where pages != excluded.pages or prior != excluded.prior",
        [site, pages, int(prior)],
    )
