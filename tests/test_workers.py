"""The extraction workers' limits: a page over the time or memory limit is one line, fails
alone, and the run goes on (tracker.workers)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.test_reliability import page_html, paragraphs_for, tracker
from tracker.items import FetchedPage
from tracker.record import BadInput
from tracker.store import PageRecord
from tracker.workers import ExtractionLimits, ExtractionPool


def _fetched(url: str, body: bytes) -> FetchedPage:
    return FetchedPage(url=url, body=body, fetched_at="2026-03-01T00:00:00+00:00", source="test")


def _huge_page(megabytes: int) -> bytes:
    # A paragraph of 40 words is about 240 bytes.
    return page_html("Huge", paragraphs_for(9, count=megabytes * 4400, words=40))


def test_a_page_over_the_time_limit_is_one_line_and_its_worker_is_replaced(tmp_path):
    # Under the import's 10 MB cap (tracker.readers), yet about 5.6 s of extraction CPU on the
    # development machine: well over the 2 s limit below, while the small page takes ~0.05 s.
    huge = tmp_path / "huge.html"
    huge.write_bytes(_huge_page(7))
    small = tmp_path / "small.html"
    small.write_bytes(page_html("Small story", paragraphs_for(77)))
    proc = tracker(
        "import",
        str(huge),
        str(small),
        "--base-url",
        "https://pages.example/",
        "--db",
        str(tmp_path / "t.db"),
        "-j",
        "1",
        env={"TRACKER_EXTRACT_TIMEOUT": "2"},
    )
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert err.strip().splitlines() == [
        "tracker: https://pages.example/huge.html: extraction took longer than 2 s, skipped"
    ]
    assert "read 2 pages: 1 new pages" in out


def test_a_page_over_the_memory_limit_fails_alone():
    small = _fetched("https://pages.example/small", page_html("Small story", paragraphs_for(78)))
    with ExtractionPool(1, ExtractionLimits(seconds=0, memory_mb=0)) as pool:
        pool.submit([small]).result()
        (worker,) = pool.workers.values()
        # The cap leaves room for a page like ``small``, not for a 20 MB page's tree.
        size = int(Path(f"/proc/{worker.process.pid}/statm").read_text().split()[0])
        baseline = size * os.sysconf("SC_PAGE_SIZE") // 2**20
    limits = ExtractionLimits(seconds=0, memory_mb=baseline + 120)
    huge = _fetched("https://pages.example/huge", _huge_page(20))
    with ExtractionPool(1, limits) as pool:
        first, second = pool.submit([huge, small]).result()
    # One line either way: Python's MemoryError names the limit; lxml reports its own failed
    # allocations as a parse error.
    assert isinstance(first, BadInput)
    assert str(first).startswith(("extraction needed more than", "extraction failed")), first
    assert isinstance(second, PageRecord) and second.title == "Small story"


def test_the_fork_server_warm_up_extracts_its_page_without_starting_threads():
    # tracker.worker_preload runs in the fork server before it forks the workers: a thread
    # started there would be forked half-way; a page that fails would warm nothing.
    import subprocess
    import sys

    code = (
        "import threading; before = threading.active_count(); "
        "import tracker.worker_preload as w; "
        "from tracker.record import build_or_error; from tracker.items import FetchedPage; "
        "from tracker.store import PageRecord; "
        "page = FetchedPage(url='https://example.com/warm-up', body=w._PAGE.encode(), "
        "fetched_at='2024-01-01T00:00:00+00:00'); "
        "record = build_or_error(page); "
        "assert isinstance(record, PageRecord) and record.paragraphs, record; "
        "assert [c['kind'] for c in record.credits] == ['originally-appeared', 'source-line'], record.credits; "
        "assert threading.active_count() == before, threading.enumerate()"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
