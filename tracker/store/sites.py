"""The SQL of ``sites``: a site's row, and its name by majority over its own pages.

A site's name comes only from its own pages' markup (``versions.site_name``: ``og:site_name`` or
the publisher the page declares about itself; :mod:`tracker.extraction` never takes it from a
canonical target's domain or a wire byline). Each page votes once, with its latest version; the
name most pages carry wins, a tie goes to the name seen most recently. A page of another domain
never votes, so a copy cannot rename the site it copied, nor the other way round.

The votes are kept counted in ``site_name_votes`` (site, name, votes, last: the latest fetch that
voted for the name), moved by :func:`move_vote` when a page's latest version changes its name,
so storing a page costs no query over its site's pages however many names they disagree on.
:func:`majority_site_name` counts them again from the versions (the migration that made the
table, and tests, use it).

This module (called by :func:`tracker.store.writes.store_page`) is the one writer of ``sites``
and ``site_name_votes``.
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


def page_vote(db: sqlite_utils.Database, page_id: int) -> str | None:
    """The name a page votes for: its latest version's site name, trimmed (None for none)."""
    row = db.execute(
        "select trim(site_name) from versions where page_id = ?"
        " order by fetched_at desc, id desc limit 1",
        [page_id],
    ).fetchone()
    return row[0] if row and row[0] else None


def revote(db: sqlite_utils.Database, domain: str, page_id: int, old: str | None) -> None:
    """A page of ``domain`` that voted for ``old`` may have a new latest version: move its vote
    to that version's name, at that version's fetch time (:func:`move_vote`)."""
    row = db.execute(
        "select trim(site_name), fetched_at from versions where page_id = ?"
        " order by fetched_at desc, id desc limit 1",
        [page_id],
    ).fetchone()
    if row is not None:
        move_vote(db, domain, old, row[0] or None, row[1])


def move_vote(
    db: sqlite_utils.Database, domain: str, old: str | None, new: str | None, seen: str
) -> None:
    """A page of ``domain`` now votes for ``new`` instead of ``old`` (either may be None; the
    same name when the page's new latest version keeps it): move its vote, keep ``last`` (the
    latest fetch that voted for a name) and set ``sites.name`` to the name with most votes, a tie
    going to the name voted for last.

    No recount over the site's pages: a tie between names whose latest votes were since taken
    back may go to a name a recount (:func:`majority_site_name`) would not pick.
    """
    if new and old == new:
        db.execute(
            "update site_name_votes set last = max(coalesce(last, ''), ?)"
            " where site = ? and name = ?",
            [seen, domain, new],
        )
    else:
        if old:
            db.execute(
                "update site_name_votes set votes = votes - 1 where site = ? and name = ?",
                [domain, old],
            )
            db.execute(
                "delete from site_name_votes where site = ? and name = ? and votes <= 0",
                [domain, old],
            )
        if new:
            db.execute(
                "insert into site_name_votes (site, name, votes, last) values (?, ?, 1, ?)"
                " on conflict (site, name) do update set votes = votes + 1,"
                " last = max(coalesce(last, ''), excluded.last)",
                [domain, new, seen],
            )
    db.execute(
        "update sites set name = (select name from site_name_votes where site = ?"
        " order by votes desc, last desc, name limit 1) where domain = ?",
        [domain, domain],
    )


def recompute_site_name(db: sqlite_utils.Database, domain: str) -> str | None:
    """Set ``sites.name`` to the majority of the site's own pages; returns it."""
    name = majority_site_name(db, domain)
    db.execute("update sites set name = ? where domain = ?", [name, domain])
    return name
