"""Serving a tracker database with Datasette: metadata applied whatever the file is called,
read-only, sane limits, and tracker's plugin loaded.

Datasette keys database metadata by the file's stem ("demo" for ``demo.db``), so a metadata file
that names one database would describe nothing once the file is renamed. ``datasette-metadata.yml``
therefore holds one template entry under ``databases:``, and :func:`load_metadata` copies it to
the stem of every database being served.
"""

from __future__ import annotations

import copy
import importlib.resources
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette
from datasette.utils import tilde_encode

METADATA_NAME = "datasette-metadata.yml"

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


def metadata_path() -> Path:
    """Where ``datasette-metadata.yml`` is: the checkout's copy first, else the installed package's."""
    checkout = Path(__file__).resolve().parent.parent / METADATA_NAME
    if checkout.is_file():
        return checkout
    return Path(str(importlib.resources.files("tracker") / METADATA_NAME))


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


def load_metadata(names: Iterable[str], path: str | Path | None = None) -> dict[str, Any]:
    """Datasette metadata with the template database entry applied to each of ``names``.

    Args:
        names: Datasette database names (file stems) to describe.
        path: The metadata YAML; defaults to :func:`metadata_path`.

    Returns:
        The metadata dict, ready for ``Datasette(metadata=...)``.

    Raises:
        ValueError: when the file does not hold exactly one entry under ``databases:``.
    """
    source = Path(path) if path else metadata_path()
    metadata = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    templates = metadata.get("databases") or {}
    if len(templates) != 1:
        raise ValueError(
            f"{source}: expected one template entry under 'databases:', found {len(templates)}"
        )
    (template,) = templates.values()
    metadata["databases"] = {}
    for name in names:
        entry = copy.deepcopy(template)
        if entry.get("description_html"):
            path = "/" + tilde_encode(name)
            entry["description_html"] = entry["description_html"].replace("{database_path}", path)
        metadata["databases"][name] = entry
    return metadata


def register_plugin() -> None:
    """Load tracker's Datasette plugin even when the package is not installed (a plain checkout):
    the entry point only exists once it is."""
    from datasette.plugins import pm

    from tracker.web import plugin

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
