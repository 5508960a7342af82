"""Serving a tracker database with Datasette: metadata applied whatever the file is called
(:mod:`tracker.web.metadata`), read-only, sane limits, and tracker's plugin loaded.

The plugin never imports this module: it builds a Datasette app, the plugin lives inside one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.plugins import pm

from tracker.web import plugin
from tracker.web.metadata import load_metadata

#: Limits for a public-facing instance: a runaway query stops after 3 s, pages stay small, and
#: long article texts are cut in table views (the row page and tracker's own pages show them whole).
DEFAULT_SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 1000,
    "default_page_size": 50,
    "facet_time_limit_ms": 500,
    "truncate_cells_html": 300,
    "allow_download": False,
}


def database_names(db_paths: Sequence[str | Path]) -> list[str]:
    """The names Datasette gives these files: their stems, deduplicated with ``_2``, ``_3``… as
    :meth:`datasette.app.Datasette.add_database` does."""
    names: list[str] = []
    for path in db_paths:
        stem = Path(path).stem
        name, i = stem, 2
        while name in names:
            name = f"{stem}_{i}"
            i += 1
        names.append(name)
    return names


def register_plugin() -> None:
    """Load tracker's Datasette plugin even when the package is not installed (a plain checkout):
    the entry point only exists once it is."""
    if not pm.is_registered(plugin) and pm.get_plugin("tracker") is None:
        pm.register(plugin, name="tracker")


def build_datasette(
    db_paths: Sequence[str | Path],
    *,
    immutable: bool = False,
    settings: dict[str, Any] | None = None,
    metadata_file: str | Path | None = None,
) -> Datasette:
    """A Datasette instance serving tracker databases read-only with tracker's metadata and plugin.

    Args:
        db_paths: SQLite files to serve.
        immutable: Open the files as immutable (fastest; only for files nothing writes to any
            more). By default they are opened read-only (``mode=ro``) so a crawl writing to the
            same file shows up live.
        settings: Datasette settings overriding :data:`DEFAULT_SETTINGS`.
        metadata_file: Another metadata YAML (same template layout).

    Returns:
        The configured, not yet started, Datasette instance.
    """
    register_plugin()
    paths = [str(Path(p)) for p in db_paths]
    metadata = load_metadata(database_names(paths), metadata_file)
    merged = {**DEFAULT_SETTINGS, **(settings or {})}
    if immutable:
        ds = Datasette(immutables=paths, metadata=metadata, settings=merged)
    else:
        # Datasette reads mutable files through mode=ro connections; tracker's metadata defines no
        # writable canned queries, so nothing here ever opens a write connection.
        ds = Datasette(paths, metadata=metadata, settings=merged)
    # The plugin's get_metadata hook stands down: the metadata is already applied here.
    ds.tracker_metadata_applied = True
    return ds
