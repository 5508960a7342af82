"""The CLI of a distributed crawl: ``tracker crawl --redis URL`` (a worker) and
``tracker ingest --redis URL`` (the one writer). ``tracker/cli.py`` imports this module.

``--redis`` is added to the existing ``crawl`` command rather than copying it: a worker runs the
same spiders with the same options; only the scheduler (the shared frontier) and the item
pipeline (push to Redis instead of storing) change.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click

from tracker.cli.group import cli
from tracker.distributed.connection import URL_ENV, RedisURLError, connect, redact

REDIS_HELP = (
    "Share the frontier through Redis (redis://[:PASSWORD@]HOST:6379/0, rediss:// for TLS): "
    "this process becomes one of N workers, pushing pages to Redis for `tracker ingest`."
)


def worker_settings(run_id: str | None, lease: float) -> tuple[str, ...]:
    """The ``-s NAME=VALUE`` pairs that turn a crawl into a worker of the shared frontier."""
    from tracker import settings as project

    downloader = dict(project.DOWNLOADER_MIDDLEWARES)
    downloader["tracker.distributed.frontier.FrontierDownloaderMiddleware"] = 1
    pairs = {
        "SCHEDULER": "tracker.distributed.frontier.RedisScheduler",
        "ITEM_PIPELINES": json.dumps({"tracker.distributed.results.ResultStreamPipeline": 300}),
        "SPIDER_MIDDLEWARES": json.dumps(
            {"tracker.distributed.frontier.FrontierSpiderMiddleware": 0}
        ),
        "DOWNLOADER_MIDDLEWARES": json.dumps(downloader),
        "TRACKER_REDIS_LEASE": str(lease),
    }
    if run_id:
        pairs["TRACKER_REDIS_RUN"] = run_id
    return tuple(f"{name}={value}" for name, value in pairs.items())


def _extend_crawl() -> None:
    crawl = cli.commands["crawl"]
    plain = crawl.callback
    assert plain is not None
    crawl.params[-1:-1] = [
        click.Option(
            ["--redis", "redis_url"],
            metavar="URL",
            envvar=URL_ENV,
            show_envvar=True,
            help=REDIS_HELP,
        ),
        click.Option(
            ["--run-id"],
            metavar="NAME",
            help="With --redis: the run the workers share (one seen-set). Default: today (UTC).",
        ),
        click.Option(
            ["--lease"],
            type=click.FloatRange(min=0.5),
            default=120.0,
            show_default=True,
            help="With --redis: seconds after which a stopped worker's requests are taken over.",
        ),
    ]

    def callback(redis_url: str | None, run_id: str | None, lease: float, **kwargs: Any) -> Any:
        if redis_url:
            try:
                connect(redis_url).close()
            except RedisURLError as exc:
                raise click.ClickException(str(exc)) from None
            # Through the environment, not a setting: Scrapy logs settings, passwords included.
            os.environ[URL_ENV] = redis_url
            kwargs["settings"] = (*worker_settings(run_id, lease), *kwargs["settings"])
        elif run_id:
            raise click.ClickException("--run-id needs --redis")
        return plain(**kwargs)

    crawl.callback = callback
    assert crawl.help is not None
    crawl.help = crawl.help.replace(
        "        0 * * * * cd /srv/tracker",
        "        # one of N workers sharing a frontier (see docs/deployment.md):\n"
        "        tracker crawl --sources sources.yml --redis redis://queue.example:6379/0\n"
        "        0 * * * * cd /srv/tracker",
    )


_extend_crawl()


@cli.command()
@click.option(
    "--redis",
    "redis_url",
    required=True,
    metavar="URL",
    envvar=URL_ENV,
    show_envvar=True,
    help="The Redis the workers push to (a URL in the environment keeps its password out of ps).",
)
@click.option("--db", "db_path", default="tracker.db", show_default=True, help="Database to write.")
@click.option("--batch", type=click.IntRange(min=1), default=100, show_default=True,
              help="Pages stored per clustering and diff pass.")  # fmt: skip
@click.option(
    "--idle-exit",
    type=click.FloatRange(min=0),
    help="Stop after this many seconds with nothing to ingest (default: run until stopped).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every batch and rejected entry.")
def ingest(
    redis_url: str, db_path: str, batch: int, idle_exit: float | None, verbose: bool
) -> None:
    """The one writer of a distributed crawl: store the pages the workers push to Redis, then
    cluster and diff them, acknowledging each page only once it is committed.

    Run exactly one per database, next to the SQLite file that Datasette serves. Stopping it
    (even kill -9) loses nothing: it continues where it stopped.

    \b
    Example:
        tracker ingest --redis redis://queue.example:6379/0 --db tracker.db
        tracker ingest --redis rediss://:PASSWORD@queue.example:6380/0 --db tracker.db --idle-exit 60
    """
    import sqlite3

    import redis

    from tracker.cli.group import log_setup
    from tracker.distributed.ingest import ingest as run_ingest
    from tracker.store import StoreError, open_db

    log_setup(verbose)
    try:
        client = connect(redis_url)
    except RedisURLError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        run = run_ingest(client, open_db(db_path), batch=batch, idle_exit=idle_exit)
    except KeyboardInterrupt:
        click.echo("stopped; run again to continue", err=True)
        return
    except redis.RedisError as exc:  # a Redis outage: one line, the URL without its password
        raise click.ClickException(
            f"ingest from {redact(redis_url)} failed: {type(exc).__name__}; run again to continue"
        ) from None
    except (sqlite3.Error, StoreError) as exc:
        raise click.ClickException(
            f"ingest into {db_path} failed: {exc}; run again to continue"
        ) from None
    s = run.summary
    click.echo(
        f"ingested {run.entries} entries: {s.pages_new} new pages, {s.versions_new} new versions, "
        f"{s.unchanged} unchanged, {s.no_text} without text, {run.rejected} rejected"
    )
