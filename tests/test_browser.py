"""tracker's pages in a real headless Chromium, served by ``tracker serve`` on a loopback port.

Needs Debian's ``chromium`` (``/usr/bin/chromium``, or ``TRACKER_CHROMIUM``) and the ``playwright``
package; playwright only drives the browser here, it never downloads one. Without them the tests
skip, except under ``CI=true`` where they fail.

Screenshots go to a temporary folder; set ``TRACKER_SCREENSHOTS=docs/screenshots`` to refresh the
README's pictures.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import missing
from tests.datasette_fixture import build_newsroom_db

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DB_NAME = "demo"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``tracker serve`` on a free loopback port over the newsroom database; yields (base URL, ids)."""
    path = tmp_path_factory.mktemp("browser") / f"{DB_NAME}.db"
    ids = build_newsroom_db(path)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from tracker.cli import cli; cli()",
            "serve",
            "--db",
            str(path),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read() if proc.stdout else ""
                    pytest.fail(f"tracker serve did not start: {output}")
                time.sleep(0.1)
        yield base, ids
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    target = os.environ.get("TRACKER_SCREENSHOTS")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Watched:
    """A page with every console error, page error, dialog and off-host request recorded."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", self._request)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request) -> None:
        if not request.url.startswith(self.base) and not request.url.startswith("data:"):
            self.foreign.append(request.url)

    def open(self, path: str) -> None:
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.status == 200, (
            f"{path}: {response and response.status}"
        )

    def assert_clean(self) -> None:
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.foreign, f"requests leaving the server: {self.foreign}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser, server):
    watched = Watched(browser, server[0])
    yield watched
    watched.close()


def test_database_index(tab, server, screenshots):
    tab.open(f"/{DB_NAME}")
    page = tab.page
    assert page.locator("h1").first.inner_text().strip().startswith(DB_NAME)
    for title in ("Who republishes whom", "Uncredited reposts", "Search articles"):
        assert page.get_by_role("link", name=title).count() >= 1, title
    page.screenshot(path=str(screenshots / "database.png"), full_page=True)
    tab.open(f"/{DB_NAME}/cluster_members")
    badge = page.locator("a.tracker-badge.badge-uncredited").first
    assert badge.is_visible()
    badge.click()
    page.wait_for_load_state("load")
    assert "/-/tracker/cluster/" in page.url
    tab.assert_clean()


def test_cluster_page(tab, server, screenshots):
    base, ids = server
    tab.open(f"/{DB_NAME}/-/tracker/cluster/{ids['cluster_wind']}")
    page = tab.page
    assert page.locator("h1.headline").inner_text() == "Port approves 250m offshore wind terminal"
    timeline = page.locator("svg.tracker-timeline")
    assert timeline.is_visible()
    box = timeline.bounding_box()
    assert box and box["width"] > 600 and box["height"] > 150
    assert page.locator("svg.tracker-timeline circle.tl-dot").count() == 5
    assert page.locator("svg.tracker-timeline circle.tl-uncredited").count() == 1
    assert page.locator("svg.tracker-chain path.chain-edge.credited").count() == 3
    dashed = page.locator("svg.tracker-chain path.chain-edge.uncredited")
    assert dashed.count() == 1
    assert dashed.evaluate("el => getComputedStyle(el).strokeDasharray") not in ("", "none")
    rows = page.locator("table.members tbody tr")
    assert rows.count() == 5
    assert rows.nth(0).locator(".badge-origin").is_visible()
    assert rows.nth(4).locator(".badge-uncredited").inner_text().strip() == "✗ uncredited"
    page.screenshot(path=str(screenshots / "cluster.png"), full_page=True)
    tab.assert_clean()


def test_diff_page_highlights(tab, server, screenshots):
    base, ids = server
    tab.open(f"/{DB_NAME}/-/tracker/diff/{ids['diff_wind_version']}")
    page = tab.page
    deleted = page.locator("table.sbs:not(.headline-diff) td.a del").first
    inserted = page.locator("table.sbs:not(.headline-diff) td.b ins").first
    assert deleted.is_visible() and inserted.is_visible()
    assert deleted.inner_text().strip() == "240"
    assert inserted.inner_text().strip() == "250"
    # The highlight is really painted: a coloured background, not the default transparent one.
    for element in (deleted, inserted):
        colour = element.evaluate("el => getComputedStyle(el).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour
    assert page.locator("table.sbs tr.op-move").count() == 1
    assert page.locator("table.headline-diff ins").inner_text().strip() == "250m"
    page.screenshot(path=str(screenshots / "diff.png"), full_page=True)
    tab.assert_clean()


def test_network_picture(tab, server, screenshots):
    tab.open(f"/{DB_NAME}/-/tracker/network")
    page = tab.page
    svg = page.locator("svg.tracker-network")
    assert svg.is_visible()
    assert page.locator("svg.tracker-network g.nw-node").count() == 6
    uncredited = page.locator("svg.tracker-network path.nw-uncredited")
    assert uncredited.count() == 3
    assert uncredited.first.evaluate("el => getComputedStyle(el).stroke") == "rgb(198, 40, 40)"
    # Weighted by count: each curve's width follows the count written on it. (Every pair of the
    # fixture now carries one story once credits decide the edges, so the strict growth with the
    # count is checked on a picture of its own in test_web_workflows.)
    drawn = page.locator("svg.tracker-network path.nw-edge").evaluate_all(
        "els => els.map(el => [parseFloat(el.getAttribute('stroke-width')),"
        " parseInt(el.nextElementSibling.textContent)])"
    )
    width_of: dict[int, set[float]] = {}
    for width, count in drawn:
        width_of.setdefault(count, set()).add(width)
    assert all(len(widths) == 1 for widths in width_of.values()), width_of
    counts = sorted(width_of)
    assert [min(width_of[c]) for c in counts] == sorted(min(width_of[c]) for c in counts)
    page.screenshot(path=str(screenshots / "network.png"), full_page=True)
    tab.assert_clean()


def test_hostile_article_executes_nothing(tab, server):
    base, ids = server
    tab.page.add_init_script("window.__xss = 0; window.alert = () => { window.__xss += 1; };")
    paths = [
        f"/{DB_NAME}/-/tracker",
        f"/{DB_NAME}/-/tracker/cluster/{ids['cluster_evil']}",
        f"/{DB_NAME}/-/tracker/diff/{ids['diff_evil_version']}",
        f"/{DB_NAME}/-/tracker/diff/{ids['diff_evil_copy']}",
        f"/{DB_NAME}/-/tracker/network",
        f"/{DB_NAME}/versions/{ids['version_evil_v1']}",
        f"/{DB_NAME}/versions?_search=hostile",
        f"/{DB_NAME}/attributions",
        f"/{DB_NAME}/sites",
        f"/{DB_NAME}/pages/{ids['page_evil_origin']}",
        f"/{DB_NAME}/search_articles?q=hostile",
        f"/{DB_NAME}/uncredited_reposts",
    ]
    page = tab.page
    for path in paths:
        tab.open(path)
        assert page.evaluate("window.__xss") == 0, path
        assert page.locator("img[src='x']").count() == 0, path
        assert page.locator("a[href^='javascript:' i]").count() == 0, path
        scripts = page.locator("script").evaluate_all("els => els.map(el => el.textContent)")
        assert not any("alert(1)" in s for s in scripts), path
        # The hostile text is on the page, as visible text.
        assert "alert(1)" in page.locator("body").inner_text(), path
    # Hovering the hostile rows' links and following the local one runs nothing either.
    tab.open(f"/{DB_NAME}/-/tracker/cluster/{ids['cluster_evil']}")
    for link in page.locator("table.members a").all():
        link.hover()
    page.locator("table.members a[href^='/'][href*='/-/tracker/diff/']").first.click()
    page.wait_for_load_state("load")
    assert "/-/tracker/diff/" in page.url and page.evaluate("window.__xss") == 0
    tab.assert_clean()


# --------------------------------------------------------------------------- the pages of issue 12


def test_lookup_box_takes_a_url_to_its_story(tab, server, screenshots):
    base, ids = server
    tab.open(f"/{DB_NAME}/-/tracker")
    page = tab.page
    box = page.locator("form.lookup textarea[name=q]")
    assert box.is_visible()
    box.fill("http://www.harbourgazette.com/news/wind-terminal/amp?utm_source=newsletter&fbclid=x")
    page.locator("form.lookup button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/-/tracker/cluster/{ids['cluster_wind']}")
    assert page.locator("h1.headline").inner_text() == "Port approves 250m offshore wind terminal"
    tab.assert_clean()


def test_lookup_box_lists_stories_for_pasted_text(tab, server, screenshots):
    base, ids = server
    from tests.datasette_fixture import FERRY, WIND_V1

    tab.open(f"/{DB_NAME}/-/tracker")
    page = tab.page
    page.locator("form.lookup textarea[name=q]").fill("\n\n".join(WIND_V1[:2] + FERRY))
    page.locator("form.lookup button[type=submit]").click()
    page.wait_for_load_state("load")
    rows = page.locator("table.lookup-results tbody tr")
    assert rows.count() == 2
    assert "ferry fares" in rows.nth(0).inner_text()
    first, second = (
        int(rows.nth(i).locator("td.num strong").inner_text().rstrip("%")) for i in (0, 1)
    )
    assert first > second > 0
    page.screenshot(path=str(screenshots / "lookup.png"), full_page=True)
    rows.nth(1).locator("a").first.click()
    page.wait_for_load_state("load")
    assert f"/-/tracker/cluster/{ids['cluster_wind']}" in page.url
    tab.assert_clean()


def test_stories_filters_and_paging(tab, server, screenshots):
    tab.open(f"/{DB_NAME}/-/tracker")
    page = tab.page
    assert page.locator("table.stories tbody tr").count() == 4
    page.locator("form.filters select[name=site]").select_option("harbourgazette.com")
    page.locator("form.filters input[name=uncredited]").check()
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "site=harbourgazette.com" in page.url and "uncredited=1" in page.url
    rows = page.locator("table.stories tbody tr")
    assert rows.count() == 1 and "wind terminal" in rows.first.inner_text()
    assert page.locator("nav.pager").inner_text().strip() == "page 1 of 1"
    page.screenshot(path=str(screenshots / "stories.png"), full_page=True)
    tab.open(f"/{DB_NAME}/-/tracker?from=2999-01-01")
    assert "No story matches these filters" in page.locator(".tracker").inner_text()
    tab.assert_clean()


def test_site_page(tab, server, screenshots):
    base, ids = server
    tab.open(f"/{DB_NAME}/-/tracker/cluster/{ids['cluster_wind']}")
    page = tab.page
    page.locator("section.origin-card a.site").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/-/tracker/site/harbourgazette.com")
    assert page.locator("h1.headline").inner_text() == "Harbour Gazette"
    assert page.locator("table.site-stories tbody tr").count() == 2
    copiers = page.locator("table.site-copiers tbody tr")
    assert copiers.count() == 4
    bar = page.locator("table.site-months .share-bar").first
    assert bar.is_visible() or bar.bounding_box() is not None
    page.screenshot(path=str(screenshots / "site.png"), full_page=True)
    # The uncredited count of one copier opens the query for that pair only.
    page.locator("table.site-copiers a.bad").first.click()
    page.wait_for_load_state("load")
    assert "republished_by=dailyroundup.info" in page.url
    tab.assert_clean()


def test_article_history_compares_any_two_versions(tab, server, screenshots):
    base, ids = server
    tab.open(f"/{DB_NAME}/-/tracker/page/{ids['page_wind_origin']}")
    page = tab.page
    rows = page.locator("table.versions tbody tr")
    assert rows.count() == 2
    assert "+10 / −7 words" in rows.nth(1).inner_text()
    page.screenshot(path=str(screenshots / "history.png"), full_page=True)
    # Newer as A, older as B: no stored diff, so it is computed from the stored texts.
    page.locator(f"input[name=a][value='{ids['version_wind_v2']}']").check()
    page.locator(f"input[name=b][value='{ids['version_wind_v1']}']").check()
    page.locator("form.pair button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "/-/tracker/compare?" in page.url
    assert (
        page.locator("table.sbs:not(.headline-diff) td.b ins").first.inner_text().strip() == "240"
    )
    heads = page.locator("table.sbs:not(.headline-diff) thead th").all_text_contents()
    assert heads[0].startswith("Before · ") and heads[2].startswith("After · ")
    tab.open(f"/{DB_NAME}/-/tracker/version/{ids['version_wind_v1']}")
    article = page.locator(".stored-text:not(.boilerplate)").inner_text()
    apart = page.locator(".stored-text.boilerplate").inner_text()
    assert "The port authority on Tuesday approved" in article
    assert "Harbour Gazette reporters visited the quay on Monday." in apart
    assert "Harbour Gazette reporters" not in article
    page.screenshot(path=str(screenshots / "version.png"), full_page=True)
    tab.assert_clean()


def test_atom_feed_is_served_and_linked(tab, server):
    import xml.etree.ElementTree as ET

    base, ids = server
    tab.open(f"/{DB_NAME}/-/tracker/site/harbourgazette.com")
    href = tab.page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute(
        "href"
    )
    response = tab.page.request.get(base + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.body())
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.tag == f"{atom}feed" and feed.findtext(f"{atom}id")
    assert len(feed.findall(f"{atom}entry")) == 2
    tab.assert_clean()


def test_new_pages_at_phone_width(browser, server, screenshots):
    base, ids = server
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        for path, name in (
            (f"/{DB_NAME}/-/tracker", None),
            (f"/{DB_NAME}/-/tracker/site/harbourgazette.com", "site-phone.png"),
            (f"/{DB_NAME}/-/tracker/page/{ids['page_wind_origin']}", None),
            (f"/{DB_NAME}/-/tracker/cluster/{ids['cluster_wind']}", None),
        ):
            page.goto(base + path, wait_until="load")
            # Nothing but the pictures' scrolling frames is wider than the screen.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, (path, overflow)
            if name:
                page.screenshot(path=str(screenshots / name), full_page=True)
    finally:
        context.close()


def test_hostile_text_on_the_new_pages_executes_nothing(tab, server):
    from urllib.parse import urlencode

    from tests.datasette_fixture import HOSTILE_ALL, HOSTILE_SCRIPT, HOSTILE_TEXT

    base, ids = server
    tab.page.add_init_script("window.__xss = 0; window.alert = () => { window.__xss += 1; };")
    paths = [
        f"/{DB_NAME}/-/tracker?site=dailyroundup.info",
        f"/{DB_NAME}/-/tracker/lookup?" + urlencode({"q": HOSTILE_TEXT[0] + " " + HOSTILE_TEXT[1]}),
        f"/{DB_NAME}/-/tracker/lookup?"
        + urlencode({"q": f"{HOSTILE_ALL} </textarea>{HOSTILE_SCRIPT}"}),
        f"/{DB_NAME}/-/tracker/site/dailyroundup.info",
        f"/{DB_NAME}/-/tracker/site/tideline.news",
        f"/{DB_NAME}/-/tracker/page/{ids['page_evil_origin']}",
        f"/{DB_NAME}/-/tracker/version/{ids['version_evil_v1']}",
        f"/{DB_NAME}/-/tracker/version/{ids['version_evil_copy']}",
        f"/{DB_NAME}/-/tracker/compare?a={ids['version_evil_v2']}&b={ids['version_evil_v1']}",
        f"/{DB_NAME}/cluster_members",
        f"/{DB_NAME}/attributions",
        f"/{DB_NAME}/versions",
        f"/{DB_NAME}/sites",
    ]
    page = tab.page
    for path in paths:
        tab.open(path)
        assert page.evaluate("window.__xss") == 0, path
        assert page.locator("img[src='x']").count() == 0, path
        assert page.locator("a[href^='javascript:' i]").count() == 0, path
        scripts = page.locator("script").evaluate_all("els => els.map(el => el.textContent)")
        assert not any("alert(1)" in s for s in scripts), path
        boxes = page.locator("textarea")
        typed = boxes.first.input_value() if boxes.count() else ""
        # The hostile text is on the page as text (or back in the lookup box, as typed).
        assert "alert(1)" in page.locator("body").inner_text() + typed, path
    # The feed is XML: served as such, it runs nothing either.
    tab.open(f"/{DB_NAME}/-/tracker/feed.atom")
    assert page.evaluate("window.__xss") == 0
    tab.assert_clean()
