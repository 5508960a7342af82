"""The ``tracker`` command group, its shared options and logging set-up."""

from __future__ import annotations

import logging
import os
import sys

import click

from tracker import __version__

# Scrapy reads its settings from here wherever the package is installed.
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "tracker.settings")


def db_option(help: str, default: str = "tracker.db"):
    return click.option(
        "--db",
        "db_path",
        default=default,
        show_default=True,
        type=click.Path(dir_okay=False),
        help=help,
    )


DB_OPTION = db_option("SQLite database file (created if missing).")
EXISTING_DB_OPTION = db_option("SQLite database file (must exist).")


class _Group(click.Group):
    """Turns a database that cannot be opened into one error line, whichever command met it."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # The store is imported only if the command used it (importing it first would delay
            # the extraction workers ``tracker import`` starts before anything else).
            store = sys.modules.get("tracker.store")
            if store is not None and isinstance(exc, store.StoreError):
                raise click.ClickException(str(exc)) from exc
            raise


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


def log_setup(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="tracker: %(message)s",
        stream=sys.stderr,
    )
    # warcio narrates every oddity it repairs; tracker reports damaged records itself.
    logging.getLogger("warcio").setLevel(logging.ERROR)
