"""Diffs for people: coloured terminal text (rich), one self-contained HTML page, JSON and CSV.

Page text comes from scraped pages and is hostile: the HTML escapes every piece of it with
``html.escape`` and rich output escapes markup, so a ``<script>`` or ``[bold]`` in an article is
shown, never run or interpreted.
"""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import asdict, dataclass

import sqlite_utils
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracker.diffs import DiffOp, DiffResult, sentence_changes, word_changes
from tracker.normalize import normalize_text
from tracker.store import diffs as store_diffs
from tracker.store import find_page
from tracker.urls import is_http_url


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


def render_text(
    result: DiffResult, a: Side, b: Side, *, color: bool = True, width: int = 100
) -> str:
    """The diff as terminal text: summary table, then one block per op.

    Unchanged paragraphs are shown as one dim line; reworded ones with deleted words struck
    through in red and added words in green; ``+``/``-`` mark added and removed paragraphs and
    ``↕`` a paragraph that moved.

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
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    for label, value in summary_lines(result):
        table.add_row(label, Text(value))
    console.print(table)
    console.print()
    for op in result.ops:
        where = f"{_position(op):>8} "
        line = Text(where, style="dim")
        if op.op == "equal":
            line.append("  " + _equal_preview(op.b_text or "", width - 12), style="dim")
        elif op.op == "insert":
            line.append("+ " + (op.b_text or ""), style="green")
        elif op.op == "delete":
            line.append("- " + (op.a_text or ""), style="red")
        elif op.op == "move" and not _reworded(op):
            line.append("↕ " + (op.b_text or ""), style="yellow")
        else:
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
                    line.append(
                        b_chunk if color else f"{{+{b_chunk.strip()}+}} ", style="green underline"
                    )
        console.print(line)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# HTML

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#222;background:#fff}
h1{font-size:1.3rem;margin:0 0 .5rem}
.sides{color:#555;margin:0 0 1rem}
.sides .a{color:#a40000}.sides .b{color:#1a6e1a}
table.summary{border-collapse:collapse;margin-bottom:1.5rem}
table.summary td{padding:.15rem .8rem .15rem 0;vertical-align:top}
table.summary td:first-child{font-weight:600}
table.diff{border-collapse:collapse;width:100%;table-layout:fixed}
table.diff th{text-align:left;border-bottom:2px solid #ccc;padding:.3rem .5rem}
table.diff td{vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid #eee}
table.diff .pos{width:5.5rem;color:#888;font-size:.85rem;white-space:nowrap}
tr.equal td.text{color:#666}
tr.insert td.b,tr.replace td.b{background:#eaf7ea}
tr.delete td.a,tr.replace td.a{background:#fbeaea}
tr.move td{background:#fff8e0}
ins{background:#b8ecb8;text-decoration:none}
del{background:#f6b9b9}
.tag{font-size:.75rem;font-weight:600;text-transform:uppercase;color:#777;margin-right:.4rem}
"""


def _escaped(text: str | None) -> str:
    return html.escape(text or "")


def _marked(tag: str, chunk: str) -> str:
    # The space after a changed word stays outside the highlight.
    core = chunk.rstrip()
    return f"<{tag}>{_escaped(core)}</{tag}>{_escaped(chunk[len(core) :])}"


def render_html(result: DiffResult, a: Side, b: Side) -> str:
    """One self-contained HTML page (inline CSS, no scripts, no external assets): the summary
    and the paragraphs side by side, with word-level ``<del>``/``<ins>`` highlights."""
    title = result.new_title or result.old_title or b.url
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Diff: {_escaped(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_escaped(title)}</h1>",
        '<p class="sides">',
        f'<span class="a">A: {_escaped(a.heading())}</span><br>',
        f'<span class="b">B: {_escaped(b.heading())}</span></p>',
        '<table class="summary">',
    ]
    for label, value in summary_lines(result):
        out.append(f"<tr><td>{_escaped(label)}</td><td>{_escaped(value)}</td></tr>")
    out.append("</table>")
    out.append('<table class="diff"><thead><tr><th class="pos"></th>')
    out.append("<th>A</th><th>B</th></tr></thead><tbody>")
    for op in result.ops:
        a_cell, b_cell = _escaped(op.a_text), _escaped(op.b_text)
        if _reworded(op):
            a_parts, b_parts = [], []
            for tag, a_chunk, b_chunk in word_changes(op.a_text or "", op.b_text or ""):
                if tag == "equal":
                    a_parts.append(_escaped(a_chunk))
                    b_parts.append(_escaped(b_chunk))
                    continue
                if a_chunk:
                    a_parts.append(_marked("del", a_chunk))
                if b_chunk:
                    b_parts.append(_marked("ins", b_chunk))
            a_cell, b_cell = "".join(a_parts), "".join(b_parts)
            a_cell = f'<span class="tag">{op.similarity:.0%} alike</span>' + a_cell
            if op.op == "move":
                a_cell = f'<span class="tag">↕ moved from ¶{op.a_index + 1}</span>' + a_cell  # type: ignore[operator]
                b_cell = '<span class="tag">↕ moved</span>' + b_cell
        elif op.op == "insert":
            b_cell = f"<ins>{b_cell}</ins>"
        elif op.op == "delete":
            a_cell = f"<del>{a_cell}</del>"
        elif op.op == "move":
            a_cell = f'<span class="tag">↕ moved from ¶{op.a_index + 1}</span>'  # type: ignore[operator]
            b_cell = f'<span class="tag">↕ moved</span>{b_cell}'
        out.append(
            f'<tr class="{op.op}"><td class="pos">{_escaped(_position(op))}</td>'
            f'<td class="text a">{a_cell}</td><td class="text b">{b_cell}</td></tr>'
        )
    out.append("</tbody></table></body></html>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Data formats


def _op_json(op: DiffOp) -> dict:
    """One op for JSON; a reworded paragraph also carries its sentence-level alignment."""
    data = asdict(op)
    if op.op == "replace" or (op.op == "move" and op.similarity is not None and op.similarity < 1):
        frame = sentence_changes(op.a_text or "", op.b_text or "")
        data["sentences"] = frame.astype(object).where(frame.notna(), None).to_dict("records")
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
    if not is_http_url(url):
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
