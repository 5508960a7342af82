"""The hostile-input corpus (tests/hostile/make_corpus.py) through every entry point: ``tracker
import``, ``tracker crawl`` of a loopback web, ``tracker show``, ``tracker diff`` and every page of
tracker's Datasette plugin on the resulting database. Each bad input gives one line and is
counted; no traceback, no worker death, memory bounded on bombs.

The corpus is written into a temporary folder at test time. ``TRACKER_HOSTILE_BOMB_MB`` sets the
decompressed size of the WARC gzip bomb (default 1024: a 1 MB file).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.hostile.make_corpus import MB, METADATA, HostileWeb, write_import_corpus
from tracker.cli import cli
from tracker.serve import build_datasette

ROOT = Path(__file__).resolve().parent.parent
BOMB = int(os.environ.get("TRACKER_HOSTILE_BOMB_MB", "1024")) * MB
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "TRACKER_EXTRACT_PROCESSES=1"]
DEATHS = ("Traceback", "BrokenProcessPool", "terminated abruptly", "Killed")


# Runs the CLI and writes its peak resident memory (KB, the CLI and the processes it waited for)
# to stderr's last line. The launcher is a small process of its own: measured from the test
# process, a fork would count the test process's own pages, resident in the child until exec.
_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call([sys.executable, '-c', 'from tracker.cli import cli; cli()', *sys.argv[1:]])\n"
    "sys.stderr.write('\\npeak-kb %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def tracker(*args: str | bytes) -> tuple[int, str, str, int]:
    """Run the CLI in a process of its own: (exit status, stdout, stderr, peak resident memory
    in MB of the CLI's process and the worker processes it waited for)."""
    environ = {
        k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")
    }
    process = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *args],
        capture_output=True,
        cwd=ROOT,
        env=environ,
        check=False,
    )
    err = process.stderr.decode(errors="replace")
    err, _, peak = err.rpartition("\npeak-kb ")
    return process.returncode, process.stdout.decode(errors="replace"), err, int(peak) // 1024


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    corpus = write_import_corpus(folder / "corpus", bomb=BOMB)
    db = folder / "hostile.db"
    paths = [str(p) for p in corpus.files]
    first = tracker("import", *paths, "--db", str(db), "--jobs", "2",
                             "--base-url", "https://hostile.example/files/")  # fmt: skip
    return corpus, db, paths, first


def test_import_reports_each_bad_input_once_and_stores_the_rest(imported):
    corpus, db, paths, (status, out, err, peak) = imported
    assert status == 0, out + err
    for word in DEATHS:
        assert word not in out + err
    problems = [line for line in err.splitlines() if line.endswith(", skipped")]
    for name, fragment in corpus.bad.items():
        lines = [line for line in problems if f"/{name}" in line]
        assert len(lines) == 1 and fragment in lines[0], (name, lines)
    errors = int(re.search(r"(\d+) errors", out).group(1))
    assert errors == len(problems)  # every line counted, every count a line
    assert "https://hostile.example/nul: binary body" in err  # NUL bytes: binary, one line
    stored = {url for (url,) in rows(db, "select url from pages")}
    assert (
        set(corpus.pages) - {"https://hostile.example/nul", "https://hostile.example/nested"}
        <= stored
    )
    texts = dict(rows(db, "select p.url, v.text from pages p join versions v on v.page_id = p.id"))
    assert "caf\u00e9" in texts["https://hostile.example/cp1252"]  # charset from the header
    titles = dict(
        rows(db, "select p.url, v.title from pages p join versions v on v.page_id = p.id")
    )
    assert titles["https://hostile.example/utf16"].startswith("Report 5001")  # BOM pages decoded
    assert titles["https://hostile.example/utf32"].startswith("Report 5002")
    assert "https://hostile.example/links" in stored  # IPv6 and invalid links do not drop it
    assert peak < 400, f"import took {peak} MB"  # the 1 GB bomb and 30 MB pages are not read whole


def test_import_again_adds_nothing_and_says_the_same(imported):
    corpus, db, paths, (_, _, err, _) = imported
    status, out, again, _ = tracker("import", *paths, "--db", str(db), "--jobs", "1",
                                    "--base-url", "https://hostile.example/files/")  # fmt: skip
    assert status == 0
    assert "0 new pages, 0 new versions" in out
    skipped = sorted(line for line in err.splitlines() if line.endswith(", skipped"))
    assert sorted(line for line in again.splitlines() if line.endswith(", skipped")) == skipped


def test_show_and_diff_on_every_stored_page_and_on_hostile_arguments(imported):
    _, db, _, _ = imported
    runner = CliRunner()
    for (url,) in rows(db, "select url from pages"):
        for args in (
            ["show", url],
            ["show", url, "--json"],
            ["diff", url],
            ["diff", url, "--format", "html"],
        ):
            result = runner.invoke(cli, [*args, "--db", str(db)], catch_exceptions=False)
            assert result.exit_code in (0, 1), (args, result.output)
            assert "Traceback" not in result.output
    hostile_args = [
        b"https://hostile.example/caf\xff\xfe",  # not UTF-8: surrogate-escaped by Python
        "https://hostile.example/\x00nul".replace("\x00", "%00"),
        "http://[::1",
        "javascript:alert(1)",
        METADATA,
    ]
    for arg in hostile_args:
        for command in ("show", "diff"):
            status, out, err, _ = tracker(command, arg, "--db", str(db))
            assert status in (0, 1) and "Traceback" not in out + err, (command, arg, err)
            if status:  # an error is one line; the metadata URL finds the page naming it
                assert len(err.strip().splitlines()) == 1, err


async def test_every_tracker_page_serves_the_hostile_database(imported):
    _, db, _, _ = imported
    ds = build_datasette([db])
    name = db.stem
    ids = {
        table: [r[0] for r in rows(db, f"select id from {table} limit 20")]
        for table in ("clusters", "diffs", "pages", "versions")
    }
    sites = [r[0] for r in rows(db, "select domain from sites")]
    versions = ids["versions"]
    paths = [f"/{name}/-/tracker", f"/{name}/-/tracker/network", f"/{name}/-/tracker/feed.atom"]
    paths += [f"/{name}/-/tracker/cluster/{i}" for i in ids["clusters"]]
    paths += [f"/{name}/-/tracker/diff/{i}" for i in ids["diffs"]]
    paths += [f"/{name}/-/tracker/page/{i}" for i in ids["pages"]]
    paths += [f"/{name}/-/tracker/version/{i}" for i in versions]
    paths += [f"/{name}/-/tracker/site/{s}" for s in sites]
    paths += [f"/{name}/-/tracker/site/{s}/feed.atom" for s in sites]
    paths += [
        f"/{name}/-/tracker/compare?a={a}&b={b}"
        for a, b in zip(versions, versions[1:], strict=False)
    ]
    paths += [
        f"/{name}/-/tracker/lookup?q={q}" for q in ("http://[::1", "%00", "caf%C3%A9", "x" * 5000)
    ]
    paths += [
        f"/{name}/-/tracker/cluster/%00",
        f"/{name}/-/tracker/page/-1",
        f"/{name}/pages",
        f"/{name}/versions",
    ]
    for path in paths:
        response = await ds.client.get(path)
        assert response.status_code in (200, 400, 404), (
            path,
            response.status_code,
            response.text[:300],
        )
        assert "Traceback" not in response.text


@pytest.fixture()
def hostile_web():
    web = HostileWeb(bomb=BOMB // 4)
    yield web
    web.stop()


def test_crawl_of_a_hostile_web(hostile_web, tmp_path):
    web = hostile_web
    sources = tmp_path / "sources.yml"
    sources.write_text(
        f"sites:\n  - name: Hostile\n    domain: {web.base.removeprefix('http://')}\n"
        f"    feeds: [{web.base}/feed.xml]\n    allow_private: true\nfollow_credits: 2\n"
    )
    db = tmp_path / "crawl.db"
    status, out, err, peak = tracker(
        "crawl", "--sources", str(sources), "--db", str(db), "--spider", "feed",
        "--spider", "credits", *FAST,
    )  # fmt: skip
    for word in DEATHS:
        assert word not in out + err, err[-3000:]
    stored = {url.removeprefix(web.base) for (url,) in rows(db, "select url from pages")}
    assert {"/p/utf16", "/p/utf32", "/p/cp1252", "/p/links", "/p/hugeattr", "/p/metadata"} <= stored
    assert not stored & {"/p/big", "/gzip-bomb", "/loop"}
    assert not [u for (u,) in rows(db, "select url from pages") if "169.254" in u]
    notes = dict(rows(db, "select url, note from crawl_urls where note is not null"))
    for path in ("/p/big", "/gzip-bomb", "/loop"):
        assert notes.get(web.base + path), (path, notes)
    chain = max(int(h.rsplit("/", 1)[1]) for h in web.hits if h.startswith("/chain/"))
    assert chain <= 21  # Scrapy's REDIRECT_MAX_TIMES
    # One line each on stderr: too large, bomb, loop, redirect chain, binary body, refused address.
    for fragment in ("/p/big", "/gzip-bomb", "/loop: redirect loop", "/chain/", "/p/nul: binary",
                     "refused http://169.254.169.254"):  # fmt: skip
        assert len([line for line in err.splitlines() if fragment in line]) == 1, (fragment, err)
    stats = [json.loads(s) for (s,) in rows(db, "select stats from crawl_runs")]
    counted = sum(
        int(s.get(key, 0)) for s in stats
        for key in ("tracker/errors", "tracker/ignored", "tracker/refused_internal")
    )  # fmt: skip
    assert counted >= 6
    assert status == 0, err[-3000:]
    assert peak < 400, f"crawl took {peak} MB"
