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


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
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
    widths = page.locator("svg.tracker-network path.nw-edge").evaluate_all(
        "els => els.map(el => parseFloat(el.getAttribute('stroke-width')))"
    )
    assert max(widths) > min(widths)  # weighted by count
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
    page.locator("table.members a[href^='/']").first.click()
    page.wait_for_load_state("load")
    assert "/-/tracker/diff/" in page.url and page.evaluate("window.__xss") == 0
    tab.assert_clean()
