"""The researcher's workflows in Datasette: find a story from a URL or text, page through stories,
a site's page, an article's history, the Atom feeds; with links everywhere and hostile text escaped.

Runs in-process against the newsroom database of tests/datasette_fixture.py.
"""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import quote, urlencode

import pytest

from tests.datasette_fixture import WIND_V1, build_newsroom_db
from tracker import lookup
from tracker.serve import build_datasette
from tracker.web.format import word_change

DB_NAME = "newsroom-2026"
T = f"/{DB_NAME}/-/tracker"


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    path = tmp_path_factory.mktemp("workflows") / f"{DB_NAME}.db"
    return path, build_newsroom_db(path)


@pytest.fixture
def ds(newsroom):
    return build_datasette([newsroom[0]])


@pytest.fixture
def ids(newsroom):
    return newsroom[1]


@pytest.fixture
def conn(newsroom):
    connection = sqlite3.connect(newsroom[0])
    yield connection
    connection.close()


async def get_html(ds, path: str) -> str:
    response = await ds.client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:500]}"
    return response.text


# --------------------------------------------------------------------------- look up by URL


@pytest.mark.parametrize(
    "pasted",
    [
        "https://harbourgazette.com/news/wind-terminal",
        "http://harbourgazette.com/news/wind-terminal",
        "https://www.harbourgazette.com/news/wind-terminal/",
        "www.harbourgazette.com/news/wind-terminal",
        "harbourgazette.com/news/wind-terminal?utm_source=tw&utm_medium=social&fbclid=abc",
        "https://harbourgazette.com/news/wind-terminal#comments",
        "https://harbourgazette.com/news/wind-terminal/amp",
        "https://harbourgazette.com/news/wind-terminal?amp=1",
        "https://amp.harbourgazette.com/news/wind-terminal",
        "https://m.harbourgazette.com/news/wind-terminal/",
        "  HTTPS://HarbourGazette.com/news/wind-terminal  ",
    ],
)
def test_a_url_in_any_form_finds_its_page(conn, ids, pasted):
    assert lookup.find_page(conn, pasted) == (
        ids["page_wind_origin"],
        "https://harbourgazette.com/news/wind-terminal",
        "harbourgazette.com",
    )
    match = lookup.find_page_by_url(conn, pasted)
    assert match is not None and match.cluster_ids == (ids["cluster_wind"],)


def test_a_declared_canonical_url_finds_the_page(conn, ids):
    match = lookup.find_page_by_url(
        conn, "http://www.regionpost.org/news/offshore-wind-terminal-approved/?utm_campaign=x"
    )
    assert match is not None and match.page_id == ids["page_wind_region"]
    assert match.how == "canonical"


def test_exact_forms_win_and_unknown_urls_are_none(conn):
    assert lookup.find_page(conn, "https://harbourgazette.com/news/other-story") is None
    assert lookup.find_page(conn, "not a url") is None
    with pytest.raises(ValueError):
        lookup.find_page_by_url(conn, "javascript:alert(1)")


def test_url_forms_strip_amp_and_mobile_only_as_variants():
    same, desktop = lookup.url_forms("https://m.example.com/a/amp/?utm_source=x&amp=1&id=2")
    assert same[0] == "https://m.example.com/a/amp/?amp=1&id=2"
    assert "https://example.com/a?id=2" in desktop
    assert lookup.url_forms("https://example.com/a")[1] == []


async def test_lookup_page_redirects_a_url_to_its_story(ds, ids):
    response = await ds.client.get(
        f"{T}/lookup?" + urlencode({"q": "www.harbourgazette.com/news/wind-terminal/?utm_source=x"})
    )
    assert response.status_code == 302
    assert response.headers["location"] == f"{T}/cluster/{ids['cluster_wind']}"


async def test_lookup_page_of_an_unknown_url_says_so(ds):
    html = await get_html(ds, f"{T}/lookup?" + urlencode({"q": "https://nowhere.example/x"}))
    assert "No stored page has this URL" in html


# --------------------------------------------------------------------------- look up by text


def test_a_pasted_paragraph_finds_every_story_carrying_it(conn, ids):
    matches = lookup.stories_containing(conn, WIND_V1[2])
    assert matches and matches[0].cluster_id == ids["cluster_wind"]
    assert matches[0].containment == 1.0
    assert {m.cluster_id for m in matches} == {ids["cluster_wind"]}


def test_a_whole_article_ranks_stories_by_containment(conn, ids):
    from tests.datasette_fixture import FERRY

    text = "\n\n".join(WIND_V1[:2] + FERRY)
    matches = lookup.stories_containing(conn, text)
    assert [m.cluster_id for m in matches[:2]] == [ids["cluster_ferry"], ids["cluster_wind"]]
    assert matches[0].containment > matches[1].containment > 0.2


def test_unrelated_text_finds_nothing(conn):
    assert (
        lookup.stories_containing(conn, "Bananas are rich in potassium and grow in bunches.") == []
    )


async def test_lookup_page_lists_stories_for_text(ds, ids):
    html = await get_html(ds, f"{T}/lookup?" + urlencode({"q": WIND_V1[0]}))
    assert f'href="{T}/cluster/{ids["cluster_wind"]}"' in html
    assert "100%" in html


async def test_stories_page_has_the_lookup_box(ds):
    html = await get_html(ds, T)
    assert f'action="{T}/lookup"' in html and 'name="q"' in html


# --------------------------------------------------------------------------- small helpers


@pytest.mark.parametrize(
    ("added", "removed", "shown"),
    [
        (10, 7, "+10 / −7 words"),
        (3, 0, "+3 words"),
        (0, 1, "−1 word"),
        (None, 0, "no words changed"),
    ],
)
def test_word_change_never_says_minus_zero(added, removed, shown):
    assert word_change(added, removed) == shown


def _quote(value: str) -> str:
    return quote(value, safe="")


_ = re


# --------------------------------------------------------------------------- links everywhere


def test_network_edges_follow_credits(conn):
    from tracker.store.web import republication_edges

    conn.row_factory = None
    pairs = {
        (e["source"], e["target"]): (e["credited"], e["uncredited"])
        for e in republication_edges(conn)
    }
    assert pairs[("coastwire.net", "regionpost.org")] == (1, 0)
    assert pairs[("harbourgazette.com", "regionpost.org")] == (1, 0)  # the regatta only
    assert pairs[("harbourgazette.com", "dailyroundup.info")] == (0, 1)


async def test_network_pair_links_to_that_pair_only(ds):
    html = await get_html(ds, f"{T}/network")
    assert (
        f'href="/{DB_NAME}/uncredited_reposts?site=harbourgazette.com&amp;republished_by=dailyroundup.info"'
        in html
    )
    response = await ds.client.get(
        f"/{DB_NAME}/uncredited_reposts.json?_shape=array&site=coastwire.net&republished_by=tideline.news"
    )
    assert response.json() == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/uncredited_reposts", "/-/tracker/cluster/{cluster_wind}"),
        ("/biggest_clusters", "/-/tracker/cluster/{cluster_wind}"),
        ("/reposts_of_site?site=harbourgazette.com", "/-/tracker/cluster/{cluster_wind}"),
        ("/changed_after_publication", "/-/tracker/diff/{diff_wind_version}"),
        ("/search_articles?q=terminal", "/-/tracker/version/{version_wind_v1}"),
        ("/who_republishes_whom", "/-/tracker/site/harbourgazette.com"),
        ("/cluster_members", "/-/tracker/page/{page_wind_coast}"),
        ("/cluster_members", "/-/tracker/cluster/{cluster_ferry}"),
        ("/attributions", "/-/tracker/version/{version_wind_coast}"),
        ("/diffs", "/-/tracker/version/{version_wind_v1}"),
        ("/pages", "/-/tracker/page/{page_wind_origin}"),
        ("/pages", "/-/tracker/site/coastwire.net"),
        ("/versions", "/-/tracker/version/{version_ferry}"),
        ("/sites", "/-/tracker/site/morningbrief.co.uk"),
        ("/clusters", "/-/tracker/page/{page_ferry_origin}"),
    ],
)
async def test_every_id_in_tables_and_queries_links_to_its_page(ds, ids, path, expected):
    html = await get_html(ds, f"/{DB_NAME}{path}")
    assert f'href="/{DB_NAME}{expected.format(**ids)}"' in html, (path, expected)


async def test_home_page_leads_to_stories_network_and_queries(ds):
    html = await get_html(ds, "/")
    assert f'href="/{DB_NAME}/-/tracker"' in html
    assert f'href="/{DB_NAME}/-/tracker/network"' in html
    assert f'href="/{DB_NAME}#queries"' in html
    assert "canned queries below" not in html


async def test_long_texts_are_clipped_in_lists(ds, ids):
    html = await get_html(ds, f"/{DB_NAME}/versions")
    assert 'class="tracker-clip"' in html


def test_described_attribution_kinds_exist():
    from pathlib import Path

    import yaml

    from tracker.web.metadata import metadata_path

    meta = yaml.safe_load(metadata_path().read_text(encoding="utf-8"))
    (template,) = meta["databases"].values()
    described = template["tables"]["attributions"]["columns"]["kind"]
    package = Path(lookup.__file__).parent
    emitted = set(
        re.findall(
            r"^\s*- kind: ([a-z:-]+)",
            (package / "data" / "credit_phrases.yml").read_text(encoding="utf-8"),
            re.M,
        )
    )
    for module in ("attribution.py", "credit_phrases.py"):
        emitted |= set(
            re.findall(r'"([a-z][a-z:-]+)"', (package / module).read_text(encoding="utf-8"))
        )
    kinds = re.findall(r"\b([a-z][a-zA-Z:-]+)\b[,)]", described.split(":", 1)[1])
    assert len(kinds) >= 12
    for kind in kinds:
        assert kind in emitted, kind
    for gone in ("og_url", "syndication_source", "phrase"):
        assert gone not in described


# --------------------------------------------------------------------------- a site's page


async def test_site_page(ds, ids):
    html = await get_html(ds, f"{T}/site/harbourgazette.com")
    assert '<h1 class="headline">Harbour Gazette</h1>' in html
    stories = html.split('class="tracker-table site-stories"')[1].split("</table>")[0]
    assert f'{T}/cluster/{ids["cluster_wind"]}"' in stories
    assert f'{T}/cluster/{ids["cluster_old"]}"' in stories
    assert f'{T}/cluster/{ids["cluster_ferry"]}"' not in stories  # started on Coast Wire
    copiers = html.split('class="tracker-table site-copiers"')[1].split("</table>")[0]
    assert f'href="{T}/site/dailyroundup.info"' in copiers
    assert (
        "uncredited_reposts?site=harbourgazette.com&amp;republished_by=dailyroundup.info" in copiers
    )
    months = html.split('class="tracker-table site-months"')[1].split("</table>")[0]
    assert "% uncredited" in months
    edits = html.split('class="tracker-table site-edits"')[1].split("</table>")[0]
    assert f'{T}/diff/{ids["diff_wind_version"]}"' in edits
    assert "+10 / −7 words" in edits
    copied = html.split('class="tracker-table site-copied"')[1].split("</table>")[0]
    assert f'{T}/cluster/{ids["cluster_ferry"]}#member-{ids["page_ferry_hg"]}"' in copied


def test_share_uncredited_by_month(conn):
    from tracker.store.web import site_copies_by_month

    months = site_copies_by_month(conn, "harbourgazette.com")
    assert sum(m["copies"] for m in months) == 5
    assert sum(m["uncredited"] for m in months) == 1
    assert [m["month"] for m in months] == sorted(m["month"] for m in months)


async def test_site_names_link_to_site_pages(ds, ids):
    for path in (
        f"{T}/cluster/{ids['cluster_wind']}",
        f"{T}/diff/{ids['diff_wind_coast']}",
        f"{T}/network",
        T,
    ):
        html = await get_html(ds, path)
        assert f'href="{T}/site/harbourgazette.com"' in html, path


async def test_unknown_site_is_404(ds):
    assert (await ds.client.get(f"{T}/site/nobody.example")).status_code == 404


# --------------------------------------------------------------------------- article history


async def test_page_history_lists_versions_with_times_and_changes(ds, ids):
    html = await get_html(ds, f"{T}/page/{ids['page_wind_origin']}")
    rows = html.split('class="tracker-table versions"')[1].split("</table>")[0]
    assert rows.count('<tr id="version-') == 2
    assert f'href="{T}/diff/{ids["diff_wind_version"]}">+10 / −7 words</a>' in rows
    assert f'href="{T}/version/{ids["version_wind_v1"]}"' in rows
    assert re.search(r'<td class="when">\d{4}-\d\d-\d\d \d\d:\d\d</td>', rows)
    assert f'action="{T}/compare"' in html
    assert f'name="a" value="{ids["version_wind_v1"]}"' in html
    assert f'href="{T}/cluster/{ids["cluster_wind"]}"' in html


async def test_compare_a_stored_pair_redirects_to_its_diff(ds, ids):
    response = await ds.client.get(
        f"{T}/compare?a={ids['version_wind_v1']}&b={ids['version_wind_v2']}"
    )
    assert response.status_code == 302
    assert response.headers["location"] == f"{T}/diff/{ids['diff_wind_version']}"


async def test_compare_any_pair_computes_the_diff(ds, ids):
    html = await get_html(ds, f"{T}/compare?a={ids['version_wind_v2']}&b={ids['version_wind_v1']}")
    assert "Computed now from the stored texts" in html
    assert re.search(r"<del>250\s*</del>", html) and re.search(r"<ins>240\s*</ins>", html)
    assert "<th>Before · " in html


async def test_version_diff_columns_are_headed_with_times(ds, ids):
    html = await get_html(ds, f"{T}/diff/{ids['diff_wind_version']}")
    assert re.search(r"<th>Before · \d{4}-\d\d-\d\d \d\d:\d\d</th>", html)
    assert re.search(r"<th>After · \d{4}-\d\d-\d\d \d\d:\d\d</th>", html)
    assert f'href="{T}/page/{ids["page_wind_origin"]}">All versions of this article' in html


async def test_stored_text_of_a_version_is_shown_escaped(ds, ids):
    html = await get_html(ds, f"{T}/version/{ids['version_wind_v1']}")
    article, boilerplate = html.split("Left out as boilerplate")
    assert f"<p>{WIND_V1[0]}</p>" in article
    assert "<p>Harbour Gazette reporters visited the quay on Monday.</p>" in boilerplate
    assert "Harbour Gazette reporters" not in article
    evil = await get_html(ds, f"{T}/version/{ids['version_evil_v1']}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil and "<script>alert(1)" not in evil


@pytest.mark.parametrize(
    "path",
    ["/page/999999", "/version/999999", "/compare?a=1", "/compare?a=999998&b=999999", "/page/x"],
)
async def test_unknown_history_ids_are_404(ds, path):
    assert (await ds.client.get(f"{T}{path}")).status_code == 404


# --------------------------------------------------------------------------- smaller faults


def test_chain_labels_wrap_at_spaces_onto_two_lines():
    from tracker.web.pictures import ChainNode, chain_picture

    long_name = "The Harbour Times of the Northern Coast and Islands"
    chain = chain_picture(
        [
            ChainNode(1, long_name, "origin · 2026-11-17", "origin", None),
            ChainNode(2, "Coast Wire", "repost · 2026-11-17", "uncredited", None),
        ],
        1,
    )
    assert chain is not None
    lines = chain.boxes[0].lines
    assert len(lines) == 2 and all(len(line) <= 24 for line in lines)
    words = long_name.split()
    for line in lines:  # whole words only, the last one may end in an ellipsis
        assert all(word in words for word in line.rstrip("…").split())
    assert chain.box_height > 46  # room for the second line
    assert chain.boxes[1].lines == ["Coast Wire"]


async def test_timeline_says_origin_once(ds, ids):
    html = await get_html(ds, f"{T}/cluster/{ids['cluster_wind']}")
    timeline = html.split('<svg class="tracker-timeline"')[1].split("</svg>")[0]
    assert timeline.count(">origin</text>") == 2  # the legend and the dashed line, no third


async def test_counts_use_the_right_noun_form(tmp_path):
    from tests.datasette_fixture import build_newsroom_db as build

    path = tmp_path / "one.db"
    ids = build(path)
    conn = sqlite3.connect(path)
    conn.execute("delete from clusters where id != ?", [ids["cluster_evil"]])
    conn.commit()
    conn.close()
    html = await get_html(build_datasette([path]), "/one/-/tracker")
    assert "<strong>1</strong> story</li>" in html and "1 stories" not in html
    cluster = await get_html(
        build_datasette([path]), f"/one/-/tracker/cluster/{ids['cluster_evil']}"
    )
    assert (
        "<strong>1</strong> repost</li>" in cluster
        and "<strong>0</strong> excerpts</li>" in cluster
    )


async def test_cards_show_friendly_times(ds, ids):
    html = await get_html(ds, f"{T}/cluster/{ids['cluster_wind']}")
    card = html.split('<section class="origin-card"')[1].split("</section>")[0]
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", card), card
    assert re.search(r"first seen \d{4}-\d\d-\d\d \d\d:\d\d", card)
    diff = await get_html(ds, f"{T}/diff/{ids['diff_wind_version']}")
    sides = diff.split('<div class="sides">')[1].split("</div>\n")[0]
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", sides)


def test_network_curves_grow_with_their_counts():
    from tracker.web.pictures import Edge, network_picture

    picture = network_picture(
        [Edge("a.example", "b.example", 1, 0), Edge("a.example", "c.example", 3, 0)], {}
    )
    assert picture is not None
    widths = {a.count: a.stroke_width for a in picture.arrows}
    assert widths[3] > widths[1]


# --------------------------------------------------------------------------- all stories, paged


async def test_stories_page_through_everything_with_filters(tmp_path):
    path = tmp_path / "many.db"
    ids = build_newsroom_db(path)
    conn = sqlite3.connect(path)
    origin = ids["page_ferry_origin"]
    for n in range(30):
        conn.execute(
            "insert into clusters (origin_page_id, size, first_seen, title) values (?, 1, ?, ?)",
            [origin, f"2026-01-{n % 28 + 1:02d}T10:00:00+00:00", f"Filler story {n:02d}"],
        )
    conn.commit()
    conn.close()
    ds = build_datasette([path])
    first = await get_html(ds, "/many/-/tracker")
    assert "page 1 of 2" in first and 'rel="next" href="/many/-/tracker?page=2"' in first
    assert first.count('<tr><td><a href="/many/-/tracker/cluster/') == 25
    second = await get_html(ds, "/many/-/tracker?page=2")
    assert second.count('<tr><td><a href="/many/-/tracker/cluster/') == 9
    assert 'rel="prev" href="/many/-/tracker?page=1"' in second
    # Filters: a date range, a site, uncredited only; kept when paging.
    january = await get_html(ds, "/many/-/tracker?from=2026-01-01&to=2026-01-10&sort=newest")
    # Days 1-10 of January: stories 00-09, and 28-29 (days 1 and 2 again); newest first.
    assert january.count("Filler story") == 12 and "page 1 of 1" in january
    titles = re.findall(r"Filler story (\d\d)", january)
    assert titles[0] == "09" and set(titles[-2:]) == {"00", "28"} and "(12)" in january
    coast = await get_html(ds, "/many/-/tracker?site=coastwire.net")
    assert "(31)" in coast and 'href="/many/-/tracker?site=coastwire.net&amp;page=2"' in coast
    uncredited = await get_html(ds, "/many/-/tracker?uncredited=1")
    assert "(3)" in uncredited
    assert f'/many/-/tracker/cluster/{ids["cluster_old"]}"' not in uncredited
    bad = await get_html(ds, "/many/-/tracker?page=abc&from=yesterday")
    assert "page 1 of 2" in bad


@pytest.mark.parametrize(
    "q",
    [
        'https://x.example/"><script>alert(1)</script>',
        "http://x.example:99999/a",
        "http://[::1",
        "javascript:alert(1)",
        "ftp://harbourgazette.com/news/wind-terminal",
        "a" * 5000,
        "   ",
        "短い文章です。これは日本語のテキストで、スペースがありません。",
    ],
)
async def test_odd_lookups_answer_a_page_not_an_error(ds, q):
    response = await ds.client.get(f"{T}/lookup?" + urlencode({"q": q}))
    assert response.status_code == 200, response.text[:300]
    assert "<script>alert(1)" not in response.text
