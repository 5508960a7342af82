"""The ``tracker`` command line: every command has help and an example.

The group and its shared options are in :mod:`tracker.cli.group`; the commands register
themselves on it: :mod:`tracker.cli.collect` (import, crawl, demo, cluster),
:mod:`tracker.cli.reports` (show, diff, serve, watch, export) and
:mod:`tracker.distributed.commands` (crawl --redis, ingest).
"""

from tracker.cli import collect, reports  # noqa: F401 (registers the commands)
from tracker.cli.group import cli
from tracker.distributed import commands as _distributed  # noqa: F401 (crawl --redis, ingest)

__all__ = ["cli"]
