"""``credits``: fetch the pages that stored credits point to and that are not stored yet, up to
``follow_credits`` hops from a watched site, even when they are on no watched site.

The other spiders also follow the credits of the pages they fetch within the same crawl; this
spider picks up what earlier crawls and imports left unresolved.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from spiders.base import TrackerSpider
from tracker.pipelines import crawl_db
from tracker.urls import is_http_url, normalize_url

_UNRESOLVED = """
select a.target_url, min(coalesce(p.crawl_hops, 0)) as hops
from attributions a join pages p on p.id = a.page_id
where a.target_url is not null and a.target_page_id is null and a.kind not in ('rss-source', 'link')
  and not exists (select 1 from pages q where q.url = a.target_url)
group by a.target_url
order by a.target_url
"""


class CreditsSpider(TrackerSpider):
    """Fetch the pages credited by stored pages, one hop further each run, up to the limit."""

    name = "credits"
    needs_sources = False

    async def start(self) -> AsyncIterator[scrapy.Request]:
        db = crawl_db(self.db_path)
        for target, hops in db.execute(_UNRESOLVED).fetchall():
            if not is_http_url(target):
                continue
            next_hops = 0 if self.sources.site_for(target) else hops + 1
            if next_hops > self.follow_credits:
                continue
            request = self.page_request(normalize_url(target), hops=next_hops)
            if request is not None:
                self.inc("credits_followed")
                yield request
