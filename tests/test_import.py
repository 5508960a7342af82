"""`tracker import`: WARC, HTML files and folders, JSON Lines; idempotence; bad input."""

from __future__ import annotations

import gzip
import io
import json

from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import corpus_path
from tracker.cli import cli
from tracker.store import open_db

ARTICLE = """<html lang="en"><head><title>Harbour news</title>
<link rel="canonical" href="https://harbour.example/news/pier/"></head><body>
<nav><a href="/">Home</a></nav><article><h1>Harbour news</h1>
<p>The council voted on Tuesday to rebuild the old ferry pier at Gull Point after years of argument about its cost.</p>
<p>Supporters said the closure had hurt local shops and left ferry passengers without shelter on the industrial quay.</p>
<p>Opponents argued that the money would be better spent on the flood defences along the eastern seawall.</p>
</article><footer>Share this</footer></body></html>"""


def write_warc(path, records, gz=True):
    """Write (url, body, date, content_type) response records to a WARC file."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gz)
        for url, body, date, ctype in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(record)


def run(*args):
    return CliRunner().invoke(cli, ["import", *args], catch_exceptions=False)


def counts(db_path):
    db = open_db(db_path)
    return {t: db[t].count for t in ("pages", "versions", "attributions", "sites")}


def test_warc_from_real_pages_fills_pages_and_versions(tmp_path):
    corpus = corpus_path("scrapinghub-article-extraction-benchmark")
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:25]
    records = [
        (
            truth[i]["url"],
            gzip.decompress((corpus / "html" / f"{i}.html.gz").read_bytes()),
            "2026-11-01T10:00:00Z",
            "text/html; charset=utf-8",
        )
        for i in ids
    ]
    records.append(
        (
            "https://img.example/logo.png",
            b"\x89PNG\r\n\x1a\n\x00\x00",
            "2026-11-01T10:00:00Z",
            "image/png",
        )
    )
    warc = tmp_path / "pages.warc.gz"
    write_warc(warc, records)
    db_path = tmp_path / "t.db"
    result = run(str(warc), "--db", str(db_path), "--jobs", "2", "--no-cluster")
    assert result.exit_code == 0, result.output
    first = counts(db_path)
    assert first["pages"] == len({r[0] for r in records[:-1]})
    assert first["versions"] == first["pages"]
    db = open_db(db_path)
    row = db.execute("select fetched_at, word_count from versions limit 1").fetchone()
    assert row[0] == "2026-11-01T10:00:00+00:00" and row[1] > 50
    again = run(str(warc), "--db", str(db_path), "--no-cluster")
    assert again.exit_code == 0
    assert counts(db_path) == first
    assert "0 new pages, 0 new versions" in again.output


def test_bad_inputs_get_one_line_each_and_the_rest_is_imported(tmp_path):
    good = tmp_path / "good.warc.gz"
    write_warc(
        good,
        [
            (
                "https://harbour.example/news/pier/",
                ARTICLE.encode(),
                "2026-11-02T00:00:00Z",
                "text/html",
            )
        ],
    )
    corrupt = tmp_path / "corrupt.warc.gz"
    corrupt.write_bytes(good.read_bytes()[:-40] + b"garbage-bytes" * 3)
    not_warc = tmp_path / "notes.warc"
    not_warc.write_text("this is not a warc file\n")
    binary = tmp_path / "binary.warc"
    write_warc(
        binary,
        [
            (
                "https://harbour.example/bin/",
                b"\x00\x01\x02" * 200,
                "2026-11-02T00:00:00Z",
                "text/html",
            )
        ],
        gz=False,
    )
    empty = tmp_path / "empty.html"
    empty.write_text("")
    no_url = tmp_path / "nourl.html"
    no_url.write_text("<html><body><p>no canonical here</p></body></html>")
    db_path = tmp_path / "t.db"
    result = CliRunner().invoke(
        cli,
        [
            "import",
            str(good),
            str(corrupt),
            str(not_warc),
            str(binary),
            str(empty),
            str(no_url),
            "--db",
            str(db_path),
            "--no-cluster",
        ],
    )
    assert result.exit_code == 0, result.output
    err = result.stderr if hasattr(result, "stderr") else result.output
    assert "notes.warc: not a WARC file" in err
    assert "corrupt.warc.gz: record https://harbour.example/news/pier/: damaged" in err
    assert err.count("corrupt.warc.gz") == 1
    assert "https://harbour.example/bin/: binary body" in err
    assert "empty.html" in err and "empty body" in err
    assert "nourl.html: no URL" in err
    assert "Traceback" not in result.output
    assert counts(db_path)["versions"] == 1


def test_html_folder_with_base_url_manifest_and_canonical(tmp_path):
    folder = tmp_path / "saved"
    (folder / "news").mkdir(parents=True)
    (folder / "news" / "pier.html").write_text(ARTICLE)
    other = ARTICLE.replace(
        "https://harbour.example/news/pier/", "https://other.example/a/"
    ).replace("Harbour news", "Other")
    (folder / "canon.html").write_text(other)
    db_path = tmp_path / "t.db"
    result = run(
        str(folder),
        "--db",
        str(db_path),
        "--base-url",
        "https://mirror.example/saved/",
        "--no-cluster",
    )
    assert result.exit_code == 0, result.output
    urls = {r[0] for r in open_db(db_path).execute("select url from pages")}
    assert urls == {
        "https://mirror.example/saved/news/pier.html",
        "https://mirror.example/saved/canon.html",
    }

    (folder / "manifest.csv").write_text(
        "file,url,fetched_at\nnews/pier.html,https://harbour.example/p?utm_source=x,2026-11-03T00:00:00Z\n"
    )
    db2 = tmp_path / "t2.db"
    assert run(str(folder), "--db", str(db2), "--no-cluster").exit_code == 0
    rows = dict(open_db(db2).execute("select url, first_seen from pages").fetchall())
    assert rows["https://harbour.example/p"] == "2026-11-03T00:00:00+00:00"
    assert "https://other.example/a/" in rows  # from the page's canonical link


def test_jsonl_with_bad_lines(tmp_path):
    lines = [
        json.dumps(
            {
                "url": "https://harbour.example/news/pier/#top",
                "html": ARTICLE,
                "fetched_at": "2026-11-04T12:00:00Z",
            }
        ),
        "{not json",
        json.dumps({"html": ARTICLE}),
        json.dumps(
            {"url": "https://harbour.example/x", "html": ARTICLE, "fetched_at": "yesterday"}
        ),
    ]
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join(lines) + "\n")
    db_path = tmp_path / "t.db"
    result = run(str(path), "--db", str(db_path), "--no-cluster")
    assert result.exit_code == 0
    assert "pages.jsonl:2: not valid JSON" in result.output
    assert "pages.jsonl:3: missing or invalid 'url'" in result.output
    assert "pages.jsonl:4: https://harbour.example/x: bad 'fetched_at'" in result.output
    db = open_db(db_path)
    assert [r[0] for r in db.execute("select url from pages")] == [
        "https://harbour.example/news/pier/"
    ]


def test_missing_path_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(
        cli, ["import", str(tmp_path / "nope.warc"), "--db", str(tmp_path / "t.db")]
    )
    assert result.exit_code == 1
    assert "nope.warc: no such file or folder" in result.output
    assert "nothing could be imported" in result.output


def test_hostile_urls_are_reported_and_the_rest_imported(tmp_path):
    hostile = ARTICLE.replace("https://harbour.example/news/pier/", "http://x:99999/")
    lines = [
        json.dumps(
            {"url": "http://x:99999/", "html": ARTICLE, "fetched_at": "2026-11-04T12:00:00Z"}
        ),
        json.dumps({"url": "https://ok.example/a", "html": hostile, "fetched_at": 12345}),
        json.dumps(
            {"url": "https://ok.example/b", "html": hostile, "fetched_at": "2026-11-04T12:00:00Z"}
        ),
    ]
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = run(str(path), "--db", str(tmp_path / "t.db"), "--no-cluster")
    assert result.exit_code == 0, result.output
    assert "pages.jsonl:1: missing or invalid 'url'" in result.output
    assert "pages.jsonl:2: https://ok.example/a: bad 'fetched_at'" in result.output
    rows = open_db(tmp_path / "t.db").execute("select url, canonical_url from pages").fetchall()
    assert rows == [("https://ok.example/b", None)]


def test_bad_manifest_is_one_line_and_base_url_still_works(tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "pier.html").write_text(ARTICLE)
    (folder / "manifest.jsonl").write_text("{broken\n")
    result = run(
        str(folder),
        "--db",
        str(tmp_path / "t.db"),
        "--base-url",
        "https://m.example/",
        "--no-cluster",
    )
    assert result.exit_code == 0, result.output
    assert "manifest.jsonl: unreadable manifest" in result.output
    assert result.output.count("manifest.jsonl") == 1
    assert [r[0] for r in open_db(tmp_path / "t.db").execute("select url from pages")] == [
        "https://m.example/pier.html"
    ]


def test_cluster_command_catches_up_after_no_cluster_import(tmp_path):
    later = ARTICLE.replace("after years of argument", "after a decade of argument")
    copy = ARTICLE.replace("Harbour news", "Copied news")
    lines = [
        json.dumps(
            {
                "url": "https://harbour.example/news/pier/",
                "html": ARTICLE,
                "fetched_at": "2026-11-01T00:00:00Z",
            }
        ),
        json.dumps(
            {
                "url": "https://harbour.example/news/pier/",
                "html": later,
                "fetched_at": "2026-11-02T00:00:00Z",
            }
        ),
        json.dumps(
            {"url": "https://copy.example/pier", "html": copy, "fetched_at": "2026-11-03T00:00:00Z"}
        ),
    ]
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join(lines) + "\n")
    db_path = tmp_path / "t.db"
    assert run(str(path), "--db", str(db_path), "--no-cluster").exit_code == 0
    assert open_db(db_path)["diffs"].count == 0
    result = CliRunner().invoke(cli, ["cluster", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "1 version diffs, 1 repost diffs" in result.output
    again = CliRunner().invoke(cli, ["cluster", "--db", str(db_path)])
    assert "0 version diffs, 0 repost diffs" in again.output
