"""The diff stage: stored versions in, ``diffs`` and ``diff_ops`` rows out.

:func:`diff_new_versions` (each new version against the page's previous one) and
:func:`diff_cluster_members` (each cluster member against its origin) are what the pipeline
calls; both skip pairs already diffed, so repeating them writes nothing. All SQL is in
:mod:`tracker.store.diffs`; this module is the one writer of ``diffs`` and ``diff_ops``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from tracker.diffs.align import DiffKind, DiffOp, DiffResult, Doc, diff_documents
from tracker.normalize import normalize_text
from tracker.store import diffs as store_diffs


def credit_keys(
    credits: Iterable[tuple[str, str | None, str | None, str | None]],
) -> list[str]:
    """Credits as comparable keys, from ``(kind, target_site, target_name, evidence)`` rows.

    A credit is keyed by its target, not by how it is stated, so a credit moving from a "Source:"
    line to a canonical link is not reported as removed: ``site:<target_site>``, else
    ``name:<normalised target_name>``, else ``<kind>:<normalised evidence>``.
    """
    keys = set()
    for kind, site, name, evidence in credits:
        if site:
            keys.add(f"site:{site.lower()}")
        elif name and normalize_text(name):
            keys.add(f"name:{normalize_text(name)}")
        else:
            keys.add(f"{kind}:{normalize_text(evidence or '')}")
    return sorted(keys)


def load_doc(db: sqlite_utils.Database, version_id: int) -> Doc:
    """A stored version as a :class:`Doc` (paragraphs, fields and credit keys).

    Raises:
        KeyError: No version has this id.
    """
    version = store_diffs.load_version(db, version_id)
    if version is None:
        raise KeyError(version_id)
    credits = credit_keys(store_diffs.version_credits(db, version_id))
    return Doc(version.paragraphs, version.title, version.byline, version.published, credits)


def _store(
    db: sqlite_utils.Database, a_version_id: int, b_version_id: int, kind: str, result: DiffResult
) -> int:
    ops = [
        (op.seq, op.op, op.a_text, op.b_text, op.similarity, op.a_index, op.b_index)
        for op in result.ops
    ]
    return store_diffs.insert_diff(db, a_version_id, b_version_id, kind, result.summary(), ops)


def diff_versions(
    db: sqlite_utils.Database, a_version_id: int, b_version_id: int, kind: DiffKind = "version"
) -> int:
    """Diff two stored versions and store the result; returns the ``diffs`` id.

    Idempotent: an existing diff of the same pair and kind is returned as is.

    Raises:
        KeyError: A version id does not exist.
    """
    existing = store_diffs.existing_diff(db, a_version_id, b_version_id, kind)
    if existing is not None:
        return existing
    result = diff_documents(load_doc(db, a_version_id), load_doc(db, b_version_id))
    with db.atomic():
        diff_id = _store(db, a_version_id, b_version_id, kind, result)
    if diff_id < 0:  # another writer stored it first
        return store_diffs.existing_diff(db, a_version_id, b_version_id, kind)  # type: ignore[return-value]
    return diff_id


def _diff_pairs(db: sqlite_utils.Database, pairs: Iterable[tuple[int, int]], kind: DiffKind) -> int:
    """Diff and store many pairs in one transaction, sharing loaded documents; returns diffs added."""
    docs: dict[int, Doc] = {}
    added = 0
    with db.atomic():
        for a_id, b_id in pairs:
            if a_id == b_id or store_diffs.existing_diff(db, a_id, b_id, kind) is not None:
                continue
            for vid in (a_id, b_id):
                if vid not in docs:
                    docs[vid] = load_doc(db, vid)
            if _store(db, a_id, b_id, kind, diff_documents(docs[a_id], docs[b_id])) >= 0:
                added += 1
            if len(docs) > 4096:  # members are visited cluster by cluster: keep the cache small
                docs.clear()
    return added


def diff_new_versions(
    db: sqlite_utils.Database, pairs: Iterable[tuple[int | None, int | None]]
) -> int:
    """Diff each new version against the previous version of its page (kind ``version``).

    Args:
        db: The tracker database.
        pairs: ``(previous_version_id, new_version_id)``, e.g. from ``StoreResult``; pairs with a
            missing side (a first version) are skipped.

    Returns:
        The number of diffs added; pairs already diffed are skipped, so repeating a call adds
        nothing.
    """
    clean = [(a, b) for a, b in pairs if a is not None and b is not None]
    return _diff_pairs(db, clean, "version")


def diff_cluster_members(
    db: sqlite_utils.Database, cluster_ids: Iterable[int] | None = None
) -> int:
    """Diff every cluster member against its cluster's origin (kind ``repost``).

    A is the origin's latest version, B the member's latest version. Pairs already diffed are
    skipped, so calling this again after clustering only diffs new members, members with a new
    version, and every member of a cluster whose origin changed.

    Args:
        db: The tracker database.
        cluster_ids: The clusters to visit; all when None.

    Returns:
        The number of diffs added.
    """
    wanted = None if cluster_ids is None else [int(c) for c in cluster_ids]
    rows = store_diffs.undiffed_member_pairs(db, wanted)
    return _diff_pairs(db, [(a, b) for _, a, b in rows], "repost")


def load_diff(db: sqlite_utils.Database, diff_id: int) -> tuple[dict, DiffResult]:
    """A stored diff: its ``diffs`` row and a :class:`DiffResult` with the ops (B text filled in).

    Raises:
        KeyError: No diff has this id.
    """
    row = store_diffs.diff_row(db, diff_id)
    if row is None:
        raise KeyError(diff_id)
    ops = []
    for op in store_diffs.diff_op_rows(db, diff_id):
        b_text = op["b_text"]
        if b_text is None and op["op"] in ("equal", "move"):
            b_text = op["a_text"]
        ops.append(
            DiffOp(
                op["seq"],
                op["op"],
                op["a_text"],
                b_text,
                op["similarity"],
                op["a_index"],
                op["b_index"],
            )
        )
    names = [k for k in DiffResult.__dataclass_fields__ if k != "ops"]
    flags = store_diffs.FLAG_COLUMNS
    fields: dict[str, Any] = {k: (bool(row[k]) if k in flags else row[k]) for k in names}
    return row, DiffResult(**fields, ops=ops)
