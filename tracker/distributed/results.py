"""The workers' item pipeline: extract each fetched page (in worker processes, as the
single-process crawl does) and push its record to the results stream, where the ingester
(:mod:`tracker.distributed.ingest`) stores it.

The credits a page names are followed from here, as the store pipeline does after storing: the
record carries them, so a worker needs no database to follow them. URL notes (redirects,
errors, 304s) only feed the single-process recheck schedule and are not sent.
"""

from __future__ import annotations

import logging
from typing import Any

from tracker.distributed.codec import encode_record
from tracker.distributed.connection import PREFIX, connect, url_from_env
from tracker.items import PageItem, credits_found
from tracker.record import BadInput
from tracker.store import PageRecord
from tracker.workers import ExtractionBatcher, extraction_pool

log = logging.getLogger(__name__)

#: The stream every worker pushes page records to.
RESULTS = f"{PREFIX}:results"
#: Where the ingester puts entries it could not read.
DEAD = f"{PREFIX}:results:dead"


def push_record(client: Any, record: PageRecord) -> str:
    """Add one page record to the results stream; the entry id."""
    entry = client.xadd(RESULTS, {"record": encode_record(record)})
    return entry.decode() if isinstance(entry, bytes) else str(entry)


class ResultStreamPipeline:
    """Extract in workers, push records to Redis, follow credits (``tracker crawl --redis``)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.processes = crawler.settings.getint("TRACKER_EXTRACT_PROCESSES")
        self.batcher = ExtractionBatcher(
            self.processes, size=crawler.settings.getint("TRACKER_EXTRACT_BATCH", 8)
        )

    @classmethod
    def from_crawler(cls, crawler: Any) -> ResultStreamPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.client = connect(url_from_env())
        assert self.crawler.stats is not None
        self.stats = self.crawler.stats
        extraction_pool(self.processes)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        try:
            record = await self.batcher.extract(item.fetched_page())
        except BadInput as exc:
            self.stats.inc_value("tracker/errors")
            log.warning("%s: %s, skipped", item.url, exc)
            return {"url": item.url, "result": f"error: {exc}"}
        except Exception as exc:  # a page that breaks extraction must not stop the crawl
            self.stats.inc_value("tracker/errors")
            log.exception("%s: extraction failed", item.url)
            return {"url": item.url, "result": f"error: {exc!r}"}
        push_record(self.client, record)
        self.stats.inc_value("tracker/records_pushed")
        if record.credits:
            self.crawler.signals.send_catch_log(
                credits_found, url=record.url, credits=record.credits, hops=item.hops
            )
        return {"url": record.url, "result": "pushed", "title": record.title}
