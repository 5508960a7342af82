"""`tracker demo` end to end: crawl the loopback demo web twice and check every table's story."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.demo.content import PIER_URL
from tracker.store import open_db

EDITED = "http://harbourtimes.example/2026/11/coast-road-closed/"
EXCERPT = "http://briefings.example/morning/2026-11-18/"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--db", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "first crawl: 8 pages fetched, 8 new pages, 8 new versions, 0 errors" in result.output
    assert "1 new versions" in result.output
    assert f"tracker serve --db {path}" in result.output
    return path


def test_demo_cluster_roles_credits_and_chain(demo_db):
    result = CliRunner().invoke(cli, ["show", PIER_URL, "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    cluster = json.loads(result.output)["clusters"][0]
    members = {m["url"]: m for m in cluster["members"]}
    site = {m["url"].split("/")[2]: m for m in cluster["members"]}
    assert len(members) == 6
    assert site["harbourtimes.example"]["role"] == "origin"
    assert cluster["origin_evidence"] == "credits"
    assert site["briefings.example"]["role"] == "excerpt"
    for host in (
        "coastwire.example",
        "dailydigest.example",
        "peoplesvoice.example",
        "newsbucket.example",
    ):
        assert site[host]["role"] == "repost"
    assert site["newsbucket.example"]["credited"] is False
    for host in (
        "coastwire.example",
        "dailydigest.example",
        "peoplesvoice.example",
        "briefings.example",
    ):
        assert site[host]["credited"] is True, host
    text = CliRunner().invoke(cli, ["show", PIER_URL, "--db", str(demo_db)]).output
    assert "peoplesvoice.example → coastwire.example → harbourtimes.example" in text
    assert "UNCREDITED" in text


def test_demo_unrelated_article_is_in_no_cluster(demo_db):
    db = open_db(demo_db)
    rows = db.execute(
        "select count(*) from cluster_members m join pages p on p.id = m.page_id where p.url like '%library%'"
    ).fetchone()
    assert rows[0] == 0


def test_demo_edit_gives_a_second_version_and_a_diff(demo_db):
    db = open_db(demo_db)
    versions = db.execute(
        "select v.title from versions v join pages p on p.id = v.page_id where p.url = ? order by v.id",
        [EDITED],
    ).fetchall()
    assert [v[0] for v in versions] == [
        "Coast road closed after landslip",
        "Coast road to stay shut for two weeks after landslip",
    ]
    diff = db.execute(
        "select title_changed, paragraphs_added, words_added from diffs where kind = 'version'"
    ).fetchone()
    assert diff[0] == 1 and diff[1] == 2 and diff[2] > 0
    out = CliRunner().invoke(cli, ["diff", EDITED, "--db", str(demo_db), "--format", "json"]).output
    ops = [op["op"] for op in json.loads(out)["ops"]]
    assert ops.count("insert") == 2 and "replace" in ops


def test_demo_excerpt_diff_shows_what_was_cut(demo_db):
    out = (
        CliRunner()
        .invoke(cli, ["diff", PIER_URL, EXCERPT, "--db", str(demo_db), "--format", "json"])
        .output
    )
    data = json.loads(out)
    assert data["summary"]["paragraphs_removed"] == 5
    assert data["summary"]["retained"] < 0.5
    db = open_db(demo_db)
    assert db.execute("select count(*) from diffs where kind = 'repost'").fetchone()[0] == 5


def test_second_demo_crawl_rows_are_consistent(demo_db):
    db = open_db(demo_db)
    runs = db.execute(
        "select spider, pages_fetched, pages_new from crawl_runs order by id"
    ).fetchall()
    assert runs[0] == ("feed", 8, 8)
    assert sum(r[2] for r in runs[4:]) == 0
    assert db["pages"].count == 8 and db["versions"].count == 9
