"""From a fetched page to stored rows: decode, extract, find credits, store, then let the later
stages (credit resolution, clustering, diffs) catch up with what changed.

Extraction is pure (:func:`build_record`) so the crawler can run it in a process pool.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from tracker.store import PageRecord, StoreResult, resolve_credit_targets, store_page

log = logging.getLogger(__name__)


@dataclass
class IngestSummary:
    """Counts of one import or crawl, and what changed for the later stages."""

    read: int = 0
    pages_new: int = 0
    versions_new: int = 0
    unchanged: int = 0
    no_text: int = 0
    errors: int = 0
    new_version_ids: list[int] = field(default_factory=list)
    version_pairs: list[tuple[int, int]] = field(default_factory=list)

    def count(self, result: StoreResult) -> None:
        """Add one store result to the counts."""
        self.pages_new += int(result.new_page)
        if result.new_version and result.version_id is not None:
            self.versions_new += 1
            self.new_version_ids.append(result.version_id)
            if result.previous_version_id is not None:
                self.version_pairs.append((result.previous_version_id, result.version_id))
        else:
            self.unchanged += 1


def store_record(
    db: sqlite_utils.Database, record: PageRecord, summary: IngestSummary
) -> StoreResult | None:
    """Store one extracted record, counting it; a page with no article text is counted, not stored."""
    if not record.paragraphs:
        summary.no_text += 1
        log.info("%s: no article text found, not stored", record.url)
        return None
    result = store_page(db, record)
    summary.count(result)
    return result


def after_ingest(db: sqlite_utils.Database, summary: IngestSummary) -> dict[str, int]:
    """Bring the later stages up to date with what an import or crawl stored:
    credit targets, clusters, version diffs and repost diffs. Returns counts for the summary."""
    done = {"credits_resolved": resolve_credit_targets(db)}
    if not summary.new_version_ids:
        return done
    from tracker import clustering, diffs, provenance

    done["version_diffs"] = diffs.diff_new_versions(db, summary.version_pairs)
    update = clustering.update_clusters(db, summary.new_version_ids)
    provenance.assign(db, update.changed)
    changed = sorted(set(update.new) | set(update.grown) | set(update.changed))
    done["clusters_changed"] = len(changed)
    done["repost_diffs"] = diffs.diff_cluster_members(db, changed) if changed else 0
    return done


def catch_up(db: sqlite_utils.Database) -> tuple[Any, dict[str, int]]:
    """Everything :func:`after_ingest` does, for the whole database: credit targets, diffs of
    consecutive versions not yet diffed, clusters, and diffs of cluster members against their
    origins. Safe to repeat; returns the clustering result and the counts."""
    from tracker import clustering, diffs, provenance

    done = {"credits_resolved": resolve_credit_targets(db)}
    pairs = db.execute(
        "select prev_id, id from (select id, lag(id) over (partition by page_id order by fetched_at, id)"
        " as prev_id from versions) where prev_id is not null and not exists (select 1 from diffs d"
        " where d.kind = 'version' and d.a_version_id = prev_id and d.b_version_id = id)"
    ).fetchall()
    done["version_diffs"] = diffs.diff_new_versions(db, [(a, b) for a, b in pairs])
    result = clustering.update_clusters(db)
    provenance.assign(db, result.changed)
    done["repost_diffs"] = diffs.diff_cluster_members(db)
    return result, done
