"""Bytes to text as browsers decode them, and one parse per page."""

import pytest

from tracker.html import decode_html, parse_html, parse_page
from tracker.items import FetchedPage
from tracker.record import BadInput, build_record, decode_body

PAGE = (
    "<html><head><title>Menu</title></head><body><article>"
    + "<p>Au menu ce matin : café crème et croissants, servis sur la terrasse du port. " * 4
    + "</p></article></body></html>"
)


def test_header_charset_alone_decodes_windows_1252():
    body = PAGE.encode("cp1252")
    text, encoding = decode_html(body, "text/html; charset=windows-1252")
    assert "café crème" in text
    assert encoding == "cp1252"
    record = build_record(
        FetchedPage(
            url="https://menu.example/a",
            body=body,
            fetched_at="2026-01-01T00:00:00+00:00",
            content_type="text/html; charset=windows-1252",
        )
    )
    assert any("café crème" in p for p in record.paragraphs)


def test_latin1_label_is_windows_1252_as_in_browsers():
    body = "<p>“quoted” café</p>".encode("cp1252")
    assert decode_html(body, "text/html; charset=ISO-8859-1")[0] == "<p>“quoted” café</p>"


def test_meta_charset_when_no_header():
    body = (
        '<html><head><meta charset="iso-8859-15"></head><body><p>prix 5 €</p></body></html>'
    ).encode("iso-8859-15")
    assert "5 €" in decode_html(body)[0]


def test_header_wins_over_meta():
    body = '<meta charset="utf-8"><p>café</p>'.encode("cp1252")
    assert "café" in decode_html(body, "text/html; charset=cp1252")[0]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-8"])
def test_bom_pages_decode(codec):
    body = "\ufeff".encode(codec) + PAGE.encode(codec)
    assert "café crème" in decode_html(body)[0]
    # NUL bytes of UTF-16/32 are not "binary" when a BOM says what they are
    assert "café crème" in decode_body(body)


def test_bom_wins_over_a_wrong_header():
    body = "\ufeff".encode("utf-16-le") + PAGE.encode("utf-16-le")
    assert "café crème" in decode_html(body, "text/html; charset=iso-8859-1")[0]


def test_declared_charset_that_does_not_fit_falls_back_without_garbling():
    # served as UTF-8, written in windows-1252: no U+FFFD, the bytes' own charset is found
    body = PAGE.encode("cp1252")
    text, _ = decode_html(body, "text/html; charset=utf-8")
    assert "\ufffd" not in text
    assert "café crème" in text


def test_undeclared_bytes_are_detected():
    assert "café crème" in decode_html(PAGE.encode("utf-8"))[0]
    assert "\ufffd" not in decode_html(PAGE.encode("cp1252"))[0]


def test_binary_and_empty_bodies_stay_bad_input():
    with pytest.raises(BadInput):
        decode_body(b"\x00\x01\x02PNG" * 100)
    with pytest.raises(BadInput):
        decode_body(b"   ")


def test_one_tree_for_every_reader():
    page = parse_page(PAGE.encode("utf-8"))
    assert page.tree is not None and page.tree.tag == "html"
    assert parse_html("") is None
    assert parse_html(b"   ") is None


def test_warc_import_decodes_with_the_records_http_charset(tmp_path):
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from tracker.readers import read_warc

    path = tmp_path / "menu.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=windows-1252")], protocol="HTTP/1.1"
        )
        record = writer.create_warc_record(
            "https://menu.example/a",
            "response",
            payload=BytesIO(PAGE.encode("cp1252")),
            http_headers=headers,
        )
        writer.write_record(record)
    [fetched] = list(read_warc(path))
    assert fetched.content_type == "text/html; charset=windows-1252"
    assert any("café crème" in p for p in build_record(fetched).paragraphs)


def test_json_lines_carry_content_type_or_encoding(tmp_path):
    import json

    from tracker.readers import read_jsonl

    path = tmp_path / "pages.jsonl"
    rows = [
        {"url": "https://a.example/1", "html": PAGE, "content_type": "text/html; charset=utf-8"},
        {"url": "https://a.example/2", "html": PAGE, "encoding": "windows-1252"},
        {"url": "https://a.example/3", "html": PAGE},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert [p.content_type for p in read_jsonl(path)] == [
        "text/html; charset=utf-8",
        "text/html; charset=windows-1252",
        None,
    ]


def test_crawled_items_hand_their_content_type_on():
    from tracker.items import PageItem

    item = PageItem(
        url="https://a.example/",
        body=b"<p>x</p>",
        fetched_at="2026-01-01T00:00:00+00:00",
        spider="site",
        content_type="text/html; charset=iso-8859-1",
    )
    assert item.fetched_page().content_type == "text/html; charset=iso-8859-1"


def test_a_page_with_ipv6_links_is_stored_not_dropped():
    body = (
        "<html><body><article>"
        + "<p>The harbour story goes on with many more words for the extractor to keep. " * 4
        + "</p><p>Mirror: <a href='http://[::ffff:127.0.0.1]/'>copy</a>, "
        "<a href='http://[2001:db8::1]/x'>lab</a></p></article></body></html>"
    )
    record = build_record(
        FetchedPage(url="https://copy.example/s", body=body, fetched_at="2026-01-01T00:00:00+00:00")
    )
    assert record.url == "https://copy.example/s"


def test_a_non_utf8_json_line_is_skipped_alone(tmp_path):
    import json

    from tracker.readers import Problem, read_jsonl

    path = tmp_path / "pages.jsonl"
    good = json.dumps({"url": "https://a.example/1", "html": PAGE}).encode()
    path.write_bytes(
        good
        + b"\n"
        + b'{"url": "https://a.example/2", "html": "caf\xe9"}\n'
        + good.replace(b"/1", b"/3")
    )
    results = list(read_jsonl(path))
    assert [r.url for r in results if not isinstance(r, Problem)] == [
        "https://a.example/1",
        "https://a.example/3",
    ]
    [problem] = [r for r in results if isinstance(r, Problem)]
    assert problem.source.endswith(":2") and "UTF-8" in problem.message
