"""Stored diff operations as side-by-side HTML cells with word-level highlights.

Moved unchanged from the former ``tracker/datasette_plugin.py``; one renderer shared with
``tracker diff --format html`` replaces it later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape


def word_diff(a: str | None, b: str | None) -> tuple[Markup, Markup]:
    """Both texts as HTML with removed words in ``<del>`` (left) and added words in ``<ins>`` (right).

    Used for ``replace`` and reworded ``move`` operations, whose stored row keeps only the two
    paragraphs. Words are compared as :func:`tracker.diffs.word_changes` does (normalised), so the
    page highlights what ``tracker diff`` reports.
    """
    # Imported here: tracker.diffs pulls in pandas, which only diff pages need.
    from tracker.diffs import word_changes

    left: list[Markup] = []
    right: list[Markup] = []
    for tag, old, new in word_changes(a or "", b or ""):
        if tag == "equal":
            left.append(escape(old))
            right.append(escape(new))
            continue
        if old:
            left.append(Markup("<del>{}</del>").format(old))
        if new:
            right.append(Markup("<ins>{}</ins>").format(new))
    return Markup("").join(left), Markup("").join(right)


@dataclass
class DiffRow:
    """One aligned row of the side-by-side view."""

    seq: int
    op: str
    left: Markup
    right: Markup
    similarity: float | None
    note: str = ""


def diff_rows(ops: Iterable[dict[str, Any]]) -> list[DiffRow]:
    """Stored ``diff_ops`` rows as side-by-side HTML cells."""
    rows = []
    for op in ops:
        kind = op["op"]
        a_text = op.get("a_text") or ""
        # The store leaves b_text NULL when B's paragraph is byte-identical to A's.
        b_text = op.get("b_text")
        if b_text is None and kind in ("equal", "move"):
            b_text = a_text
        b_text = b_text or ""
        if kind == "equal" or (kind == "move" and a_text == b_text):
            left, right = escape(a_text), escape(b_text)
        elif kind == "insert":
            left, right = Markup(""), Markup("<ins>{}</ins>").format(b_text)
        elif kind == "delete":
            left, right = Markup("<del>{}</del>").format(a_text), Markup("")
        else:
            left, right = word_diff(a_text, b_text)
        note = ""
        if kind == "move" and op.get("a_index") is not None and op.get("b_index") is not None:
            note = f"moved from paragraph {op['a_index'] + 1} to {op['b_index'] + 1}"
        rows.append(DiffRow(op["seq"], kind, left, right, op.get("similarity"), note))
    return rows
