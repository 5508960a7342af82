"""The worker processes that extract pages (``tracker import`` and the crawl), with limits.

Extraction (:func:`tracker.record.build_record`) is pure and CPU-bound; it runs here, in other
processes, so the crawl's reactor keeps downloading and storing meanwhile. This module imports
only what the workers need (not Scrapy, not the store's later stages); the extraction modules
themselves (trafilatura, lxml, the credit reader) are loaded by the workers' fork server, not by
the process that starts them, which meanwhile loads the later stages.

Every worker is bounded, so one hostile page cannot stall or sink a run:

- **time**: a page whose extraction takes longer than ``ExtractionLimits.seconds`` is given up
  as one line ("extraction took longer than N s"); its worker is killed and replaced;
- **memory**: each worker's address space is capped (``RLIMIT_AS``); a page that needs more
  fails alone ("extraction needed more than N MB") and the worker goes on;
- **life**: a worker dies with the process that started it (``PR_SET_PDEATHSIG`` on Linux, and a
  watchdog thread for the case it cannot cover), so a killed import or crawl leaves nothing
  behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import multiprocessing
import os
import queue
import resource
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, TypeAlias

from tracker.items import FetchedPage, PageRecord

if TYPE_CHECKING:
    import asyncio

    from tracker.record import BadInput

Extracted: TypeAlias = "PageRecord | BadInput"

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ExtractionLimits:
    """Per-page limits of extraction (environment: ``TRACKER_EXTRACT_TIMEOUT`` seconds,
    ``TRACKER_EXTRACT_MEMORY_MB``; 0 turns a limit off)."""

    seconds: float = 60.0
    memory_mb: int = 2048

    @classmethod
    def from_env(cls) -> ExtractionLimits:
        """The defaults, overridden by the environment variables named above."""
        defaults = cls()
        try:
            seconds = float(os.environ.get("TRACKER_EXTRACT_TIMEOUT", defaults.seconds))
            memory = int(os.environ.get("TRACKER_EXTRACT_MEMORY_MB", defaults.memory_mb))
        except ValueError as exc:
            raise ValueError(f"bad extraction limit in the environment ({exc})") from exc
        return cls(seconds=max(0.0, seconds), memory_mb=max(0, memory))


def _die_with_parent(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` (the tracker process) does."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            # The kernel signals the process that forked this one (the fork server, which
            # itself exits with the tracker process).
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> None:
        # Covers what the death signal cannot: other platforms, a parent already gone.
        while True:
            if not _alive(parent_pid):
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed parent nobody has reaped yet is a zombie: gone all the same.
    with contextlib.suppress(OSError, IndexError):
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    return True


def _cap_memory(memory_mb: int) -> None:
    if memory_mb <= 0:
        return
    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _bad_input(message: str) -> BadInput:
    # Imported here: the parent process only needs the class when a page fails.
    from tracker.record import BadInput

    return BadInput(message)


def _extract_one(page: FetchedPage, memory_mb: int) -> Extracted:
    from tracker.record import BadInput, build_record

    try:
        return build_record(page)
    except BadInput as exc:
        return exc
    except MemoryError:
        return _bad_input(f"extraction needed more than {memory_mb} MB")
    except Exception as exc:  # noqa: BLE001 (third-party parsers raise anything on hostile input)
        return _bad_input(f"extraction failed ({exc.__class__.__name__}: {exc})")


def _worker_main(conn: Connection, parent_pid: int, limits: ExtractionLimits) -> None:
    """A worker's loop: receive a page, send back its record or its :class:`BadInput`."""
    _die_with_parent(parent_pid)
    _cap_memory(limits.memory_mb)
    # The parent decides about interrupts; a Ctrl-C in the terminal must not kill workers
    # half-way through a message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            page = conn.recv()
            if page is None:
                return
            result = _extract_one(page, limits.memory_mb)
        except (EOFError, OSError):
            return  # the parent is gone or done
        except MemoryError:
            result = _bad_input(f"page too large for the {limits.memory_mb} MB extraction limit")
        try:
            conn.send(result)
        except (EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 (a result that cannot be pickled, no memory)
            conn.send(_bad_input(f"extraction failed ({exc.__class__.__name__}: {exc})"))


def _context() -> Any:
    # A fork server started before any page is fetched: workers never inherit the reactor's
    # threads and locks (nor the parent's pipes to other workers, so an idle worker sees its
    # pipe close when the parent dies); it preloads the extraction modules once, and warms
    # their caches once (tracker.worker_preload) instead of once per worker.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        ["tracker.record", "tracker.trafilatura_steps", "tracker.workers", "tracker.worker_preload"]
    )
    return context


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, limits: ExtractionLimits) -> None:
        parent_end, child_end = multiprocessing.Pipe()
        self.conn = parent_end
        self.process = _context().Process(
            target=_worker_main,
            args=(child_end, os.getpid(), limits),
            name="tracker-extract",
            daemon=True,
        )
        self.process.start()
        child_end.close()

    def run(self, page: FetchedPage, seconds: float) -> Extracted | None:
        """The page's result, or ``None`` when it took too long (the worker is then killed)."""
        try:
            self.conn.send(page)
            if seconds and not self.conn.poll(seconds):
                self.kill()
                return None
            result = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            return _bad_input(f"extraction worker died (exit code {self.process.exitcode})")
        if isinstance(result, PageRecord):
            return result
        from tracker.record import BadInput

        if not isinstance(result, BadInput):
            return _bad_input(f"extraction returned {type(result).__name__}")
        return result

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
            self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError, EOFError):
            self.conn.send(None)
            self.process.join(5)
        if self.process.is_alive():
            self.kill()
        self.conn.close()


class ExtractionPool:
    """Worker processes that extract lists of pages, each page under :class:`ExtractionLimits`.

    ``submit(pages)`` returns a :class:`concurrent.futures.Future` of the list of results, one
    :class:`PageRecord` or :class:`BadInput` per page; a page over a limit never fails the others.
    """

    def __init__(self, processes: int = 0, limits: ExtractionLimits | None = None) -> None:
        self.limits = limits or ExtractionLimits.from_env()
        self.tasks: queue.SimpleQueue[tuple[Future, list[FetchedPage]] | None] = queue.SimpleQueue()
        self.workers: dict[int, _Worker] = {}
        self.slots = [
            threading.Thread(target=self._slot, args=(n,), name=f"extract-slot-{n}", daemon=True)
            for n in range(processes or os.cpu_count() or 1)
        ]
        for slot in self.slots:
            slot.start()

    def submit(self, pages: list[FetchedPage]) -> Future:
        """A future for the results of ``pages``, in their order."""
        future: Future = Future()
        self.tasks.put((future, pages))
        return future

    def _slot(self, number: int) -> None:
        # One thread per worker process: it hands pages over one at a time and keeps the clock.
        worker: _Worker | None = None
        # Started before the first page arrives: the fork server loads the extraction modules
        # while the caller is still loading its own and reading its input.
        with contextlib.suppress(Exception):  # tried again, and reported, with the first page
            worker = self.workers[number] = _Worker(self.limits)
        try:
            while (task := self.tasks.get()) is not None:
                future, pages = task
                if not future.set_running_or_notify_cancel():
                    continue
                results: list[Extracted] = []
                try:
                    for page in pages:
                        if worker is None or not worker.alive():
                            worker = self.workers[number] = _Worker(self.limits)
                        result = worker.run(page, self.limits.seconds)
                        if result is None:
                            result = _bad_input(
                                f"extraction took longer than {self.limits.seconds:g} s"
                            )
                        if not worker.alive():
                            worker = None
                        results.append(result)
                except BaseException as exc:  # noqa: BLE001 (handed to whoever waits)
                    future.set_exception(exc)
                else:
                    future.set_result(results)
        finally:
            if worker is not None:
                worker.stop()

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop the workers once the pages already submitted are done (or cancelled)."""
        if cancel_futures:
            with contextlib.suppress(queue.Empty):
                while True:
                    task = self.tasks.get_nowait()
                    if task is not None:
                        task[0].cancel()
        for _ in self.slots:
            self.tasks.put(None)
        if wait:
            for slot in self.slots:
                slot.join()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        if exc_type is not None:
            # Interrupted (Ctrl-C, an error while storing): no page in flight is worth waiting for.
            for worker in list(self.workers.values()):
                worker.kill()
        self.shutdown(wait=True, cancel_futures=True)


def extract_pages(
    pages: Iterable[FetchedPage],
    jobs: int = 0,
    limits: ExtractionLimits | None = None,
    chunk: int = 4,
    pool: ExtractionPool | None = None,
) -> Iterator[tuple[FetchedPage, Extracted]]:
    """Extract pages in ``jobs`` worker processes under ``limits``; results in input order.

    ``pool``: workers started beforehand (so they load while the caller prepares); this function
    then owns it and shuts it down at the end. Without one, a pool of ``jobs`` is started here.
    """
    jobs = len(pool.slots) if pool is not None else jobs or os.cpu_count() or 1
    in_flight: deque[tuple[list[FetchedPage], Future]] = deque()
    iterator = iter(pages)
    with pool or ExtractionPool(jobs, limits) as running:
        while True:
            while len(in_flight) < jobs * 4:
                batch = list(itertools.islice(iterator, chunk))
                if not batch:
                    break
                in_flight.append((batch, running.submit(batch)))
            if not in_flight:
                return
            batch, future = in_flight.popleft()
            yield from zip(batch, future.result(), strict=True)


_pool: ExtractionPool | None = None


def extraction_pool(processes: int = 0, limits: ExtractionLimits | None = None) -> ExtractionPool:
    """The crawl's worker processes (one per CPU by default), started once per process."""
    global _pool
    if _pool is None:
        _pool = ExtractionPool(processes, limits)
    return _pool


def build_batch(pages: list[FetchedPage]) -> list[PageRecord | Exception]:
    """Extract several pages in this process; a failing page gives its own exception."""
    from tracker.record import build_or_error

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
        # Imported here (the crawl's reactor has loaded it already): `tracker import` does not
        # need it, and it would delay starting the workers by its load time (~0.04 s).
        import asyncio

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
        import asyncio

        done = asyncio.wrap_future(
            extraction_pool(self.processes).submit([page for page, _ in batch])
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
