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


async def test_canned_queries_on_the_demo_database(demo_db):
    from tracker.serve import build_datasette

    ds = build_datasette([demo_db])

    async def rows(name: str, **params: str) -> list[dict]:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        response = await ds.client.get(f"/demo/{name}.json?_shape=array&{query}")
        assert response.status_code == 200, (name, response.text[:300])
        return response.json()

    def hosts(result: list[dict]) -> set[str]:
        return {
            str(v).split("/")[2] for r in result for v in r.values() if str(v).startswith("http://")
        }

    reposts = await rows("reposts_of_site", site="harbourtimes.example")
    assert {
        "coastwire.example",
        "dailydigest.example",
        "peoplesvoice.example",
        "newsbucket.example",
        "briefings.example",
    } <= hosts(reposts)
    uncredited = await rows("uncredited_reposts", site="")
    assert hosts(uncredited) - {"harbourtimes.example"} == {"newsbucket.example"}
    pairs = await rows("who_republishes_whom")
    assert len(pairs) == 5
    changed = await rows("changed_after_publication")
    assert len(changed) == 1 and "coast-road-closed" in str(changed[0])
    timeline = await rows("cluster_timeline", cluster="1")
    assert len(timeline) == 6
    found = await rows("search_articles", q="landslip")
    assert found and all("coast-road-closed" in str(r) for r in found)
    biggest = await rows("biggest_clusters", days="36500")
    assert len(biggest) == 1
    for path in (
        "/demo/-/tracker",
        "/demo/-/tracker/cluster/1",
        "/demo/-/tracker/diff/6",
        "/demo/-/tracker/network",
    ):
        assert (await ds.client.get(path)).status_code == 200, path


async def test_issue_12_pages_on_the_demo_database(demo_db):
    import xml.etree.ElementTree as ET
    from urllib.parse import urlencode

    from tracker.serve import build_datasette
    from tracker.store.web import republication_edges

    ds = build_datasette([demo_db])
    # A pasted URL in another form goes to its story; a pasted paragraph lists it.
    pasted = (
        "https://www.harbourtimes.example/2026/11/council-votes-to-rebuild-ferry-pier?utm_source=x"
    )
    response = await ds.client.get("/demo/-/tracker/lookup?" + urlencode({"q": pasted}))
    assert response.status_code == 302 and response.headers["location"].startswith(
        "/demo/-/tracker/cluster/"
    )
    db = open_db(demo_db)
    paragraph = (
        db.execute(
            "select v.text from versions v join pages p on p.id = v.page_id where p.url = ?",
            [PIER_URL],
        )
        .fetchone()[0]
        .split("\n\n")[1]
    )
    html = (await ds.client.get("/demo/-/tracker/lookup?" + urlencode({"q": paragraph}))).text
    assert 'href="/demo/-/tracker/cluster/1"' in html and "100%" in html
    # People's Voice credits Coast Wire: the network draws Coast Wire -> People's Voice.
    edges = {(e["source"], e["target"]) for e in republication_edges(db.conn)}
    assert ("coastwire.example", "peoplesvoice.example") in edges
    assert ("harbourtimes.example", "peoplesvoice.example") not in edges
    page_id = db.execute("select id from pages where url = ?", [EDITED]).fetchone()[0]
    for path in (
        "/demo/-/tracker/site/harbourtimes.example",
        f"/demo/-/tracker/page/{page_id}",
        "/demo/-/tracker/version/1",
        "/demo/-/tracker?uncredited=1",
    ):
        assert (await ds.client.get(path)).status_code == 200, path
    feed = ET.fromstring((await ds.client.get("/demo/-/tracker/feed.atom")).content)
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed]
    assert any(t and t.startswith("Uncredited copy on") for t in titles)
    assert any(t and t.startswith("Edited after publication") for t in titles)


def test_watch_on_the_demo_database(demo_db, tmp_path):
    import shutil

    path = tmp_path / "watched.db"
    shutil.copy(demo_db, path)
    first = CliRunner().invoke(cli, ["watch", "--site", "harbourtimes.example", "--db", str(path)])
    assert first.exit_code == 0, first.output
    assert "newsbucket.example copied harbourtimes.example without credit" in first.output
    again = CliRunner().invoke(cli, ["watch", "--site", "harbourtimes.example", "--db", str(path)])
    assert again.exit_code == 0 and again.output == ""


@pytest.mark.parametrize(
    "pasted",
    [
        PIER_URL.replace("http://", "https://"),
        PIER_URL.replace("http://", "http://www."),
        PIER_URL + "?utm_source=newsletter&fbclid=abc",
        PIER_URL.rstrip("/"),
        PIER_URL.removeprefix("http://"),
    ],
)
def test_show_finds_the_story_from_a_pasted_url_in_any_form(demo_db, pasted):
    result = CliRunner().invoke(cli, ["show", pasted, "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["page"]["url"] == PIER_URL


def test_show_refuses_a_url_that_is_not_utf8_in_one_line(demo_db):
    result = CliRunner().invoke(cli, ["show", "http://x.example/caf\udce9", "--db", str(demo_db)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: 'http://x.example/caf\\udce9': not UTF-8 text; give the URL as UTF-8"
    ]


async def test_repost_diff_pages_say_whether_the_copy_credits_the_original(demo_db):
    from tracker.serve import build_datasette
    from tracker.store.web import diff_between

    ds = build_datasette([demo_db])
    db = open_db(demo_db)
    origin, copy, thief = (
        db.execute(
            "select v.id from versions v join pages p on p.id = v.page_id where p.url = ?"
            " order by v.fetched_at desc limit 1",
            [url],
        ).fetchone()[0]
        for url in (
            PIER_URL,
            "http://dailydigest.example/local/ferry-pier-vote/",
            "http://newsbucket.example/stories/ferry-pier-millions/",
        )
    )
    credited = diff_between(db.conn, origin, copy)
    uncredited = diff_between(db.conn, origin, thief)
    db.close()
    page = (await ds.client.get(f"/demo/-/tracker/diff/{credited}")).text
    assert "The copy credits the original" in page
    assert "credit line added" in page
    page = (await ds.client.get(f"/demo/-/tracker/diff/{uncredited}")).text
    assert "<strong>uncredited repost</strong>" in page
