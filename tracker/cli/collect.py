"""Commands that collect and process pages: ``import``, ``crawl``, ``demo``, ``cluster``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tracker.cli.group import DB_OPTION, EXISTING_DB_OPTION, cli, db_option, log_setup


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@DB_OPTION
@click.option(
    "--base-url", help="URL prefix for .html files: the file's path under the folder is appended."
)
@click.option(
    "--jobs", "-j", default=os.cpu_count() or 1, show_default=True, help="Extraction processes."
)
@click.option("--no-cluster", is_flag=True, help="Store only; skip clustering and diffs.")
@click.option("-v", "--verbose", is_flag=True, help="Log every skipped page.")
def import_(
    paths: tuple[Path, ...],
    db_path: str,
    base_url: str | None,
    jobs: int,
    no_cluster: bool,
    verbose: bool,
) -> None:
    """Import saved pages: WARC / WARC.gz files, .html files or folders of them, JSON Lines.

    \b
    Where each page's URL comes from:
      WARC        the record's WARC-Target-URI (fetch time: WARC-Date)
      JSON Lines  the "url" field of {"url", "html", "fetched_at"}
      .html       --base-url + the file's path under the folder; else the folder's
                  manifest.csv / manifest.jsonl (columns file,url[,fetched_at]);
                  else the page's own <link rel="canonical"> or og:url.
                  Fetch time: the manifest's fetched_at, else the file's mtime.

    Importing the same input again adds nothing. Unreadable inputs, records without a URL,
    empty or binary bodies each get one line on stderr and are counted; the rest is imported.
    Each page is extracted in a worker process under a time and memory limit (environment:
    TRACKER_EXTRACT_TIMEOUT seconds, default 60; TRACKER_EXTRACT_MEMORY_MB, default 2048; 0 is
    no limit); a page over a limit is one line and skipped. An import that was killed is
    completed by the next run of any command (clusters and diffs it had not written yet).

    \b
    Example:
        tracker import crawl.warc.gz saved-pages/ --db tracker.db
        tracker import page.html --base-url https://example.com/news/ --db tracker.db
    """
    from tracker.workers import ExtractionLimits, ExtractionPool, extract_pages

    log_setup(verbose)
    try:
        limits = ExtractionLimits.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    # The workers start first: their fork server loads the extraction modules while this
    # process loads the later stages' (clustering, provenance, diffs) and opens the database.
    pool = ExtractionPool(max(1, jobs), limits)
    try:
        from tracker.pipeline import IngestSummary, run_stages, store_record, strip_stored_text
        from tracker.readers import Problem, read_paths
        from tracker.store import open_db
        from tracker.store.writes import skip_fsync_per_commit

        db = open_db(db_path)
        skip_fsync_per_commit(db)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    summary = IngestSummary()
    problems: list[Problem] = []

    def pages():
        for item in read_paths(list(paths), base_url):
            if isinstance(item, Problem):
                problems.append(item)
                click.echo(f"tracker: {item.source}: {item.message}", err=True)
            else:
                yield item

    for page, record in extract_pages(pages(), pool=pool):
        summary.read += 1
        if isinstance(record, Exception):
            summary.errors += 1
            click.echo(f"tracker: {page.url}: {record}, skipped", err=True)
            continue
        store_record(db, record, summary)
    summary.errors += len(problems)
    if no_cluster:  # clusters and diffs wait for `tracker cluster`; site boilerplate does not
        strip_stored_text(db, summary)
    stages = {} if no_cluster else run_stages(db, summary).counts
    click.echo(
        f"read {summary.read} pages: {summary.pages_new} new pages, {summary.versions_new} new versions, "
        f"{summary.unchanged} unchanged, {summary.no_text} without article text, {summary.errors} errors"
    )
    if stages:
        click.echo(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in stages.items()))
    if summary.errors and not (summary.versions_new or summary.unchanged or summary.no_text):
        raise click.ClickException("nothing could be imported")


def _is_demo_db(path: Path) -> bool:
    """True when a file is a tracker database holding only the demo web's sites (or nothing)."""
    from tracker.demo.content import SITES
    from tracker.store import StoreError, table_names_read_only
    from tracker.store.queries import page_sites_read_only

    try:
        tables = table_names_read_only(path)
        if "pages" not in tables:
            return not tables
        sites = page_sites_read_only(path)
    except StoreError:
        return False
    return sites <= set(SITES)


@cli.command()
@db_option("Database to fill.", default="demo.db")
@click.option(
    "--fresh/--keep",
    default=True,
    show_default=True,
    help="Start from an empty database (only a previous demo database is ever replaced).",
)
def demo(db_path: str, fresh: bool) -> None:
    """Serve a small demo web of news sites on loopback and collect it into a database.

    The demo web holds an original article, a credited repost, a repost with a cross-site
    canonical link, a "Go to Original" repost of that repost (a chain), an uncredited repost,
    an excerpt, an unrelated article, and an article that is edited between two passes.

    \b
    Example:
        tracker demo
        tracker serve --db demo.db
    """
    from tracker.demo.run import build_demo

    path = Path(db_path)
    if fresh and path.exists() and not _is_demo_db(path):
        raise click.ClickException(
            f"{db_path}: exists and holds more than the demo; give another --db (the demo never"
            " overwrites other data)"
        )
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        from tracker.capture import remove_run_files

        remove_run_files(path)  # the previous demo's WARC captures
    build_demo(path, say=click.echo)
    click.echo(f"\nBrowse it:\n    tracker serve --db {db_path}")


def _setting_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.ClickException(
                f"--set {pair!r}: expected NAME=VALUE, e.g. -s DOWNLOAD_DELAY=2"
            )
        settings[name.strip()] = value
    return settings


@cli.command()
@click.option(
    "--sources",
    "sources_path",
    type=click.Path(dir_okay=False),
    help="Sources file (YAML) listing the sites to watch.",
)
@DB_OPTION
@click.option(
    "--spider",
    "spiders",
    multiple=True,
    type=click.Choice(["feed", "sitemap", "site", "credits", "urls"]),
    help="Run only this spider (repeatable). Default: feed, sitemap, site, credits.",
)
@click.option(
    "--urls",
    "urls_path",
    help="File of page URLs, one per line (- for stdin), for the urls spider.",
)
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    help="Stop each spider after fetching this many pages.",
)
@click.option(
    "--resume", is_flag=True, help="Continue the crawl that Ctrl-C or --max-pages stopped."
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log (INFO).")
def crawl(
    sources_path: str | None,
    db_path: str,
    spiders: tuple[str, ...],
    urls_path: str | None,
    max_pages: int | None,
    resume: bool,
    settings: tuple[str, ...],
    verbose: bool,
) -> None:
    """Crawl the watched sites: new articles from feeds, sitemaps and site links, due rechecks
    of known pages for edits, and the pages their credits point to; then cluster and diff.

    All spiders run in this one process, one after another. Polite by default (robots.txt,
    AutoThrottle, two requests at a time per site, a User-Agent with a contact URL: set yours
    with -s TRACKER_CONTACT_URL=...). A second run fetches only pages that are due.

    \b
    Example:
        tracker crawl --sources sources.yml --db tracker.db
        tracker crawl --sources sources.yml --spider feed --max-pages 50
        tracker crawl --sources sources.yml --resume
        tracker crawl --spider urls --urls pages.txt --db tracker.db
        # every hour, from cron:
        0 * * * * cd /srv/tracker && tracker crawl --sources sources.yml --db tracker.db
    """
    from rich.console import Console

    from tracker.crawl import SettingsError, run_crawl, summary_table
    from tracker.sources import SourcesError, load_sources

    overrides = _setting_pairs(settings)
    if urls_path is not None and not spiders:
        spiders = ("urls",)
    if not sources_path and not (spiders and set(spiders) <= {"urls", "credits"}):
        raise click.ClickException(
            "--sources is required (only --spider urls/credits can run without it)"
        )
    if "urls" in spiders and urls_path is None:
        raise click.ClickException("--spider urls needs --urls FILE (or --urls - for stdin)")
    if urls_path not in (None, "-") and not Path(urls_path).is_file():
        raise click.ClickException(f"--urls {urls_path}: no such file")
    # A database that cannot be opened is one error line here (the command group's), not the
    # tracebacks of a spider whose pipeline failed to open it.
    from tracker.store import open_db

    open_db(db_path).conn.close()
    try:
        sources = load_sources(sources_path) if sources_path else None
        summary = run_crawl(
            sources,
            db_path,
            spiders=list(spiders) or None,
            max_pages=max_pages,
            resume=resume,
            settings=overrides,
            urls=urls_path,
            verbose=verbose,
        )
    except (SourcesError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    Console(width=200 if not sys.stdout.isatty() else None).print(summary_table(summary))
    stages: dict[str, int] = {}
    for run in summary.runs:
        for key, value in run.stages.items():
            stages[key] = stages.get(key, 0) + value
    if stages:
        click.echo(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in stages.items()))
    if summary.failures:
        for run in summary.failures:
            click.echo(f"Error: spider {run.spider} failed: {run.error or 'see the log'}", err=True)
        sys.exit(1)
    if summary.interrupted:
        raise click.ClickException(
            "crawl stopped before the end; run again with --resume to continue"
        )
    if max_pages and any(run.reason == "max_pages" for run in summary.runs):
        click.echo(
            f"stopped at --max-pages {max_pages}; run again with --resume to continue", err=True
        )


@cli.command()
@EXISTING_DB_OPTION
def cluster(db_path: str) -> None:
    """Bring clusters and diffs up to date: group the pages' latest versions into clusters of the
    same article (reposts, excerpts), pick origins, resolve credits, and diff new versions and
    cluster members that have no diff yet. Incremental: only pages whose text changed since the
    last run are hashed and assigned, existing clusters keep their ids, and a re-run on
    unchanged data writes nothing. Import and crawl run this step themselves (``tracker import
    --no-cluster`` leaves it to this command).

    \b
    Example:
        tracker cluster --db tracker.db
    """
    from tracker.pipeline import run_stages
    from tracker.store import open_existing_db

    db = open_existing_db(db_path)
    stages = run_stages(db)
    result, done = stages.clusters, stages.counts
    click.echo(
        f"{result.pages_considered} pages considered, {result.pages_changed} changed "
        f"({result.fingerprinted} fingerprinted): {len(result.new)} new clusters, "
        f"{len(result.grown)} grown, {len(result.changed)} changed, {len(result.removed)} removed "
        f"in {result.seconds:.2f}s; {done['version_diffs']} version diffs, "
        f"{done['repost_diffs']} repost diffs, {done['credits_resolved']} credits resolved"
    )
