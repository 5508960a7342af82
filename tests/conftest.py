"""Shared fixtures: a fresh database and the real-page corpus beside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracker.store import open_db

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("TRACKER_CORPUS", ROOT.parent / "shared" / "corpus"))


def corpus_path(*parts: str) -> Path:
    """A path inside the real-page corpus; missing corpus fails under CI, skips elsewhere."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        message = f"corpus not found at {path} (set TRACKER_CORPUS)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def fresh_db(tmp_path):
    """An empty tracker database with the full schema."""
    return open_db(tmp_path / "test.db")
