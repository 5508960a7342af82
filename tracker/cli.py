"""The ``tracker`` command line: every command has help and an example."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from tracker import __version__

# Scrapy reads its settings from here wherever the package is installed.
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "tracker.settings")


def _db_option(help: str, default: str = "tracker.db"):
    return click.option(
        "--db",
        "db_path",
        default=default,
        show_default=True,
        type=click.Path(dir_okay=False),
        help=help,
    )


DB_OPTION = _db_option("SQLite database file (created if missing).")
EXISTING_DB_OPTION = _db_option("SQLite database file (must exist).")


class _Group(click.Group):
    """Turns a database that cannot be opened into one error line, whichever command met it."""

    def invoke(self, ctx: click.Context):
        from tracker.store import StoreError

        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracker")
def cli() -> None:
    """tracker: who republished this story, did they credit it, what did they change,
    and who had it first.

    \b
    Example:
        tracker demo
        tracker import pages.warc.gz --db tracker.db
        tracker serve --db tracker.db
    """


def _log_setup(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="tracker: %(message)s",
        stream=sys.stderr,
    )
    # warcio narrates every oddity it repairs; tracker reports damaged records itself.
    logging.getLogger("warcio").setLevel(logging.ERROR)


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

    \b
    Example:
        tracker import crawl.warc.gz saved-pages/ --db tracker.db
        tracker import page.html --base-url https://example.com/news/ --db tracker.db
    """
    from tracker.pipeline import IngestSummary, run_stages, store_record
    from tracker.readers import Problem, read_paths
    from tracker.record import build_records
    from tracker.store import open_db

    _log_setup(verbose)
    db = open_db(db_path)
    summary = IngestSummary()
    problems: list[Problem] = []

    def pages():
        for item in read_paths(list(paths), base_url):
            if isinstance(item, Problem):
                problems.append(item)
                click.echo(f"tracker: {item.source}: {item.message}", err=True)
            else:
                yield item

    for page, record in build_records(pages(), jobs=jobs):
        summary.read += 1
        if isinstance(record, Exception):
            summary.errors += 1
            click.echo(f"tracker: {page.url}: {record}, skipped", err=True)
            continue
        store_record(db, record, summary)
    summary.errors += len(problems)
    stages = {} if no_cluster else run_stages(db, summary).counts
    click.echo(
        f"read {summary.read} pages: {summary.pages_new} new pages, {summary.versions_new} new versions, "
        f"{summary.unchanged} unchanged, {summary.no_text} without article text, {summary.errors} errors"
    )
    if stages:
        click.echo(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in stages.items()))
    if summary.errors and not (summary.versions_new or summary.unchanged or summary.no_text):
        raise click.ClickException("nothing could be imported")


@cli.command()
@click.argument("url")
@EXISTING_DB_OPTION
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object (stable keys) instead of a table.",
)
def show(url: str, db_path: str, as_json: bool) -> None:
    """Show the cluster of the page at URL: its origin and the evidence that decided it, every
    copy in time order with site, role, similarity, containment and whether it credits the
    original, the credit chain, and credits that point outside the cluster.

    A URL that is not in the database is an error (exit 1). A stored page that is in no cluster
    has no known copies: one line saying so, exit 0 (with --json: "clusters": []).

    \b
    Example:
        tracker show https://www.transcend.org/tms/2024/01/some-story/ --db tracker.db
        tracker show https://antiwar.com/some-story --db tracker.db --json | jq .clusters[0].chains
    """
    from tracker.report.show import cluster_table, describe_cluster, format_cluster, to_json
    from tracker.store import find_page, open_existing_db
    from tracker.store.queries import clusters_of_page
    from tracker.urls import is_http_url

    if not is_http_url(url) or not url.isprintable():  # bad argv bytes: lone surrogates
        raise click.ClickException(f"{url}: not an http(s) URL")
    db = open_existing_db(db_path)
    row = find_page(db, url)
    if row is None:
        raise click.ClickException(f"{url}: not in {db_path}")
    page_id, page_url, site = row
    infos = [describe_cluster(db, cid) for cid in clusters_of_page(db, page_id)]
    if as_json:
        payload: dict[str, object] = {
            "page": {"id": page_id, "url": page_url, "site": site},
            "clusters": infos,
        }
        click.echo(to_json(payload))
        return
    if not infos:
        click.echo(f"{page_url}: in no cluster (no known copies in {db_path})")
        return
    from rich.console import Console

    console = Console()
    for number, info in enumerate(infos):
        if number:
            click.echo("")
        if console.is_terminal:
            console.print(cluster_table(info, page_id))
        else:
            click.echo(format_cluster(info, page_id))


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
@_db_option("Database to fill.", default="demo.db")
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
    build_demo(path, say=click.echo)
    click.echo(f"\nBrowse it:\n    tracker serve --db {db_path}")


@cli.command()
@click.argument("a")
@click.argument("b", required=False)
@EXISTING_DB_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "json", "csv"]),
    default="text",
    show_default=True,
    help="text: coloured terminal view; html: one self-contained page; json; csv (one row per op).",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of stdout."
)
@click.option(
    "--against-origin",
    is_flag=True,
    help="With one URL: diff this copy against its cluster's origin.",
)
def diff(
    a: str, b: str | None, db_path: str, fmt: str, output: str | None, against_origin: bool
) -> None:
    """Show what changed from A to B: edits between two versions of a story, or what a copy
    changed from its original. A and B are page URLs (their latest version) or version ids.

    With one URL: that page's last two versions. With one version id: the version before it
    and that version. Words, paragraphs (added, removed, reworded, moved), title, byline, date
    and credit are compared; quote styles, case and whitespace are not edits.

    \b
    Example:
        tracker diff https://example.com/news/story --db tracker.db
        tracker diff 12 40 --db tracker.db --format html --output diff.html
        tracker diff https://copy.example/story --against-origin --format json
    """
    from tracker.diffs import diff_documents, load_doc
    from tracker.report.diff import (
        Side,
        render_csv,
        render_html,
        render_json,
        render_text,
        resolve_pair,
        version_label,
    )
    from tracker.store import open_existing_db

    db = open_existing_db(db_path)
    try:
        a_id, b_id = resolve_pair(db, a, b, against_origin=against_origin)
    except LookupError as error:
        raise click.ClickException(str(error.args[0])) from None
    result = diff_documents(load_doc(db, a_id), load_doc(db, b_id))
    sides = []
    for version_id in (a_id, b_id):
        url, fetched_at = version_label(db, version_id)
        sides.append(Side(url, version_id, fetched_at))
    if fmt == "html":
        rendered = render_html(result, *sides)
    elif fmt == "json":
        rendered = render_json(result, *sides)
    elif fmt == "csv":
        rendered = render_csv(result)
    else:
        color = output is None and sys.stdout.isatty()
        rendered = render_text(result, *sides, color=color)
    if output:
        try:
            Path(output).write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"{output}: cannot write ({exc.strerror})") from None
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(rendered, nl=False)


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
@click.option(
    "--db",
    "db_path",
    default="tracker.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite database to browse (never written to).",
)
@click.option(
    "--port", "-p", default=8001, show_default=True, type=click.IntRange(0, 65535), help="TCP port."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface; 0.0.0.0 publishes it on your network.",
)
@click.option(
    "--immutable",
    is_flag=True,
    help="Open the file as immutable: fastest, but a crawl writing to it will not show.",
)
@click.option(
    "--open", "open_browser", is_flag=True, help="Open the stories page in your web browser."
)
@click.option(
    "--get",
    "get_path",
    metavar="PATH",
    help="Print the response to one request (e.g. /demo.json) and exit, without serving.",
)
def serve(
    db_path: Path, port: int, host: str, immutable: bool, open_browser: bool, get_path: str | None
) -> None:
    """Browse a database in Datasette, read-only, with tracker's metadata, canned queries and
    views: story clusters with their credit chain and timeline, side-by-side diffs and the
    republication network. Queries stop after 3 s; at most 1,000 rows per page.

    \b
    Example:
        tracker serve --db demo.db
        tracker serve --db tracker.db --port 8002 --open
        tracker serve --db tracker.db --get /tracker/-/tracker/network
    """
    import socket

    from tracker.serve import build_datasette, database_names
    from tracker.store import table_names_read_only

    if not db_path.is_file():
        raise click.ClickException(
            f"{db_path}: no such database file (create one with tracker demo or tracker import)"
        )
    tables = table_names_read_only(db_path)
    if "pages" not in tables or "versions" not in tables:
        raise click.ClickException(f"{db_path}: not a tracker database (no pages/versions tables)")
    ds = build_datasette([db_path], immutable=immutable)
    name = database_names([db_path])[0]
    if get_path:
        import asyncio

        async def fetch():
            await ds.invoke_startup()
            return await ds.client.get(get_path)

        response = asyncio.run(fetch())
        click.echo(response.text)
        if response.status_code != 200:
            raise click.ClickException(f"{get_path}: HTTP {response.status_code}")
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({err.strerror}); pick another --port"
            ) from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/{name}"
    click.echo(f"Serving {db_path} read-only at {url}")
    click.echo(f"Stories: {url}/-/tracker   Network: {url}/-/tracker/network   Stop with Ctrl-C")
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"warning: listening on {host}: anyone who can reach this machine can browse it",
            err=True,
        )
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, [f"{url}/-/tracker"]).start()
    import uvicorn

    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")


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


@cli.command()
@click.option(
    "--site",
    default=None,
    help="Watch copies of this site's stories (a domain or URL of the site, e.g. example.com); all sites when omitted.",
)
@click.option(
    "--since",
    default=None,
    help="Never report copies older than this: an ISO date or time, or a span back from now (12h, 7d).",
)
@click.option(
    "--webhook",
    default=None,
    metavar="URL",
    help="POST the new copies as one JSON object to URL instead of printing them.",
)
@EXISTING_DB_OPTION
def watch(site: str | None, since: str | None, webhook: str | None, db_path: str) -> None:
    """Report the uncredited copies that appeared since the last run: copies on other sites of
    the stories that started on --site, crediting neither the original nor an upstream copy.
    Prints one line per copy (nothing when there is nothing new), or POSTs them as JSON to
    --webhook. Each run remembers where it stopped (per --site, in the database's watch_state
    table), so it is safe to run from cron after every crawl; a failed POST is reported again
    next time.

    \b
    Example:
        tracker watch --site harbourgazette.com --since 7d --db tracker.db
        tracker watch --site harbourgazette.com --webhook https://hooks.example/tracker --db tracker.db
        15 * * * * cd /srv/tracker && tracker crawl --db tracker.db && tracker watch --site example.com --db tracker.db
    """
    from tracker.store import open_existing_db
    from tracker.urls import site_of
    from tracker.watch import WatchError, parse_since, run_watch

    try:
        since_iso = parse_since(since)
        db = open_existing_db(db_path)
        result = run_watch(
            db.conn,
            site=site_of(site) if site and site.strip() else None,
            since=since_iso,
            webhook=webhook,
            report=click.echo,
        )
    except WatchError as failed:
        raise click.ClickException(str(failed)) from None
    if webhook and result.copies:
        click.echo(f"{len(result.copies)} new uncredited copies posted to {webhook}", err=True)
