"""Reads that several stages and pages share: the only place they are written in SQL."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import sqlite_utils

from tracker.store.schema import StoreError


def table_names_read_only(path: str | Path) -> set[str]:
    """The table names of an SQLite file, opened read-only (nothing is created or migrated).

    Raises:
        StoreError: when the file is missing or not a readable SQLite database.
    """
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            return {
                r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")
            }
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: not a readable SQLite database ({exc})") from exc


def find_page(db: sqlite_utils.Database, url: str) -> tuple[int, str, str] | None:
    """The ``(id, url, site)`` of the page at ``url`` (normalised), else of the first page whose
    canonical link is ``url``; None when neither is stored."""
    from tracker.urls import normalize_url

    wanted = normalize_url(url)
    row = db.execute("select id, url, site from pages where url = ?", [wanted]).fetchone()
    if row is None:
        row = db.execute(
            "select id, url, site from pages where canonical_url = ? order by id", [wanted]
        ).fetchone()
    return tuple(row) if row else None


def version_paragraphs(paragraphs_json: str | None, text: str | None) -> list[str]:
    """A version's paragraphs from its ``paragraphs`` column (JSON), else split from ``text``."""
    if paragraphs_json:
        return json.loads(paragraphs_json)
    return [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]
