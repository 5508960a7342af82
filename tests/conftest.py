"""Shared fixtures: a fresh database and the real-page corpus beside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tracker.store import open_db

# Under CI the property tests draw the same examples on every run (a failing example found on
# a developer's machine becomes an explicit test; CI never fails on a new random draw).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("TRACKER_CORPUS", ROOT.parent / "shared" / "corpus"))


def missing(message: str) -> None:
    """Something a test needs is not here: a skip on a developer's machine, a failure under
    ``CI=true`` (CI installs everything, so a skip there would hide a gate that did not run)."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def corpus_path(*parts: str) -> Path:
    """A path inside the real-page corpus; missing corpus fails under CI, skips elsewhere."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        missing(f"corpus not found at {path} (set TRACKER_CORPUS)")
    return path


@pytest.fixture
def fresh_db(tmp_path):
    """An empty tracker database with the full schema."""
    return open_db(tmp_path / "test.db")
