"""Site boilerplate learned per site and taken out of the stored text (tracker.boilerplate), and a
site's own name by majority of its own pages (tracker.store.sites)."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from tracker.boilerplate import SITE_MIN_PAGES, block_of, blocks_from_bytes
from tracker.cli import cli
from tracker.extraction import is_chrome
from tracker.items import FetchedPage
from tracker.pipeline import IngestSummary, run_stages, store_record
from tracker.record import build_record
from tracker.store import PageRecord, open_db
from tracker.store.sites import majority_site_name
from tracker.store.writes import content_hash

_RNG = random.Random(11)
_VOCAB = [
    "".join(_RNG.choice("bdfklmnprstv") + _RNG.choice("aeiou") for _ in range(3))
    for _ in range(2000)
]
DISCLAIMER = (
    "Notice to readers: this archive reproduces material under a fair use statement; the views"
    " expressed are the authors' own and not those of the archive."
)


def _article(seed: int, paragraphs: int = 8, words: int = 50) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(_VOCAB, k=words)).capitalize() + "." for _ in range(paragraphs)]


def _record(url: str, paragraphs: list[str], day: int, site_name: str | None = None) -> PageRecord:
    site = url.split("/")[2]
    return PageRecord(
        url=url,
        site=site,
        fetched_at=f"2026-01-{day:02d}T00:00:00+00:00",
        title=f"Story at {url}",
        byline=None,
        published=None,
        language="en",
        site_name=site_name if site_name is not None else site,
        description=None,
        paragraphs=paragraphs,
    )


def _store(db, records: list[PageRecord]) -> IngestSummary:
    summary = IngestSummary()
    for record in records:
        store_record(db, record, summary)
    run_stages(db, summary)
    return summary


def _texts(db, site: str) -> dict[str, dict]:
    return {
        row["url"]: row
        for row in db.query(
            "select p.url, v.id, v.text, v.paragraphs, v.boilerplate, v.title, v.content_hash"
            " from versions v join pages p on p.id = v.page_id where p.site = ? order by v.id",
            [site],
        )
    }


def _archive_pages(first: int, count: int, day: int) -> list[PageRecord]:
    """Pages of one republishing site, each a different story, each followed by the disclaimer."""
    return [
        _record(f"https://archive.example/{n}", [*_article(n), DISCLAIMER], day)
        for n in range(first, first + count)
    ]


def test_recurring_disclaimer_is_removed_and_kept_apart(fresh_db):
    _store(fresh_db, _archive_pages(0, 6, 2))
    rows = _texts(fresh_db, "archive.example")
    assert len(rows) == 6
    for row in rows.values():
        assert DISCLAIMER not in row["text"]
        assert DISCLAIMER not in json.loads(row["paragraphs"])
        assert json.loads(row["boilerplate"]) == [[8, DISCLAIMER]]
        # The hash describes the stored text, not the extracted one.
        assert row["content_hash"] == content_hash(row["title"], row["text"])
    learned = list(fresh_db.query("select site, pages, paragraph from site_boilerplate"))
    assert learned == [{"site": "archive.example", "pages": 6, "paragraph": DISCLAIMER}]
    # Full-text search no longer finds the disclaimer in the article texts.
    hits = list(
        fresh_db.query("select rowid from versions_fts where versions_fts match 'text:fair'")
    )
    assert hits == []


def test_versions_stored_before_the_boilerplate_was_known_are_stripped_and_rediffed(fresh_db):
    first = _article(100)
    _store(fresh_db, [_record("https://archive.example/a", [*first, DISCLAIMER], 1)])
    # A second version of that page (one paragraph edited), diffed while the site had one page.
    edited = [*first[:-1], "An editor's note was added here at the end.", DISCLAIMER]
    _store(fresh_db, [_record("https://archive.example/a", edited, 2)])
    assert DISCLAIMER in _texts(fresh_db, "archive.example")["https://archive.example/a"]["text"]
    (diff_before,) = fresh_db.query("select id, words_added from diffs where kind = 'version'")
    ops_before = list(
        fresh_db.query("select a_text, b_text from diff_ops where diff_id = ?", [diff_before["id"]])
    )
    assert any(DISCLAIMER in (op["a_text"] or "") + (op["b_text"] or "") for op in ops_before)

    _store(fresh_db, _archive_pages(0, 5, 3))
    versions = list(
        fresh_db.query("select id, text, boilerplate from versions where page_id = 1 order by id")
    )
    assert len(versions) == 2
    assert all(DISCLAIMER not in v["text"] and v["boilerplate"] for v in versions)
    (diff_after,) = fresh_db.query(
        "select id, a_version_id, b_version_id, words_added from diffs where kind = 'version'"
    )
    assert (diff_after["a_version_id"], diff_after["b_version_id"]) == tuple(
        v["id"] for v in versions
    )
    ops = list(
        fresh_db.query("select a_text, b_text from diff_ops where diff_id = ?", [diff_after["id"]])
    )
    assert not any(DISCLAIMER in (op["a_text"] or "") + (op["b_text"] or "") for op in ops)


def test_two_versions_that_become_equal_are_folded_into_one(fresh_db):
    story = _article(200)
    # The page first appeared without the disclaimer, then with it: only boilerplate changed.
    _store(fresh_db, [_record("https://archive.example/p", story, 1)])
    _store(fresh_db, [_record("https://archive.example/p", [*story, DISCLAIMER], 2)])
    assert fresh_db.execute("select count(*) from versions").fetchone()[0] == 2
    _store(fresh_db, _archive_pages(0, 5, 3))
    page = fresh_db.execute(
        "select id from pages where url = 'https://archive.example/p'"
    ).fetchone()[0]
    versions = list(fresh_db.query("select id, text from versions where page_id = ?", [page]))
    assert len(versions) == 1
    kept = versions[0]["id"]
    assert fresh_db.execute(
        "select count(*) from diffs where a_version_id not in (select id from versions)"
        " or b_version_id not in (select id from versions)"
    ).fetchone() == (0,)
    assert fresh_db.execute(
        "select version_id from cluster_pages where page_id = ?", [page]
    ).fetchone() in (
        None,
        (kept,),
    )
    assert fresh_db.execute("pragma foreign_key_check").fetchall() == []
    # Running the stages again on unchanged data writes nothing.
    before = fresh_db.conn.total_changes
    run_stages(fresh_db)
    assert fresh_db.conn.total_changes == before


def test_a_paragraph_repeated_by_other_sites_copies_of_one_story_is_never_removed(fresh_db):
    story = _article(300)
    quote = "A paragraph every copy of the story keeps word for word, as copies do."
    records = [_record(f"https://site{n}.example/story", [*story, quote], n + 1) for n in range(8)]
    _store(fresh_db, records)
    for n in range(8):
        (row,) = _texts(fresh_db, f"site{n}.example").values()
        assert quote in row["text"] and row["boilerplate"] is None
    assert fresh_db.execute("select count(*) from site_boilerplate").fetchone() == (0,)


def test_one_story_at_many_urls_of_one_site_is_not_boilerplate(fresh_db):
    story = _article(400)
    records = [_record(f"https://mirror.example/story?variant={n}", story, n + 1) for n in range(7)]
    _store(fresh_db, records)
    for row in _texts(fresh_db, "mirror.example").values():
        assert row["boilerplate"] is None and json.loads(row["paragraphs"]) == story


# An article paragraph that starts like a chrome phrase (the fixed list's "the views and opinions
# expressed" disclaimer pattern), and a real chrome line.
LOOKALIKE = (
    "The views and opinions expressed by residents at Tuesday's meeting ranged from anger to"
    " relief, the council's minutes show."
)
SHARE = "Share this article"
# A disclaimer worded as the fixed list knows it.
LISTED_DISCLAIMER = (
    "DISCLAIMER: The statements, views and opinions expressed in pieces republished here are"
    " solely those of the authors."
)


def _fingerprint_removed(db, url: str) -> set[int]:
    """The blocks clustering left out of a page's latest fingerprint."""
    (blob,) = db.execute(
        "select f.boilerplate from fingerprints f join cluster_pages c on c.version_id ="
        " f.version_id join pages p on p.id = c.page_id where p.url = ?",
        [url],
    ).fetchone()
    return set(blocks_from_bytes(blob).tolist())


def _html_page(url: str, paragraphs: list[str], day: int) -> PageRecord:
    """A page of a site as fetched, through extraction (tracker.record.build_record)."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        f"<html lang='en'><head><title>Story at {url}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>Story at {url}</h1>{body}</article>"
        "</body></html>"
    )
    return build_record(FetchedPage(url, html, f"2026-01-{day:02d}T00:00:00+00:00"))


def test_lookalike_article_paragraph_is_kept_on_a_site_with_enough_pages(fresh_db):
    assert is_chrome(LOOKALIKE)
    url = "https://big.example/0"
    story = _article(700)
    records = [_html_page(url, [*story[:4], LOOKALIKE, *story[4:], DISCLAIMER], 1)]
    records += [
        _html_page(f"https://big.example/{n}", [*_article(700 + n), DISCLAIMER], 1)
        for n in range(1, SITE_MIN_PAGES + 1)
    ]
    assert LOOKALIKE in records[0].paragraphs  # extraction keeps every paragraph
    _store(fresh_db, records)
    row = _texts(fresh_db, "big.example")[url]
    # The site's statistics decide: the lookalike is on one page (article text), the disclaimer
    # on all of them (boilerplate); the fixed list does not apply to a site this size.
    assert json.loads(row["paragraphs"]) == [*story[:4], LOOKALIKE, *story[4:]]
    assert json.loads(row["boilerplate"]) == [[9, DISCLAIMER]]
    assert row["content_hash"] == content_hash(row["title"], row["text"])
    assert block_of(LOOKALIKE) not in _fingerprint_removed(fresh_db, url)


def test_a_one_page_site_loses_its_chrome_paragraph(fresh_db):
    story = _article(800)
    _store(fresh_db, [_record("https://lone.example/story", [*story[:2], SHARE, *story[2:]], 1)])
    (row,) = _texts(fresh_db, "lone.example").values()
    assert json.loads(row["paragraphs"]) == story
    assert json.loads(row["boilerplate"]) == [[2, SHARE]]
    assert row["content_hash"] == content_hash(row["title"], row["text"])
    # Clustering leaves it out of the fingerprint too (the prior, as for the stored text).
    assert block_of(SHARE) in _fingerprint_removed(fresh_db, "https://lone.example/story")


@pytest.mark.parametrize("disclaimer_on_every_page", [True, False])
def test_a_site_growing_past_the_threshold_gets_the_prior_removals_back(
    fresh_db, disclaimer_on_every_page
):
    url = "https://growing.example/first"
    story = _article(900)
    first = [*story[:3], LOOKALIKE, *story[3:], LISTED_DISCLAIMER]
    edited = [*first[:-2], "A correction was added at the end of the story.", LISTED_DISCLAIMER]
    _store(fresh_db, [_record(url, first, 1)])
    _store(fresh_db, [_record(url, edited, 2)])
    versions = _versions(fresh_db, url)
    assert len(versions) == 2
    assert is_chrome(LISTED_DISCLAIMER)
    for version in versions:  # one page: the prior removes both chrome-like paragraphs
        assert LOOKALIKE not in version["text"] and LISTED_DISCLAIMER not in version["text"]
    hashes_before = [v["content_hash"] for v in versions]
    assert block_of(LOOKALIKE) in _fingerprint_removed(fresh_db, url)

    # The site grows to SITE_MIN_PAGES pages, each a different story, with the disclaimer on
    # every page (it is learned) or on the first page only (nothing is learned: only the
    # site's size changed).
    tail = [LISTED_DISCLAIMER] if disclaimer_on_every_page else []
    others = [
        _record(f"https://growing.example/{n}", [*_article(900 + n), *tail], 3)
        for n in range(1, SITE_MIN_PAGES)
    ]
    _store(fresh_db, others)
    versions = _versions(fresh_db, url)
    assert len(versions) == 2
    for version, before in zip(versions, hashes_before, strict=True):
        paragraphs = json.loads(version["paragraphs"])
        # Back: the statistics say the lookalike is article text. The disclaimer stays out
        # only where the statistics say it is boilerplate.
        assert LOOKALIKE in paragraphs
        assert (LISTED_DISCLAIMER not in paragraphs) is disclaimer_on_every_page
        removed = [p for _, p in json.loads(version["boilerplate"] or "[]")]
        assert removed == tail
        assert version["content_hash"] == content_hash(version["title"], version["text"])
        assert version["content_hash"] != before
    # The version diff was made again from the texts now stored.
    (diff,) = fresh_db.query(
        "select id, a_version_id, b_version_id from diffs where kind = 'version'"
    )
    assert (diff["a_version_id"], diff["b_version_id"]) == tuple(v["id"] for v in versions)
    ops = list(
        fresh_db.query("select op, a_text, b_text from diff_ops where diff_id = ?", [diff["id"]])
    )
    op_texts = " ".join((op["a_text"] or "") + (op["b_text"] or "") for op in ops)
    assert LOOKALIKE in op_texts
    assert (LISTED_DISCLAIMER not in op_texts) is disclaimer_on_every_page
    # Clustering re-fingerprinted the earlier page: the lookalike is shingled now.
    assert block_of(LOOKALIKE) not in _fingerprint_removed(fresh_db, url)
    # Running the stages again on unchanged data writes nothing.
    before = fresh_db.conn.total_changes
    run_stages(fresh_db)
    assert fresh_db.conn.total_changes == before


def _versions(db, url: str) -> list[dict]:
    return list(
        db.query(
            "select v.id, v.title, v.text, v.paragraphs, v.boilerplate, v.content_hash"
            " from versions v join pages p on p.id = v.page_id where p.url = ? order by v.id",
            [url],
        )
    )


def test_site_name_by_majority_of_its_own_pages(fresh_db):
    # The first page seen names the site after its wire supplier; most pages name it properly.
    names = ["Associated Press", "Harbour Times", "Harbour Times", "Harbour Times", None]
    records = [
        _record(f"https://harbour.example/{n}", _article(500 + n), n + 1, site_name=name or "")
        for n, name in enumerate(names)
    ]
    # A copy on another domain that claims the original's name never votes for it.
    records.append(_record("https://copier.example/1", _article(500), 9, site_name="Harbour Times"))
    summary = IngestSummary()
    for record in records:
        store_record(fresh_db, record, summary)
    assert fresh_db.execute(
        "select name from sites where domain = 'harbour.example'"
    ).fetchone() == ("Harbour Times",)
    assert majority_site_name(fresh_db, "copier.example") == "Harbour Times"
    assert fresh_db.execute(
        "select name from sites where domain = 'copier.example'"
    ).fetchone() == ("Harbour Times",)
    # A page of another domain does not change harbour.example's count.
    assert majority_site_name(fresh_db, "harbour.example") == "Harbour Times"


def test_site_name_tie_goes_to_the_most_recent(fresh_db):
    summary = IngestSummary()
    store_record(fresh_db, _record("https://tie.example/1", _article(600), 1, "Old Name"), summary)
    store_record(fresh_db, _record("https://tie.example/2", _article(601), 2, "New Name"), summary)
    assert fresh_db.execute("select name from sites where domain = 'tie.example'").fetchone() == (
        "New Name",
    )


@pytest.mark.parametrize("no_cluster", [True, False])
def test_import_stores_a_one_page_site_without_its_chrome(tmp_path, no_cluster):
    # `tracker import --no-cluster` leaves clusters and diffs for later, not the stored text.
    story = _article(1000, paragraphs=3)
    body = "".join(f"<p>{p}</p>" for p in [*story, LISTED_DISCLAIMER])
    page = (
        "<html lang='en'><head><title>Pier</title></head><body><article><h1>Pier</h1>"
        f"{body}</article></body></html>"
    )
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps({"url": "https://lone.example/pier", "html": page}) + "\n")
    args = [str(path), "--db", str(tmp_path / "t.db"), *(["--no-cluster"] if no_cluster else [])]
    result = CliRunner().invoke(cli, ["import", *args])
    assert result.exit_code == 0, result.output
    db = open_db(tmp_path / "t.db")
    ((paragraphs, removed),) = db.execute("select paragraphs, boilerplate from versions")
    assert json.loads(paragraphs) == story
    assert json.loads(removed) == [[3, LISTED_DISCLAIMER]]
    # The same page fetched again is unchanged although its stored text lacks the disclaimer.
    again = CliRunner().invoke(cli, ["import", *args])
    assert "0 new pages, 0 new versions, 1 unchanged" in again.output
    path.write_text(
        json.dumps(
            {"url": "https://lone.example/pier", "html": page, "fetched_at": "2026-12-01T00:00:00Z"}
        )
        + "\n"
    )
    later = CliRunner().invoke(cli, ["import", *args])
    assert "0 new pages, 0 new versions, 1 unchanged" in later.output
    assert db.execute("select count(*) from versions").fetchone() == (1,)


def test_an_older_fetch_of_the_same_content_keeps_the_stored_text_stripped(fresh_db):
    url = "https://lone.example/late"
    story = _article(1100, paragraphs=4)
    _store(fresh_db, [_record(url, [*story, SHARE], 5)])
    # The same content fetched earlier arrives late: the version now starts at that fetch.
    summary = _store(fresh_db, [_record(url, [*story, SHARE], 2)])
    assert summary.versions_new == 0
    (row,) = _versions(fresh_db, url)
    assert json.loads(row["paragraphs"]) == story
    assert json.loads(row["boilerplate"]) == [[4, SHARE]]
    assert row["content_hash"] == content_hash(row["title"], row["text"])
    assert fresh_db.execute("select fetched_at from versions").fetchone() == (
        "2026-01-02T00:00:00+00:00",
    )


def test_migration_0011_fills_the_extracted_hash_of_versions_stripped_before_it(tmp_path):
    path = tmp_path / "old.db"
    db = open_db(path)
    _store(db, [_record("https://lone.example/old", [*_article(1200, paragraphs=3), SHARE], 1)])
    # As a database from before 0011 had it: stripped versions, no extracted_hash, no table.
    db.execute("alter table versions drop column extracted_hash")
    db.execute("drop table site_boilerplate_prior")
    db.execute("delete from _sqlite_migrations where name = '0011_site_boilerplate_prior'")
    db.conn.commit()
    db.conn.close()
    db = open_db(path)
    ((title, paragraphs, extracted_hash),) = db.execute(
        "select title, paragraphs, extracted_hash from versions"
    )
    assert extracted_hash == content_hash(title, "\n\n".join([*json.loads(paragraphs), SHARE]))


def _as_before_0011(db, path):
    """Turn a database back into what releases before migration 0011 left: no extracted_hash,
    no site_boilerplate_prior, no chrome_dropped."""
    db.execute("alter table versions drop column extracted_hash")
    db.execute("alter table versions drop column chrome_dropped")
    db.execute("drop table site_boilerplate_prior")
    db.execute(
        "delete from _sqlite_migrations where name in"
        " ('0011_site_boilerplate_prior', '0012_versions_chrome_dropped')"
    )
    db.conn.commit()
    db.conn.close()
    return open_db(path)


def test_first_fetch_after_the_upgrade_adds_no_version_for_unchanged_content(tmp_path):
    """Before 0011 extraction dropped the chrome phrase list's paragraphs ("Share this
    article") and hashed the text without them; today it keeps them and the boilerplate stage
    decides per site (on a site of 5+ pages, only what recurs there). The first refetch of
    unchanged content after the upgrade is still no new version; a real change still is."""
    path = tmp_path / "old.db"
    db = open_db(path)
    urls = [f"https://busy.example/story-{n}" for n in range(6)]
    stories = {url: _article(1300 + n, paragraphs=4) for n, url in enumerate(urls)}
    # What the old extraction stored: the stories without their "Share this article" line.
    _store(db, [_record(url, stories[url], 1) for url in urls])
    db = _as_before_0011(db, path)
    assert {row[0] for row in db.execute("select chrome_dropped from versions")} == {1}
    unchanged = _store(db, [_record(urls[0], [*stories[urls[0]], SHARE], 3)])
    assert unchanged.versions_new == 0
    edited = [*stories[urls[1]][:-1], "A paragraph the editors added later.", SHARE]
    assert _store(db, [_record(urls[1], edited, 3)]).versions_new == 1
    # Versions stored from now on keep their chrome and are compared as they are.
    assert db.execute("select chrome_dropped from versions order by id desc").fetchone() == (None,)
