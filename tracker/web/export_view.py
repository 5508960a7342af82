"""The story page's evidence download: the same zip as ``tracker export`` (:mod:`tracker.export`),
built from Datasette's read connection and the WARC files beside the database."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from datasette.utils.asgi import NotFound, Response

from tracker.export import ExportError, build_evidence
from tracker.web.views import friendly_404, int_var, tracker_db


@friendly_404
async def export_view(datasette, request):
    """``/<db>/-/tracker/cluster/<id>/evidence.zip``: the story's evidence as a zip download."""
    db = await tracker_db(datasette, request)
    cluster_id = int_var(request, "cluster_id")
    # Crawl captures are recorded relative to the database's folder.
    db_dir = Path(db.path).resolve().parent if db.path else Path.cwd()

    def build(conn):
        # Nothing is written: the read connection is only wrapped for the store's reads.
        return build_evidence(
            sqlite_utils.Database(conn, execute_plugins=False), cluster_id, db_dir
        )

    try:
        data, _ = await db.execute_fn(build)
    except ExportError as missing:
        raise NotFound(str(missing)) from None
    return Response(
        data,
        content_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="story-{cluster_id}-evidence.zip"',
            "X-Content-Type-Options": "nosniff",
        },
    )
