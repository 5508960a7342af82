"""The shared frontier: one request queue and one seen-set for every worker of a run.

Why not scrapy-redis's scheduler: it serialises requests with pickle by default, and its queues
pop destructively, so a worker killed with requests in hand loses them. Here the queue is a Redis
stream read through a consumer group: a worker *takes* an entry (it stays pending, owned by that
worker), and *acknowledges* it only once the request is fully handled (its page pushed to the
results stream, its links queued). A worker that dies leaves its entries pending; once they have
been idle for the lease (``TRACKER_REDIS_LEASE``), any worker reclaims them (``XAUTOCLAIM``), in
this run or the next. A live worker keeps its entries' leases fresh, so a slow page is never
fetched twice.

Keys (``tracker:`` prefix): ``frontier:<spider>`` the queue stream (group ``workers``),
``seen:<run>`` the run's request fingerprints (a URL is queued once per run, whichever worker
and spider finds it), ``frontier:dead`` entries given up on.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
import weakref
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

from tracker.distributed.codec import BadEntry, decode_request, encode_request
from tracker.distributed.connection import PREFIX, connect, url_from_env

log = logging.getLogger(__name__)

GROUP = "workers"
#: Seconds a run's seen-set is kept after its last addition.
SEEN_TTL = 7 * 24 * 3600
#: Milliseconds after which an idle consumer holding nothing is removed from the group.
STALE_CONSUMER_MS = 24 * 3600 * 1000
#: Deliveries after which an entry is given up on (moved to the dead-letter stream).
MAX_DELIVERIES = 5
# Mark seen and queue in one step: a worker killed in between must not leave a URL seen but
# never queued.
_ADD_SCRIPT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return false end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('XADD', KEYS[2], '*', 'r', ARGV[2])
"""


def consumer_name() -> str:
    """A name for this worker process, unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def default_run_id() -> str:
    """The run a worker joins unless told otherwise: today's UTC date (one cron run a day)."""
    return time.strftime("%Y-%m-%d", time.gmtime())


@dataclass
class Frontier:
    """The Redis side of the frontier for one spider: add, take, acknowledge, reclaim."""

    client: Any
    spider: str
    run_id: str
    consumer: str = field(default_factory=consumer_name)
    lease_ms: int = 120_000

    def __post_init__(self) -> None:
        self.queue = f"{PREFIX}:frontier:{self.spider}"
        self.seen = f"{PREFIX}:seen:{self.run_id}"
        self.dead = f"{PREFIX}:frontier:dead"
        self._add = self.client.register_script(_ADD_SCRIPT)
        self._cursor = "0-0"
        try:
            self.client.xgroup_create(self.queue, GROUP, id="0", mkstream=True)
        except Exception as exc:  # BUSYGROUP: another worker made it first
            if "BUSYGROUP" not in str(exc):
                raise
        # Every worker process is a consumer of its own; forget those long gone with nothing held.
        for row in self.client.xinfo_consumers(self.queue, GROUP):
            if int(row["pending"]) == 0 and int(row["idle"]) > STALE_CONSUMER_MS:
                self.client.xgroup_delconsumer(self.queue, GROUP, row["name"])

    def add(self, fingerprint: str, payload: bytes) -> bool:
        """Queue a request unless its fingerprint was seen in this run; whether it was queued."""
        return (
            self._add(keys=[self.seen, self.queue], args=[fingerprint, payload, SEEN_TTL])
            is not None
        )

    def take(self) -> tuple[str, bytes | None] | None:
        """One entry for this worker: first one a dead worker left (idle past the lease), else a
        new one; ``None`` when there is none."""
        # XAUTOCLAIM looks at a few pending entries per call: walk the pending list with its
        # cursor, so a dead worker's entries behind many live ones are found too.
        cursor, claimed, *_ = self.client.xautoclaim(
            self.queue, GROUP, self.consumer, self.lease_ms, start_id=self._cursor, count=1
        )
        self._cursor = cursor.decode() if isinstance(cursor, bytes) else str(cursor)
        for entry_id, fields in claimed:
            entry = entry_id.decode()
            if self._deliveries(entry) > MAX_DELIVERIES:
                self.give_up(entry, fields.get(b"r"), f"taken {MAX_DELIVERIES} times, never done")
                return self.take()
            log.warning("frontier %s: took over %s from a worker that stopped", self.spider, entry)
            return entry, fields.get(b"r")
        found = self.client.xreadgroup(GROUP, self.consumer, {self.queue: ">"}, count=1)
        for _stream, entries in found or []:
            for entry_id, fields in entries:
                return entry_id.decode(), fields.get(b"r")
        return None

    def _deliveries(self, entry: str) -> int:
        rows = self.client.xpending_range(self.queue, GROUP, min=entry, max=entry, count=1)
        return int(rows[0]["times_delivered"]) if rows else 0

    def done(self, entry: str) -> None:
        """Acknowledge a handled entry (and drop it from the stream)."""
        pipe = self.client.pipeline(transaction=True)
        pipe.xack(self.queue, GROUP, entry)
        pipe.xdel(self.queue, entry)
        pipe.execute()

    def give_up(self, entry: str, payload: bytes | None, why: str) -> None:
        """Move an entry to the dead-letter stream (with why) and acknowledge it."""
        log.warning("frontier %s: entry %s given up: %s", self.spider, entry, why)
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(
            self.dead, {"spider": self.spider, "entry": entry, "why": why, "r": payload or b""}
        )
        pipe.xack(self.queue, GROUP, entry)
        pipe.xdel(self.queue, entry)
        pipe.execute()

    def keep(self, entries: list[str]) -> None:
        """Refresh the lease of entries this worker is still handling."""
        if entries:
            self.client.xclaim(self.queue, GROUP, self.consumer, 0, entries, justid=True)

    def others_pending(self) -> bool:
        """Whether the queue holds anything this worker is not handling: new entries, or entries
        other workers have taken (their pages may queue more)."""
        mine = 0
        for row in self.client.xinfo_consumers(self.queue, GROUP):
            if row["name"] in (self.consumer, self.consumer.encode()):
                mine = int(row["pending"])
        return int(self.client.xlen(self.queue)) > mine


_FRONTIERS: weakref.WeakKeyDictionary[Any, FrontierTracker] = weakref.WeakKeyDictionary()


class FrontierTracker:
    """One crawler's view of the frontier: which entries it holds, and what each still waits for
    (items in the pipeline, requests not yet queued) before it can be acknowledged."""

    def __init__(self, frontier: Frontier) -> None:
        self.frontier = frontier
        self.outstanding: dict[str, int] = {}
        self.finished: set[str] = set()
        self.held: set[str] = set()

    @classmethod
    def for_crawler(cls, crawler: Any) -> FrontierTracker:
        """The crawler's tracker (made by the scheduler when it opens)."""
        return _FRONTIERS[crawler]

    def hold(self, entry: str) -> None:
        self.held.add(entry)
        self.outstanding.setdefault(entry, 0)

    def more(self, entry: str) -> None:
        """Something more (an item, a request) depends on ``entry``."""
        if entry in self.held:
            self.outstanding[entry] = self.outstanding.get(entry, 0) + 1

    def less(self, entry: str) -> None:
        """One thing ``entry`` waited for is done."""
        if entry in self.held:
            self.outstanding[entry] = max(self.outstanding.get(entry, 0) - 1, 0)
            self._maybe_done(entry)

    def callback_done(self, entry: str) -> None:
        """The request's callback (or errback, or a download error) has produced all it will."""
        if entry in self.held:
            self.finished.add(entry)
            self._maybe_done(entry)

    def _maybe_done(self, entry: str) -> None:
        if entry in self.finished and not self.outstanding.get(entry):
            self.frontier.done(entry)
            self.held.discard(entry)
            self.finished.discard(entry)
            self.outstanding.pop(entry, None)


class RedisScheduler:
    """A Scrapy scheduler on the shared frontier (``SCHEDULER = "tracker.distributed.frontier.
    RedisScheduler"``); ``tracker crawl --redis`` sets it.

    New requests go to Redis, once per run; retries and redirects of a request this worker holds
    stay in memory (they belong to the entry already taken). Settings: ``TRACKER_REDIS_RUN``
    (default: today's UTC date), ``TRACKER_REDIS_LEASE`` (seconds, default 120).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.local: deque[Any] = deque()
        self.tracker: FrontierTracker | None = None
        self._pending_cache = (0.0, True)
        self._keepalive: Any = None
        self._wake_pending = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisScheduler:
        return cls(crawler)

    def open(self, spider: Any) -> None:
        settings = self.crawler.settings
        client = connect(url_from_env())
        lease = settings.getfloat("TRACKER_REDIS_LEASE", 120.0)
        frontier = Frontier(
            client,
            spider.name,
            settings.get("TRACKER_REDIS_RUN") or default_run_id(),
            lease_ms=int(lease * 1000),
        )
        self.spider = spider
        self.tracker = FrontierTracker(frontier)
        _FRONTIERS[self.crawler] = self.tracker
        from twisted.internet import task

        self._keepalive = task.LoopingCall(self._keep)
        self._keepalive.start(max(lease / 4, 0.2), now=False)

    def _keep(self) -> None:
        assert self.tracker is not None
        try:
            self.tracker.frontier.keep(sorted(self.tracker.held))
        except Exception:  # a Redis hiccup: the next beat tries again
            log.warning("frontier: could not refresh leases", exc_info=True)

    def close(self, reason: str) -> None:
        if self._keepalive is not None and self._keepalive.running:
            self._keepalive.stop()

    def has_pending_requests(self) -> bool:
        if self.local:
            return True
        assert self.tracker is not None
        now = time.monotonic()
        checked, pending = self._pending_cache
        if now - checked > 0.5:
            pending = self.tracker.frontier.others_pending()
            self._pending_cache = (now, pending)
        return pending

    def enqueue_request(self, request: Any) -> bool:
        assert self.tracker is not None
        parent = request.meta.pop("tracker_frontier_parent", None)
        try:
            if request.meta.get("tracker_frontier") in self.tracker.held:
                self.local.append(request)  # a retry or redirect of an entry this worker holds
                return True
            request.meta.pop("tracker_frontier", None)
            try:
                payload = encode_request(request, self.spider)
            except (TypeError, ValueError) as exc:
                log.warning("%s: kept in this worker (%s cannot be shared)", request.url, exc)
                self.local.append(request)
                return True
            fingerprint = self.crawler.request_fingerprinter.fingerprint(request).hex()
            return self.tracker.frontier.add(fingerprint, payload)
        finally:
            if parent is not None:
                self.tracker.less(parent)

    def next_request(self) -> Any:
        if self.local:
            return self.local.popleft()
        assert self.tracker is not None
        while True:
            taken = self.tracker.frontier.take()
            if taken is None:
                self._wake_soon()
                return None
            entry, payload = taken
            try:
                request = decode_request(payload, self.spider)
            except BadEntry as exc:
                self.tracker.frontier.give_up(entry, payload, f"rejected: {exc}")
                continue
            request.meta["tracker_frontier"] = entry
            self.tracker.hold(entry)
            return request

    def _wake_soon(self) -> None:
        """Ask the engine for the next request again shortly.

        Other workers may queue requests at any time; without this, a worker whose queue ran
        dry waits for the engine's heartbeat (5 s) before looking again. The engine's slot is
        not public API: when it is missing the heartbeat still works, only slower.
        """
        if self._wake_pending:
            return
        from twisted.internet import reactor

        self._wake_pending = True
        cast(Any, reactor).callLater(0.25, self._wake)

    def _wake(self) -> None:
        self._wake_pending = False
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()


def _entry(message: Any) -> str | None:
    request = getattr(message, "request", None)
    meta = getattr(request, "meta", None) or {}
    return meta.get("tracker_frontier")


class FrontierSpiderMiddleware:
    """Counts what each taken request produces, so its entry is acknowledged only when all of it
    is handled: items through the pipeline (``item_scraped``/``item_dropped``/``item_error``),
    requests into the frontier. Set closest to the engine (order 0)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        from scrapy import signals

        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_done, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierSpiderMiddleware:
        return cls(crawler)

    def _tracker(self) -> FrontierTracker | None:
        return _FRONTIERS.get(self.crawler)

    def _item_done(self, item: Any, response: Any = None, **_: Any) -> None:
        entry = _entry(response)
        tracker = self._tracker()
        if entry and tracker:
            tracker.less(entry)

    async def process_spider_output(
        self, response: Any, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        import scrapy

        entry = _entry(response)
        tracker = self._tracker()
        try:
            async for output in result:
                if entry and tracker:
                    tracker.more(entry)
                    if isinstance(output, scrapy.Request):
                        output.meta.pop("tracker_frontier", None)
                        output.meta["tracker_frontier_parent"] = entry
                yield output
        finally:
            if entry and tracker:
                tracker.callback_done(entry)

    def process_spider_exception(self, response: Any, exception: Exception) -> None:
        entry = _entry(response)
        tracker = self._tracker()
        if entry and tracker:
            tracker.callback_done(entry)


class FrontierDownloaderMiddleware:
    """A request that ends in a download error (after retries), or is dropped on purpose
    (robots.txt, not due, refused): its entry is done. Set closest to the engine (order 1)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierDownloaderMiddleware:
        return cls(crawler)

    def process_exception(self, request: Any, exception: Exception) -> None:
        entry = request.meta.get("tracker_frontier")
        tracker = _FRONTIERS.get(self.crawler)
        if entry and tracker:
            tracker.callback_done(entry)
