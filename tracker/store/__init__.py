"""The SQLite store: the only package that speaks SQL.

- :mod:`tracker.store.schema`: migrations and opening a database;
- :mod:`tracker.store.writes`: pages, versions, sites and credits;
- :mod:`tracker.store.queries`: reads that several stages and pages share (among them
  :func:`~tracker.store.queries.latest_version_ids` and ``LATEST_VERSIONS_SQL``, "the latest
  version of each page");
- :mod:`tracker.store.schedule`: the crawl's bookkeeping (``pages.next_check``, ``crawl_urls``,
  ``crawl_runs``).

The names most callers need are re-exported here.
"""

from tracker.store.queries import table_names_read_only, version_paragraphs
from tracker.store.schema import StoreError, open_db, open_existing_db, utcnow
from tracker.store.writes import (
    PageRecord,
    StoreResult,
    content_hash,
    resolve_credit_targets,
    store_credits,
    store_page,
)

__all__ = [
    "PageRecord",
    "StoreError",
    "StoreResult",
    "content_hash",
    "open_db",
    "open_existing_db",
    "resolve_credit_targets",
    "store_credits",
    "store_page",
    "table_names_read_only",
    "utcnow",
    "version_paragraphs",
]
