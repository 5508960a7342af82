"""An article's history, as NewsDiffs shows it.

- ``/<db>/-/tracker/page/<id>``: a page's versions with times and change sizes; any two can be
  picked for a diff;
- ``/<db>/-/tracker/compare?a=<version>&b=<version>``: the stored diff of that pair, or one
  computed now from the stored texts (nothing is written: Datasette's connection is read-only);
- ``/<db>/-/tracker/version/<id>``: the stored text of a version (escaped), with the paragraphs
  clustering left out as boilerplate shown apart.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
import sqlite_utils
from datasette.utils.asgi import NotFound, Response

from tracker.boilerplate import paragraph_blocks
from tracker.diffs import diff_documents, load_doc
from tracker.store import version_paragraphs
from tracker.store import web as reads
from tracker.web.format import safe_href, when, word_change
from tracker.web.views import (
    base_url,
    diff_page_context,
    friendly_404,
    int_var,
    read,
    render,
    tracker_db,
)


async def page_context(datasette, db, page_id: int) -> dict[str, Any]:
    """Everything a page's history shows; :class:`NotFound` for an unknown id."""
    page = await read(datasette, db, reads.page, page_id)
    if page is None:
        raise NotFound(f"No page {page_id}")
    versions = await read(datasette, db, reads.page_versions, page_id)
    previous = None
    for number, version in enumerate(versions, start=1):
        version["number"] = number
        version["when"] = when(version["fetched_at"])
        if version["diff_id"] is not None:
            version["change"] = word_change(version["words_added"], version["words_removed"])
        elif previous is not None:
            delta = (version["word_count"] or 0) - (previous["word_count"] or 0)
            version["change"] = f"{delta:+d} words (no stored diff)" if delta else "same length"
        else:
            version["change"] = "first version"
        previous = version
    clusters = await read(datasette, db, reads.clusters_of_pages, [page_id])
    return {
        "page": page,
        "label": page["site_name"] or page["site"],
        "href": safe_href(page["url"]),
        "versions": versions,
        "clusters": clusters,
        "first_seen": when(page["first_seen"]),
        "last_fetched": when(page["last_fetched"]),
        "base": base_url(datasette, db),
        "row_url": datasette.urls.table(db.name, "pages") + f"/{page_id}",
    }


@friendly_404
async def page_view(datasette, request):
    db = await tracker_db(datasette, request)
    context = await page_context(datasette, db, int_var(request, "page_id"))
    return await render(datasette, request, "tracker_page.html", db, context)


def _boilerplate_hashes(blob: bytes | None) -> set[int]:
    return set(np.frombuffer(blob, dtype="<i8").tolist()) if blob else set()


@friendly_404
async def version_view(datasette, request):
    db = await tracker_db(datasette, request)
    version_id = int_var(request, "version_id")
    version = await read(datasette, db, reads.version_text, version_id)
    if version is None:
        raise NotFound(f"No version {version_id}")
    paragraphs = version_paragraphs(version["paragraphs"], version["text"])
    left_out = _boilerplate_hashes(version["boilerplate"])
    blocks = {para: block for block, _, para in paragraph_blocks(paragraphs)}
    article = [p for p in paragraphs if blocks.get(p) not in left_out]
    boilerplate = [p for p in paragraphs if p in blocks and blocks[p] in left_out]
    context = {
        "version": version,
        "label": version["site_name"] or version["site"],
        "href": safe_href(version["url"]),
        "when": when(version["fetched_at"]),
        "article": article,
        "boilerplate": boilerplate,
        "base": base_url(datasette, db),
        "row_url": datasette.urls.table(db.name, "versions") + f"/{version_id}",
    }
    return await render(datasette, request, "tracker_version.html", db, context)


def _version_arg(request, name: str) -> int:
    value = (request.args.get(name) or "").strip()
    if not value.isdigit():
        raise NotFound(f"Pick two versions to compare ({name}= is missing)")
    return int(value)


def _computed_diff(conn, a: int, b: int) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    db = sqlite_utils.Database(conn)
    try:
        result = diff_documents(load_doc(db, a), load_doc(db, b))
    except KeyError:
        return None
    diff = {"id": None, "kind": "version", "a_version_id": a, "b_version_id": b, **result.summary()}
    return diff, [asdict(op) for op in result.ops]


@friendly_404
async def compare_view(datasette, request):
    db = await tracker_db(datasette, request)
    a, b = _version_arg(request, "a"), _version_arg(request, "b")
    stored = await read(datasette, db, reads.diff_between, a, b)
    base = base_url(datasette, db)
    if stored is not None:
        return Response.redirect(f"{base}/diff/{stored}")
    computed = await read(datasette, db, _computed_diff, a, b)
    if computed is None:
        raise NotFound(f"No version {a} or {b}")
    diff, ops = computed
    sides = [await read(datasette, db, reads.version_with_page, v) for v in (a, b)]
    if sides[0] and sides[1] and sides[0]["page_id"] != sides[1]["page_id"]:
        diff["kind"] = "repost"
    context = await diff_page_context(datasette, db, diff, ops)
    return await render(datasette, request, "tracker_diff.html", db, context)
