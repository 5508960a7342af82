"""Evidence (issue 12, item 6): crawled pages are kept as WARC records, each version knows where
its capture is, and ``tracker export`` writes a zip that still shows a copy after the copy (and
the whole site, and even the database) is gone."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.datasette_fixture import (
    HOSTILE_IMG,
    HOSTILE_LINK,
    HOSTILE_SCRIPT,
    build_newsroom_db,
)
from tracker.capture import WarcCaptureMiddleware, WarcRun, remove_run_files, warc_folder
from tracker.cli import cli
from tracker.crawl import run_crawl_in_subprocess
from tracker.demo.content import PIER, PIER_URL, articles_in_state
from tracker.demo.run import demo_sources
from tracker.demo.web import DemoWeb, render_article
from tracker.serve import build_datasette
from tracker.store import open_db
from tracker.store.schedule import insert_crawl_run

COPY_URL = "http://newsbucket.example/stories/ferry-pier-millions/"
COPY_TITLE = "Millions for a pier while the seawall crumbles"


def crawl_demo(db_path: Path, web: DemoWeb, **settings: object) -> None:
    """One crawl of the demo web (through its loopback proxy) into ``db_path``."""
    run_crawl_in_subprocess(
        demo_sources(),
        db_path,
        env={"http_proxy": web.proxy_url, "no_proxy": ""},
        settings={"AUTOTHROTTLE_ENABLED": False, **settings},
        quiet=True,
        timeout=300,
    )


def zip_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def warc_records(data: bytes) -> list[tuple[str, dict[str, str], object, bytes]]:
    """(type, WARC headers, HTTP headers, body) of every record in a WARC file's bytes."""
    records = []
    for record in ArchiveIterator(io.BytesIO(data)):
        headers = dict(record.rec_headers.headers)
        records.append(
            (record.rec_type, headers, record.http_headers, record.content_stream().read())
        )
    return records


def assert_manifest(files: dict[str, bytes]) -> None:
    """README.txt lists the SHA-256 of every other file of the zip, and they match."""
    readme = files["README.txt"].decode("utf-8")
    listed = {}
    for line in readme.splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) == 64 and name:
            listed[name] = digest
    assert set(listed) == set(files) - {"README.txt"}
    for name, digest in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name


# --------------------------------------------------------------------------- crawl, export, delete


def test_deleted_copy_is_shown_from_its_exported_evidence(tmp_path):
    db_path = tmp_path / "news.db"
    web = DemoWeb().start()
    served = True
    try:
        crawl_demo(db_path, web)

        db = open_db(db_path)
        # Every stored version of this crawl knows where its fetched page is.
        versions = [r[0] for r in db.execute("select id from versions")]
        captures = {r["version_id"]: r for r in db.query("select * from captures")}
        assert versions and set(captures) == set(versions)
        assert all(not c["referenced"] for c in captures.values())
        # The run's WARC files sit in "<db stem>-warc/" and are recorded in crawl_runs.
        listed = [
            name
            for (files,) in db.execute(
                "select warc_files from crawl_runs where warc_files is not null"
            )
            for name in json.loads(files)
        ]
        assert listed and all(name.startswith("news-warc/") for name in listed)
        assert all((tmp_path / name).is_file() for name in listed)
        assert {c["warc_file"] for c in captures.values()} <= set(listed)
        db.close()

        out = tmp_path / "evidence.zip"
        result = CliRunner().invoke(
            cli, ["export", COPY_URL, "--format", "zip", "--db", str(db_path), "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "6 pages" in result.output and "6 captured pages" in result.output

        # The copy is deleted: its site no longer answers, and the crawl's files are gone too.
        web.stop()
        served = False
        with pytest.raises(urllib.error.URLError):
            opener = urllib.request.build_opener(
                urllib.request.ProxyHandler({"http": web.proxy_url})
            )
            opener.open(COPY_URL, timeout=5)
        db_path.unlink()
        shutil.rmtree(tmp_path / "news-warc")
    finally:
        if served:
            web.stop()

    files = zip_files(out)
    assert_manifest(files)
    assert {"members.csv", "members.json", "credits.csv", "diffs.json", "evidence.warc.gz"} <= set(
        files
    )

    members = list(csv.DictReader(io.StringIO(files["members.csv"].decode("utf-8"))))
    copy = next(m for m in members if m["url"] == COPY_URL)
    assert copy["role"] == "repost" and copy["credited"] == "False"
    assert next(m for m in members if m["url"] == PIER_URL)["role"] == "origin"
    assert copy["title"] == COPY_TITLE
    stored_text = files[copy["text_file"]].decode("utf-8")
    assert PIER[0] in stored_text and f"URL: {COPY_URL}" in stored_text

    # The page as it was fetched, from the exported WARC alone.
    records = warc_records(files["evidence.warc.gz"])
    (response,) = [r for r in records if r[0] == "response" and r[1]["WARC-Target-URI"] == COPY_URL]
    _, warc_headers, http_headers, body = response
    assert warc_headers["WARC-Record-ID"] == copy["capture_record_id"]
    assert warc_headers["WARC-Date"] == copy["capture_date"]
    assert warc_headers["WARC-Date"].startswith(copy["fetched_at"][:10])
    assert http_headers.get_statuscode() == "200"
    assert http_headers.get_header("Content-Type").startswith("text/html")
    page = body.decode("utf-8")
    assert COPY_TITLE in page and PIER[0] in page
    # The request that fetched it sits beside it.
    (request,) = [
        r
        for r in records
        if r[0] == "request" and r[1].get("WARC-Concurrent-To") == copy["capture_record_id"]
    ]
    assert request[2].protocol == "GET" and request[1]["WARC-Target-URI"] == COPY_URL

    # The diffs of the story are in the zip, figures and side by side.
    diffs = json.loads(files["diffs.json"])
    copy_diff = next(d for d in diffs if d["b_url"] == COPY_URL)
    assert copy_diff["kind"] == "repost" and copy_diff["a_url"] == PIER_URL
    assert COPY_TITLE in files[copy_diff["html_file"]].decode("utf-8")


def test_crawl_with_warc_off_writes_no_warc(tmp_path):
    db_path = tmp_path / "quiet.db"
    web = DemoWeb().start()
    try:
        crawl_demo(db_path, web, TRACKER_WARC=False)
    finally:
        web.stop()
    db = open_db(db_path)
    assert db.execute("select count(*) from versions").fetchone()[0] > 0
    assert db.execute("select count(*) from captures").fetchone()[0] == 0
    assert (
        db.execute("select count(*) from crawl_runs where warc_files is not null").fetchone()[0]
        == 0
    )
    assert not (tmp_path / "quiet-warc").exists()
    assert not list(tmp_path.rglob("*.warc*"))


# --------------------------------------------------------------------------- WARC files


@pytest.mark.parametrize("level", [None, 1, 9])
def test_warc_files_rotate_by_size_and_captures_point_at_their_records(tmp_path, level):
    # None: the default compressor (ISA-L's deflate, installed with tracker); 1-9: zlib's levels.
    run = WarcRun(tmp_path / "w", "t", max_bytes=2_000, relative_to=tmp_path, gzip_level=level)
    captures = []
    for n in range(6):
        body = f"<html><body><p>page {n}</p>{'x' * 1500}</body></html>".encode()
        captures.append(
            run.write(
                f"http://site.example/{n}",
                f"GET /{n} HTTP/1.1",
                [("Host", "site.example")],
                "HTTP/1.1 200 OK",
                [("Content-Type", "text/html")],
                body,
            )
        )
    run.close()
    assert len(run.files) > 1 and all(name.startswith("w/") for name in run.files)
    for n, capture in enumerate(captures):
        with (tmp_path / capture["warc_file"]).open("rb") as stream:
            stream.seek(capture["warc_offset"])
            chunk = stream.read(capture["warc_length"])
        ((kind, headers, _, body),) = warc_records(chunk)
        assert kind == "response" and headers["WARC-Record-ID"] == capture["record_id"]
        assert f"page {n}".encode() in body
        assert gzip.decompress(chunk).count(b"WARC/1.0\r\n") == 1  # one standard gzip member
    for name in run.files:  # whole files read back with warcio too
        with (tmp_path / name).open("rb") as stream:
            assert sum(1 for _ in ArchiveIterator(stream)) >= 2


def test_the_default_warc_compressor_is_isal_and_a_chosen_level_is_zlib():
    import zlib

    from isal import isal_zlib

    from tracker.capture import _gzip_compressor

    assert type(_gzip_compressor(None)) is type(isal_zlib.compressobj(1))
    assert type(_gzip_compressor(3)) is type(zlib.compressobj(3))


def test_the_middleware_keeps_the_raw_response_and_skips_what_is_no_page(tmp_path):
    from scrapy.exceptions import NotConfigured
    from scrapy.http import Request, Response
    from scrapy.utils.test import get_crawler

    db_path = tmp_path / "mw.db"
    crawler = get_crawler(settings_dict={"TRACKER_DB": str(db_path)})
    middleware = WarcCaptureMiddleware.from_crawler(crawler)
    middleware.spider_opened(SimpleNamespace(name="feed"))
    html = f"<html><body><h1>{COPY_TITLE}</h1><p>{PIER[0]}</p></body></html>".encode()

    def fetch(status: int, ctype: str, body: bytes, **headers: str) -> Request:
        request = Request("http://copy.example/story?id=1")
        response = Response(
            request.url,
            status=status,
            headers={"Content-Type": ctype, **headers},
            body=body,
            request=request,
        )
        assert middleware.process_response(request, response) is response
        return request

    # Compressed on the wire: kept compressed, with its Content-Encoding (the raw response).
    page = fetch(
        200, "text/html; charset=utf-8", gzip.compress(html), **{"Content-Encoding": "gzip"}
    )
    for skipped in (
        fetch(404, "text/html", b"<html>gone</html>"),
        fetch(200, "text/plain", b"User-agent: *"),
        fetch(304, "text/html", b""),
    ):
        assert "tracker_capture" not in skipped.meta
    capture = page.meta["tracker_capture"]
    path = tmp_path / capture["warc_file"]
    assert path.parent == tmp_path / "mw-warc"
    with path.open("rb") as stream:
        stream.seek(capture["warc_offset"])
        chunk = stream.read(capture["warc_length"])
    for record in ArchiveIterator(io.BytesIO(chunk)):
        assert record.http_headers.get_header("Content-Encoding") == "gzip"
        assert gzip.decompress(record.raw_stream.read()) == html  # the bytes as received
    ((_, headers, http_headers, body),) = warc_records(chunk)
    assert headers["WARC-Target-URI"] == "http://copy.example/story?id=1"
    assert PIER[0].encode() in body  # warcio undoes the Content-Encoding when asked
    request = warc_records(Path(path).read_bytes()[capture["request_offset"] :])[0]
    assert request[0] == "request" and request[2].protocol == "GET"
    assert request[2].statusline == "/story?id=1 HTTP/1.1"

    # At the end of the crawl the run's files go into its crawl_runs row.
    db = open_db(db_path)
    insert_crawl_run(db, {"spider": "feed", "started": "2026-11-30T00:00:00+00:00"})
    middleware.engine_stopped()
    (files,) = db.execute("select warc_files from crawl_runs").fetchone()
    assert json.loads(files) == [capture["warc_file"]]

    off = get_crawler(settings_dict={"TRACKER_DB": str(db_path), "TRACKER_WARC": False})
    with pytest.raises(NotConfigured):
        WarcCaptureMiddleware.from_crawler(off)


def test_a_fresh_demo_removes_only_its_own_warc_files(tmp_path):
    db_path = tmp_path / "demo.db"
    folder = warc_folder(db_path)
    assert folder == tmp_path / "demo-warc"
    folder.mkdir()
    (folder / "demo-feed-20261130T000000Z-1-00000.warc.gz").write_bytes(b"x")
    (folder / "kept.warc.gz").write_bytes(b"y")  # not a run's file: left alone
    assert remove_run_files(db_path) == 1
    assert [p.name for p in folder.iterdir()] == ["kept.warc.gz"]
    (folder / "kept.warc.gz").unlink()
    (folder / "demo-site-20261130T000000Z-1-00000.warc.gz").write_bytes(b"x")
    assert remove_run_files(db_path) == 1 and not folder.exists()


def _demo_warc(path: Path) -> None:
    """The demo web's first-state article pages as an uncompressed WARC file."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        for article in articles_in_state(1):
            body = render_article(article).encode("utf-8")
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    article.url, "response", payload=io.BytesIO(body), http_headers=headers
                )
            )


def test_imported_warc_is_referenced_not_copied(tmp_path):
    archive = tmp_path / "archive" / "saved.warc"
    archive.parent.mkdir()
    _demo_warc(archive)
    work = tmp_path / "work"
    work.mkdir()
    db_path = work / "imported.db"
    result = CliRunner().invoke(cli, ["import", str(archive), "--db", str(db_path)])
    assert result.exit_code == 0, result.output

    db = open_db(db_path)
    captures = list(db.query("select * from captures"))
    assert len(captures) == db.execute("select count(*) from versions").fetchone()[0] > 0
    assert {c["warc_file"] for c in captures} == {str(archive.resolve())}
    assert all(c["referenced"] == 1 for c in captures)
    # Nothing was copied: no WARC file next to the database, the archive unchanged.
    assert sorted(p.name for p in work.iterdir() if "warc" in p.name) == []
    data = archive.read_bytes()
    for capture in captures:
        chunk = data[capture["warc_offset"] : capture["warc_offset"] + capture["warc_length"]]
        assert chunk.startswith(b"WARC/") and capture["record_id"].encode() in chunk
    db.close()

    out = tmp_path / "story.zip"
    result = CliRunner().invoke(cli, ["export", PIER_URL, "--db", str(db_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    files = zip_files(out)
    assert_manifest(files)
    # Records of a plain .warc come out as gzip members of evidence.warc.gz.
    assert files["evidence.warc.gz"][:2] == b"\x1f\x8b"
    gzip.decompress(files["evidence.warc.gz"])
    uris = {r[1]["WARC-Target-URI"] for r in warc_records(files["evidence.warc.gz"])}
    assert {PIER_URL, COPY_URL} <= uris


def test_export_of_a_moved_warc_says_what_is_missing(tmp_path):
    archive = tmp_path / "saved.warc"
    _demo_warc(archive)
    db_path = tmp_path / "t.db"
    assert CliRunner().invoke(cli, ["import", str(archive), "--db", str(db_path)]).exit_code == 0
    archive.unlink()
    out = tmp_path / "story.zip"
    result = CliRunner().invoke(cli, ["export", PIER_URL, "--db", str(db_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "not included" in result.output and "is missing" in result.output
    files = zip_files(out)
    assert "evidence.warc.gz" not in files
    assert "is missing" in files["README.txt"].decode("utf-8")


# --------------------------------------------------------------------------- hostile text, web, errors


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    path = tmp_path_factory.mktemp("ev") / "newsroom.db"
    return path, build_newsroom_db(path)


def _no_raw_markup(html: str, where: str) -> None:
    assert HOSTILE_SCRIPT not in html, where
    assert "<img src=x" not in html, where
    assert 'href="javascript:' not in html.lower(), where


def test_export_escapes_hostile_text_in_the_html_diffs(newsroom, tmp_path):
    path, ids = newsroom
    out = tmp_path / "evil.zip"
    result = CliRunner().invoke(
        cli, ["export", str(ids["cluster_evil"]), "--db", str(path), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    files = zip_files(out)
    assert_manifest(files)
    pages = [name for name in files if name.endswith(".html")]
    assert pages
    for name in pages:
        _no_raw_markup(files[name].decode("utf-8"), name)
    # The data files keep the text as it was found (data, not markup).
    texts = "".join(files[n].decode("utf-8") for n in files if n.startswith("texts/"))
    assert HOSTILE_IMG in texts and HOSTILE_LINK in texts


async def test_story_page_downloads_the_same_evidence(newsroom):
    path, ids = newsroom
    ds = build_datasette([path])
    base = f"/{path.stem}/-/tracker/cluster/{ids['cluster_evil']}"
    page = await ds.client.get(base)
    assert page.status_code == 200
    assert f'href="{base}/evidence.zip"' in page.text
    _no_raw_markup(page.text, "story page")
    response = await ds.client.get(f"{base}/evidence.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    files = zip_files_from_bytes(response.content)
    assert_manifest(files)
    assert "members.csv" in files and any(n.startswith("diffs/") for n in files)
    missing = await ds.client.get(f"/{path.stem}/-/tracker/cluster/99999/evidence.zip")
    assert missing.status_code == 404


def zip_files_from_bytes(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize(
    ("story", "message"),
    [
        ("99999", "99999: no story (cluster) with this id"),
        ("https://nowhere.example/x", "not a stored page or story id"),
    ],
)
def test_export_of_an_unknown_story_is_one_error_line(newsroom, tmp_path, story, message):
    path, _ = newsroom
    out = tmp_path / "x.zip"
    result = CliRunner().invoke(cli, ["export", story, "--db", str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()
