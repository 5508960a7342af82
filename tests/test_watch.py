"""Watching: the Atom feeds served by the plugin and ``tracker watch`` (print, webhook, position).

The feeds are parsed with an XML parser and checked for the elements RFC 4287 requires; the
webhook is a real HTTP server on loopback.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner

from tests.datasette_fixture import HOSTILE_IMG, HOSTILE_SCRIPT, build_newsroom_db
from tracker.cli import cli
from tracker.serve import build_datasette
from tracker.watch import WatchError, parse_since

DB_NAME = "newsroom-2026"
T = f"/{DB_NAME}/-/tracker"
A = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("watch") / f"{DB_NAME}.db"
    return path, build_newsroom_db(path)


@pytest.fixture
def db_copy(built, tmp_path):
    """A writable copy of the newsroom database for one test."""
    path = tmp_path / "watched.db"
    shutil.copy(built[0], path)
    return path


# --------------------------------------------------------------------------- Atom feeds


async def fetch_feed(path: str, built) -> ET.Element:
    ds = build_datasette([built[0]])
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.text.startswith("<?xml")
    return ET.fromstring(response.content)


def assert_valid_atom(feed: ET.Element) -> None:
    """The elements RFC 4287 requires of a feed and of each entry, with sane values."""
    assert feed.tag == f"{A}feed"
    for required in ("id", "title", "updated"):
        assert (feed.findtext(f"{A}{required}") or "").strip(), required
    assert feed.find(f"{A}author/{A}name") is not None
    assert feed.find(f"{A}link[@rel='self']") is not None
    for entry in feed.findall(f"{A}entry"):
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{A}{required}") or "").strip(), required
        datetime.fromisoformat(entry.findtext(f"{A}updated").replace("Z", "+00:00"))
        link = entry.find(f"{A}link[@rel='alternate']")
        assert link is not None and link.get("href", "").startswith("http://localhost/")
    ids = [e.findtext(f"{A}id") for e in feed.findall(f"{A}entry")]
    assert len(ids) == len(set(ids))


async def test_overall_feed_lists_uncredited_copies_and_edits(built):
    ids = built[1]
    feed = await fetch_feed(f"{T}/feed.atom", built)
    assert_valid_atom(feed)
    titles = [e.findtext(f"{A}title") for e in feed.findall(f"{A}entry")]
    copies = [t for t in titles if t.startswith("Uncredited copy on")]
    edits = [t for t in titles if t.startswith("Edited after publication")]
    assert len(copies) == 3 and len(edits) == 2
    links = [e.find(f"{A}link").get("href") for e in feed.findall(f"{A}entry")]
    assert (
        f"http://localhost{T}/cluster/{ids['cluster_wind']}#member-{ids['page_wind_roundup']}"
        in links
    )
    assert f"http://localhost{T}/diff/{ids['diff_wind_version']}" in links


async def test_site_feed_has_only_that_sites_stories_and_edits(built):
    feed = await fetch_feed(f"{T}/site/coastwire.net/feed.atom", built)
    assert_valid_atom(feed)
    titles = [e.findtext(f"{A}title") for e in feed.findall(f"{A}entry")]
    assert titles == ["Uncredited copy on Daily Roundup: Council delays vote on ferry fares"]
    gazette = await fetch_feed(f"{T}/site/harbourgazette.com/feed.atom", built)
    kinds = sorted(e.find(f"{A}category").get("term") for e in gazette.findall(f"{A}entry"))
    assert kinds == ["edit-after-publication", "uncredited-copy"]


async def test_feed_escapes_hostile_text(built):
    ds = build_datasette([built[0]])
    raw = (await ds.client.get(f"{T}/feed.atom")).text
    assert "<script>" not in raw and "<img" not in raw
    feed = ET.fromstring(raw.encode("utf-8"))
    texts = " ".join(
        (e.findtext(f"{A}title") or "") + (e.findtext(f"{A}summary") or "")
        for e in feed.findall(f"{A}entry")
    )
    # The hostile strings survive as text (escaped in the XML, intact once parsed).
    assert HOSTILE_SCRIPT in texts and HOSTILE_IMG in texts


async def test_feed_of_unknown_site_is_404(built):
    ds = build_datasette([built[0]])
    assert (await ds.client.get(f"{T}/site/nobody.example/feed.atom")).status_code == 404


async def test_pages_link_their_feeds(built):
    ds = build_datasette([built[0]])
    overview = (await ds.client.get(T)).text
    assert f'href="{T}/feed.atom"' in overview
    site = (await ds.client.get(f"{T}/site/harbourgazette.com")).text
    assert f'href="{T}/site/harbourgazette.com/feed.atom"' in site


# --------------------------------------------------------------------------- tracker watch


def watch(*args: str):
    return CliRunner().invoke(cli, ["watch", *args])


def test_watch_prints_new_uncredited_copies_once(db_copy):
    first = watch("--db", str(db_copy))
    assert first.exit_code == 0, first.output
    lines = first.output.strip().splitlines()
    assert len(lines) == 3
    assert any(
        "dailyroundup.info copied harbourgazette.com without credit" in line for line in lines
    )
    again = watch("--db", str(db_copy))
    assert again.exit_code == 0 and again.output == ""


def test_watch_per_site_remembers_its_own_position(db_copy, built):
    ids = built[1]
    site = watch("--site", "coastwire.net", "--db", str(db_copy))
    assert site.exit_code == 0 and len(site.output.strip().splitlines()) == 1
    assert "Council delays vote on ferry fares" in site.output
    # A new uncredited copy of a Coast Wire story joins later: only it is reported.
    conn = sqlite3.connect(db_copy)
    page = conn.execute(
        "insert into pages (url, site, first_seen) values (?, ?, ?)",
        ["https://tideline.news/ferry", "tideline.news", "2030-01-01T00:00:00+00:00"],
    ).lastrowid
    conn.execute(
        "insert into cluster_members (cluster_id, page_id, role, credited, joined)"
        " values (?, ?, 'repost', 0, ?)",
        [ids["cluster_ferry"], page, "2030-01-01T00:00:00+00:00"],
    )
    conn.commit()
    conn.close()
    later = watch("--site", "coastwire.net", "--db", str(db_copy))
    assert later.exit_code == 0
    assert (
        later.output.strip().splitlines() == [later.output.strip().splitlines()[0]]
        and "https://tideline.news/ferry" in later.output
    )
    # The all-sites watcher has its own position: it has reported nothing yet.
    everything = watch("--db", str(db_copy))
    assert len(everything.output.strip().splitlines()) == 4
    state = sqlite3.connect(db_copy).execute("select watcher from watch_state order by 1")
    assert [r[0] for r in state] == ["*", "coastwire.net"]


def test_watch_site_may_be_given_as_a_url_or_www_host(db_copy):
    result = watch("--site", "https://www.CoastWire.net/about", "--db", str(db_copy))
    assert result.exit_code == 0 and "Council delays vote on ferry fares" in result.output
    again = watch("--site", "coastwire.net", "--db", str(db_copy))
    assert again.exit_code == 0 and again.output == ""  # the same watcher


def test_watch_since_leaves_out_older_copies(db_copy):
    result = watch("--since", "2999-01-01", "--db", str(db_copy))
    assert result.exit_code == 0 and result.output == ""
    recent = watch("--since", "30d", "--db", str(db_copy))
    assert len(recent.output.strip().splitlines()) == 3


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-45", "7 parsecs"])
def test_watch_bad_since_is_one_line(db_copy, bad):
    result = watch("--since", bad, "--db", str(db_copy))
    assert result.exit_code == 1
    assert result.output.startswith("Error: --since") and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_watch_missing_database_is_one_line(tmp_path):
    result = watch("--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1 and "no such database" in result.output


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 204

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        Hook.received.append(
            {"type": self.headers["Content-Type"], "body": json.loads(self.rfile.read(length))}
        )
        self.send_response(Hook.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    Hook.received = []
    Hook.status = 204
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_watch_posts_json_to_a_webhook(db_copy, hook):
    result = watch("--site", "harbourgazette.com", "--webhook", hook, "--db", str(db_copy))
    assert result.exit_code == 0, result.output
    assert len(Hook.received) == 1
    posted = Hook.received[0]
    assert posted["type"].startswith("application/json")
    body = posted["body"]
    assert body["event"] == "uncredited_copies" and body["site"] == "harbourgazette.com"
    assert body["count"] == 1
    (copy,) = body["copies"]
    assert copy["republished_by"] == "dailyroundup.info"
    assert copy["copy_url"] == "https://dailyroundup.info/p/8812"
    # Nothing new: no POST at all.
    assert (
        watch("--site", "harbourgazette.com", "--webhook", hook, "--db", str(db_copy)).exit_code
        == 0
    )
    assert len(Hook.received) == 1


def test_a_refused_webhook_stores_nothing(db_copy, hook):
    Hook.status = 500
    failed = watch("--webhook", hook, "--db", str(db_copy))
    assert failed.exit_code == 1 and "answered 500" in failed.output
    assert len(failed.output.strip().splitlines()) == 1
    Hook.status = 200
    retried = watch("--webhook", hook, "--db", str(db_copy))
    assert retried.exit_code == 0
    assert [h["body"]["count"] for h in Hook.received] == [3, 3]


def test_parse_since_forms():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert parse_since("12h", now) == "2026-11-30T00:00:00+00:00"
    assert parse_since("1w", now) == "2026-11-23T12:00:00+00:00"
    assert parse_since("2026-11-01T08:00", now) == "2026-11-01T08:00:00+00:00"
    assert parse_since(None) is None
    with pytest.raises(WatchError):
        parse_since("soon")


def test_two_watchers_at_once_never_report_the_same_copies(db_copy):
    from tracker.store.watch import one_writer
    from tracker.watch import run_watch

    first = sqlite3.connect(db_copy, timeout=0)
    second = sqlite3.connect(db_copy, timeout=0)
    try:
        with one_writer(first):
            # While one run holds the watch, another cannot read the position: it waits (here,
            # with no timeout, it fails at once) instead of reporting the same copies.
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                run_watch(second, report=lambda line: None)
        lines: list[str] = []
        assert len(run_watch(first, report=lines.append).copies) == 3
        assert run_watch(second, report=lines.append).copies == []
        assert len(lines) == 3
    finally:
        first.close()
        second.close()
