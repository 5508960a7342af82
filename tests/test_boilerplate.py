"""Site boilerplate learned per site and taken out of the stored text (tracker.boilerplate), and a
site's own name by majority of its own pages (tracker.store.sites)."""

from __future__ import annotations

import json
import random

from tracker.pipeline import IngestSummary, run_stages, store_record
from tracker.store import PageRecord
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
