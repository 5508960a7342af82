"""The bounded WARC reader: every cut point, damaged byte and wrong Content-Length gives one
problem line and every other record, whatever the record ids (which change the gzip bytes)."""

from __future__ import annotations

import io
import uuid
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tracker.readers import Problem, read_warc
from tracker.warc import Broken, iter_records

PAGE = (
    b"<html><head><title>Pier</title></head><body><article><h1>Pier</h1>"
    b"<p>The council voted on Tuesday to rebuild the old ferry pier at Gull Point.</p>"
    b"</article></body></html>"
)


def record_bytes(number: int, record_id: uuid.UUID, gz: bool, body: bytes = PAGE) -> bytes:
    """One response record (one gzip member when gz) with the given id."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        f"https://harbour.example/{number}",
        "response",
        payload=io.BytesIO(body + b"<!-- %d -->" % number),
        http_headers=headers,
        warc_headers_dict={
            "WARC-Date": "2026-11-02T00:00:00Z",
            "WARC-Record-ID": f"<urn:uuid:{record_id}>",
        },
    )
    writer.write_record(record)
    return out.getvalue()


def read(tmp_path, data: bytes, name: str = "t.warc.gz") -> tuple[list[str], list[str]]:
    path = tmp_path / name
    path.write_bytes(data)
    urls, problems = [], []
    for item in read_warc(path):
        if isinstance(item, Problem):
            problems.append(item.message)
        else:
            urls.append(item.url)
    return urls, problems


ids = st.lists(st.uuids(), min_size=1, max_size=4)
small = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@small
@given(ids=ids, gz=st.booleans(), where=st.floats(0, 1))
def test_every_cut_point_keeps_the_whole_records_and_reports_the_cut_one_once(
    tmp_path, ids, gz, where
):
    parts = [record_bytes(n, i, gz) for n, i in enumerate(ids)]
    data = b"".join(parts)
    cut = int(where * len(data))
    ends, total = [], 0
    for part in parts:
        total += len(part)
        ends.append(total)
    urls, problems = read(tmp_path, data[:cut])
    whole = [f"https://harbour.example/{n}" for n, end in enumerate(ends) if end <= cut]
    assert urls == whole
    if cut in (0, *ends):
        assert problems == (["not a WARC file (empty), skipped"] if cut == 0 else [])
    else:
        assert len(problems) == 1, problems
        assert "damaged" in problems[0] or "not a WARC file" in problems[0]


@small
@given(ids=ids, gz=st.booleans(), where=st.floats(0, 1), garbage=st.binary(min_size=1, max_size=60))
def test_damaged_bytes_lose_only_the_records_they_touch(tmp_path, ids, gz, where, garbage):
    parts = [record_bytes(n, i, gz) for n, i in enumerate(ids)]
    data = b"".join(parts)
    at = min(int(where * len(data)), len(data) - 1)
    damaged = data[:at] + garbage + data[at + len(garbage) :]
    path = tmp_path / "t.warc.gz"
    path.write_bytes(damaged)
    pages = [item for item in read_warc(path) if not isinstance(item, Problem)]
    problems = [item.message for item in read_warc(path) if isinstance(item, Problem)]
    originals = {f"https://harbour.example/{n}": PAGE + b"<!-- %d -->" % n for n in range(len(ids))}
    start, untouched, touched = 0, set(), 0
    for n, part in enumerate(parts):
        end = start + len(part)
        if end <= at or start >= at + len(garbage):
            untouched.add(f"https://harbour.example/{n}")
        else:
            touched += 1
        start = end
    # No page is stored changed (block digests, gzip checksums); every record missed is stored.
    assert {page.body for page in pages} <= set(originals.values())
    if gz:  # gzip checksums cover the record headers too
        assert {(p.url, p.body) for p in pages} <= set(originals.items())
    if at >= len(b"WARC/1.0") or gz:
        assert untouched <= {page.url for page in pages}, problems
    assert len(problems) <= touched
    if gz and len(pages) < len(parts):  # a record lost is a record reported
        assert problems


@small
@given(
    ids=st.lists(st.uuids(), min_size=2, max_size=4),
    gz=st.booleans(),
    which=st.integers(0, 3),
    delta=st.integers(-300, 300).filter(bool),
)
def test_a_wrong_content_length_loses_only_its_own_record(tmp_path, ids, gz, which, delta):
    which = which % len(ids)
    parts = [record_bytes(n, i, False) for n, i in enumerate(ids)]
    head, sep, rest = parts[which].partition(b"Content-Length: ")
    number, _, tail = rest.partition(b"\r\n")
    parts[which] = head + sep + str(max(0, int(number) + delta)).encode() + b"\r\n" + tail
    if gz:
        parts = [_gzip(part) for part in parts]
    urls, problems = read(tmp_path, b"".join(parts))
    expected = [f"https://harbour.example/{n}" for n in range(len(ids)) if n != which]
    assert urls == expected
    assert len(problems) == 1 and "damaged" in problems[0], problems


def _gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def test_a_gzip_bomb_in_a_record_is_skipped_in_bounded_memory(tmp_path):
    import resource

    size = 300 * 1024 * 1024
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    head = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://bomb.example/\r\n"
        b"WARC-Date: 2026-11-02T00:00:00Z\r\nContent-Length: %d\r\n\r\n" % size
    )
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    pieces = [packer.compress(head + http)]
    full, rest = divmod(size - len(http), len(zeros))
    pieces += [packer.compress(zeros) for _ in range(full)]
    pieces.append(packer.compress(b"\0" * rest))
    pieces.append(packer.compress(b"\r\n\r\n") + packer.flush())
    data = b"".join(pieces) + record_bytes(1, uuid.uuid4(), True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    urls, problems = read(tmp_path, data)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert urls == ["https://harbour.example/1"]
    assert problems == [
        f"record https://bomb.example/: body over {10 * 1024 * 1024} bytes, skipped"
    ]
    assert grown_mb < 100


def test_records_come_one_by_one_with_their_names(tmp_path):
    data = record_bytes(0, uuid.uuid4(), False) + b"junk\r\n" + record_bytes(1, uuid.uuid4(), False)
    items = list(iter_records(io.BytesIO(data)))
    assert [type(i).__name__ for i in items] == ["Record", "Broken", "Record"]
    assert isinstance(items[1], Broken) and "no WARC/1.x header" in items[1].reason


def test_every_single_cut_point_of_a_small_file():
    for gz in (True, False):
        parts = [record_bytes(n, uuid.uuid4(), gz) for n in range(3)]
        data = b"".join(parts)
        ends = [sum(len(p) for p in parts[: n + 1]) for n in range(len(parts))]
        for cut in range(len(data) + 1):
            items = list(iter_records(io.BytesIO(data[:cut])))
            broken = [item for item in items if isinstance(item, Broken)]
            assert len(items) - len(broken) == sum(1 for end in ends if end <= cut), (gz, cut)
            assert len(broken) == (0 if cut in ends else 1), (gz, cut, broken)


def _arc_file(page: bytes = PAGE) -> bytes:
    """A small ARC (version 1) file holding one HTML response, written for this test."""
    version = b"1 0 Harbour\nURL IP-address Archive-date Content-type Archive-length\n"
    http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + page
    return (
        b"filedesc://harbour.arc 0.0.0.0 20240101000000 text/plain %d\n" % len(version)
        + version
        + b"\n"
        + b"http://harbour.example/a 127.0.0.1 20240101000000 text/html %d\n" % len(http)
        + http
        + b"\n"
    )


def test_an_arc_file_is_read_as_one(tmp_path):
    path = tmp_path / "crawl.arc"
    path.write_bytes(_arc_file())
    items = list(read_warc(path))
    assert [(i.url, i.fetched_at) for i in items if not isinstance(i, Problem)] == [
        ("http://harbour.example/a", "2024-01-01T00:00:00+00:00")
    ]


def test_a_warc_gz_whose_first_bytes_read_filedesc_is_a_damaged_warc(tmp_path):
    """Found by the damaged-bytes property test: "filedesc://" written over a .warc.gz's first
    gzip header made the whole file an ARC that failed at once; its later records are kept."""
    parts = [record_bytes(n, uuid.UUID(int=n + 1), True) for n in range(2)]
    data = b"".join(parts)
    path = tmp_path / "t.warc.gz"
    path.write_bytes(b"filedesc://" + data[len(b"filedesc://") :])
    items = list(read_warc(path))
    assert [i.url for i in items if not isinstance(i, Problem)] == ["https://harbour.example/1"]
    assert len([i for i in items if isinstance(i, Problem)]) == 1
