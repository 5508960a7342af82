"""``tracker demo``: serve the demo web on loopback, crawl it with tracker's spiders into a
database, twice (the second time after one article was edited), and leave it ready to browse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker.crawl import run_crawl_in_subprocess
from tracker.demo.content import SITES
from tracker.demo.web import DemoWeb
from tracker.sources import Site, Sources

# The second pass plays a crawl two hours later, so that every page's first recheck (1 h) is due.
LATER = timedelta(hours=2)


def demo_sources() -> Sources:
    """The sources file of the demo web: each site's feed, sitemap and front page."""
    return Sources(
        sites=[
            Site(
                name=label,
                domain=host,
                feeds=[f"http://{host}/feed.xml"],
                sitemaps=[f"http://{host}/sitemap.xml"],
                start_urls=[f"http://{host}/"],
                # Served from loopback (through the proxy): the demo's own sites, by name.
                allow_private=True,
            )
            for host, label in SITES.items()
        ],
        follow_credits=1,
    )


def build_demo(db_path: str | Path, say: Callable[[str], None] = print) -> dict[str, int]:
    """Fill ``db_path`` by crawling the demo web: a first crawl, an edit, a later crawl.

    Returns the totals of both crawls (pages fetched, new pages, new versions, …)."""
    web = DemoWeb().start()
    totals: dict[str, int] = {}
    try:
        say(f"demo web of {len(SITES)} sites on {web.proxy_url} (crawled through it as a proxy)")
        for state in (1, 2):
            web.state = state
            # No AutoThrottle delays on loopback; everything else stays as polite as on the web.
            settings: dict[str, object] = {"AUTOTHROTTLE_ENABLED": False}
            if state == 2:
                settings["TRACKER_NOW"] = (datetime.now(UTC) + LATER).isoformat()
            summary = run_crawl_in_subprocess(
                demo_sources(),
                db_path,
                env={"http_proxy": web.proxy_url, "no_proxy": ""},
                settings=settings,
                quiet=True,
                timeout=300,
            )
            counts = {
                name: summary.total(name)
                for name in ("pages_fetched", "pages_new", "versions_new", "not_modified", "errors")
            }
            label = "first crawl" if state == 1 else "second crawl, 2 h later, after an edit"
            say(
                f"{label}: {counts['pages_fetched']} pages fetched, {counts['pages_new']} new pages, "
                f"{counts['versions_new']} new versions, {counts['errors']} errors"
            )
            for name, value in counts.items():
                totals[name] = totals.get(name, 0) + value
        return totals
    finally:
        web.stop()
