"""Datasette in-process: metadata, canned queries, tracker's plugin pages, exports and escaping.

Every test runs against a newsroom database written row by row (tests/datasette_fixture.py),
served by the same :func:`tracker.serve.build_datasette` that ``tracker serve`` uses.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from click.testing import CliRunner

from tests.datasette_fixture import (
    HOSTILE_ALL,
    HOSTILE_IMG,
    HOSTILE_LINK,
    HOSTILE_SCRIPT,
    HOSTILE_TEXT,
    build_newsroom_db,
)
from tracker.cli import cli
from tracker.report.diff import word_diff
from tracker.serve import build_datasette, database_names
from tracker.store import open_db
from tracker.timestamps import parse_time
from tracker.web.format import fts_query
from tracker.web.metadata import load_metadata, metadata_path
from tracker.web.pictures import (
    ChainNode,
    Edge,
    TimelinePoint,
    chain_picture,
    network_picture,
    timeline_picture,
)

DB_NAME = "newsroom-2026"
METADATA = yaml.safe_load(metadata_path().read_text(encoding="utf-8"))
(TEMPLATE,) = METADATA["databases"].values()
TABLES = sorted(TEMPLATE["tables"])
QUERIES = sorted(TEMPLATE["queries"])
FTS_SHADOW = re.compile(r"^versions_fts(_.*)?$")


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    """(path, ids) of the fixture database, named like a newsroom's file."""
    path = tmp_path_factory.mktemp("ds") / f"{DB_NAME}.db"
    ids = build_newsroom_db(path)
    return path, ids


@pytest.fixture
def ds(newsroom):
    return build_datasette([newsroom[0]])


@pytest.fixture
def ids(newsroom):
    return newsroom[1]


async def get_json(ds, path: str):
    response = await ds.client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:500]}"
    return response.json()


async def get_html(ds, path: str) -> str:
    response = await ds.client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:500]}"
    return response.text


def assert_no_raw_hostile_markup(html: str, where: str) -> None:
    assert "<script>alert(1)" not in html, f"raw <script> on {where}"
    assert "<img src=x" not in html, f"raw <img onerror> on {where}"
    assert 'href="javascript:' not in html.lower(), f"javascript: link on {where}"


# --------------------------------------------------------------------------- metadata contract


def test_every_table_and_column_of_the_schema_is_described(newsroom):
    conn = sqlite3.connect(newsroom[0])
    tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
    missing = []
    for table in tables:
        if FTS_SHADOW.match(table):
            continue
        described = TEMPLATE["tables"].get(table)
        if not described or not described.get("description"):
            missing.append(table)
            continue
        for (column,) in conn.execute(f"select name from pragma_table_info('{table}')"):
            if not (described.get("columns") or {}).get(column):
                missing.append(f"{table}.{column}")
    assert not missing, f"add these to datasette-metadata.yml (and the README): {missing}"


def described_but_missing(schema: sqlite3.Connection) -> list[str]:
    """What the metadata template describes (tables, columns, label/sort/facet columns, FTS table)
    that the schema of ``schema`` lacks."""
    tables = {r[0] for r in schema.execute("select name from sqlite_master where type = 'table'")}
    missing = []
    for table, described in TEMPLATE["tables"].items():
        if table not in tables:
            missing.append(table)
            continue
        columns = {r[0] for r in schema.execute("select name from pragma_table_info(?)", [table])}
        named = set(described.get("columns") or {}) | set(described.get("facets") or [])
        named |= {described[k] for k in ("label_column", "sort", "sort_desc") if k in described}
        missing += [f"{table}.{column}" for column in sorted(named - columns)]
        if described.get("fts_table") and described["fts_table"] not in tables:
            missing.append(described["fts_table"])
    return missing


def test_every_described_table_and_column_exists_in_a_fresh_database(tmp_path):
    db = open_db(tmp_path / "fresh.db")
    missing = described_but_missing(db.conn)
    assert not missing, f"datasette-metadata.yml describes what a new database lacks: {missing}"


def test_metadata_applies_to_whatever_the_file_is_called():
    metadata = load_metadata(["demo", "tracker", "newsroom-2026"])
    assert sorted(metadata["databases"]) == ["demo", "newsroom-2026", "tracker"]
    demo, newsroom = metadata["databases"]["demo"], metadata["databases"]["newsroom-2026"]
    assert demo["tables"] == newsroom["tables"] and demo["queries"] == newsroom["queries"]
    assert 'href="/newsroom-2026/-/tracker"' in newsroom["description_html"]
    assert "{database_path}" not in demo["description_html"]
    assert metadata["databases"]["demo"] is not metadata["databases"]["tracker"]
    assert database_names(["a/demo.db", "b/demo.db", "tracker.sqlite"]) == [
        "demo",
        "demo_2",
        "tracker",
    ]


@pytest.mark.parametrize("stem", ["demo", "tracker", "newsroom-2026"])
async def test_descriptions_facets_and_queries_follow_the_file_stem(tmp_path, stem):
    path = tmp_path / f"{stem}.db"
    build_newsroom_db(path)
    ds = build_datasette([path])
    database = await get_json(ds, f"/{stem}.json")
    assert {q["name"] for q in database["queries"]} == set(QUERIES)
    table = await get_json(ds, f"/{stem}/cluster_members.json")
    assert set(table["facet_results"]) >= {"role", "credited"}
    front = await get_html(ds, f"/{stem}")
    assert f'<a href="/{stem}/-/tracker/network">' in front
    html = await get_html(ds, f"/{stem}/clusters")
    assert TEMPLATE["tables"]["clusters"]["description"].split(" — ")[0] in html
    rows = await get_json(ds, f"/{stem}/uncredited_reposts.json?_shape=array")
    assert len(rows) == 3


async def test_plain_datasette_gets_the_metadata_from_the_plugin(tmp_path):
    from datasette.app import Datasette

    from tracker.serve import register_plugin

    register_plugin()
    path = tmp_path / "whatever-name.db"
    build_newsroom_db(path)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute(
        "create table pages (id integer primary key)"
    ).connection.commit()
    ds = Datasette([str(path), str(other)])
    database = await get_json(ds, "/whatever-name.json")
    assert {q["name"] for q in database["queries"]} == set(QUERIES)
    assert (await get_json(ds, "/other.json"))["queries"] == []
    rows = await get_json(ds, "/whatever-name/search_articles.json?q=turbine&_shape=array")
    assert len(rows) == 1


def test_packaged_metadata_is_the_project_file():
    from importlib.resources import files

    packaged = files("tracker") / "datasette-metadata.yml"
    assert packaged.read_text(encoding="utf-8") == metadata_path().read_text(encoding="utf-8")


def test_one_template_database_is_required(tmp_path):
    bad = tmp_path / "m.yml"
    bad.write_text("databases:\n  a: {}\n  b: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="one template entry"):
        load_metadata(["x"], bad)


# --------------------------------------------------------------------------- tables


@pytest.mark.parametrize("table", TABLES)
async def test_every_table_page_renders_with_its_description(ds, newsroom, table):
    conn = sqlite3.connect(newsroom[0])
    exists = conn.execute("select 1 from sqlite_master where name = ?", [table]).fetchone()
    assert exists, f"{table} is described in datasette-metadata.yml but not in the schema"
    html = await get_html(ds, f"/{DB_NAME}/{table}")
    description = TEMPLATE["tables"][table]["description"]
    assert str(__import__("markupsafe").escape(description)) in html
    data = await get_json(ds, f"/{DB_NAME}/{table}.json?_shape=objects")
    count = conn.execute(f"select count(*) from [{table}]").fetchone()[0]
    assert len(data["rows"]) == min(count, 50)
    csv = await ds.client.get(f"/{DB_NAME}/{table}.csv")
    assert csv.status_code == 200
    assert len(csv.text.strip().splitlines()) >= min(count, 1) + 1


async def test_foreign_keys_show_labels(ds):
    data = await get_json(
        ds, f"/{DB_NAME}/cluster_members.json?_labels=on&_shape=array&_sort=page_id"
    )
    first = data[0]
    assert first["cluster_id"]["label"] == "Port approves 250m offshore wind terminal"
    assert first["page_id"]["label"] == "https://harbourgazette.com/news/wind-terminal"
    pages = await get_json(ds, f"/{DB_NAME}/pages.json?_labels=on&_shape=array&_size=1&_sort=id")
    assert pages[0]["site"]["label"] == "Harbour Gazette"


@pytest.mark.parametrize(
    ("table", "facet", "expected"),
    [
        ("cluster_members", "role", {"origin": 4, "repost": 7, "excerpt": 1}),
        ("cluster_members", "credited", {"1": 5, "0": 3}),
        ("pages", "site", {"harbourgazette.com": 3, "dailyroundup.info": 3}),
        ("versions", "language", {"en": 14}),
        ("diffs", "kind", {"version": 2, "repost": 3}),
        (
            "attributions",
            "kind",
            {"go-to-original": 1, "first-appeared": 1, "source-line": 1},
        ),
    ],
)
async def test_facets_from_metadata(ds, table, facet, expected):
    data = await get_json(ds, f"/{DB_NAME}/{table}.json")
    results = {str(r["value"]): r["count"] for r in data["facet_results"][facet]["results"]}
    for value, count in expected.items():
        assert results.get(value) == count, (facet, results)


async def test_default_sort_from_metadata(ds):
    # Rows were inserted oldest first; the metadata sorts newest first.
    pages = (await get_json(ds, f"/{DB_NAME}/pages.json?_shape=objects"))["rows"]
    seen = [row["first_seen"] for row in pages]
    assert seen == sorted(seen, reverse=True) and seen != sorted(seen)
    sites = (await get_json(ds, f"/{DB_NAME}/sites.json?_shape=objects"))["rows"]
    assert [row["domain"] for row in sites] == sorted(row["domain"] for row in sites)


async def test_full_text_search_on_versions(ds, ids):
    data = await get_json(ds, f"/{DB_NAME}/versions.json?_search=turbine&_shape=objects")
    assert [row["id"] for row in data["rows"]] == [ids["version_wind_v2"]]
    # Punctuation in a search box must not break the escaped search.
    await get_json(ds, f"/{DB_NAME}/versions.json?_search=%22fares")


# --------------------------------------------------------------------------- canned queries


async def query(ds, name: str, **params) -> list[dict]:
    from urllib.parse import urlencode

    qs = urlencode({**params, "_shape": "array"})
    return await get_json(ds, f"/{DB_NAME}/{name}.json?{qs}")


def test_every_canned_query_is_tested():
    tested = {
        "reposts_of_site",
        "uncredited_reposts",
        "who_republishes_whom",
        "changed_after_publication",
        "cluster_timeline",
        "search_articles",
        "biggest_clusters",
    }
    assert set(QUERIES) == tested
    for name in QUERIES:
        assert TEMPLATE["queries"][name].get("title"), name


async def test_reposts_of_a_site(ds):
    rows = await query(ds, "reposts_of_site", site="harbourgazette.com")
    wind = [r for r in rows if r["story"].startswith("Port approves")]
    assert [r["republished_by"] for r in wind] == [
        "coastwire.net",
        "regionpost.org",
        "morningbrief.co.uk",
        "dailyroundup.info",
    ]
    assert {r["republished_by"]: r["credit"] for r in wind}["dailyroundup.info"] == "uncredited"
    assert len(rows) == 5  # plus last year's regatta copy
    assert await query(ds, "reposts_of_site", site="nobody.example") == []


async def test_uncredited_reposts_with_and_without_site(ds):
    everything = await query(ds, "uncredited_reposts")
    assert sorted(r["republished_by"] for r in everything) == [
        "dailyroundup.info",
        "dailyroundup.info",
        "tideline.news",
    ]
    assert await query(ds, "uncredited_reposts", site="") == everything
    one = await query(ds, "uncredited_reposts", site="coastwire.net")
    assert [(r["original_site"], r["republished_by"]) for r in one] == [
        ("coastwire.net", "dailyroundup.info")
    ]


async def test_who_republishes_whom(ds):
    rows = await query(ds, "who_republishes_whom")
    pairs = {
        (r["original_site"], r["republished_by"]): (r["copies"], r["credited"], r["uncredited"])
        for r in rows
    }
    assert pairs[("harbourgazette.com", "regionpost.org")] == (2, 2, 0)
    assert pairs[("harbourgazette.com", "dailyroundup.info")] == (1, 0, 1)
    assert pairs[("coastwire.net", "harbourgazette.com")] == (1, 1, 0)
    assert pairs[("dailyroundup.info", "tideline.news")] == (1, 0, 1)
    assert len(pairs) == 7
    assert rows[0]["copies"] == 2


async def test_changed_after_publication(ds, ids):
    rows = await query(ds, "changed_after_publication")
    by_diff = {r["diff_id"]: r for r in rows}
    assert set(by_diff) == {ids["diff_wind_version"], ids["diff_evil_version"]}
    assert by_diff[ids["diff_wind_version"]]["changes"] == "headline changed"
    assert (
        by_diff[ids["diff_evil_version"]]["changes"]
        == "headline changed; credit line removed; large edit"
    )


async def test_cluster_timeline(ds, ids):
    rows = await query(ds, "cluster_timeline", cluster=ids["cluster_wind"])
    assert [r["site"] for r in rows] == [
        "harbourgazette.com",
        "coastwire.net",
        "regionpost.org",
        "morningbrief.co.uk",
        "dailyroundup.info",
    ]
    assert rows[0]["role"] == "origin"
    assert [r["credit"] for r in rows[1:]] == ["credited", "credited", "credited", "uncredited"]
    assert rows[2]["credits"] == "https://coastwire.net/2026/wind-terminal"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("turbine", ["version_wind_v2"]),
        (
            '"north quay" fishermen',
            [
                "version_wind_v1",
                "version_wind_v2",
                "version_wind_coast",
                "version_wind_region",
                "version_wind_roundup",
            ],
        ),
        # Porter stemming: "ferries" also finds "ferry".
        (
            "regatta OR ferries",
            [
                "version_old",
                "version_old_copy",
                "version_wind_brief",
                "version_ferry",
                "version_ferry_hg",
                "version_ferry_dr",
            ],
        ),
        ('"unbalanced', []),
        ("fare*", ["version_ferry", "version_ferry_hg", "version_ferry_dr"]),
        ("", []),
    ],
)
async def test_search_articles(ds, ids, q, expected):
    rows = await query(ds, "search_articles", q=q)
    assert sorted(r["version_id"] for r in rows) == sorted(ids[k] for k in expected)


async def test_biggest_clusters_of_the_last_days(ds, ids):
    week = await query(ds, "biggest_clusters", days=7)
    assert [r["cluster_id"] for r in week] == [
        ids["cluster_wind"],
        ids["cluster_ferry"],
        ids["cluster_evil"],
    ]
    assert week[0]["uncredited"] == 1 and week[0]["excerpts"] == 1
    assert await query(ds, "biggest_clusters", days="") == week
    assert ids["cluster_old"] in [
        r["cluster_id"] for r in await query(ds, "biggest_clusters", days=1000)
    ]


async def test_canned_query_html_and_csv(ds):
    html = await get_html(ds, f"/{DB_NAME}/who_republishes_whom")
    assert "Who republishes whom" in html
    csv = await ds.client.get(f"/{DB_NAME}/who_republishes_whom.csv")
    assert csv.status_code == 200
    assert (
        csv.text.splitlines()[0]
        == "original_site,republished_by,copies,credited,uncredited,excerpts"
    )


def test_fts_query_quotes_words():
    assert fts_query("wind terminal") == '"wind" "terminal"'
    assert fts_query('"north quay" OR ferry*') == '"north quay" OR "ferry"*'
    assert fts_query('a"b OR') == '"ab"'
    assert fts_query("OR NOT") == '""'
    assert fts_query(None) == '""'


# --------------------------------------------------------------------------- read-only and limits


async def test_served_read_only_with_limits(ds, newsroom):
    settings = await get_json(ds, "/-/settings.json")
    assert settings["sql_time_limit_ms"] == 3000
    assert settings["max_returned_rows"] == 1000
    before = Path(newsroom[0]).read_bytes()
    response = await ds.client.get(f"/{DB_NAME}.json?sql=delete+from+sites")
    assert response.status_code == 400
    assert Path(newsroom[0]).read_bytes() == before


def test_serve_command_errors_are_one_line(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(cli, ["serve", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code == 1
    assert (
        missing.output.strip()
        == f"Error: {tmp_path / 'nope.db'}: no such database file (create one with tracker demo or tracker import)"
    )
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    bad = runner.invoke(cli, ["serve", "--db", str(junk)])
    assert bad.exit_code == 1 and "not a readable SQLite database" in bad.output
    assert len(bad.output.strip().splitlines()) == 1


def test_serve_get_prints_a_page(newsroom):
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(newsroom[0]), "--get", f"/{DB_NAME}/-/tracker/network"]
    )
    assert result.exit_code == 0, result.output
    assert 'class="tracker-network"' in result.output


# --------------------------------------------------------------------------- plugin pages


async def test_overview_page(ds, ids):
    html = await get_html(ds, f"/{DB_NAME}/-/tracker")
    assert f'href="/{DB_NAME}/-/tracker/cluster/{ids["cluster_wind"]}"' in html
    assert f'href="/{DB_NAME}/-/tracker/diff/{ids["diff_wind_version"]}"' in html
    assert re.search(r"<strong>3</strong> uncredited", html)


async def test_cluster_page(ds, ids):
    html = await get_html(ds, f"/{DB_NAME}/-/tracker/cluster/{ids['cluster_wind']}")
    # Origin first, then the copies in time order.
    order = [m.group(1) for m in re.finditer(r'<tr id="member-(\d+)"', html)]
    assert order == [
        str(ids[f"page_wind_{k}"]) for k in ("origin", "coast", "region", "brief", "roundup")
    ]
    assert html.count("badge-credited") == 3 and html.count("badge-uncredited") == 1
    assert '<svg class="tracker-timeline"' in html and html.count('class="tl-dot') == 5
    assert html.count('class="chain-edge credited"') == 3
    assert html.count('class="chain-edge uncredited"') == 1
    assert "+3.0 h" in html and "+20 h" in html
    assert f'/-/tracker/diff/{ids["diff_wind_roundup"]}">vs origin: 80% kept' in html
    assert f"/-/tracker/diff/{ids['diff_wind_version']}" in html
    assert '<span class="arrow">→</span> <a href="https://coastwire.net/2026/wind-terminal"' in html
    assert "<script" not in html.split('<section class="content">')[1].split("</section>")[0]


async def test_diff_page_highlights_words(ds, ids):
    html = await get_html(ds, f"/{DB_NAME}/-/tracker/diff/{ids['diff_wind_version']}")
    assert re.search(r"<del>240\s*</del>", html)
    assert re.search(r"<ins>250\s*</ins>", html)
    assert re.search(r"<ins>turbine\s*</ins>", html)
    assert re.search(r"<ins>250m\s*</ins>", html)  # the headline
    assert '<tr id="op-4" class="op-delete">' in html
    assert "<del>Harbour Gazette reporters visited the quay on Monday.</del>" in html
    assert "<ins>The authority said 300 jobs would be created during construction.</ins>" in html
    assert 'class="op-move"' in html
    assert "headline changed" in html and "91%" in html


async def test_repost_diff_page(ds, ids):
    html = await get_html(ds, f"/{DB_NAME}/-/tracker/diff/{ids['diff_wind_coast']}")
    assert "Copy against its origin" in html
    assert "<ins>Go to Original – harbourgazette.com</ins>" in html
    assert "credit line added" in html
    assert html.count('class="op-equal"') == 4


async def test_network_page(ds):
    html = await get_html(ds, f"/{DB_NAME}/-/tracker/network")
    assert '<svg class="tracker-network"' in html
    assert html.count('class="nw-edge nw-uncredited"') == 3
    # Region Post credits Coast Wire: its copy is drawn from Coast Wire, not from Harbour Gazette
    # (which keeps one credited edge to Region Post, last year's regatta).
    assert html.count('class="nw-edge nw-credited"') == 5
    assert html.count('class="nw-node"') == 6
    assert "Harbour Gazette" in html


@pytest.mark.parametrize(
    "path",
    [
        "/-/tracker/cluster/999",
        "/-/tracker/diff/999",
        "/-/tracker/cluster/abc",
        "/-/tracker/nothing/here",
    ],
)
async def test_unknown_ids_are_404(ds, path):
    response = await ds.client.get(f"/{DB_NAME}{path}")
    assert response.status_code == 404


async def test_unknown_database_is_404(ds):
    assert (await ds.client.get("/nope/-/tracker/network")).status_code == 404


async def test_stylesheet_is_served_locally(ds):
    response = await ds.client.get("/-/tracker.css")
    assert response.status_code == 200 and "text/css" in response.headers["content-type"]
    html = await get_html(ds, f"/{DB_NAME}/-/tracker/network")
    for tag in re.findall(r"<(?:script|link)[^>]*>", html):
        assert "http" not in tag, tag


async def test_table_rows_link_to_tracker_pages(ds, ids):
    clusters = await get_html(ds, f"/{DB_NAME}/clusters")
    assert f'href="/{DB_NAME}/-/tracker/cluster/{ids["cluster_wind"]}"' in clusters
    members = await get_html(ds, f"/{DB_NAME}/cluster_members")
    assert (
        f'href="/{DB_NAME}/-/tracker/cluster/{ids["cluster_wind"]}#member-{ids["page_wind_roundup"]}"'
        in members
    )
    assert "badge-uncredited" in members
    diffs = await get_html(ds, f"/{DB_NAME}/diffs")
    assert f'href="/{DB_NAME}/-/tracker/diff/{ids["diff_wind_version"]}"' in diffs
    ops = await get_html(ds, f"/{DB_NAME}/diff_ops")
    assert f'href="/{DB_NAME}/-/tracker/diff/{ids["diff_wind_version"]}#op-0"' in ops
    row = await get_html(ds, f"/{DB_NAME}/clusters/{ids['cluster_wind']}")
    assert f'/-/tracker/cluster/{ids["cluster_wind"]}"' in row
    database = await get_html(ds, f"/{DB_NAME}")
    assert f'href="/{DB_NAME}/-/tracker/network"' in database


# --------------------------------------------------------------------------- hostile input


def hostile_paths(ids: dict[str, int]) -> list[str]:
    return [
        f"/{DB_NAME}/-/tracker",
        f"/{DB_NAME}/-/tracker/cluster/{ids['cluster_evil']}",
        f"/{DB_NAME}/-/tracker/diff/{ids['diff_evil_version']}",
        f"/{DB_NAME}/-/tracker/diff/{ids['diff_evil_copy']}",
        f"/{DB_NAME}/-/tracker/network",
        f"/{DB_NAME}/clusters",
        f"/{DB_NAME}/cluster_members",
        f"/{DB_NAME}/versions",
        f"/{DB_NAME}/versions/{ids['version_evil_v1']}",
        f"/{DB_NAME}/pages",
        f"/{DB_NAME}/sites",
        f"/{DB_NAME}/attributions",
        f"/{DB_NAME}/diffs",
        f"/{DB_NAME}/diff_ops",
        f"/{DB_NAME}/search_articles?q=hostile",
        f"/{DB_NAME}/uncredited_reposts",
        f"/{DB_NAME}/cluster_timeline?cluster={ids['cluster_evil']}",
        f"/{DB_NAME}/changed_after_publication",
        # The pages of issue 12: lookup, filters, sites, history, stored text, compare, feeds.
        f"/{DB_NAME}/-/tracker?site=dailyroundup.info&uncredited=1",
        f"/{DB_NAME}/-/tracker/lookup?" + urlencode({"q": HOSTILE_TEXT[0] + " " + HOSTILE_TEXT[1]}),
        f"/{DB_NAME}/-/tracker/lookup?"
        + urlencode({"q": f"{HOSTILE_ALL} </textarea>{HOSTILE_SCRIPT}"}),
        f"/{DB_NAME}/-/tracker/site/dailyroundup.info",
        f"/{DB_NAME}/-/tracker/site/tideline.news",
        f"/{DB_NAME}/-/tracker/page/{ids['page_evil_origin']}",
        f"/{DB_NAME}/-/tracker/page/{ids['page_evil_copy']}",
        f"/{DB_NAME}/-/tracker/version/{ids['version_evil_v1']}",
        f"/{DB_NAME}/-/tracker/version/{ids['version_evil_copy']}",
        f"/{DB_NAME}/-/tracker/compare?a={ids['version_evil_v2']}&b={ids['version_evil_v1']}",
        f"/{DB_NAME}/-/tracker/feed.atom",
        f"/{DB_NAME}/-/tracker/site/dailyroundup.info/feed.atom",
    ]


async def test_hostile_text_is_escaped_everywhere(ds, ids):
    for path in hostile_paths(ids):
        html = await get_html(ds, path)
        assert_no_raw_hostile_markup(html, path)
        assert "alert(1)" in html, f"{path} does not show the hostile row at all"


async def test_hostile_text_is_shown_escaped_on_tracker_pages(ds, ids):
    html = await get_html(ds, f"/{DB_NAME}/-/tracker/cluster/{ids['cluster_evil']}")
    assert "Hostile &lt;script&gt;alert(1)&lt;/script&gt; headline" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the site name, as text
    diff = await get_html(ds, f"/{DB_NAME}/-/tracker/diff/{ids['diff_evil_version']}")
    assert "<ins>&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;</ins>" in diff


def render_picture(macro: str, picture) -> str:
    """A picture macro of ``_pictures.html`` rendered with autoescape, as Datasette renders it."""
    from importlib.resources import files

    from jinja2 import Environment, FileSystemLoader

    env = Environment(
        loader=FileSystemLoader(str(files("tracker.web") / "templates")), autoescape=True
    )
    source = '{% import "_pictures.html" as p %}{{ p.' + macro + "(picture) }}"
    return env.from_string(source).render(picture=picture)


def test_svg_pictures_escape_labels():
    picture = network_picture(
        [Edge("a.example", "b.example", 1, 2)],
        {"a.example": HOSTILE_SCRIPT, "b.example": HOSTILE_IMG},
    )
    svg = render_picture("network", picture)
    assert HOSTILE_SCRIPT not in svg and HOSTILE_IMG not in svg
    assert "&lt;script&gt;" in svg and 'stroke-dasharray="7 5"' in svg
    when = parse_time("2026-01-02T03:04:05Z")
    chart = render_picture(
        "timeline", timeline_picture([TimelinePoint(HOSTILE_LINK, when, "origin", "origin")])
    )
    assert HOSTILE_LINK not in chart and "&lt;a href=" in chart
    chain = render_picture(
        "chain", chain_picture([ChainNode(1, HOSTILE_SCRIPT, HOSTILE_IMG, "origin", None)], 1)
    )
    assert HOSTILE_SCRIPT not in chain and HOSTILE_IMG not in chain and "&lt;img" in chain


def test_word_diff_escapes_and_marks():
    left, right = word_diff(f"keep {HOSTILE_SCRIPT} old", f"keep {HOSTILE_IMG} new")
    assert HOSTILE_SCRIPT not in left and HOSTILE_IMG not in right
    assert "<del>" in left and "<ins>" in right and left.startswith("keep")


def test_parse_time_forms():
    assert parse_time("2026-01-02").isoformat() == "2026-01-02T00:00:00+00:00"
    assert parse_time("2026-01-02T10:00:00+02:00").isoformat() == "2026-01-02T08:00:00+00:00"
    assert parse_time("July 15, 2018") is None and parse_time(None) is None


async def test_pages_of_an_empty_database(fresh_db, tmp_path):
    fresh_db["clusters"].insert({"id": 7, "title": None, "size": 0})
    fresh_db.conn.commit()
    fresh_db.conn.close()  # the last close checkpoints the WAL, which an immutable open ignores
    ds = build_datasette([tmp_path / "test.db"], immutable=True)
    assert "No article has changed" in await get_html(ds, "/test/-/tracker")
    assert "No story has been republished" in await get_html(ds, "/test/-/tracker/network")
    assert "No origin recorded" in await get_html(ds, "/test/-/tracker/cluster/7")
    for name in QUERIES:
        response = await ds.client.get(f"/test/{name}.json?_shape=array")
        assert response.status_code == 200 and response.json() == [], name


def test_serve_refuses_a_busy_port(newsroom):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--db", str(newsroom[0]), "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
