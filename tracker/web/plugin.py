"""tracker's Datasette plugin: the hooks that add tracker's pages, links and metadata to Datasette.

The pages themselves are in :mod:`tracker.web.views`; their pictures in :mod:`tracker.web.pictures`
and ``templates/``. Registered through the ``datasette`` entry point, or by
:func:`tracker.serve.register_plugin` in a plain checkout.
"""

from __future__ import annotations

import copy
import importlib.resources
from typing import Any

from datasette import hookimpl
from jinja2 import ChoiceLoader, FileSystemLoader

from tracker.store import StoreError, table_names_read_only
from tracker.store.web import label_of
from tracker.web.cells import tracker_cell
from tracker.web.export_view import export_view
from tracker.web.feed import feed_view, site_feed_view
from tracker.web.format import fts_query, plural, when
from tracker.web.history import compare_view, page_view, version_view
from tracker.web.lookup_view import lookup_view
from tracker.web.metadata import load_metadata
from tracker.web.site_view import site_view
from tracker.web.views import (
    base_url,
    cluster_view,
    css_view,
    diff_view,
    is_tracker_database,
    network_view,
    not_found_view,
    overview_view,
)

TRACKER_TABLES = ("clusters", "cluster_members", "diffs", "diff_ops", "versions")


@hookimpl
def register_routes(datasette):
    db = r"(?P<database>[^/]+)"
    return [
        (r"^/-/tracker\.css$", css_view),
        (rf"^/{db}/-/tracker/?$", overview_view),
        (rf"^/{db}/-/tracker/cluster/(?P<cluster_id>[^/]+)$", cluster_view),
        (rf"^/{db}/-/tracker/cluster/(?P<cluster_id>[^/]+)/evidence\.zip$", export_view),
        (rf"^/{db}/-/tracker/diff/(?P<diff_id>[^/]+)$", diff_view),
        (rf"^/{db}/-/tracker/network$", network_view),
        (rf"^/{db}/-/tracker/lookup$", lookup_view),
        (rf"^/{db}/-/tracker/site/(?P<site>[^/]+)$", site_view),
        (rf"^/{db}/-/tracker/site/(?P<site>[^/]+)/feed\.atom$", site_feed_view),
        (rf"^/{db}/-/tracker/feed\.atom$", feed_view),
        (rf"^/{db}/-/tracker/page/(?P<page_id>[^/]+)$", page_view),
        (rf"^/{db}/-/tracker/version/(?P<version_id>[^/]+)$", version_view),
        (rf"^/{db}/-/tracker/compare$", compare_view),
        # Anything else under tracker's prefix is a 404 here, not a table lookup in Datasette.
        (rf"^/{db}/-/tracker/.*$", not_found_view),
    ]


_TRACKER_FILES: dict[str, bool] = {}
_METADATA_FOR: dict[tuple[str, ...], dict[str, Any]] = {}


def _is_tracker_file(db) -> bool:
    """Whether a served database file has tracker's tables (checked once per file)."""
    path = getattr(db, "path", None)
    if not path:
        return False
    if path not in _TRACKER_FILES:
        try:
            names = table_names_read_only(path)
        except StoreError:
            names = set()
        _TRACKER_FILES[path] = {"pages", "versions", "cluster_members"} <= names
    return _TRACKER_FILES[path]


@hookimpl
def get_metadata(datasette, key, database, table):
    """tracker's metadata for tracker databases served by plain ``datasette`` (no ``--metadata``).

    ``tracker serve`` passes the metadata itself (see :mod:`tracker.serve`), so this only fills in
    when Datasette was started some other way; local metadata still takes precedence.
    """
    if getattr(datasette, "tracker_metadata_applied", False):
        return {}
    names = tuple(sorted(name for name, db in datasette.databases.items() if _is_tracker_file(db)))
    if not names:
        return {}
    if names not in _METADATA_FOR:
        _METADATA_FOR[names] = {"databases": load_metadata(names)["databases"]}
    # Datasette merges hook results into its own dicts in place: hand over a copy.
    return copy.deepcopy(_METADATA_FOR[names])


@hookimpl
def prepare_jinja2_environment(env, datasette):
    templates = str(importlib.resources.files("tracker.web") / "templates")
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(templates)])
    # Times as the tables show them ("2026-11-17 08:30") and counts with the right noun form.
    env.filters["tracker_when"] = when
    env.filters["tracker_plural"] = plural


@hookimpl
def prepare_connection(conn, database, datasette):
    conn.create_function("tracker_fts_query", 1, fts_query, deterministic=True)


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    # Badges in table cells (render_cell below) need the stylesheet on Datasette's own pages too.
    if (template or "").startswith("tracker_") or table in TRACKER_TABLES:
        return [datasette.urls.path("/-/tracker.css")]
    try:
        served = datasette.get_database(database) if database else None
    except KeyError:
        served = None
    if served is not None and _is_tracker_file(served):
        return [datasette.urls.path("/-/tracker.css")]
    return []


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Links from plain table rows and canned-query results to tracker's pages."""
    if value is None:
        return None
    try:
        db = datasette.get_database(database)
    except KeyError:
        return None
    if not _is_tracker_file(db):
        return None
    base = base_url(datasette, db)

    async def label(kind: str, number: int) -> str | None:
        return await db.execute_fn(lambda conn: label_of(conn, kind, number))

    return tracker_cell(base, row, value, column, table, label)


@hookimpl
def database_actions(datasette, actor, database, request):
    async def inner():
        try:
            db = datasette.get_database(database)
        except KeyError:
            return []
        if not await is_tracker_database(datasette, db):
            return []
        base = base_url(datasette, db)
        return [
            {"href": base, "label": "Stories overview (tracker)"},
            {"href": base + "/network", "label": "Republication network"},
        ]

    return inner


@hookimpl
def table_actions(datasette, actor, database, table, request):
    if table not in TRACKER_TABLES:
        return []
    base = base_url(datasette, datasette.get_database(database))
    return [
        {"href": base, "label": "Stories overview (tracker)"},
        {"href": base + "/network", "label": "Republication network"},
    ]
