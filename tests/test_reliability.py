"""Kills, concurrent jobs and import order: what tracker promises about its rows.

* ``kill -9`` of ``tracker import`` / ``tracker crawl`` at random points, rerunning each time:
  the database is intact every time, and once a run completes its rows equal an uninterrupted
  run's (0 lost, 0 duplicated). ``TRACKER_KILL_ROUNDS`` (default 15) and
  ``TRACKER_CRAWL_KILL_ROUNDS`` (default 4) set the number of kills; 100 is the long version.
* A killed import or crawl leaves no process behind.
* Several imports at once, and an import beside a crawl, give the rows of one run and never
  "database is locked".
* The same snapshots imported in any order give the same rows.

Rows are compared by content (URLs, fetch times, hashes, figures), never by ids.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tracker.cli import cli

ROOT = Path(__file__).resolve().parent.parent
TRACKER = [sys.executable, "-c", "from tracker.cli import cli; cli()"]

_RNG = random.Random(11)
_VOCAB = [
    "".join(_RNG.choice("bdfklmnprstvz") + _RNG.choice("aeiou") for _ in range(3))
    for _ in range(3000)
]
_DAY0 = datetime(2026, 3, 1, tzinfo=UTC)


def paragraphs_for(seed: int, count: int = 8, words: int = 45) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(_VOCAB, k=words)).capitalize() + "." for _ in range(count)]


def page_html(title: str, paragraphs: list[str], credit: str | None = None) -> bytes:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    if credit:
        body += f'<p>Originally published by <a href="{credit}">the Origin Gazette</a>.</p>\n'
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>\n{body}"
        "</article><footer>Contact us</footer></body></html>"
    ).encode()


def snapshots(stories: int = 10) -> list[tuple[str, bytes, datetime]]:
    """Generated snapshots: per story an origin (refetched unchanged, then edited), a credited
    repost (later edited), an uncredited excerpt; and a few pages of their own."""
    out: list[tuple[str, bytes, datetime]] = []
    for s in range(stories):
        text = paragraphs_for(1000 + s)
        title = f"Story number {s}"
        origin = f"https://origin{s % 3}.example/news/{s}.html"
        copy = f"https://copy{s % 4}.example/reposts/{s}"
        excerpt = f"https://digest{s % 2}.example/{s}/"
        edited = [*text[:3], text[3] + " A correction was added.", *text[4:], "An update."]
        out += [
            (origin, page_html(title, text), _DAY0 + timedelta(days=1, hours=s)),
            (origin, page_html(title, text), _DAY0 + timedelta(days=3, hours=s)),
            (origin, page_html(title, edited), _DAY0 + timedelta(days=5, hours=s)),
            (copy, page_html(title, text, credit=origin), _DAY0 + timedelta(days=2, hours=s)),
            (excerpt, page_html(title, text[:5]), _DAY0 + timedelta(days=2, hours=s + 1)),
        ]
        if s % 2 == 0:
            out.append(
                (copy, page_html(title, edited, credit=origin), _DAY0 + timedelta(days=6, hours=s))
            )
    for n in range(6):
        url = f"https://solo{n % 2}.example/items/{n}"
        out.append(
            (url, page_html(f"Solo {n}", paragraphs_for(5000 + n)), _DAY0 + timedelta(days=n))
        )
    return out


def write_warc(path: Path, records: list[tuple[str, bytes, datetime]]) -> Path:
    """A gzipped WARC of response records."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, body, when in records:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            writer.write_record(record)
    return path


def warc_parts(folder: Path, parts: int = 4, overlap: bool = False) -> list[Path]:
    """The snapshots split into ``parts`` WARC files, each version of a page in another part
    than its neighbours; with ``overlap`` each part also holds the next part's records."""
    records = snapshots()
    random.Random(3).shuffle(records)
    chunks = [records[i::parts] for i in range(parts)]
    if overlap:
        chunks = [chunks[i] + chunks[(i + 1) % parts] for i in range(parts)]
    return [write_warc(folder / f"part{i}.warc.gz", chunk) for i, chunk in enumerate(chunks)]


def tracker(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [*TRACKER, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = tracker(*args)
    out, err = proc.communicate(timeout=timeout)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert result.returncode == 0, out + err
    assert "locked" not in err and "Traceback" not in err, err
    return result


def run_here(*args: str) -> None:
    """``tracker`` in this process (saves an interpreter start per run)."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    assert "locked" not in result.output and result.exception is None, result.output


def rows(db: Path) -> dict[str, list[tuple]]:
    """The rows that make a tracker database's meaning, by content, sorted (duplicates kept)."""
    with sqlite3.connect(db) as conn:
        q = conn.execute
        version = {
            vid: (url, at)
            for vid, url, at in q(
                "select v.id, p.url, v.fetched_at from versions v join pages p on p.id = v.page_id"
            )
        }
        url_of = dict(q("select id, url from pages"))
        members: dict[int, list[tuple]] = {}
        for cid, pid, vid, role, credited, credits in q(
            "select cluster_id, page_id, version_id, role, credited, credits_page_id"
            " from cluster_members"
        ):
            members.setdefault(cid, []).append(
                (url_of[pid], version.get(vid), role, credited, url_of.get(credits))
            )
        latest = dict(
            q(
                "select page_id, id from (select page_id, id, row_number() over (partition by"
                " page_id order by fetched_at desc, id desc) as n from versions) where n = 1"
            )
        )
        # A repost diff is current when it compares the origin's latest version with a member's
        # latest; the ones of earlier states stay as the history of the processing, which
        # depends on what arrived when (not compared).
        current = {
            (latest[origin], latest[member])
            for cid, origin in q(
                "select c.id, coalesce(c.origin_page_id, (select m.page_id from cluster_members m"
                " where m.cluster_id = c.id and m.role = 'origin' limit 1)) from clusters c"
            )
            if origin is not None
            for (member,) in q(
                "select page_id from cluster_members where cluster_id = ? and page_id != ?",
                [cid, origin],
            )
        }
        return {
            "pages": sorted(q("select url, site, first_seen, last_fetched from pages")),
            "versions": sorted(
                q(
                    "select p.url, v.fetched_at, v.content_hash, v.word_count from versions v"
                    " join pages p on p.id = v.page_id"
                )
            ),
            "attributions": sorted(
                (url_of[p], version.get(v), kind, target or "", evidence or "", url_of.get(t))
                for p, v, kind, target, evidence, t in q(
                    "select page_id, version_id, kind, target_url, evidence, target_page_id"
                    " from attributions"
                )
            ),
            "clusters": sorted(tuple(sorted(m, key=str)) for m in members.values()),
            "diffs": sorted(
                (kind, version[a], version[b], *figures)
                for kind, a, b, *figures in q(
                    "select kind, a_version_id, b_version_id, retained, words_added,"
                    " words_removed, paragraphs_added, paragraphs_removed, paragraphs_changed,"
                    " (select count(*) from diff_ops o where o.diff_id = d.id) from diffs d"
                )
                if kind == "version" or (a, b) in current
            ),
            # Fingerprints of the versions clustering counts now (older ones are a cache whose
            # contents depend on what was latest when each run clustered).
            "fingerprints": sorted(
                version[v]
                for (v,) in q("select version_id from fingerprints")
                if v in set(latest.values())
            ),
        }


def integrity(db: Path) -> str:
    with sqlite3.connect(db, timeout=60) as conn:
        return conn.execute("pragma integrity_check").fetchone()[0]


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (psutil when installed, else /proc)."""
    try:
        import psutil

        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 (the process is gone)
        return []
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_bytes()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(b")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat.rsplit(b")", 1)[1].split()[0] != b"Z"


def survivors(pids: list[int], wait: float = 15.0) -> list[int]:
    """The processes of ``pids`` still running after up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        alive = [p for p in pids if _running(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def kill_at(proc: subprocess.Popen, delay: float) -> tuple[bool, list[int]]:
    """``kill -9`` the process after ``delay`` s unless it finished; (killed, its descendants)."""
    deadline = time.monotonic() + delay
    children: list[int] = []
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            proc.communicate()
            assert proc.returncode == 0
            return False, []
        children = sorted(set(children) | set(descendants(proc.pid)))
        time.sleep(0.05)
    children = sorted(set(children) | set(descendants(proc.pid)))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # Not read to the end: a surviving child would hold the pipes open (it is counted instead).
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    return True, children


def _rounds(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def warc(tmp_path_factory) -> Path:
    return write_warc(tmp_path_factory.mktemp("warc") / "all.warc.gz", snapshots())


@pytest.fixture(scope="module")
def reference(warc, tmp_path_factory) -> tuple[dict, float]:
    """The rows of one uninterrupted import, and how long it took."""
    db = tmp_path_factory.mktemp("ref") / "ref.db"
    started = time.monotonic()
    run("import", str(warc), "--db", str(db), "-j", "2")
    return rows(db), time.monotonic() - started


def test_the_reference_import_has_clusters_diffs_and_credits(reference):
    expected, _ = reference
    assert len(expected["pages"]) == 36
    assert len(expected["versions"]) == 10 * 4 + 5 + 6  # unchanged refetches add none
    assert len(expected["clusters"]) >= 8
    assert any(kind == "version" for kind, *_ in expected["diffs"])
    assert any(kind == "repost" for kind, *_ in expected["diffs"])
    assert any(target for *_, target in expected["attributions"])


def test_killed_imports_lose_nothing_and_leave_no_process(warc, reference, tmp_path):
    expected, seconds = reference
    rounds = _rounds("TRACKER_KILL_ROUNDS", 15)
    rng = random.Random(int(os.environ.get("TRACKER_KILL_SEED", "20")))
    db = tmp_path / "k.db"
    kills = completed = seen_children = 0
    left: list[int] = []
    while kills < rounds:
        proc = tracker("import", str(warc), "--db", str(db), "-j", "2")
        killed, children = kill_at(proc, rng.uniform(0.2, seconds * 1.1))
        if db.exists():
            assert integrity(db) == "ok"
        if killed:
            kills += 1
            seen_children += len(children)
            left += survivors(children)
        else:
            completed += 1
            assert rows(db) == expected
            _remove_db(db)
    run("import", str(warc), "--db", str(db), "-j", "2")
    assert integrity(db) == "ok"
    assert rows(db) == expected
    assert left == [] and seen_children > 0
    print(
        f"\n{kills} kills ({seen_children} child processes), {completed} completed runs between"
        " them, processes left: 0"
    )


def test_any_import_order_gives_the_same_rows(tmp_path):
    parts = warc_parts(tmp_path)
    results = []
    for n, order in enumerate(([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1])):
        db = tmp_path / f"order{n}.db"
        for i in order:
            run_here("import", str(parts[i]), "--db", str(db), "-j", "1")
        results.append(rows(db))
    one = tmp_path / "one.db"
    run_here("import", *map(str, parts), "--db", str(one), "-j", "2")
    results.append(rows(one))
    for other in results[1:]:
        for table in ("pages", "versions", "attributions", "diffs"):
            assert other[table] == results[0][table], table
    # Versions ordered by fetch time, whatever came first: each version differs from the last.
    assert len(results[0]["versions"]) == 10 * 4 + 5 + 6


def test_concurrent_imports_give_the_rows_of_one(tmp_path):
    parts = warc_parts(tmp_path, overlap=True)
    sequential = tmp_path / "seq.db"
    for part in parts:
        run_here("import", str(part), "--db", str(sequential), "-j", "1")
    expected = rows(sequential)
    for existing in (False, True):
        db = tmp_path / f"together-{existing}.db"
        if existing:  # a database that already holds part of the pages
            run("import", str(parts[0]), "--db", str(db), "-j", "1")
        procs = [tracker("import", str(part), "--db", str(db), "-j", "1") for part in parts]
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, out + err
            assert "locked" not in err and "Traceback" not in err, err
        assert integrity(db) == "ok"
        got = rows(db)
        for table in ("pages", "versions", "attributions", "diffs", "fingerprints"):
            assert got[table] == expected[table], table
        assert {frozenset(u for u, *_ in c) for c in got["clusters"]} == {
            frozenset(u for u, *_ in c) for c in expected["clusters"]
        }


# -- crawls -----------------------------------------------------------------------------------

CRAWL_FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "TRACKER_EXTRACT_PROCESSES=2"]


def content_rows(db: Path) -> dict[str, list]:
    """:func:`rows` without fetch times (two crawls fetch the same pages at different times)."""
    got = rows(db)

    def url(key: tuple | None) -> str | None:
        return key[0] if key else None

    return {
        "pages": sorted((u, site) for u, site, *_ in got["pages"]),
        "versions": sorted((u, chash, words) for u, _, chash, words in got["versions"]),
        "attributions": sorted((u, *rest[1:]) for u, *rest in got["attributions"]),
        "clusters": sorted(
            tuple(sorted((u, role, credited, by) for u, _, role, credited, by in members))
            for members in got["clusters"]
        ),
        "diffs": sorted((kind, url(a), url(b), *f) for kind, a, b, *f in got["diffs"]),
        "fingerprints": sorted(u for u, _ in got["fingerprints"]),
    }


@pytest.fixture(scope="module")
def web():
    from tests.conftest import corpus_path
    from tests.fixture_web import FixtureWeb

    corpus_path("scrapinghub-article-extraction-benchmark", "ground-truth.json")
    fixture = FixtureWeb(corpus_path("copietje-neardup-variants-and-newsedits").parent).start()
    yield fixture
    fixture.stop()


@pytest.fixture(scope="module")
def crawl_reference(web, tmp_path_factory) -> tuple[Path, dict, float]:
    """The sources file, the rows of one uninterrupted crawl, and how long it took."""
    folder = tmp_path_factory.mktemp("crawl")
    sources = folder / "sources.yml"
    sources.write_text(web.sources_yaml(follow_credits=2))
    started = time.monotonic()
    run("crawl", "--sources", str(sources), "--db", str(folder / "ref.db"), *CRAWL_FAST)
    return sources, content_rows(folder / "ref.db"), time.monotonic() - started


def test_killed_crawls_lose_nothing_and_leave_no_process(crawl_reference, tmp_path):
    sources, expected, seconds = crawl_reference
    assert len(expected["pages"]) >= 8 and expected["clusters"]
    rounds = _rounds("TRACKER_CRAWL_KILL_ROUNDS", 4)
    rng = random.Random(int(os.environ.get("TRACKER_KILL_SEED", "20")))
    db = tmp_path / "k.db"
    kills = seen_children = 0
    left: list[int] = []
    while kills < rounds:
        proc = tracker("crawl", "--sources", str(sources), "--db", str(db), *CRAWL_FAST)
        killed, children = kill_at(proc, rng.uniform(0.5, seconds * 1.1))
        if db.exists():
            assert integrity(db) == "ok"
        if killed:
            kills += 1
            seen_children += len(children)
            left += survivors(children)
        else:
            assert content_rows(db) == expected
            _remove_db(db)
    run("crawl", "--sources", str(sources), "--db", str(db), *CRAWL_FAST)
    assert integrity(db) == "ok"
    assert content_rows(db) == expected
    assert left == []
    print(f"\n{kills} crawl kills ({seen_children} child processes), processes left: 0")


def test_an_import_beside_a_crawl(crawl_reference, warc, reference, tmp_path):
    sources, crawled, _ = crawl_reference
    db = tmp_path / "both.db"
    procs = [
        tracker("crawl", "--sources", str(sources), "--db", str(db), *CRAWL_FAST),
        tracker("import", str(warc), "--db", str(db), "-j", "1"),
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out + err
        assert "locked" not in err and "Traceback" not in err, err
    assert integrity(db) == "ok"
    got = content_rows(db)
    imported = {
        "pages": sorted((u, site) for u, site, *_ in reference[0]["pages"]),
        "versions": sorted((u, chash, w) for u, _, chash, w in reference[0]["versions"]),
    }
    for table in ("pages", "versions"):
        assert got[table] == sorted(crawled[table] + imported[table]), table
