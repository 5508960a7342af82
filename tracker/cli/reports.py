"""Commands for people: ``show``, ``diff``, ``serve``, ``watch``, ``export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker.cli.group import EXISTING_DB_OPTION, cli


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

    The URL may be pasted in any form: http or https, with or without www., with tracking
    parameters, or the AMP or mobile address of a stored article. A URL that is not in the
    database is an error (exit 1). A stored page that is in no cluster
    has no known copies: one line saying so, exit 0 (with --json: "clusters": []).

    \b
    Example:
        tracker show https://www.transcend.org/tms/2024/01/some-story/ --db tracker.db
        tracker show https://antiwar.com/some-story --db tracker.db --json | jq .clusters[0].chains
    """
    from tracker.lookup import find_page, looks_like_url
    from tracker.report.show import cluster_table, describe_cluster, format_cluster, to_json
    from tracker.store import open_existing_db
    from tracker.store.queries import clusters_of_page

    if any("\udc80" <= ch <= "\udcff" for ch in url):
        raise click.ClickException(f"{ascii(url)}: not UTF-8 text; give the URL as UTF-8")
    if not looks_like_url(url):
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


@cli.command(name="export")
@click.argument("story")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["zip"]),
    default="zip",
    show_default=True,
    help="What to write (a zip file that stands on its own).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write.",
)
@EXISTING_DB_OPTION
def export(story: str, fmt: str, output: Path, db_path: str) -> None:
    """Export the evidence of one STORY (a cluster id, or the URL of any page in it): members
    with role, credit, URLs and times; credits; diffs (figures and side-by-side HTML); the
    stored text of each version; and the pages as they were fetched (their WARC records), so a
    copy deleted from the web can still be shown. README.txt in the zip lists each file's
    SHA-256.

    \b
    Example:
        tracker export 3 --db tracker.db -o story-3.zip
        tracker export https://copy.example/story --format zip --db tracker.db -o evidence.zip
    """
    from tracker.export import ExportError, export_story
    from tracker.store import open_existing_db

    db = open_existing_db(db_path)
    try:
        summary = export_story(db, story, output, Path(db_path).resolve().parent)
    except ExportError as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(
        f"wrote {output}: story {summary.cluster_id}, {summary.members} pages,"
        f" {summary.versions} versions, {summary.diffs} diffs, {summary.captures} captured pages"
    )
    for note in summary.notes:
        click.echo(f"not included: {note}", err=True)
