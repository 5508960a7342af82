"""Run the spiders one after another in one process (Scrapy's ``CrawlerProcess``), with live
progress for people and a summary at the end.

Spiders run in sequence, not side by side, so a page listed both in a feed and in a sitemap is
fetched once (the second spider finds it stored and not due) and each site sees at most
``CONCURRENT_REQUESTS_PER_DOMAIN`` requests at a time.

Each spider keeps its queue in a job directory (Scrapy's ``JOBDIR``), ``.tracker-jobs/<database file>/<spider>``
next to the database: a crawl stopped with Ctrl-C (or ``max_pages``) continues with
``resume=True`` without asking again for what it already fetched. A spider that finishes
clears its job directory.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.sources import Sources, load_sources

DEFAULT_SPIDERS = ("feed", "sitemap", "site", "credits")
ALL_SPIDERS = (*DEFAULT_SPIDERS, "urls")

log = logging.getLogger(__name__)

# How often a parent waiting for a crawl subprocess checks that the child still lives.
_POLL_SECONDS = 0.5


@dataclass
class SpiderRun:
    """What one spider did in a crawl (its tracker counts, from Scrapy's stats)."""

    spider: str
    reason: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: Seconds spent at spider close on credit resolution, clustering and diffs.
    stats_seconds: float = 0.0
    #: Why the spider failed (one line), when it did.
    error: str = ""

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)


@dataclass
class CrawlSummary:
    """The result of :func:`run_crawl`: one :class:`SpiderRun` per spider, in order."""

    runs: list[SpiderRun] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0

    def total(self, name: str) -> int:
        """The sum of one count over all spiders (e.g. ``pages_fetched``, ``versions_new``)."""
        return sum(run.get(name) for run in self.runs)

    @property
    def failures(self) -> list[SpiderRun]:
        """The spiders that failed (could not start or crashed), in run order."""
        return [run for run in self.runs if run.reason == "failed"]


class SettingsError(ValueError):
    """A setting given on the command line that cannot be used; the message names it."""


COLUMNS = (
    ("pages_fetched", "fetched"),
    ("pages_new", "new pages"),
    ("versions_new", "new versions"),
    ("not_modified", "not modified"),
    ("not_due", "not due"),
    ("skipped_non_html", "non-HTML"),
    ("credits_followed", "credits followed"),
    ("robots_forbidden", "robots.txt"),
    ("refused_internal", "refused"),
    ("errors", "errors"),
)


def job_dir(db_path: str | Path, spider: str) -> Path:
    """Where a spider's resumable queue lives: ``.tracker-jobs/<database file>/<spider>`` next to
    the database (two crawls into two databases of one folder keep their queues apart)."""
    path = Path(db_path).resolve()
    return path.parent / ".tracker-jobs" / path.name / spider


class Progress:
    """A live status line on a terminal, periodic plain lines otherwise."""

    def __init__(
        self,
        live: bool | None = None,
        interval: float = 10.0,
        say: Callable[[str], None] | None = None,
    ):
        self.live = sys.stderr.isatty() if live is None else live
        self.interval = interval
        self.say = say or (lambda line: print(line, file=sys.stderr, flush=True))
        self._last_line = 0.0
        self._status: Any = None
        self._console: Any = None

    def start(self) -> None:
        if self.live:
            from rich.console import Console

            self._console = Console(stderr=True)
            self._status = self._console.status("starting crawl")
            self._status.start()

    def update(self, spider: str, stats: dict[str, Any], started: float) -> None:
        fetched = int(stats.get("tracker/pages_fetched", 0))
        elapsed = max(time.monotonic() - started, 1e-6)
        queued = int(stats.get("scheduler/enqueued", 0)) - int(stats.get("scheduler/dequeued", 0))
        line = (
            f"{spider}: {fetched} pages fetched, {max(queued, 0)} queued, "
            f"{int(stats.get('tracker/versions_new', 0))} new versions, "
            f"{int(stats.get('tracker/errors', 0))} errors, {fetched / elapsed:.1f} pages/s"
        )
        if self._status is not None:
            self._status.update(line)
        elif time.monotonic() - self._last_line >= self.interval:
            self._last_line = time.monotonic()
            self.say(f"tracker crawl: {line}")

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def _settings(db_path: str, overrides: dict[str, Any] | None, verbose: bool) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "tracker.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("TRACKER_DB", db_path, priority="cmdline")
    settings.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    check_settings(settings, overrides or {})
    return settings


def check_settings(settings: Any, names: dict[str, Any]) -> None:
    """Check that each overridden setting reads as the type of its default, before any
    spider starts (otherwise every spider fails on it, one traceback each).

    Raises:
        SettingsError: naming the first setting that does not read, and what it expects.
    """
    from scrapy.settings import default_settings

    from tracker import settings as ours

    for name, value in names.items():
        if name == "TRACKER_ALLOW_PRIVATE":  # true, or hosts and networks: checked below
            continue
        default = getattr(ours, name, getattr(default_settings, name, None))
        expected, read = "", None
        if isinstance(default, bool):
            expected, read = "true or false", settings.getbool
        elif isinstance(default, int | float):
            expected, read = "a number", settings.getfloat
        elif isinstance(default, dict):
            expected, read = "a JSON object", settings.getdict
        if read is None:
            continue
        try:
            read(name)
        except (ValueError, TypeError):
            raise SettingsError(f"setting {name}={value!r}: expected {expected}") from None
    try:
        from tracker.netguard import NetPolicy

        NetPolicy().allow_setting(settings.get("TRACKER_ALLOW_PRIVATE"))
    except ValueError as exc:
        raise SettingsError(f"setting TRACKER_ALLOW_PRIVATE: {exc}") from None


def run_crawl(
    sources: str | Path | Sources | None,
    db_path: str | Path = "tracker.db",
    spiders: list[str] | tuple[str, ...] | None = None,
    max_pages: int | None = None,
    resume: bool = False,
    settings: dict[str, Any] | None = None,
    urls: list[str] | str | None = None,
    progress: Progress | None = None,
    verbose: bool = False,
) -> CrawlSummary:
    """Crawl: run the spiders in one process, one after another, and return what they did.

    Scrapy's reactor runs once per process, so call this once per process (the CLI and
    ``tracker demo`` do; tests run it in a subprocess).

    Args:
        sources: a sources file path or a parsed :class:`Sources` (``None``: only ``urls``/``credits``).
        db_path: the SQLite database (created if missing).
        spiders: spider names in run order (default: feed, sitemap, site, credits; plus urls
            when ``urls`` is given).
        max_pages: stop each spider after fetching this many pages (resumable).
        resume: continue the queues a stopped crawl left in ``.tracker-jobs``; without it,
            leftover queues are discarded.
        settings: Scrapy settings to override (e.g. ``{"AUTOTHROTTLE_ENABLED": False}``).
        urls: page URLs (or a file path, ``-`` for stdin) for the ``urls`` spider.
        progress: where progress goes (default: live on a terminal, plain lines otherwise).
        verbose: Scrapy logs at INFO instead of WARNING.

    Raises:
        tracker.sources.SourcesError: when the sources file is invalid.
        SettingsError: when an overridden setting does not read as its type.
        ValueError: for an unknown spider name or a spider without what it needs.
    """
    from scrapy.crawler import CrawlerProcess
    from twisted.internet import defer

    if isinstance(sources, str | Path):
        sources = load_sources(sources)
    names = (
        list(spiders) if spiders else [*DEFAULT_SPIDERS, *(["urls"] if urls is not None else [])]
    )
    for name in names:
        if name not in ALL_SPIDERS:
            raise ValueError(f"unknown spider {name!r} (expected one of: {', '.join(ALL_SPIDERS)})")
    if sources is None and any(name in ("feed", "sitemap", "site") for name in names):
        raise ValueError("the feed, sitemap and site spiders need a sources file")
    if "urls" in names and urls is None:
        raise ValueError("the urls spider needs a list of URLs")
    db_path = str(Path(db_path).resolve())
    scrapy_settings = _settings(db_path, settings, verbose)
    progress = progress or Progress(interval=scrapy_settings.getfloat("TRACKER_PROGRESS_INTERVAL"))
    process = CrawlerProcess(scrapy_settings)
    summary = CrawlSummary()
    began = time.monotonic()
    state: dict[str, Any] = {"crawler": None, "started": began}

    def make_crawler(name: str) -> Any:
        crawler = process.create_crawler(name)
        jobs = job_dir(db_path, name)
        if not resume and jobs.exists():
            shutil.rmtree(jobs)
        jobs.parent.mkdir(parents=True, exist_ok=True)
        crawler.settings.set("JOBDIR", str(jobs), priority="cmdline")
        return crawler

    def tick() -> None:
        crawler = state["crawler"]
        if crawler is not None and crawler.stats is not None:
            progress.update(crawler.spidercls.name, crawler.stats.get_stats(), state["started"])

    @defer.inlineCallbacks
    def run_all() -> Any:
        loop = None
        try:
            for index, name in enumerate(names):
                crawler = first if index == 0 else make_crawler(name)
                state.update(crawler=crawler, started=time.monotonic())
                kwargs: dict[str, Any] = {"sources": sources, "db": db_path}
                if max_pages:
                    kwargs["max_pages"] = max_pages
                if name == "urls":
                    kwargs["urls"] = urls
                running = process.crawl(crawler, **kwargs)
                if loop is None:
                    # Only now is the asyncio reactor installed (by the first crawler).
                    from twisted.internet import task

                    loop = task.LoopingCall(tick)
                    loop.start(0.5, now=False)
                try:
                    yield running
                except Exception as exc:
                    # One line for people (the CLI prints it); the traceback only with --verbose (INFO).
                    log.info("spider %s failed", name, exc_info=True)
                    why = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                    summary.runs.append(SpiderRun(name, reason="failed", error=why))
                    continue
                run = _spider_run(
                    name, crawler.stats.get_stats(), time.monotonic() - state["started"]
                )
                summary.runs.append(run)
                if run.reason == "finished":
                    shutil.rmtree(job_dir(db_path, name), ignore_errors=True)
                elif run.reason != "max_pages":
                    summary.interrupted = True
                    break
        finally:
            if loop is not None and loop.running:
                loop.stop()
            state["crawler"] = None
            from twisted.internet import error, reactor

            if reactor.running:
                with contextlib.suppress(error.ReactorNotRunning, RuntimeError):
                    reactor.stop()  # type: ignore[misc]  # (the module stands for the reactor)
            else:
                # The first spider failed before the reactor started (e.g. in its __init__):
                # stopping now would be a no-op and process.start() below would never return.
                reactor.callWhenRunning(reactor.stop)  # type: ignore[misc]

    first = make_crawler(names[0])  # the first crawler installs the asyncio reactor
    progress.start()
    try:
        run_all()
        process.start(stop_after_crawl=False)
    finally:
        progress.stop()
        from tracker.pipelines import shutdown_pool

        shutdown_pool()
    if len(summary.runs) < len(names):
        summary.interrupted = True
    summary.seconds = time.monotonic() - began
    return summary


def _spider_run(name: str, stats: dict[str, Any], seconds: float) -> SpiderRun:
    counts = {
        key.removeprefix("tracker/"): int(value)
        for key, value in stats.items()
        if key.startswith("tracker/")
        and not key.startswith("tracker/after_ingest/")
        and isinstance(value, int)
    }
    stages = {
        key.removeprefix("tracker/after_ingest/"): int(value)
        for key, value in stats.items()
        if key.startswith("tracker/after_ingest/")
    }
    reason = str(stats.get("tracker/finish_reason") or stats.get("finish_reason") or "")
    closing = float(stats.get("tracker/after_ingest_seconds", 0.0))
    return SpiderRun(
        name, reason=reason, counts=counts, stages=stages, seconds=seconds, stats_seconds=closing
    )


def summary_table(summary: CrawlSummary) -> Any:
    """The end-of-crawl table: one row per spider, one column per count, and a total row."""
    from rich.table import Table

    table = Table(title="crawl summary", title_justify="left")
    table.add_column("spider")
    for _, header in COLUMNS:
        table.add_column(header, justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("stopped", justify="left")
    for run in summary.runs:
        table.add_row(
            run.spider,
            *(str(run.get(key)) for key, _ in COLUMNS),
            f"{run.seconds:.1f}",
            run.reason,
        )
    table.add_row(
        "total",
        *(str(summary.total(key)) for key, _ in COLUMNS),
        f"{summary.seconds:.1f}",
        "",
        style="bold",
    )
    return table


def _crawl_child(queue: Any, kwargs: dict[str, Any], env: dict[str, str], quiet: bool) -> None:
    os.environ.update(env)
    try:
        if quiet:
            kwargs["progress"] = Progress(live=False, say=lambda line: None)
        queue.put(run_crawl(**kwargs))
    except BaseException as exc:  # the parent reports it; a child traceback would be lost
        queue.put(RuntimeError(f"crawl failed: {exc!r}"))


def run_crawl_in_subprocess(
    sources: str | Path | Sources | None,
    db_path: str | Path = "tracker.db",
    *,
    env: dict[str, str] | None = None,
    quiet: bool = False,
    timeout: float | None = None,
    **kwargs: Any,
) -> CrawlSummary:
    """:func:`run_crawl` in a fresh child process, so one program can crawl several times
    (Scrapy's reactor cannot start twice in a process). Takes the same arguments, plus:

    Args:
        env: environment variables for the child, e.g. ``{"http_proxy": "http://127.0.0.1:8080"}``
            (Scrapy sends every request through that proxy).
        quiet: no progress lines.
        timeout: seconds to wait for the crawl (``None``: as long as the child lives).

    Raises:
        RuntimeError: when the crawl failed, the child process died without a result (the
            message gives its exit code), or the crawl did not finish in time.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(
        target=_crawl_child,
        args=(queue, {"sources": sources, "db_path": db_path, **kwargs}, env or {}, quiet),
    )
    child.start()
    try:
        result = _wait_for_result(queue, child, timeout)
    except BaseException:
        # Timed out, or Ctrl-C in the parent: the crawl must not outlive its caller.
        if child.is_alive():
            child.kill()
        raise
    finally:
        child.join(timeout=30)
    if isinstance(result, Exception):
        raise result
    return result


def _wait_for_result(queue: Any, child: Any, timeout: float | None) -> Any:
    """The child's result, waiting in short slices so a child that died is noticed at once."""
    import queue as queues

    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            return queue.get(timeout=_POLL_SECONDS)
        except queues.Empty:
            pass
        if not child.is_alive():
            # A result put just before exiting may still be in the pipe: one last look.
            try:
                return queue.get(timeout=_POLL_SECONDS)
            except queues.Empty:
                code = child.exitcode
                how = (
                    f"killed by signal {-code}"
                    if code is not None and code < 0
                    else f"exit code {code}"
                )
                raise RuntimeError(f"crawl process died without a result ({how})") from None
        if deadline is not None and time.monotonic() >= deadline:
            raise RuntimeError(f"crawl did not finish in {timeout} s")
