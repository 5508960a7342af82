"""Diffs: what changed between two versions of a page, or between an original and its repost.

One engine answers both questions:

- :mod:`tracker.diffs.align`: paragraph alignment into ops (equal, replace, insert, delete,
  move) and the summary figures (:func:`diff_documents`, :func:`apply_ops`);
- :mod:`tracker.diffs.words`: the word alignment behind ``retained`` (:func:`kept_words`) and
  the word and sentence changes inside a reworded paragraph, for the reports;
- :mod:`tracker.diffs.stage`: the pipeline's diff stage, :func:`diff_new_versions` and
  :func:`diff_cluster_members`, storing through :mod:`tracker.store.diffs`.

The reports (``tracker diff``, the HTML side-by-side table) are in :mod:`tracker.report.diff`.
"""

from tracker.diffs.align import (
    DiffKind,
    DiffOp,
    DiffResult,
    Doc,
    OpName,
    apply_ops,
    diff_documents,
)
from tracker.diffs.stage import (
    credit_keys,
    diff_cluster_members,
    diff_new_versions,
    diff_versions,
    load_diff,
    load_doc,
)
from tracker.diffs.words import (
    SentenceChange,
    kept_words,
    sentence_changes,
    sentences,
    word_changes,
)

__all__ = [
    "DiffKind",
    "DiffOp",
    "DiffResult",
    "Doc",
    "OpName",
    "SentenceChange",
    "apply_ops",
    "credit_keys",
    "diff_cluster_members",
    "diff_documents",
    "diff_new_versions",
    "diff_versions",
    "kept_words",
    "load_diff",
    "load_doc",
    "sentence_changes",
    "sentences",
    "word_changes",
]
