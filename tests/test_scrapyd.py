"""Scheduled crawls through a real Scrapyd: deploy the project with ``scrapyd-deploy``, schedule
the feed spider through Scrapyd's HTTP API (``schedule.json``), and watch the database fill.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import corpus_path, missing
from tests.fixture_web import FixtureWeb

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(base: str, path: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with urllib.request.urlopen(base + path, data=body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    if shutil.which("scrapyd") is None or shutil.which("scrapyd-deploy") is None:
        missing("scrapyd and scrapyd-client are not installed (pip install -e '.[test]')")
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\n"
        f"dbs_dir = {home / 'dbs'}\n"
        "items_dir =\n"
        "max_proc = 1\n"
        "poll_interval = 0.2\n"
    )
    log = (home / "scrapyd.out").open("wb")
    process = subprocess.Popen(["scrapyd"], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                if _api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("scrapyd did not start: " + (home / "scrapyd.out").read_text())
        yield base, home
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_deploy_schedule_and_fill_database(scrapyd, tmp_path):
    base, home = scrapyd
    corpus_path("scrapinghub-article-extraction-benchmark", "ground-truth.json")
    web = FixtureWeb(corpus_path("copietje-neardup-variants-and-newsedits").parent).start()
    try:
        # Deploy a copy of the project (scrapyd-deploy writes setup.py and build/ beside scrapy.cfg).
        project = tmp_path / "project"
        project.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for package in ("tracker", "spiders"):
            shutil.copytree(ROOT / package, project / package, ignore=ignore)
        cfg = (ROOT / "scrapy.cfg").read_text()
        assert "[deploy]" in cfg and "project = tracker" in cfg
        (project / "scrapy.cfg").write_text(cfg.replace("http://127.0.0.1:6800/", base))
        deployed = subprocess.run(
            ["scrapyd-deploy"], cwd=project, capture_output=True, text=True, timeout=120
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert _api(base, "listprojects.json")["projects"] == ["tracker"]
        spiders = _api(base, "listspiders.json?project=tracker")["spiders"]
        assert {"feed", "sitemap", "site", "urls", "credits"} <= set(spiders)

        sources = tmp_path / "sources.yml"
        sources.write_text(web.sources_yaml(follow_credits=2))
        db = tmp_path / "scheduled.db"  # absolute: Scrapyd runs the job in its own directory
        job = _api(
            base,
            "schedule.json",
            {
                "project": "tracker",
                "spider": "feed",
                "sources": str(sources),
                "db": str(db),
                "setting": ["AUTOTHROTTLE_ENABLED=False", "TRACKER_EXTRACT_PROCESSES=2"],
            },
        )
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            jobs = _api(base, "listjobs.json?project=tracker")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            time.sleep(0.3)
        else:
            pytest.fail("the scheduled crawl did not finish in time")
        logs = list((home / "logs").rglob("*.log"))
        log_text = logs[0].read_text() if logs else ""
        assert db.exists(), log_text[-3000:]
        with sqlite3.connect(db) as conn:
            urls = {u for (u,) in conn.execute("select url from pages")}
            run = conn.execute("select spider, pages_new, versions_new from crawl_runs").fetchall()
        assert web.url("reposter", "/news/credited.html") in urls
        assert web.url("hidden", "/articles/original-4.html") in urls  # credit-following ran too
        assert run == [("feed", len(urls), len(urls))], log_text[-3000:]
        assert "Traceback" not in log_text
    finally:
        web.stop()


def test_scrapy_cfg_points_scrapyd_deploy_at_the_project():
    text = (ROOT / "scrapy.cfg").read_text()
    assert "default = tracker.settings" in text
    assert "[deploy]" in text and "project = tracker" in text
    # The project packages both tracker and spiders, so an egg or a wheel carries the spiders.
    assert '"spiders*"' in (ROOT / "pyproject.toml").read_text()
