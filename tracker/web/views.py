"""tracker's pages in Datasette: each view reads its rows, builds the page's context and renders it.

- ``/<db>/-/tracker``: the Stories page: a lookup box, every story paged and filtered (origin
  site, date range, uncredited only), recent changes and links;
- ``/<db>/-/tracker/cluster/<id>``: one story: the origin on top, the members in time order with
  site, date, role, similarity and credit, the credit chain drawn as arrows, a timeline chart;
- ``/<db>/-/tracker/diff/<id>``: a diff side by side with word-level highlights;
- ``/<db>/-/tracker/network``: which sites republish which, as a weighted graph;
- ``/-/tracker.css``: the pages' stylesheet.

The other pages have modules of their own: :mod:`tracker.web.lookup_view` (find a story from a
URL or text), :mod:`tracker.web.site_view` (a site's page), :mod:`tracker.web.history` (an
article's versions, any two compared, stored texts) and :mod:`tracker.web.feed` (Atom feeds);
:mod:`tracker.web.cells` links Datasette's own table and query cells to all of them.

Scraped text is hostile input: every string reaches the page through Jinja's autoescape or
:func:`markupsafe.escape`, and only ``http(s)`` URLs ever become links.
"""

from __future__ import annotations

import importlib.resources
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from datasette.utils import sqlite_timelimit, tilde_decode
from datasette.utils.asgi import NotFound, Request, Response

from tracker.report.diff import diff_rows, word_diff
from tracker.store import web as reads
from tracker.timestamps import parse_time
from tracker.web.format import human_delay, safe_href, when, word_change
from tracker.web.pictures import (
    ChainNode,
    Edge,
    TimelinePoint,
    chain_picture,
    network_picture,
    timeline_picture,
)

if TYPE_CHECKING:  # datasette.app loads the plugins while it is imported: no runtime import
    from datasette.app import Datasette
    from datasette.database import Database

T = TypeVar("T")


async def read(datasette: Datasette, db: Database, read: Callable[..., T], *args: Any) -> T:
    """Run a :mod:`tracker.store.web` read on Datasette's read connection, under the instance's
    SQL time limit, as Datasette's own queries are."""

    def run(conn: sqlite3.Connection) -> T:
        with sqlite_timelimit(conn, datasette.sql_time_limit_ms):
            return read(conn, *args)

    return await db.execute_fn(run)


async def is_tracker_database(datasette: Datasette, db: Database) -> bool:
    """Whether a served database has tracker's clusters (else tracker's pages have nothing to show)."""
    return await read(datasette, db, reads.has_table, "cluster_members")


async def tracker_db(datasette: Datasette, request: Request) -> Database:
    """The database named in the URL, after the visitor's permissions are checked."""
    route = tilde_decode(request.url_vars["database"])
    try:
        db = datasette.get_database(route=route)
    except KeyError:
        raise NotFound(f"Database not found: {route}") from None
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (db.name, "clusters")), ("view-database", db.name), "view-instance"],
    )
    if not await is_tracker_database(datasette, db):
        raise NotFound(f"{db.name} is not a tracker database (no cluster_members table)")
    return db


def base_url(datasette: Datasette, db: Database) -> str:
    """Where tracker's pages of this database start."""
    return datasette.urls.database(db.name) + "/-/tracker"


def _member_status(row: dict[str, Any]) -> str:
    if row.get("role") == "origin":
        return "origin"
    return "credited" if row.get("credited") else "uncredited"


async def cluster_context(datasette: Datasette, db: Database, cluster_id: int) -> dict[str, Any]:
    """Everything the cluster page shows; :class:`NotFound` for an unknown id."""
    cluster = await read(datasette, db, reads.cluster_with_origin, cluster_id)
    if cluster is None:
        raise NotFound(f"No cluster {cluster_id}")
    members = await read(datasette, db, reads.cluster_members, cluster_id)
    page_ids = [m["page_id"] for m in members]
    diffs = await read(datasette, db, reads.diffs_of_pages, page_ids)
    origin_id = cluster.get("origin_page_id")
    by_member: dict[int, dict[str, Any]] = {}
    versions_changed: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for diff in diffs:
        if diff["kind"] == "version" and diff["a_page"] == diff["b_page"]:
            versions_changed[diff["b_page"]].append(diff)
        elif diff["a_page"] == origin_id:
            by_member[diff["b_page"]] = diff  # latest diff against the origin wins
    base = base_url(datasette, db)
    origin_row = next((m for m in members if m["page_id"] == origin_id), None)
    origin_time = parse_time(origin_row["seen"]) if origin_row else None
    points, nodes = [], []
    for member in members:
        member["status"] = _member_status(member)
        member["href"] = safe_href(member["url"])
        member["credits_href"] = safe_href(member["credits_url"])
        member["label"] = member["site_name"] or member["site"]
        member["repost_diff"] = by_member.get(member["page_id"])
        member["version_diffs"] = versions_changed.get(member["page_id"], [])
        when = parse_time(member["seen"])
        member["delay"] = (
            human_delay(when - origin_time)
            if when and origin_time and member["status"] != "origin"
            else ""
        )
        if when:
            points.append(
                TimelinePoint(member["label"], when, member["status"], member["role"] or "")
            )
        nodes.append(
            ChainNode(
                page_id=member["page_id"],
                label=member["label"],
                sub=f"{member['role'] or 'member'} · {(member['seen'] or '')[:10]}",
                status=member["status"],
                credits=member["credits_page_id"]
                if member["credits_page_id"] in page_ids
                else None,
            )
        )
    counts = {
        "reposts": sum(1 for m in members if m["role"] == "repost"),
        "excerpts": sum(1 for m in members if m["role"] == "excerpt"),
        "uncredited": sum(1 for m in members if m["status"] == "uncredited"),
        "sites": len({m["site"] for m in members}),
    }
    return {
        "cluster": cluster,
        "origin": origin_row,
        "members": members,
        "counts": counts,
        "timeline": timeline_picture(points),
        "chain": chain_picture(nodes[:80], origin_id),
        "chain_clipped": max(0, len(nodes) - 80),
        "base": base,
        "table_url": datasette.urls.table(db.name, "cluster_members") + f"?cluster_id={cluster_id}",
        "timeline_query": datasette.urls.database(db.name)
        + f"/cluster_timeline?cluster={cluster_id}",
    }


async def diff_context(datasette: Datasette, db: Database, diff_id: int) -> dict[str, Any]:
    """Everything the diff page shows; :class:`NotFound` for an unknown id."""
    diff = await read(datasette, db, reads.diff, diff_id)
    if diff is None:
        raise NotFound(f"No diff {diff_id}")
    ops = await read(datasette, db, reads.diff_ops, diff_id)
    context = await diff_page_context(datasette, db, diff, ops)
    context["row_url"] = datasette.urls.table(db.name, "diffs") + f"/{diff_id}"
    return context


async def diff_page_context(
    datasette: Datasette, db: Database, diff: dict[str, Any], ops: list[dict[str, Any]]
) -> dict[str, Any]:
    """The diff page's context for a diff row and its operations, stored or computed now."""
    sides = {}
    for key in ("a", "b"):
        side = await read(datasette, db, reads.version_with_page, diff[f"{key}_version_id"])
        if side is None:
            side = {"title": None, "url": None, "site": "?", "site_name": None}
        side["href"] = safe_href(side.get("url"))
        side["label"] = side.get("site_name") or side.get("site")
        side["when"] = when(side.get("fetched_at"))
        sides[key] = side
    rows = diff_rows(ops)
    title_left = title_right = None
    if diff.get("title_changed") or (sides["a"].get("title") != sides["b"].get("title")):
        title_left, title_right = word_diff(
            diff.get("old_title") or sides["a"].get("title"),
            diff.get("new_title") or sides["b"].get("title"),
        )
    clusters = await read(
        datasette,
        db,
        reads.clusters_of_pages,
        [sides["a"].get("page_id"), sides["b"].get("page_id")],
    )
    op_counts: dict[str, int] = defaultdict(int)
    for op in ops:
        op_counts[op["op"]] += 1
    # Whether the copy credits the original, and what a credit line added or removed says.
    standing = None
    if diff.get("kind") == "repost":
        standing = await read(datasette, db, reads.member_credit, sides["b"].get("page_id"))
    credits_a = await read(datasette, db, reads.credit_lines, diff.get("a_version_id"))
    credits_b = await read(datasette, db, reads.credit_lines, diff.get("b_version_id"))
    keys_a = {(c["kind"], c["evidence"]) for c in credits_a}
    keys_b = {(c["kind"], c["evidence"]) for c in credits_b}
    return {
        "standing": standing,
        "credits_added": [c for c in credits_b if (c["kind"], c["evidence"]) not in keys_a],
        "credits_removed": [c for c in credits_a if (c["kind"], c["evidence"]) not in keys_b],
        "diff": diff,
        "a": sides["a"],
        "b": sides["b"],
        "rows": rows,
        "op_counts": dict(op_counts),
        "title_left": title_left,
        "title_right": title_right,
        "clusters": clusters,
        "base": base_url(datasette, db),
        "row_url": None,
    }


async def network_context(datasette: Datasette, db: Database) -> dict[str, Any]:
    """The republication network: edges, site names and the picture's layout."""
    edges = [
        Edge(r["source"], r["target"], r["credited"], r["uncredited"])
        for r in await read(datasette, db, reads.republication_edges)
    ]
    labels = await read(datasette, db, reads.site_names)
    picture = network_picture(edges, labels)
    return {
        "edges": edges,
        "labels": labels,
        "picture": picture,
        "hidden": picture.hidden if picture else 0,
        "base": base_url(datasette, db),
        "query_url": datasette.urls.database(db.name) + "/who_republishes_whom",
        "uncredited_url": datasette.urls.database(db.name) + "/uncredited_reposts",
    }


STORIES_PER_PAGE = 25


def _date_arg(request: Request, name: str) -> str | None:
    """A ``YYYY-MM-DD`` query argument, else ``None`` (anything else is ignored, not an error)."""
    value = (request.args.get(name) or "").strip()
    return value if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None


async def overview_context(
    datasette: Datasette, db: Database, request: Request | None = None
) -> dict[str, Any]:
    """Counts, one page of the stories (filtered by the request's ``site``, ``from``, ``to``,
    ``uncredited`` and ``sort``, paged by ``page``) and the latest changed articles."""
    args = request.args if request is not None else {}
    site = (args.get("site") or "").strip() or None
    date_from = _date_arg(request, "from") if request is not None else None
    date_to = _date_arg(request, "to") if request is not None else None
    uncredited_only = args.get("uncredited") in ("1", "on", "yes")
    newest = args.get("sort") == "newest"
    page_arg = args.get("page") or "1"
    page = int(page_arg) if page_arg.isdigit() and int(page_arg) > 0 else 1
    rows, total = await read(
        datasette,
        db,
        partial(
            reads.stories,
            site=site,
            date_from=date_from,
            date_to=date_to,
            uncredited_only=uncredited_only,
            newest_first=newest,
            limit=STORIES_PER_PAGE,
            offset=(page - 1) * STORIES_PER_PAGE,
        ),
    )
    for row in rows:
        row["first_seen_shown"] = when(row["first_seen"])
    filters = {
        "site": site or "",
        "from": date_from or "",
        "to": date_to or "",
        "uncredited": "1" if uncredited_only else "",
        "sort": "newest" if newest else "",
    }
    kept = {k: v for k, v in filters.items() if v}
    pages = max(1, -(-total // STORIES_PER_PAGE))
    base = base_url(datasette, db)

    def page_url(number: int) -> str:
        return base + "?" + urlencode({**kept, "page": number})

    changes = await read(datasette, db, reads.recent_changes, 15)
    for change in changes:
        change["when"] = when(change["fetched_at"])
        change["words_shown"] = word_change(change["words_added"], change["words_removed"])
    return {
        "counts": await read(datasette, db, reads.overview_counts),
        "clusters": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "prev_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
        "filters": filters,
        "filtered": bool(kept.keys() - {"sort"}),
        "sites": await read(datasette, db, reads.origin_sites),
        "changes": changes,
        "base": base,
        "database_url": datasette.urls.database(db.name),
        "changes_url": datasette.urls.database(db.name) + "/changed_after_publication",
    }


async def render(datasette, request, template: str, db, context: dict[str, Any]) -> Response:
    context = {**context, "database": db.name, "database_url": datasette.urls.database(db.name)}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html)


def int_var(request, name: str) -> int:
    value = request.url_vars[name]
    if not value.isdigit():
        raise NotFound(f"Not an id: {value}")
    return int(value)


def friendly_404(view):
    """Answer a missing cluster, diff or database with Datasette's own 404 page; raising would make
    Datasette print a full traceback for every mistyped id."""

    async def wrapped(datasette, request):
        try:
            return await view(datasette, request)
        except NotFound as missing:
            html = await datasette.render_template(
                "error.html",
                {"ok": False, "error": str(missing), "status": 404, "title": "Not found"},
                request=request,
            )
            return Response.html(html, status=404)

    wrapped.__name__ = view.__name__
    return wrapped


@friendly_404
async def overview_view(datasette, request):
    db = await tracker_db(datasette, request)
    context = await overview_context(datasette, db, request)
    return await render(datasette, request, "tracker_overview.html", db, context)


@friendly_404
async def cluster_view(datasette, request):
    db = await tracker_db(datasette, request)
    context = await cluster_context(datasette, db, int_var(request, "cluster_id"))
    return await render(datasette, request, "tracker_cluster.html", db, context)


@friendly_404
async def diff_view(datasette, request):
    db = await tracker_db(datasette, request)
    context = await diff_context(datasette, db, int_var(request, "diff_id"))
    return await render(datasette, request, "tracker_diff.html", db, context)


@friendly_404
async def network_view(datasette, request):
    db = await tracker_db(datasette, request)
    return await render(
        datasette, request, "tracker_network.html", db, await network_context(datasette, db)
    )


@friendly_404
async def not_found_view(datasette, request):
    raise NotFound("No such tracker page")


_CSS: str | None = None


async def css_view(datasette, request):
    global _CSS
    if _CSS is None:
        _CSS = (importlib.resources.files("tracker.web") / "static" / "tracker.css").read_text(
            encoding="utf-8"
        )
    return Response(
        _CSS, content_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=3600"}
    )
