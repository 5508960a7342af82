"""Review of store_page's second-chance comparison (migration 0012) and the A -> X -> A copy."""

from __future__ import annotations

from tests.test_boilerplate import SHARE, _article, _as_before_0011, _record, _store
from tracker.store import open_db


def test_a_late_snapshot_matching_a_pre_0011_version_only_without_chrome_keeps_its_text(tmp_path):
    """A pre-0011 version (stored without its "Share this article" line) and an older snapshot
    of the same page arriving late, extracted today (with the line): the version starts earlier,
    but its text is the one its fingerprint and diffs were computed from."""
    path = tmp_path / "old.db"
    db = open_db(path)
    urls = [f"https://busy.example/story-{n}" for n in range(6)]
    stories = {url: _article(1300 + n, paragraphs=4) for n, url in enumerate(urls)}
    _store(db, [_record(url, stories[url], 3) for url in urls])
    db = _as_before_0011(db, path)
    before = db.execute(
        "select v.id, v.text, v.content_hash from versions v join pages p on p.id = v.page_id"
        " where p.url = ?",
        [urls[0]],
    ).fetchall()
    late = _store(db, [_record(urls[0], [*stories[urls[0]], SHARE], 1)])
    assert late.versions_new == 0
    after = db.execute(
        "select v.id, v.text, v.content_hash, v.fetched_at from versions v"
        " join pages p on p.id = v.page_id where p.url = ?",
        [urls[0]],
    ).fetchall()
    assert [row[:3] for row in after] == before
    assert after[0][3] == "2026-01-01T00:00:00+00:00"


def test_migration_0012_does_not_index_every_text_again(tmp_path):
    """Marking the old versions touches their rows only: the full-text index (whose update
    trigger fires on any column) is not rebuilt for a column it does not hold, and its trigger
    is the same afterwards."""
    import sqlite_utils

    from tracker.store import schema

    path = tmp_path / "old.db"
    db = open_db(path)
    urls = [f"https://busy.example/story-{n}" for n in range(6)]
    _store(db, [_record(url, _article(1400 + n, paragraphs=3), 1) for n, url in enumerate(urls)])
    db = _as_before_0011(db, path)  # runs 0011 and 0012 again
    trigger = "select sql from sqlite_master where name = 'versions_au'"
    before_sql = db.execute(trigger).fetchone()
    versions = db.execute("select count(*) from versions").fetchone()[0]
    db.execute("alter table versions drop column chrome_dropped")
    raw = sqlite_utils.Database(db.conn)
    changes = db.conn.total_changes
    with db.conn:
        schema._versions_chrome_dropped(raw)
    # total_changes counts the rows trigger programs write too (the index's 'delete' and insert)
    assert db.conn.total_changes - changes == versions
    assert db.execute(trigger).fetchone() == before_sql
    db.execute("update versions set text = 'a gull called Quillimber' where id = 1")
    assert db.execute(
        "select rowid from versions_fts where versions_fts match 'Quillimber'"
    ).fetchall() == [(1,)]
