"""The SQL of ``sites``: a site's row, and its name by majority over its own pages.

A site's name comes only from its own pages' markup (``versions.site_name``: ``og:site_name`` or
the publisher the page declares about itself; :mod:`tracker.extraction` never takes it from a
canonical target's domain or a wire byline). Each page votes once, with its latest version; the
name most pages carry wins, a tie goes to the name seen most recently. A page of another domain
never votes, so a copy cannot rename the site it copied, nor the other way round.

:func:`ensure_site` (called by :func:`tracker.store.writes.store_page`) is the one writer of
``sites``.
"""

from __future__ import annotations

import sqlite_utils

from tracker.store.queries import LATEST_VERSIONS_WHERE

_SITE_LATEST = LATEST_VERSIONS_WHERE.format(
    where=" where page_id in (select id from pages where site = ?)"
)


def ensure_site(db: sqlite_utils.Database, domain: str, seen: str) -> None:
    """Insert a site row (no name yet) if there is none; ``first_seen`` is the earliest fetch,
    whatever order fetches arrive in."""
    db.execute(
        "insert into sites (domain, name, first_seen) values (?, null, ?)"
        " on conflict (domain) do update set first_seen = excluded.first_seen"
        " where sites.first_seen is null or excluded.first_seen < sites.first_seen",
        [domain, seen],
    )


def majority_site_name(db: sqlite_utils.Database, domain: str) -> str | None:
    """The name most of a site's own pages give it (latest version of each page; a tie goes to
    the name fetched most recently); None when no page names it."""
    row = db.execute(
        f"with latest as ({_SITE_LATEST})"
        " select trim(v.site_name) as name, count(*) as votes, max(v.fetched_at) as last"
        " from latest l join versions v on v.id = l.version_id"
        " where v.site_name is not null and trim(v.site_name) != ''"
        " group by trim(v.site_name) order by votes desc, last desc, name limit 1",
        [domain],
    ).fetchone()
    return row[0] if row else None


def recompute_site_name(db: sqlite_utils.Database, domain: str) -> str | None:
    """Set ``sites.name`` to the majority of the site's own pages; returns it."""
    name = majority_site_name(db, domain)
    db.execute("update sites set name = ? where domain = ?", [name, domain])
    return name


def note_site_name(db: sqlite_utils.Database, domain: str, name: str | None) -> None:
    """A page of ``domain`` was stored saying the site is called ``name``: recount the votes
    when that can change the result (a name other than the current one). A page without a
    name adds no vote, so it changes nothing and costs no query over the site's pages."""
    if not name or not name.strip():
        return
    row = db.execute("select name from sites where domain = ?", [domain]).fetchone()
    if row is not None and row[0] == name.strip():
        return
    recompute_site_name(db, domain)
