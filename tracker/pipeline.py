"""The stages after extraction, in order, in one place: store the page (with its credits), resolve
credit targets, diff new versions, cluster, decide provenance, diff reposts.

``tracker import``, the crawl's item pipeline and ``tracker cluster`` all go through here. What
differs between them is only the scope of the later stages: the versions a run just stored
(:func:`run_stages` with a summary) or the whole database (:func:`run_stages` without one). Both
also pick up what an interrupted run left undone (versions not yet clustered, consecutive versions
not yet diffed), so a killed import is repaired by the next run of any command.

Extraction itself is pure (:func:`tracker.record.build_record`) and runs before this module, in
worker processes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlite_utils

from tracker import boilerplate, clustering, diffs, provenance
from tracker.store import PageRecord, StoreResult, resolve_credit_targets, store_page
from tracker.store.evidence import store_capture
from tracker.store.queries import unclustered_version_ids, undiffed_version_pairs
from tracker.store.schema import write_transaction

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
            if result.next_version_id is None:
                self.new_version_ids.append(result.version_id)
            else:
                # An older snapshot inserted in its place: the page's latest version is as it was.
                self.version_pairs.append((result.version_id, result.next_version_id))
            if result.previous_version_id is not None:
                self.version_pairs.append((result.previous_version_id, result.version_id))
        else:
            self.unchanged += 1


@dataclass
class StagesRun:
    """What :func:`run_stages` did: the clustering result (empty when nothing was clustered) and
    counts named ``credits_resolved``, ``version_diffs``, ``clusters_changed``,
    ``repost_diffs``."""

    clusters: clustering.ClusterUpdate = field(default_factory=clustering.ClusterUpdate)
    counts: dict[str, int] = field(default_factory=dict)


def store_record(
    db: sqlite_utils.Database, record: PageRecord, summary: IngestSummary
) -> StoreResult | None:
    """Store one extracted record (page, version, credits, capture: one transaction), counting
    it; a page with no article text is counted, not stored."""
    if not record.paragraphs:
        summary.no_text += 1
        log.info("%s: no article text found, not stored", record.url)
        return None
    with write_transaction(db):
        result = store_page(db, record)
        store_capture(db, result, record.capture)
    summary.count(result)
    return result


def _merge(*parts: Iterable[int]) -> list[int]:
    return sorted({i for part in parts for i in part})


def strip_stored_text(
    db: sqlite_utils.Database, scope: IngestSummary | None, version_ids: Iterable[int] = ()
) -> int:
    """Take site boilerplate out of the texts a run stored (:mod:`tracker.boilerplate`): the
    versions of ``scope`` (its new versions, the older snapshots it inserted) and
    ``version_ids``, or every version when ``scope`` is None. Returns how many changed."""
    if scope is None:
        return boilerplate.strip_site_boilerplate(db)
    stored = _merge(scope.new_version_ids, *scope.version_pairs, version_ids)
    return boilerplate.strip_site_boilerplate(db, stored) if stored else 0


def run_stages(db: sqlite_utils.Database, scope: IngestSummary | None = None) -> StagesRun:
    """Bring the stages after storing up to date, in order: credit targets, version diffs,
    site boilerplate, clusters, provenance, repost diffs.

    Args:
        db: The tracker database.
        scope: What an import or crawl just stored: only its new versions (and the work an
            interrupted run left undone) are looked at. ``None`` looks at the whole database,
            as ``tracker cluster`` does. Either way a re-run on unchanged data writes no row.

    Returns:
        A :class:`StagesRun` with the clustering result and the counts.
    """
    with write_transaction(db):
        run = StagesRun(counts={"credits_resolved": resolve_credit_targets(db)})
        # Consecutive versions without their diff, whoever stored them: this run's, a killed
        # run's, an older snapshot's inserted between two versions (one indexed query).
        pairs = undiffed_version_pairs(db)
        version_ids: list[int] | None = None
        if scope is not None:
            # Versions a killed run stored but never clustered are clustered now.
            version_ids = _merge(scope.new_version_ids, unclustered_version_ids(db))
            if not version_ids and not pairs:
                return run
        run.counts["version_diffs"] = diffs.diff_new_versions(db, pairs)
    # Site boilerplate out of the stored texts before clustering reads them (its own
    # transaction; versions it rewrites get their diffs recomputed), older snapshots a run
    # inserted between two versions included.
    strip_stored_text(db, scope, version_ids or ())
    if version_ids == []:
        return run
    # Membership, provenance and repost diffs commit together: a run killed in between leaves
    # its versions unclustered in ``cluster_pages``, and the next run redoes all three.
    with write_transaction(db):
        run.clusters = clustering.update_clusters(db, version_ids)
        changed = _merge(run.clusters.new, run.clusters.grown, run.clusters.changed)
        provenance.assign(db, changed)
        run.counts["clusters_changed"] = len(changed)
        if scope is None:
            run.counts["repost_diffs"] = diffs.diff_cluster_members(db)
        else:
            run.counts["repost_diffs"] = diffs.diff_cluster_members(db, changed) if changed else 0
    return run
