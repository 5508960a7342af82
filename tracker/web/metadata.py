"""tracker's Datasette metadata (``datasette-metadata.yml``), applied to databases of any name.

Datasette keys database metadata by the file's stem ("demo" for ``demo.db``), so a metadata file
that names one database would describe nothing once the file is renamed. ``datasette-metadata.yml``
therefore holds one template entry under ``databases:``, and :func:`load_metadata` copies it to
the name of every database being served. Used by :mod:`tracker.serve` and by the plugin's
``get_metadata`` hook when Datasette is started some other way.
"""

from __future__ import annotations

import copy
import importlib.resources
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from datasette.utils import tilde_encode
from markupsafe import escape

METADATA_NAME = "datasette-metadata.yml"


def metadata_path() -> Path:
    """Where ``datasette-metadata.yml`` is: the checkout's copy first, else the installed package's."""
    checkout = Path(__file__).resolve().parents[2] / METADATA_NAME
    if checkout.is_file():
        return checkout
    return Path(str(importlib.resources.files("tracker") / METADATA_NAME))


def tracker_links(names: Iterable[str]) -> str:
    """The instance home page's way in: each database's Stories, Network and queries."""
    names = list(names)
    parts = []
    for name in names:
        path = "/" + tilde_encode(name)
        prefix = f"{escape(name)}: " if len(names) > 1 else ""
        parts.append(
            f'{prefix}<strong><a href="{path}/-/tracker">Stories</a></strong>'
            " (find a story from a URL or pasted text) · "
            f'<strong><a href="{path}/-/tracker/network">Network</a></strong> · '
            f'<a href="{path}#queries">Canned queries</a> · <a href="{path}">Tables</a>'
        )
    return "<br>".join(parts) or "Open a database below."


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
    if "{tracker_links}" in (metadata.get("description_html") or ""):
        metadata["description_html"] = metadata["description_html"].replace(
            "{tracker_links}", tracker_links(names)
        )
    metadata["databases"] = {}
    for name in names:
        entry = copy.deepcopy(template)
        if entry.get("description_html"):
            url_path = "/" + tilde_encode(name)
            entry["description_html"] = entry["description_html"].replace(
                "{database_path}", url_path
            )
        metadata["databases"][name] = entry
    return metadata
