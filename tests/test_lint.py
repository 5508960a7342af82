"""The style and type gates of the project: ruff lint and format over the tree, mypy on tracker/.

A missing tool skips on a developer's machine but fails under ``CI=true``: CI installs the test
extras, so a missing tool there means the gate did not run.
"""

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, missing


def _tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path=os.path.dirname(sys.executable))
    if path is None:
        missing(f"{name} not installed (pip install -e '.[test]')")
        raise AssertionError  # unreachable: missing() skips or fails
    return path


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args):
    result = subprocess.run([_tool("ruff"), *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_clean_on_tracker():
    result = subprocess.run(
        [_tool("mypy"), "tracker"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
