"""``/<db>/-/tracker/lookup?q=…``: from what a reader has in hand to the story.

A pasted URL (any form :mod:`tracker.lookup` knows) redirects to the story of that page, or to the
page's history when it is in no story; pasted text lists the stories that carry it, ranked by the
share of the text each contains.
"""

from __future__ import annotations

from typing import Any

from datasette.utils.asgi import Response

from tracker import lookup
from tracker.web.format import safe_href
from tracker.web.views import base_url, friendly_404, read, render, tracker_db

MAX_QUERY = 200_000  # characters: a long article, not a denial of service


@friendly_404
async def lookup_view(datasette, request):
    db = await tracker_db(datasette, request)
    base = base_url(datasette, db)
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    context: dict[str, Any] = {
        "base": base,
        "q": query,
        "kind": None,
        "matches": [],
        "page": None,
    }
    if query and lookup.looks_like_url(query):
        context["kind"] = "url"
        try:
            match = await read(datasette, db, lookup.find_page_by_url, query)
        except ValueError as bad:
            context["error"] = str(bad)
            match = None
        if match is not None and len(match.cluster_ids) == 1:
            return Response.redirect(f"{base}/cluster/{match.cluster_ids[0]}")
        if match is not None and not match.cluster_ids:
            return Response.redirect(f"{base}/page/{match.page_id}")
        context["page"] = match
    elif query:
        context["kind"] = "text"
        if len(query) < lookup.MIN_PASSAGE:
            context["error"] = (
                "Paste at least a sentence: short words are better searched in Search articles."
            )
        else:
            matches = await read(datasette, db, lookup.stories_containing, query, 50)
            context["matches"] = [
                {
                    "match": m,
                    "percent": round(m.containment * 100),
                    "href": safe_href(m.url),
                }
                for m in matches
            ]
    context["search_url"] = datasette.urls.database(db.name) + "/search_articles"
    return await render(datasette, request, "tracker_lookup.html", db, context)
