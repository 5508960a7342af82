"""Cells of Datasette's own table and query pages that lead to tracker's pages.

Every story, page, version and diff id, and every site, in a table row or a canned query's result
links to its visual page; long texts are clipped in lists. Used by the plugin's ``render_cell``.
Values are scraped text: they reach the page only through :class:`markupsafe.Markup` formatting,
which escapes them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

# Columns naming a story, a page, a version or a diff, whatever table or query they are in.
STORY_COLUMNS = {"cluster_id"}
PAGE_COLUMNS = {"page_id", "credits_page_id", "target_page_id", "origin_page_id", "seed_page_id"}
VERSION_COLUMNS = {"version_id", "a_version_id", "b_version_id"}
DIFF_COLUMNS = {"diff_id"}
SITE_COLUMNS = {
    "site",
    "original_site",
    "republished_by",
    "origin_site",
    "credits_site",
    "target_site",
}
# Long texts shown clipped in lists (the full text is on the version's page).
LONG_TEXT_COLUMNS = {
    ("versions", "text"),
    ("versions", "paragraphs"),
    ("versions", "description"),
    ("diff_ops", "a_text"),
    ("diff_ops", "b_text"),
}
CLIP_AT = 600

Label = Callable[[str, int], Awaitable[str | None]]  # (kind, id) -> link text


def _raw(row: Any, key: str) -> Any:
    cell = row[key]
    return cell["value"] if isinstance(cell, dict) and "value" in cell else cell


def _keys(row: Any) -> set[str]:
    return set(row.keys()) if hasattr(row, "keys") else set()


def site_link(base: str, site: Any, text: Any | None = None) -> Markup:
    """A link to a site's page."""
    return Markup('<a class="tracker-link" href="{}/site/{}">{}</a>').format(
        base, quote(str(site), safe=""), text if text is not None else site
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


async def tracker_cell(
    base: str,
    row: Any,
    value: Any,
    column: str,
    table: str | None,
    label: Label,
) -> Markup | None:
    """The cell's markup when tracker has a page for it, else ``None`` (Datasette renders it).

    Args:
        base: Where tracker's pages of the database start.
        row: The row (a mapping or ``sqlite3.Row``).
        value: The cell's value (a ``{"value", "label"}`` dict for labelled foreign keys).
        column: Its column.
        table: Its table; ``None`` for a canned or arbitrary query.
        label: Reads a story's title, a page's URL or a version's title for link text.
    """
    keys = _keys(row)
    if value is None or value == "":
        return None
    raw = value["value"] if isinstance(value, dict) and "value" in value else value
    known = value.get("label") if isinstance(value, dict) else None
    if table == "clusters" and column == "title" and "id" in keys:
        return Markup('<a class="tracker-link" href="{}/cluster/{}">{}</a>').format(
            base, _raw(row, "id"), value
        )
    if table == "cluster_members" and column == "role" and "cluster_id" in keys:
        status = (
            "origin"
            if value == "origin"
            else ("credited" if _raw(row, "credited") else "uncredited")
        )
        return Markup(
            '<a class="tracker-badge badge-{s}" href="{b}/cluster/{c}#member-{p}"'
            ' title="Open the cluster page">{v}</a>'
        ).format(s=status, b=base, c=_raw(row, "cluster_id"), p=_raw(row, "page_id"), v=value)
    if table == "diffs" and column == "kind" and "id" in keys:
        return Markup(
            '<a class="tracker-link" href="{}/diff/{}" title="Side-by-side view">{} diff</a>'
        ).format(base, _raw(row, "id"), value)
    if table == "diff_ops" and column == "op" and "diff_id" in keys:
        return Markup('<a class="tracker-op op-{v}" href="{b}/diff/{d}#op-{s}">{v}</a>').format(
            v=value, b=base, d=_raw(row, "diff_id"), s=_raw(row, "seq")
        )
    if (table, column) in LONG_TEXT_COLUMNS and isinstance(raw, str):
        return _clipped(base, row, raw, table)
    if table is None and column == "story" and "cluster_id" in keys:
        return Markup('<a class="tracker-link" href="{}/cluster/{}">{}</a>').format(
            base, _raw(row, "cluster_id"), value
        )
    if table == "versions" and column == "title" and "id" in keys:
        return Markup('<a class="tracker-link" href="{}/version/{}">{}</a>').format(
            base, _raw(row, "id"), value
        )
    if table == "pages" and column == "url" and "id" in keys:
        return Markup(
            '<a class="tracker-link" href="{}/page/{}" title="Versions and history">{}</a>'
        ).format(base, _raw(row, "id"), value)
    if table == "sites" and column in ("domain", "name") and "domain" in keys:
        return site_link(base, _raw(row, "domain"), value)
    if column in SITE_COLUMNS and isinstance(raw, str) and table not in ("fingerprints",):
        return site_link(base, raw, known)
    number = _as_int(raw)
    if number is None:
        return None
    for columns, kind, path in (
        (STORY_COLUMNS, "story", "cluster"),
        (PAGE_COLUMNS, "page", "page"),
        (VERSION_COLUMNS, "version", "version"),
        (DIFF_COLUMNS, "diff", "diff"),
    ):
        if column in columns:
            text = known or await label(kind, number)
            shown = f"{text} ({kind} #{number})" if text else f"{kind} #{number}"
            return Markup('<a class="tracker-link" href="{}/{}/{}">{}</a>').format(
                base, path, number, shown
            )
    return None


def _clipped(base: str, row: Any, text: str, table: str | None) -> Markup:
    """A long text clipped for lists, with a link to the whole stored text."""
    if len(text) <= CLIP_AT:
        return Markup('<div class="tracker-clip">{}</div>').format(text)
    version = None
    keys = _keys(row)
    if table == "versions" and "id" in keys:
        version = _raw(row, "id")
    more = (
        Markup(' <a class="tracker-link" href="{}/version/{}">whole text</a>').format(base, version)
        if version is not None
        else Markup("")
    )
    return Markup('<div class="tracker-clip">{}…{}</div>').format(text[:CLIP_AT].rstrip(), more)
