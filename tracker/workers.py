"""The worker processes that extract pages during a crawl, fed a few pages at a time.

Extraction (:func:`tracker.record.build_record`) is pure and CPU-bound; it runs here, in other
processes, so the crawl's reactor keeps downloading and storing meanwhile. This module imports
only what the workers need (not Scrapy, not the store's later stages).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from tracker.items import FetchedPage
from tracker.record import build_or_error
from tracker.store import PageRecord

_pool: ProcessPoolExecutor | None = None


def extraction_pool(processes: int = 0) -> ProcessPoolExecutor:
    """The worker processes that run :func:`tracker.record.build_record` (one per CPU by default).

    Workers come from a fork server started before any page is fetched, so they never inherit
    the reactor's threads and locks; the fork server preloads the extraction modules once.
    """
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["tracker.record", "tracker.workers"])
        _pool = ProcessPoolExecutor(
            max_workers=processes or os.cpu_count() or 1, mp_context=context
        )
    return _pool


def build_batch(pages: list[FetchedPage]) -> list[PageRecord | Exception]:
    """Extract several pages in one worker call; a failing page gives its own exception."""
    return [build_or_error(page) for page in pages]


class ExtractionBatcher:
    """Send pages to the worker processes a few at a time: one hand-off per batch instead of per
    page keeps the reactor process (downloads, stores) from spending its time on process wakeups.

    A batch leaves when it is full or ``delay`` seconds after its first page, whichever is first.
    """

    def __init__(self, processes: int = 0, size: int = 8, delay: float = 0.02) -> None:
        self.processes = processes
        self.size = size
        self.delay = delay
        self.pending: list[tuple[FetchedPage, asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None

    def extract(self, page: FetchedPage) -> asyncio.Future:
        """A future for the page's :class:`PageRecord` (or its exception)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append((page, future))
        if len(self.pending) >= self.size:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(self.delay, self.flush)
        return future

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, []
        if not batch:
            return
        done = asyncio.wrap_future(
            extraction_pool(self.processes).submit(build_batch, [page for page, _ in batch])
        )

        def deliver(result: asyncio.Future) -> None:
            error = (
                RuntimeError("extraction cancelled") if result.cancelled() else result.exception()
            )
            if error is not None:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                return
            for (_, future), record in zip(batch, result.result(), strict=True):
                if future.done():
                    continue
                if isinstance(record, Exception):
                    future.set_exception(record)
                else:
                    future.set_result(record)

        done.add_done_callback(deliver)


def shutdown_pool() -> None:
    """Stop the extraction workers (a later crawl in this process starts new ones)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
