"""Redis URLs with passwords and TLS, passwords never shown, and planted entries (a pickle, bad
JSON, a foreign record) rejected with one log line and moved to a dead-letter stream, never run."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redis_server import redis_server
from tracker.distributed.codec import BadEntry, decode_record, decode_request, encode_record
from tracker.distributed.connection import RedisURLError, check_url, connect, redact
from tracker.distributed.results import DEAD, RESULTS, push_record
from tracker.store import PageRecord

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-Pa55word"


def tracker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from tracker.cli import cli; cli()", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def record(url: str = "https://example.org/a.html") -> PageRecord:
    return PageRecord(
        url=url,
        site="example.org",
        fetched_at="2026-01-01T00:00:00+00:00",
        title="A title",
        byline=None,
        published=None,
        language="en",
        site_name=None,
        description=None,
        paragraphs=["First paragraph of the article, long enough to count.", "Second one."],
        credits=[{"kind": "via", "target_url": "https://origin.example/x"}],
        source="crawl",
    )


class Planted:
    """What a pickle would run if anyone unpickled it: it makes a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize(
    "url",
    [
        f"redis://:{SECRET}@127.0.0.1:6379/0",
        f"rediss://default:{SECRET}@redis.example:6380/1",
        f"redis://127.0.0.1:6379/0?password={SECRET}",
    ],
)
def test_redacted_urls_hide_the_password(url):
    shown = redact(url)
    assert SECRET not in shown and "***" in shown
    assert check_url(url) == url


def test_a_url_that_is_not_redis_is_one_clear_error():
    with pytest.raises(RedisURLError, match="expected redis://"):
        check_url(f"http://:{SECRET}@127.0.0.1/")
    try:
        check_url(f"http://:{SECRET}@127.0.0.1/")
    except RedisURLError as exc:
        assert SECRET not in str(exc)


def test_records_round_trip_as_json_and_pickles_are_refused(tmp_path):
    assert decode_record(encode_record(record())) == record()
    marker = tmp_path / "ran"
    for bad, why in [
        (pickle.dumps(Planted(marker)), "pickle"),
        (pickle.dumps(Planted(marker), protocol=0), "pickle"),
        (b"{not json", "not JSON"),
        (b'{"format": 1, "record": {"url": "u"}}', "missing"),
        (b'{"format": 1, "record": {"evil": 1}}', "unknown fields"),
        (b'{"format": 2, "record": {}}', "format"),
        (b"\xff\xfe", "UTF-8"),
    ]:
        with pytest.raises(BadEntry, match=why):
            decode_record(bad)
    assert not marker.exists()


def test_frontier_requests_load_no_class_and_call_only_spider_methods(tmp_path):
    import scrapy

    class Spider(scrapy.Spider):
        name = "s"

        def parse_page(self, response):
            return None

    spider = Spider()
    ok = b'{"format": 1, "request": {"url": "https://example.org/", "callback": "parse_page"}}'
    assert decode_request(ok, spider).callback == spider.parse_page
    with pytest.raises(BadEntry, match="no spider method"):
        decode_request(
            b'{"format": 1, "request": {"url": "https://e.org/", "callback": "nope"}}', spider
        )
    # A class named in the entry is ignored: it is always a plain scrapy.Request.
    planted = b'{"format": 1, "request": {"url": "https://e.org/", "_class": "os.system"}}'
    assert type(decode_request(planted, spider)) is scrapy.Request
    with pytest.raises(BadEntry, match="pickle"):
        decode_request(pickle.dumps(Planted(tmp_path / "ran")), spider)
    assert not (tmp_path / "ran").exists()


def test_ingest_with_a_password_rejects_planted_entries_and_never_logs_the_password(tmp_path):
    with redis_server(tmp_path, password=SECRET) as url:
        client = connect(url)
        marker = tmp_path / "ran"
        push_record(client, record("https://example.org/before.html"))
        client.xadd(RESULTS, {"record": pickle.dumps(Planted(marker))})
        client.xadd(RESULTS, {"record": b"{not json"})
        client.xadd(RESULTS, {"something": b"else"})
        push_record(client, record("https://example.org/after.html"))
        db = tmp_path / "tracker.db"
        result = tracker("ingest", "--redis", url, "--db", str(db), "--idle-exit", "0.5", "-v")
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        assert SECRET not in output
        assert "2 new pages" in result.stdout and "3 rejected" in result.stdout
        rejected = [line for line in result.stderr.splitlines() if "rejected" in line]
        assert len(rejected) == 3 and "pickle" in rejected[0], result.stderr
        assert "Traceback" not in output
        assert not marker.exists()
        assert client.xlen(DEAD) == 3 and client.xlen(RESULTS) == 0
        assert client.xpending(RESULTS, "ingest")["pending"] == 0

        # A wrong password: one line naming the server, without either password.
        wrong = url.replace(SECRET, "not-the-" + SECRET)
        failed = tracker("ingest", "--redis", wrong, "--db", str(db), "--idle-exit", "0")
        assert failed.returncode == 1
        assert failed.stderr.strip().splitlines() == [
            "Error: Redis redis://:***@" + url.split("@", 1)[1] + ": authentication failed"
        ]
        crawl = tracker("crawl", "--spider", "urls", "--urls", "-", "--redis", wrong)
        assert crawl.returncode == 1 and "authentication failed" in crawl.stderr
        assert SECRET not in crawl.stdout + crawl.stderr


def test_rediss_tls_is_accepted(tmp_path):
    with redis_server(tmp_path, tls=True) as url:
        assert url.startswith("rediss://")
        client = connect(url)
        push_record(client, record())
        db = tmp_path / "tracker.db"
        result = tracker("ingest", "--redis", url, "--db", str(db), "--idle-exit", "0.5")
        assert result.returncode == 0, result.stderr
        assert "1 new pages" in result.stdout
    with pytest.raises(RedisURLError, match="cannot connect"):
        connect(url.replace("rediss://", "redis://").split("?")[0])  # the server is gone
