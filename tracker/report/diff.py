"""``tracker diff`` for people: which versions to compare, and the diff as coloured terminal text
(rich), one self-contained HTML page, JSON or CSV.

The HTML side-by-side table is the one diff renderer of the project: the macros in
``tracker/web/templates/_diff_table.html`` fed by :func:`diff_rows`, used by the standalone page
here and by the Datasette diff page.

Page text comes from scraped pages and is hostile: HTML cells are escaped by
:func:`markupsafe.escape` / Jinja's autoescape, and rich output is built from ``Text`` objects
(never markup), so a ``<script>`` or ``[bold]`` in an article is shown, never run or interpreted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracker.diffs import DiffOp, DiffResult, sentence_changes, word_changes
from tracker.lookup import find_page, looks_like_url
from tracker.normalize import normalize_text
from tracker.store import diffs as store_diffs


@dataclass
class Side:
    """What one side of a diff is, for headings.

    Attributes:
        url: The page URL (or any name for a side that is not stored).
        version_id: The ``versions`` id, when stored.
        fetched_at: When that version was fetched.
    """

    url: str
    version_id: int | None = None
    fetched_at: str | None = None

    def heading(self) -> str:
        parts = [self.url]
        if self.version_id is not None:
            parts.append(f"version {self.version_id}")
        if self.fetched_at:
            parts.append(self.fetched_at)
        return " · ".join(parts)


def summary_lines(result: DiffResult) -> list[tuple[str, str]]:
    """The summary figures as (label, value) rows, in reading order."""
    rows = [
        ("words of A retained", f"{result.retained:.1%}"),
        ("words added / removed", f"+{result.words_added} / -{result.words_removed}"),
        (
            "paragraphs added / removed / changed / moved",
            f"{result.paragraphs_added} / {result.paragraphs_removed} / "
            f"{result.paragraphs_changed} / {result.paragraphs_moved}",
        ),
        (
            "title",
            f"{result.old_title!r} → {result.new_title!r}" if result.title_changed else "unchanged",
        ),
        ("byline", "changed" if result.byline_changed else "unchanged"),
        ("published date", "changed" if result.published_changed else "unchanged"),
    ]
    credit = [
        w for w, on in (("added", result.credit_added), ("removed", result.credit_removed)) if on
    ]
    rows.append(("credit", " and ".join(credit) if credit else "unchanged"))
    return rows


def _reworded(op: DiffOp) -> bool:
    """A ``replace``, or a ``move`` whose words changed too."""
    return op.op == "replace" or (
        op.op == "move" and normalize_text(op.a_text or "") != normalize_text(op.b_text or "")
    )


def _position(op: DiffOp) -> str:
    if op.op == "move":
        return f"¶{op.a_index + 1}→{op.b_index + 1}"  # type: ignore[operator]
    index = op.b_index if op.b_index is not None else op.a_index
    return f"¶{index + 1}"  # type: ignore[operator]


# ---------------------------------------------------------------------------------------------
# Terminal


def _equal_preview(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _op_text(op: DiffOp, *, color: bool, width: int) -> Text:
    """One op's line for the terminal: a marker, then the text with its word changes."""
    if op.op == "equal":
        return Text("  " + _equal_preview(op.b_text or "", width), style="dim")
    if op.op == "insert":
        return Text("+ " + (op.b_text or ""), style="green")
    if op.op == "delete":
        return Text("- " + (op.a_text or ""), style="red")
    if op.op == "move" and not _reworded(op):
        return Text("↕ " + (op.b_text or ""), style="yellow")
    line = Text()
    if op.op == "move":
        line.append(f"↕ ({op.similarity:.0%}) ", style="yellow")
    else:
        line.append(f"~ ({op.similarity:.0%}) ", style="cyan")
    for tag, a_chunk, b_chunk in word_changes(op.a_text or "", op.b_text or ""):
        if tag == "equal":
            line.append(b_chunk)
            continue
        # Without colour, git's word-diff markers keep the change visible.
        if a_chunk:
            line.append(a_chunk if color else f"[-{a_chunk.strip()}-] ", style="red strike")
        if b_chunk:
            line.append(b_chunk if color else f"{{+{b_chunk.strip()}+}} ", style="green underline")
    return line


def render_text(
    result: DiffResult, a: Side, b: Side, *, color: bool = True, width: int = 100
) -> str:
    """The diff as terminal text: summary table, then one row per op.

    Unchanged paragraphs are shown as one dim line; reworded ones with deleted words struck
    through in red and added words in green; ``+``/``-`` mark added and removed paragraphs and
    ``↕`` a paragraph that moved. Long paragraphs wrap inside their column.

    Args:
        result: The diff.
        a: The earlier version or original.
        b: The later version or repost.
        color: Emit ANSI colours; without them, word changes are marked ``[-old-] {+new+}``.
        width: Console width.
    """
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False
    )
    console.print(Text(f"A: {a.heading()}", style="bold red"))
    console.print(Text(f"B: {b.heading()}", style="bold green"))
    summary = Table(show_header=False, box=None, padding=(0, 1))
    summary.add_column(style="bold")
    summary.add_column()
    for label, value in summary_lines(result):
        summary.add_row(label, Text(value))
    console.print(summary)
    console.print()
    ops = Table(show_header=False, box=None, padding=(0, 1), collapse_padding=True)
    ops.add_column(justify="right", style="dim", no_wrap=True)
    ops.add_column(overflow="fold")
    text_width = width - 12
    for op in result.ops:
        ops.add_row(_position(op), _op_text(op, color=color, width=text_width))
    console.print(ops)
    # Table cells are padded to the column width; the padding is noise in a pipe or a file.
    return "".join(line.rstrip(" ") + "\n" for line in buffer.getvalue().splitlines())


# ---------------------------------------------------------------------------------------------
# HTML: one side-by-side renderer (the ``_diff_table.html`` macros) for ``tracker diff`` and the
# Datasette diff page


def word_diff(a: str | None, b: str | None) -> tuple[Markup, Markup]:
    """Both texts as HTML with removed words in ``<del>`` (left) and added words in ``<ins>`` (right).

    Used for ``replace`` and reworded ``move`` operations and for headlines. Words are compared as
    :func:`tracker.diffs.word_changes` does (normalised), so the page highlights what the text
    report shows; every piece of text is escaped.
    """
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
    """One aligned row of the side-by-side view (cells already escaped HTML)."""

    seq: int
    op: str
    left: Markup
    right: Markup
    similarity: float | None
    note: str = ""


def diff_rows(ops: Iterable[DiffOp | Mapping[str, Any]]) -> list[DiffRow]:
    """Ops (:class:`DiffOp` or stored ``diff_ops`` rows) as side-by-side HTML cells."""
    rows = []
    for item in ops:
        op = asdict(item) if isinstance(item, DiffOp) else item
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


def templates_dir() -> Path:
    """The folder of the web templates, where ``_diff_table.html`` lives."""
    return Path(__file__).resolve().parent.parent / "web" / "templates"


def _stylesheet() -> str:
    """The Datasette pages' stylesheet, inlined in the standalone diff page."""
    return (Path(__file__).resolve().parent.parent / "web" / "static" / "tracker.css").read_text(
        encoding="utf-8"
    )


def _environment() -> Environment:
    loader = FileSystemLoader([Path(__file__).resolve().parent / "templates", templates_dir()])
    return Environment(loader=loader, autoescape=True, undefined=StrictUndefined)


def render_html(result: DiffResult, a: Side, b: Side) -> str:
    """One self-contained HTML page (the Datasette pages' CSS inlined, no scripts, nothing
    fetched): the summary and the paragraphs side by side, with word-level highlights."""
    title_left = title_right = None
    if result.title_changed:
        title_left, title_right = word_diff(result.old_title, result.new_title)
    page = _environment().get_template("diff_page.html")
    return page.render(
        title=result.new_title or result.old_title or b.url,
        diff=result,
        a=a,
        b=b,
        rows=diff_rows(result.ops),
        title_left=title_left,
        title_right=title_right,
        css=Markup(_stylesheet().replace("</", "<\\/")),
    )


# ---------------------------------------------------------------------------------------------
# Data formats


def _op_json(op: DiffOp) -> dict:
    """One op for JSON; a reworded paragraph also carries its sentence-level alignment."""
    data = asdict(op)
    if op.op == "replace" or (op.op == "move" and op.similarity is not None and op.similarity < 1):
        data["sentences"] = [asdict(c) for c in sentence_changes(op.a_text or "", op.b_text or "")]
    return data


def render_json(result: DiffResult, a: Side, b: Side) -> str:
    """The diff as JSON: ``a``, ``b``, ``summary`` and ``ops`` (both texts on every op)."""
    data = {
        "a": asdict(a),
        "b": asdict(b),
        "summary": result.summary(),
        "ops": [_op_json(op) for op in result.ops],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ["seq", "op", "a_index", "b_index", "similarity", "a_text", "b_text"]


def render_csv(result: DiffResult) -> str:
    """The ops as CSV, one row per op (the summary is in the JSON and the ``diffs`` table)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for op in result.ops:
        writer.writerow({k: v for k, v in asdict(op).items() if k in CSV_COLUMNS})
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Picking versions for the command line


def _is_version_id(ref: str) -> bool:
    return ref.strip().isdigit()


def _page_of(db: sqlite_utils.Database, url: str) -> int:
    if not looks_like_url(url) or not url.isprintable():  # bad argv bytes: lone surrogates
        raise LookupError(f"{url}: neither a version id nor an http(s) URL")
    row = find_page(db, url)
    if row is None:
        raise LookupError(f"{url}: page not in the database")
    return row[0]


def _one_version(db: sqlite_utils.Database, ref: str) -> int:
    if _is_version_id(ref):
        version_id = int(ref)
        if not store_diffs.version_exists(db, version_id):
            raise LookupError(f"{ref}: no version with this id")
        return version_id
    versions = store_diffs.page_version_ids(db, _page_of(db, ref))
    if not versions:
        raise LookupError(f"{ref}: page has no stored version")
    return versions[-1]


def resolve_pair(
    db: sqlite_utils.Database, a: str, b: str | None = None, *, against_origin: bool = False
) -> tuple[int, int]:
    """Turn command-line references into ``(a_version_id, b_version_id)``.

    A reference is a version id (digits) or a page URL (its latest version). With one
    reference: a URL gives that page's last two versions, a version id gives the version before
    it and itself; with ``against_origin``, the page's cluster origin (latest version) and the
    page (latest version).

    Raises:
        LookupError: With a one-line message naming the reference that cannot be resolved.
    """
    if b is not None:
        return _one_version(db, a), _one_version(db, b)
    if against_origin:
        b_id = _one_version(db, a)
        if _is_version_id(a):
            page_id = store_diffs.page_of_version(db, b_id)
        else:
            page_id = _page_of(db, a)
        origins = store_diffs.origin_pages_of(db, page_id) if page_id is not None else []
        if not origins:
            raise LookupError(f"{a}: not a copy in any cluster (no origin to diff against)")
        origin_versions = store_diffs.page_version_ids(db, origins[0])
        if not origin_versions:
            raise LookupError(f"{a}: the cluster's origin has no stored version")
        return origin_versions[-1], b_id
    if _is_version_id(a):
        b_id = _one_version(db, a)
        previous = store_diffs.previous_version(db, b_id)
        if previous is None:
            raise LookupError(f"{a}: first version of its page, nothing earlier to diff against")
        return previous, b_id
    versions = store_diffs.page_version_ids(db, _page_of(db, a))
    if len(versions) < 2:
        raise LookupError(
            f"{a}: only {len(versions)} stored version, give a second URL or version id"
        )
    return versions[-2], versions[-1]


def version_label(db: sqlite_utils.Database, version_id: int) -> tuple[str, str | None]:
    """The page URL and fetch time of a version, for headings."""
    found = store_diffs.version_url_and_time(db, version_id)
    return found if found else (str(version_id), None)
