"""Atom feeds of new uncredited copies and of edits after publication.

- ``/<db>/-/tracker/feed.atom``: every site;
- ``/<db>/-/tracker/site/<domain>/feed.atom``: copies of the stories that started on a site, and
  that site's own edits.

The XML is built with :mod:`xml.etree.ElementTree`, which escapes every scraped string; entries
link to tracker's story and diff pages (absolute URLs), ids are stable ``tag:`` URIs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from datasette.utils.asgi import NotFound, Response

from tracker.store import watch as reads
from tracker.store import web as web_reads
from tracker.timestamps import parse_time
from tracker.web.format import word_change
from tracker.web.site_view import site_var
from tracker.web.views import base_url, friendly_404, read, tracker_db

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50
ET.register_namespace("", ATOM)


def _atom_time(value: str | None) -> str:
    moment = parse_time(value) or datetime(1970, 1, 1, tzinfo=UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _copy_entry(row: dict[str, Any], page_base: str, tag: str) -> dict[str, Any]:
    copier = row["republished_by_name"] or row["republished_by"]
    original = row["original_site_name"] or row["original_site"]
    story = row["story"] or row["copy_title"] or "(untitled)"
    similarity = f"{row['similarity'] * 100:.0f}% similar" if row["similarity"] else ""
    return {
        "id": f"{tag}:copy:{row['cluster_id']}:{row['page_id']}",
        "title": f"Uncredited copy on {copier}: {story}",
        "updated": _atom_time(row["joined"] or row["seen"]),
        "link": f"{page_base}/cluster/{row['cluster_id']}#member-{row['page_id']}",
        "summary": (
            f"{copier} ({row['copy_url']}) carries {original}'s story “{story}” "
            f"({row['original_url']}) as a {row['role']} without crediting it"
            + (f"; {similarity}." if similarity else ".")
        ),
        "category": "uncredited-copy",
    }


def _edit_entry(row: dict[str, Any], page_base: str, tag: str) -> dict[str, Any]:
    site = row["site_name"] or row["site"]
    what = []
    if row["title_changed"]:
        what.append(f"headline changed from “{row['old_title']}” to “{row['new_title']}”")
    if row["credit_removed"]:
        what.append("credit line removed")
    if row["retained"] is not None:
        what.append(f"{row['retained'] * 100:.0f}% of the words kept")
    what.append(word_change(row["words_added"], row["words_removed"]))
    return {
        "id": f"{tag}:edit:{row['id']}",
        "title": f"Edited after publication on {site}: {row['title'] or row['url']}",
        "updated": _atom_time(row["fetched_at"]),
        "link": f"{page_base}/diff/{row['id']}",
        "summary": f"{row['url']}: " + "; ".join(what) + ".",
        "category": "edit-after-publication",
    }


def atom_feed(
    *, feed_id: str, title: str, self_url: str, alternate: str, entries: list[dict[str, Any]]
) -> bytes:
    """An Atom 1.0 document (RFC 4287) of ``entries`` (dicts with id, title, updated, link,
    summary and category), newest first."""
    entries = sorted(entries, key=lambda e: e["updated"], reverse=True)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", feed_id)
    _add(feed, "title", title)
    _add(feed, "updated", entries[0]["updated"] if entries else _atom_time(None))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=alternate)
    author = _add(feed, "author")
    _add(author, "name", "tracker")
    _add(feed, "generator", "tracker")
    for item in entries:
        entry = _add(feed, "entry")
        _add(entry, "id", item["id"])
        _add(entry, "title", item["title"])
        _add(entry, "updated", item["updated"])
        _add(entry, "link", rel="alternate", type="text/html", href=item["link"])
        _add(entry, "category", term=item["category"])
        _add(entry, "summary", item["summary"])
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


async def _feed(datasette, request, domain: str | None) -> Response:
    db = await tracker_db(datasette, request)
    if domain is not None and await read(datasette, db, web_reads.site, domain) is None:
        raise NotFound(f"No site {domain}")
    page_base = datasette.absolute_url(request, base_url(datasette, db))
    host = request.host.split(":")[0] or "localhost"
    tag = f"tag:{host},2026:tracker/{quote(db.name, safe='')}"
    copies = await read(
        datasette,
        db,
        lambda conn: reads.uncredited_copies(conn, site=domain, newest_first=True, limit=ENTRIES),
    )
    edits = await read(
        datasette, db, lambda conn: reads.edits_after_publication(conn, site=domain, limit=ENTRIES)
    )
    entries = [_copy_entry(row, page_base, tag) for row in copies]
    entries += [_edit_entry(row, page_base, tag) for row in edits]
    if domain is None:
        title, path, alternate = "tracker: uncredited copies and edits", "/feed.atom", page_base
    else:
        quoted = quote(domain, safe="")
        title = f"tracker: uncredited copies of {domain}'s stories and its edits"
        path = f"/site/{quoted}/feed.atom"
        alternate = f"{page_base}/site/{quoted}"
    body = atom_feed(
        feed_id=f"{tag}{path}",
        title=title,
        self_url=page_base + path,
        alternate=alternate,
        entries=entries[: ENTRIES * 2],
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@friendly_404
async def feed_view(datasette, request):
    return await _feed(datasette, request, None)


@friendly_404
async def site_feed_view(datasette, request):
    return await _feed(datasette, request, site_var(request))
