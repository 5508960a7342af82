from tracker.store import PageRecord, content_hash, store_credits, store_page


def _rec(
    url="https://a.example/story",
    text="One paragraph here.",
    fetched="2026-01-01T00:00:00+00:00",
    **kw,
):
    return PageRecord(
        url=url,
        site="a.example",
        fetched_at=fetched,
        title=kw.get("title", "Title"),
        byline=None,
        published=None,
        language="en",
        site_name="A",
        description=None,
        paragraphs=[text],
        credits=kw.get("credits"),
    )


def test_same_content_twice_adds_nothing(fresh_db):
    first = store_page(fresh_db, _rec())
    again = store_page(fresh_db, _rec())
    assert first.new_version and not again.new_version
    assert fresh_db["versions"].count == 1 and fresh_db["pages"].count == 1


def test_changed_text_is_a_new_version(fresh_db):
    store_page(fresh_db, _rec())
    later = store_page(
        fresh_db, _rec(text="One paragraph here, corrected.", fetched="2026-01-02T00:00:00+00:00")
    )
    assert later.new_version and later.previous_version_id is not None
    assert fresh_db["versions"].count == 2


def test_quote_and_space_changes_are_not_versions(fresh_db):
    store_page(fresh_db, _rec(text="He said “yes”."))
    same = store_page(fresh_db, _rec(text='He  said "yes".', fetched="2026-01-03T00:00:00+00:00"))
    assert not same.new_version


def test_content_hash_depends_on_title():
    assert content_hash("A", "x") != content_hash("B", "x")


def test_credits_are_stored_once_per_version(fresh_db):
    credit = {
        "kind": "go-to-original",
        "evidence": "Go to Original – x.example",
        "target_site": "x.example",
    }
    first = store_page(fresh_db, _rec(credits=[credit, credit]))
    store_page(fresh_db, _rec(credits=[credit]))  # re-import of the same version
    assert fresh_db["attributions"].count == 1
    store_credits(fresh_db, first.page_id, first.version_id, [credit])
    assert fresh_db["attributions"].count == 1
    later = store_page(
        fresh_db, _rec(text="changed", fetched="2026-01-05T00:00:00+00:00", credits=[credit])
    )
    rows = fresh_db.execute("select version_id from attributions order by id").fetchall()
    assert rows == [(first.version_id,), (later.version_id,)]


def test_schema_has_foreign_keys_and_wal(fresh_db):
    assert fresh_db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    fks = {fk.other_table for fk in fresh_db["versions"].foreign_keys}
    assert fks == {"pages"}


def test_a_failing_migration_leaves_nothing_behind(tmp_path, monkeypatch):
    import pytest
    from sqlite_utils.migrations import Migrations

    from tracker.store import open_db, schema

    # Only the pending migrations of a set run: this one holds just the broken one.
    broken = Migrations("tracker")

    @broken(name="0099_broken")
    def _broken(db):
        db.table("half_done").create({"id": int}, pk="id")
        raise RuntimeError("migration failed half-way")

    path = tmp_path / "t.db"
    open_db(path).close()  # every real migration applied
    monkeypatch.setattr(schema, "migrations", broken)
    with pytest.raises(RuntimeError, match="half-way"):
        open_db(path)
    monkeypatch.undo()
    db = open_db(path)
    assert "half_done" not in db.table_names()
    assert "0099_broken" not in {m.name for m in schema.migrations.applied(db)}


def test_processes_opening_a_new_database_at_once_all_get_it(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "new.db"
    code = f"from tracker.store import open_db; open_db({str(path)!r}).table('pages').count"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    from tracker.store import open_db, schema

    applied = [m.name for m in schema.migrations.applied(open_db(path))]
    assert applied == [m.name for m in schema.migrations.applied(open_db(":memory:"))]
