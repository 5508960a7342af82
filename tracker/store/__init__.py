"""The SQLite store: the only module that speaks SQL.

- :mod:`tracker.store.schema`: migrations and opening a database;
- :mod:`tracker.store.writes`: pages, versions, sites and credits;
- :mod:`tracker.store.queries`: reads that several stages and pages share.

The names most callers need are re-exported here.
"""

from tracker.store.queries import find_page, table_names_read_only, version_paragraphs
from tracker.store.schema import StoreError, migrations, open_db, open_existing_db, utcnow
from tracker.store.writes import (
    PageRecord,
    StoreResult,
    content_hash,
    ensure_site,
    resolve_credit_targets,
    store_credits,
    store_page,
)

__all__ = [
    "PageRecord",
    "StoreError",
    "StoreResult",
    "content_hash",
    "ensure_site",
    "find_page",
    "migrations",
    "open_db",
    "open_existing_db",
    "resolve_credit_targets",
    "store_credits",
    "store_page",
    "table_names_read_only",
    "utcnow",
    "version_paragraphs",
]
