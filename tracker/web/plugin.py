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
from markupsafe import Markup

from tracker.store import StoreError, table_names_read_only
from tracker.web.format import fts_query
from tracker.web.lookup_view import lookup_view
from tracker.web.metadata import load_metadata
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
        (rf"^/{db}/-/tracker/diff/(?P<diff_id>[^/]+)$", diff_view),
        (rf"^/{db}/-/tracker/network$", network_view),
        (rf"^/{db}/-/tracker/lookup$", lookup_view),
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


@hookimpl
def prepare_connection(conn, database, datasette):
    conn.create_function("tracker_fts_query", 1, fts_query, deterministic=True)


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    # Badges in table cells (render_cell below) need the stylesheet on Datasette's own pages too.
    if table in TRACKER_TABLES or (template or "").startswith("tracker_"):
        return [datasette.urls.path("/-/tracker.css")]
    return []


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Links from plain table rows to tracker's pages."""
    if table not in TRACKER_TABLES or value is None:
        return None
    try:
        base = base_url(datasette, datasette.get_database(database))
    except KeyError:
        return None
    keys = row.keys() if hasattr(row, "keys") else []

    def raw(key: str) -> Any:
        # With labels on, Datasette hands foreign-key cells over as {"value": …, "label": …}.
        cell = row[key]
        return cell["value"] if isinstance(cell, dict) and "value" in cell else cell

    if table == "clusters" and column == "title" and "id" in keys:
        return Markup('<a class="tracker-link" href="{}/cluster/{}">{}</a>').format(
            base, raw("id"), value
        )
    if table == "cluster_members" and column == "role" and "cluster_id" in keys:
        status = (
            "origin" if value == "origin" else ("credited" if raw("credited") else "uncredited")
        )
        return Markup(
            '<a class="tracker-badge badge-{s}" href="{b}/cluster/{c}#member-{p}" title="Open the cluster page">{v}</a>'
        ).format(s=status, b=base, c=raw("cluster_id"), p=raw("page_id"), v=value)
    if table == "diffs" and column == "kind" and "id" in keys:
        return Markup(
            '<a class="tracker-link" href="{}/diff/{}" title="Side-by-side view">{} diff</a>'
        ).format(base, raw("id"), value)
    if table == "diff_ops" and column == "op" and "diff_id" in keys:
        return Markup('<a class="tracker-op op-{v}" href="{b}/diff/{d}#op-{s}">{v}</a>').format(
            v=value, b=base, d=raw("diff_id"), s=raw("seq")
        )
    return None


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
