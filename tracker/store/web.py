"""Reads for tracker's Datasette pages: one function per question a page asks.

Each function takes a :class:`sqlite3.Connection` (Datasette hands its read connection to
``await db.execute_fn(fn)``) and returns plain dicts keyed by column name, whatever the
connection's ``row_factory``. Nothing here writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

Row = dict[str, Any]

_MEMBERS = """
select m.cluster_id, m.page_id, m.version_id, m.role, m.similarity, m.containment, m.credited,
       m.credits_page_id, m.credit_evidence, m.joined,
       p.url, p.site, p.first_seen, s.name as site_name,
       v.title, v.published, v.fetched_at, v.byline, v.word_count,
       cp.url as credits_url, cp.site as credits_site,
       coalesce((select min(pv.published) from versions pv where pv.page_id = p.id), p.first_seen) as seen
from cluster_members m
join pages p on p.id = m.page_id
left join sites s on s.domain = p.site
left join versions v on v.id = m.version_id
left join pages cp on cp.id = m.credits_page_id
where m.cluster_id = ?
order by m.role != 'origin', seen, p.id
"""

_VERSION = """
select v.id, v.page_id, v.title, v.byline, v.published, v.fetched_at, v.word_count,
       p.url, p.site, s.name as site_name
from versions v join pages p on p.id = v.page_id left join sites s on s.domain = p.site
where v.id = ?
"""

# A credited copy came from the page it credits (a chain: Region Post credits Coast Wire, which
# credits Harbour Gazette); an uncredited copy is drawn from the story's origin.
_REPUBLICATION_EDGES = """
select source, target, sum(credited) as credited, sum(1 - credited) as uncredited
from (
  select coalesce(case when m.credited then cp.site end, op.site) as source, p.site as target,
         case when m.credited then 1 else 0 end as credited
  from cluster_members m
  join clusters c on c.id = m.cluster_id
  join pages op on op.id = c.origin_page_id
  join pages p on p.id = m.page_id
  left join pages cp on cp.id = m.credits_page_id
  where m.role != 'origin'
)
where source != target
group by source, target
order by count(*) desc, source, target
"""


def fetch_rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _first(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Row | None:
    rows = fetch_rows(conn, sql, params)
    return rows[0] if rows else None


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the database has a table called ``name``."""
    found = conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [name]
    ).fetchone()
    return found is not None


# --------------------------------------------------------------------------- a story


def cluster_with_origin(conn: sqlite3.Connection, cluster_id: int) -> Row | None:
    """The ``clusters`` row with its origin page's URL, site and site name; ``None`` if unknown."""
    return _first(
        conn,
        "select c.*, p.url as origin_url, p.site as origin_site, s.name as origin_site_name"
        " from clusters c left join pages p on p.id = c.origin_page_id"
        " left join sites s on s.domain = p.site where c.id = ?",
        [cluster_id],
    )


def cluster_members(conn: sqlite3.Connection, cluster_id: int) -> list[Row]:
    """A cluster's members with page, site, version and credited page, the origin first and the
    copies in the order they appeared (``seen``: earliest published date, else first seen)."""
    return fetch_rows(conn, _MEMBERS, [cluster_id])


def diffs_of_pages(conn: sqlite3.Connection, page_ids: Sequence[int]) -> list[Row]:
    """Every diff whose newer side is a version of one of ``page_ids``, oldest first, with the
    pages of both sides (``a_page``, ``b_page``) and when the newer side was fetched."""
    marks = ",".join("?" * len(page_ids)) or "null"
    return fetch_rows(
        conn,
        "select d.id, d.kind, d.retained, d.words_added, d.words_removed, d.title_changed,"
        " d.credit_removed, va.page_id as a_page, vb.page_id as b_page, vb.fetched_at as b_fetched"
        " from diffs d join versions va on va.id = d.a_version_id"
        " join versions vb on vb.id = d.b_version_id"
        f" where vb.page_id in ({marks}) order by d.id",
        list(page_ids),
    )


# --------------------------------------------------------------------------- a diff


def diff(conn: sqlite3.Connection, diff_id: int) -> Row | None:
    """The ``diffs`` row; ``None`` if unknown."""
    return _first(conn, "select * from diffs where id = ?", [diff_id])


def version_with_page(conn: sqlite3.Connection, version_id: int | None) -> Row | None:
    """A version's metadata with its page's URL, site and site name; ``None`` if unknown."""
    return _first(conn, _VERSION, [version_id])


def diff_ops(conn: sqlite3.Connection, diff_id: int) -> list[Row]:
    """A diff's paragraph operations in order."""
    return fetch_rows(conn, "select * from diff_ops where diff_id = ? order by seq", [diff_id])


def member_credit(conn: sqlite3.Connection, page_id: int | None) -> Row | None:
    """How a page stands in its cluster: role, ``credited`` (1, 0 or NULL for unclear) and the
    credit evidence provenance recorded; ``None`` when it is in no cluster."""
    return _first(
        conn,
        "select role, credited, credit_evidence from cluster_members where page_id = ?"
        " order by cluster_id limit 1",
        [page_id],
    )


def credit_lines(conn: sqlite3.Connection, version_id: int | None) -> list[Row]:
    """The credits one version declares: kind, evidence and whom they name."""
    return fetch_rows(
        conn,
        "select kind, evidence, target_url, coalesce(target_name, target_site) as target"
        " from attributions where version_id = ? and kind not in ('link', 'line') order by id",
        [version_id],
    )


def clusters_of_pages(conn: sqlite3.Connection, page_ids: Sequence[int | None]) -> list[Row]:
    """Id and title of each cluster that has one of ``page_ids`` as a member."""
    marks = ",".join("?" * len(page_ids)) or "null"
    return fetch_rows(
        conn,
        "select distinct c.id, c.title from cluster_members m join clusters c on c.id = m.cluster_id"
        f" where m.page_id in ({marks})",
        list(page_ids),
    )


# --------------------------------------------------------------------------- the network


def republication_edges(conn: sqlite3.Connection) -> list[Row]:
    """For each (source site, republishing site) pair: ``source``, ``target`` and how many copies
    credited and did not credit; the busiest pairs first. A credited copy's source is the site of
    the page it credits, an uncredited copy's the story's origin; copies on their source's own site
    are left out."""
    return fetch_rows(conn, _REPUBLICATION_EDGES)


def site_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Each site's display name by domain (the domain when it has no name)."""
    return {
        row["domain"]: row["name"] or row["domain"]
        for row in fetch_rows(conn, "select domain, name from sites")
    }


# --------------------------------------------------------------------------- the overview


def overview_counts(conn: sqlite3.Connection) -> Row:
    """How many sites, pages, versions, clusters, copies, uncredited copies and edits after
    publication the database holds."""
    return fetch_rows(
        conn,
        "select (select count(*) from sites) as sites, (select count(*) from pages) as pages,"
        " (select count(*) from versions) as versions,"
        " (select count(*) from clusters) as clusters,"
        " (select count(*) from cluster_members where role != 'origin') as copies,"
        " (select count(*) from cluster_members"
        "   where role != 'origin' and not coalesce(credited, 0)) as uncredited,"
        " (select count(*) from diffs where kind = 'version') as changes",
    )[0]


def biggest_clusters(conn: sqlite3.Connection, limit: int = 25) -> list[Row]:
    """The largest clusters with their origin site and number of uncredited copies."""
    return fetch_rows(
        conn,
        "select c.id, c.title, c.size, c.first_seen, c.first_published, p.site as origin_site,"
        " (select count(*) from cluster_members m where m.cluster_id = c.id"
        "   and m.role != 'origin' and not coalesce(m.credited, 0)) as uncredited"
        " from clusters c left join pages p on p.id = c.origin_page_id"
        " order by c.size desc, c.id limit ?",
        [limit],
    )


def recent_changes(conn: sqlite3.Connection, limit: int = 15) -> list[Row]:
    """The latest edits after publication (version diffs), newest first, with page and title."""
    return fetch_rows(
        conn,
        "select d.id, d.title_changed, d.old_title, d.new_title, d.retained, d.words_added,"
        " d.words_removed, d.credit_removed, p.id as page_id, p.site, p.url, vb.title, vb.fetched_at"
        " from diffs d join versions vb on vb.id = d.b_version_id"
        " join pages p on p.id = vb.page_id"
        " where d.kind = 'version' order by vb.fetched_at desc, d.id desc limit ?",
        [limit],
    )


# --------------------------------------------------------------------------- all stories


def _story_filters(
    site: str | None, date_from: str | None, date_to: str | None, uncredited_only: bool
) -> tuple[str, list[Any]]:
    where, params = [], []
    if site:
        where.append("p.site = ?")
        params.append(site)
    if date_from:
        where.append("date(coalesce(c.first_published, c.first_seen)) >= date(?)")
        params.append(date_from)
    if date_to:
        where.append("date(coalesce(c.first_published, c.first_seen)) <= date(?)")
        params.append(date_to)
    if uncredited_only:
        where.append(
            "exists (select 1 from cluster_members u where u.cluster_id = c.id"
            " and u.role != 'origin' and not coalesce(u.credited, 0))"
        )
    return (" where " + " and ".join(where)) if where else "", params


def stories(
    conn: sqlite3.Connection,
    *,
    site: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    uncredited_only: bool = False,
    newest_first: bool = False,
    limit: int = 25,
    offset: int = 0,
) -> tuple[list[Row], int]:
    """One page of stories, filtered by origin site, date range (``YYYY-MM-DD``, on the first
    published or seen date) and whether a copy is uncredited; the biggest (or newest) first.

    Returns:
        The rows (id, title, size, dates, origin site and name, uncredited count) and how many
        stories match in all.
    """
    where, params = _story_filters(site, date_from, date_to, uncredited_only)
    order = (
        "coalesce(c.first_published, c.first_seen) desc, c.id desc"
        if newest_first
        else "c.size desc, c.id"
    )
    rows = fetch_rows(
        conn,
        "select c.id, c.title, c.size, c.first_seen, c.first_published, p.site as origin_site,"
        " s.name as origin_site_name,"
        " (select count(*) from cluster_members m where m.cluster_id = c.id"
        "   and m.role != 'origin' and not coalesce(m.credited, 0)) as uncredited"
        " from clusters c left join pages p on p.id = c.origin_page_id"
        " left join sites s on s.domain = p.site"
        f"{where} order by {order} limit ? offset ?",
        [*params, limit, offset],
    )
    total = conn.execute(
        f"select count(*) from clusters c left join pages p on p.id = c.origin_page_id{where}",
        params,
    ).fetchone()[0]
    return rows, int(total)


def origin_sites(conn: sqlite3.Connection) -> list[Row]:
    """Sites where at least one story started, with their names and story counts, busiest first."""
    return fetch_rows(
        conn,
        "select p.site as domain, coalesce(s.name, p.site) as name, count(*) as stories"
        " from clusters c join pages p on p.id = c.origin_page_id"
        " left join sites s on s.domain = p.site group by p.site order by stories desc, p.site",
    )


_LABELS = {
    "story": "select title from clusters where id = ?",
    "page": "select url from pages where id = ?",
    "version": "select title from versions where id = ?",
    "diff": "select kind || ' diff' from diffs where id = ?",
}


def label_of(conn: sqlite3.Connection, kind: str, item_id: int) -> str | None:
    """What a link to a story (its title), page (URL), version (title) or diff (kind) reads."""
    sql = _LABELS.get(kind)
    found = conn.execute(sql, [item_id]).fetchone() if sql else None
    return found[0] if found else None


# --------------------------------------------------------------------------- a site

# When a member appeared: the earliest date its page declares, else when tracker first saw it.
_SEEN = (
    "coalesce((select min(pv.published) from versions pv where pv.page_id = p.id), p.first_seen)"
)


def site(conn: sqlite3.Connection, domain: str) -> Row | None:
    """A site's row (domain, name, first seen) with how many pages tracker holds of it; ``None``
    when tracker knows neither the site nor any page of it."""
    row = _first(
        conn,
        "select ? as domain, s.name, s.first_seen,"
        " (select count(*) from pages where site = ?) as pages"
        " from (select 1) left join sites s on s.domain = ?",
        [domain, domain, domain],
    )
    if row is None or (row["name"] is None and row["first_seen"] is None and not row["pages"]):
        return None
    return row


def site_stories(conn: sqlite3.Connection, domain: str, limit: int = 200) -> list[Row]:
    """Stories that started on a site, newest first, with their copies and uncredited copies."""
    return fetch_rows(
        conn,
        "select c.id, c.title, c.size, c.first_seen, c.first_published,"
        " (select count(*) from cluster_members m where m.cluster_id = c.id"
        "   and m.role != 'origin') as copies,"
        " (select count(*) from cluster_members m where m.cluster_id = c.id"
        "   and m.role != 'origin' and not coalesce(m.credited, 0)) as uncredited"
        " from clusters c join pages p on p.id = c.origin_page_id where p.site = ?"
        " order by coalesce(c.first_published, c.first_seen) desc, c.id desc limit ?",
        [domain, limit],
    )


def site_copiers(conn: sqlite3.Connection, domain: str) -> list[Row]:
    """Who copied a site's stories: each copying site with its name and how many copies credited
    and did not credit; the busiest first (copies on the site itself included, marked by domain)."""
    return fetch_rows(
        conn,
        "select p.site as domain, s.name, count(*) as copies,"
        " sum(case when m.credited then 1 else 0 end) as credited,"
        " sum(case when m.credited then 0 else 1 end) as uncredited"
        " from cluster_members m join clusters c on c.id = m.cluster_id"
        " join pages op on op.id = c.origin_page_id join pages p on p.id = m.page_id"
        " left join sites s on s.domain = p.site"
        " where op.site = ? and m.role != 'origin'"
        " group by p.site order by uncredited desc, copies desc, p.site",
        [domain],
    )


def site_copies_by_month(conn: sqlite3.Connection, domain: str) -> list[Row]:
    """Copies of a site's stories per month they appeared (``YYYY-MM``), with how many were
    uncredited; oldest month first."""
    return fetch_rows(
        conn,
        "select month, count(*) as copies, sum(uncredited) as uncredited from ("
        f"  select substr({_SEEN}, 1, 7) as month,"
        "   case when m.credited then 0 else 1 end as uncredited"
        "  from cluster_members m join clusters c on c.id = m.cluster_id"
        "  join pages op on op.id = c.origin_page_id join pages p on p.id = m.page_id"
        "  where op.site = ? and m.role != 'origin')"
        " group by month order by month",
        [domain],
    )


def site_edits(conn: sqlite3.Connection, domain: str, limit: int = 100) -> list[Row]:
    """Edits after publication of a site's pages (version diffs), newest first."""
    return fetch_rows(
        conn,
        "select d.id, d.title_changed, d.credit_removed, d.retained, d.words_added,"
        " d.words_removed, p.id as page_id, p.url, vb.title, vb.fetched_at"
        " from diffs d join versions vb on vb.id = d.b_version_id"
        " join pages p on p.id = vb.page_id"
        " where d.kind = 'version' and p.site = ? order by vb.fetched_at desc, d.id desc limit ?",
        [domain, limit],
    )


def site_copied_stories(conn: sqlite3.Connection, domain: str, limit: int = 100) -> list[Row]:
    """Stories from other sites that this site copied, with whether its copy credited them."""
    return fetch_rows(
        conn,
        "select c.id, c.title, op.site as origin_site, m.role, m.credited, p.id as page_id"
        " from cluster_members m join clusters c on c.id = m.cluster_id"
        " join pages op on op.id = c.origin_page_id join pages p on p.id = m.page_id"
        " where p.site = ? and m.role != 'origin' and op.site != p.site"
        " order by c.id desc limit ?",
        [domain, limit],
    )


# --------------------------------------------------------------------------- an article's history


def page(conn: sqlite3.Connection, page_id: int) -> Row | None:
    """A ``pages`` row with its site's name; ``None`` if unknown."""
    return _first(
        conn,
        "select p.*, s.name as site_name from pages p left join sites s on s.domain = p.site"
        " where p.id = ?",
        [page_id],
    )


def page_versions(conn: sqlite3.Connection, page_id: int) -> list[Row]:
    """A page's versions, oldest first, each with the version diff that produced it from an
    earlier version (``diff_id``, words added and removed, headline changed), when one is stored."""
    return fetch_rows(
        conn,
        "select v.id, v.fetched_at, v.title, v.byline, v.published, v.word_count, v.source,"
        " d.id as diff_id, d.a_version_id as diff_from, d.words_added, d.words_removed,"
        " d.title_changed, d.credit_removed, d.retained"
        " from versions v left join diffs d on d.id = ("
        "   select max(x.id) from diffs x where x.kind = 'version' and x.b_version_id = v.id)"
        " where v.page_id = ? order by v.fetched_at, v.id",
        [page_id],
    )


def version_text(conn: sqlite3.Connection, version_id: int) -> Row | None:
    """A version with its text and paragraphs, its page and site, and the paragraph hashes its
    fingerprint left out as boilerplate (``boilerplate``, bytes or ``None``)."""
    fingerprint = (
        "(select f.boilerplate from fingerprints f where f.version_id = v.id)"
        if has_table(conn, "fingerprints")
        else "null"
    )
    return _first(
        conn,
        "select v.id, v.page_id, v.fetched_at, v.title, v.byline, v.published, v.language,"
        " v.word_count, v.source, v.text, v.paragraphs, v.content_hash, p.url, p.site,"
        f" s.name as site_name, {fingerprint} as boilerplate"
        " from versions v join pages p on p.id = v.page_id left join sites s on s.domain = p.site"
        " where v.id = ?",
        [version_id],
    )


def diff_between(conn: sqlite3.Connection, a_version_id: int, b_version_id: int) -> int | None:
    """The id of a stored diff from version A to version B (the latest), else ``None``."""
    found = conn.execute(
        "select max(id) from diffs where a_version_id = ? and b_version_id = ?",
        [a_version_id, b_version_id],
    ).fetchone()
    return found[0] if found and found[0] is not None else None
