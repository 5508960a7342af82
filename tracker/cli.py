"""The ``tracker`` command line: every command has help and an example."""

from __future__ import annotations

import os

import click

from tracker import __version__

# Scrapy reads its settings from here wherever the package is installed.
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "tracker.settings")

DB_OPTION = click.option(
    "--db",
    "db_path",
    default="tracker.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database file (created if missing).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
