"""``tracker demo``: serve the demo web on loopback, collect it into a database, twice (the
second time after one article was edited), and leave the database ready to browse."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from pathlib import Path

from tracker.demo.content import SITES, articles_in_state
from tracker.demo.web import DemoWeb
from tracker.ingest import FetchedPage, IngestSummary, after_ingest, ingest
from tracker.store import open_db, utcnow


def _fetch_state(web: DemoWeb, state: int) -> list[FetchedPage]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
    pages = []
    for article in articles_in_state(state):
        with opener.open(article.url, timeout=10) as response:
            pages.append(
                FetchedPage(
                    url=article.url, body=response.read(), fetched_at=utcnow(), source="demo"
                )
            )
    return pages


def build_demo(db_path: str | Path, say: Callable[[str], None] = print) -> dict[str, int]:
    """Fill ``db_path`` from the demo web: a first collection, an edit, a second collection."""
    web = DemoWeb().start()
    try:
        db = open_db(db_path)
        say(f"demo web of {len(SITES)} sites on {web.proxy_url}")
        totals: dict[str, int] = {}
        for state in (1, 2):
            web.state = state
            summary = ingest(db, _fetch_state(web, state), IngestSummary())
            stages = after_ingest(db, summary)
            say(
                f"pass {state}: {summary.read} pages read, {summary.pages_new} new pages, "
                f"{summary.versions_new} new versions"
            )
            for key, value in {
                "pages_new": summary.pages_new,
                "versions_new": summary.versions_new,
                **stages,
            }.items():
                totals[key] = totals.get(key, 0) + value
        return totals
    finally:
        web.stop()
