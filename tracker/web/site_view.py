"""``/<db>/-/tracker/site/<domain>``: one site as its newsroom sees it.

The stories that started there, who copied them with and without credit, the share of uncredited
copies by month, the stories it copied from others, and its edits after publication.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from datasette.utils.asgi import NotFound

from tracker.store import web as reads
from tracker.web.format import when, word_change
from tracker.web.views import base_url, friendly_404, read, render, tracker_db


def site_var(request) -> str:
    """The site named in the URL (percent-decoded)."""
    return unquote(request.url_vars["site"]).strip()


async def site_context(datasette, db, domain: str) -> dict[str, Any]:
    """Everything a site's page shows; :class:`NotFound` for a site tracker does not know."""
    info = await read(datasette, db, reads.site, domain)
    if info is None:
        raise NotFound(f"No site {domain}")
    stories = await read(datasette, db, reads.site_stories, domain)
    for story in stories:
        story["when"] = when(story["first_published"] or story["first_seen"])
    copiers = await read(datasette, db, reads.site_copiers, domain)
    months = await read(datasette, db, reads.site_copies_by_month, domain)
    for month in months:
        month["share"] = (month["uncredited"] or 0) / month["copies"] if month["copies"] else 0.0
        month["percent"] = round(month["share"] * 100)
    edits = await read(datasette, db, reads.site_edits, domain)
    for edit in edits:
        edit["when"] = when(edit["fetched_at"])
        edit["words_shown"] = word_change(edit["words_added"], edit["words_removed"])
    copied = await read(datasette, db, reads.site_copied_stories, domain)
    copies = sum(c["copies"] for c in copiers)
    uncredited = sum(c["uncredited"] or 0 for c in copiers)
    query_base = datasette.urls.database(db.name)
    return {
        "site": info,
        "label": info["name"] or domain,
        "stories": stories,
        "copiers": copiers,
        "months": months,
        "edits": edits,
        "copied": copied,
        "totals": {
            "stories": len(stories),
            "copies": copies,
            "uncredited": uncredited,
            "percent": round(100 * uncredited / copies) if copies else 0,
        },
        "base": base_url(datasette, db),
        "uncredited_url": query_base + "/uncredited_reposts",
        "reposts_url": query_base + "/reposts_of_site",
    }


@friendly_404
async def site_view(datasette, request):
    db = await tracker_db(datasette, request)
    context = await site_context(datasette, db, site_var(request))
    return await render(datasette, request, "tracker_site.html", db, context)
