"""The diff engine: alignment, exact rebuild, symmetry, storage, hooks and the ``diff`` command."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.cli import cli
from tracker.diffs import (
    Doc,
    apply_ops,
    diff_cluster_members,
    diff_documents,
    diff_new_versions,
    diff_versions,
    load_diff,
    word_changes,
)
from tracker.normalize import normalize_text
from tracker.report.diff import Side, render_html, render_text
from tracker.store import PageRecord, store_page

PARAS = [
    "The council approved the new budget on Tuesday after a long debate.",
    "Opposition members said the plan would raise local taxes by five percent.",
    "The mayor defended the decision, calling it necessary for the city's future.",
    "Residents will be able to comment on the plan at a public meeting next month.",
    "The budget includes funding for two new schools and a library.",
    "Officials did not say when construction would begin.",
]


def ops_of(result):
    return [op.op for op in result.ops]


def test_identical_texts_are_all_equal():
    result = diff_documents(Doc(PARAS, title="Budget"), Doc(list(PARAS), title="Budget"))
    assert ops_of(result) == ["equal"] * len(PARAS)
    assert result.retained == 1.0
    assert (result.words_added, result.words_removed) == (0, 0)
    assert not (result.title_changed or result.byline_changed or result.published_changed)


def test_quote_and_whitespace_changes_are_equal():
    a = Doc(['He said "yes" -- twice.', "It's  over."])
    b = Doc(["He said \u201cyes\u201d \u2014 twice.", "It\u2019s over.\n"])
    result = diff_documents(a, b)
    assert ops_of(result) == ["equal", "equal"]
    assert apply_ops(a.paragraphs, result.ops) == b.paragraphs  # B's own quotes come back


def test_title_only_change():
    result = diff_documents(
        Doc(PARAS, title="Budget passes"), Doc(PARAS, title="Budget passes after row")
    )
    assert result.title_changed and result.body_equal
    assert (result.old_title, result.new_title) == ("Budget passes", "Budget passes after row")
    # A different quote mark in the title is not a change.
    same = diff_documents(Doc(PARAS, title="Mayor's plan"), Doc(PARAS, title="Mayor\u2019s plan"))
    assert not same.title_changed


def test_a_moved_paragraph_is_one_move():
    moved = PARAS[1:4] + [PARAS[0]] + PARAS[4:]
    result = diff_documents(Doc(PARAS), Doc(moved))
    assert ops_of(result).count("move") == 1
    assert "insert" not in ops_of(result) and "delete" not in ops_of(result)
    move = next(op for op in result.ops if op.op == "move")
    assert (move.a_index, move.b_index, move.b_text) == (0, 3, PARAS[0])
    assert result.paragraphs_moved == 1 and result.retained == 1.0


def test_reworded_paragraph_is_a_replace_with_word_changes():
    b = list(PARAS)
    b[1] = "Opposition members said the plan would raise local taxes by six percent."
    result = diff_documents(Doc(PARAS), Doc(b))
    assert ops_of(result) == ["equal", "replace"] + ["equal"] * 4
    replace = result.ops[1]
    assert 0.8 < replace.similarity < 1.0
    assert (result.words_added, result.words_removed) == (1, 1)
    changes = [
        (tag, a.strip(), b.strip()) for tag, a, b in word_changes(replace.a_text, replace.b_text)
    ]
    assert ("replace", "five", "six") in changes


def test_insert_and_delete_order():
    b = [PARAS[0], "A brand new paragraph about something else entirely.", *PARAS[2:]]
    result = diff_documents(Doc(PARAS), Doc(b))
    assert ops_of(result) == ["equal", "delete", "insert", "equal", "equal", "equal", "equal"]
    assert (result.paragraphs_added, result.paragraphs_removed) == (1, 1)


def test_swapping_sides_swaps_inserts_and_deletes():
    b = [
        PARAS[2],
        "An added intro line from the copying site.",
        PARAS[0],
        PARAS[1] + " Extra words here.",
    ]
    forward = diff_documents(Doc(PARAS), Doc(b))
    backward = diff_documents(Doc(b), Doc(PARAS))
    assert forward.paragraphs_added == backward.paragraphs_removed
    assert forward.paragraphs_removed == backward.paragraphs_added
    assert (forward.words_added, forward.words_removed) == (
        backward.words_removed,
        backward.words_added,
    )
    assert forward.paragraphs_moved == backward.paragraphs_moved
    assert forward.paragraphs_changed == backward.paragraphs_changed


def test_repost_cut_short_keeps_a_third():
    result = diff_documents(Doc(PARAS), Doc(PARAS[:2]))
    assert ops_of(result) == ["equal", "equal", "delete", "delete", "delete", "delete"]
    assert 0.25 < result.retained < 0.45
    assert result.words_added == 0


def _split_words(text, pieces):
    words = text.split()
    step = -(-len(words) // pieces)
    return [" ".join(words[i : i + step]) for i in range(0, len(words), step)]


def test_retained_counts_words_not_paragraph_breaks():
    merged = [f"{PARAS[i]} {PARAS[i + 1]}" for i in range(0, len(PARAS), 2)]
    result = diff_documents(Doc(PARAS), Doc(merged))
    assert result.retained >= 0.99 and (result.words_added, result.words_removed) == (0, 0)
    assert apply_ops(PARAS, result.ops) == merged  # the paragraph ops still rebuild B

    one_paragraph = [" ".join(PARAS)]
    in_ten = _split_words(one_paragraph[0], 10)
    assert len(in_ten) == 10
    assert diff_documents(Doc(one_paragraph), Doc(in_ten)).retained >= 0.99
    assert diff_documents(Doc(in_ten), Doc(one_paragraph)).retained >= 0.99

    words = " ".join(PARAS).split()
    half = _split_words(" ".join(words[: len(words) // 2]), 4)
    assert 0.45 <= diff_documents(Doc(PARAS), Doc(half)).retained <= 0.55


def test_retained_on_real_articles_re_paragraphed():
    from tests.conftest import corpus_path

    path = corpus_path("scrapinghub-article-extraction-benchmark", "ground-truth.json")
    bodies = [
        entry["articleBody"] for entry in json.loads(path.read_text(encoding="utf-8")).values()
    ]
    articles = [
        [p.strip() for p in body.split("\n") if p.strip()] for body in sorted(bodies, key=len)[-20:]
    ]
    for paragraphs in articles:
        merged = [" ".join(paragraphs[i : i + 2]) for i in range(0, len(paragraphs), 2)]
        # Not always 1.0: an article whose short paragraphs repeat gets a few reworded moves.
        assert diff_documents(Doc(paragraphs), Doc(merged)).retained >= 0.95
        text = " ".join(paragraphs)
        assert diff_documents(Doc([text]), Doc(_split_words(text, 10))).retained >= 0.99
        kept = paragraphs[::2]
        share = sum(len(normalize_text(p).split()) for p in kept) / len(
            normalize_text(text).split()
        )
        assert abs(diff_documents(Doc(paragraphs), Doc(kept)).retained - share) < 0.01
    unrelated = [
        diff_documents(Doc(a), Doc(b)).retained
        for a, b in zip(articles, articles[1:], strict=False)
    ]
    assert max(unrelated) < 0.02  # common words that any two texts share are not "kept"


def test_credit_keys_compare_as_sets():
    result = diff_documents(Doc(PARAS, credits=["site:apnews.com"]), Doc(PARAS, credits=[]))
    assert result.credit_removed and not result.credit_added


def test_apply_ops_rejects_foreign_paragraphs():
    result = diff_documents(Doc(PARAS), Doc(PARAS[::-1]))
    other = list(PARAS)
    other[0] = "something else"
    try:
        apply_ops(other, result.ops)
    except ValueError:
        pass
    else:
        raise AssertionError("ops of another text were accepted")


# ---------------------------------------------------------------------------------------------
# Property: applying the ops to A rebuilds B exactly, and swapping sides mirrors the figures.

VOCAB = ["the", "a", "mayor", "said", "budget", "city", "tax", "new", "school", "vote", "on", "of"]
word = st.sampled_from(VOCAB + ["“quoted”", "it’s", "—", "U.S.", "5%"])
paragraph = st.one_of(
    st.lists(word, min_size=1, max_size=14).map(" ".join),
    st.sampled_from(["***", "", "Advertisement", PARAS[0]]),
)


@st.composite
def edited_pair(draw):
    a = draw(st.lists(paragraph, min_size=0, max_size=12))
    b = list(a)
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "move", "words", "quotes"]))
        if kind == "insert" or not b:
            b.insert(draw(st.integers(0, len(b))), draw(paragraph))
            continue
        i = draw(st.integers(0, len(b) - 1))
        if kind == "delete":
            del b[i]
        elif kind == "replace":
            b[i] = draw(paragraph)
        elif kind == "move":
            b.insert(draw(st.integers(0, len(b) - 1)), b.pop(i))
        elif kind == "words":
            tokens = b[i].split()
            for _ in range(draw(st.integers(1, 3))):
                k = draw(st.integers(0, len(tokens)))
                if draw(st.booleans()) or not tokens:
                    tokens.insert(k, draw(word))
                else:
                    tokens.pop(min(k, len(tokens) - 1))
            b[i] = " ".join(tokens)
        else:
            b[i] = "  " + b[i].replace("'", "\u2019").replace(" ", "  ") + " "
    return a, b


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_pair())
def test_apply_ops_rebuilds_b_exactly(pair):
    a, b = pair
    result = diff_documents(Doc(a), Doc(b))
    assert apply_ops(a, result.ops) == b
    assert [op.seq for op in result.ops] == list(range(len(result.ops)))
    # Stored form: b_text NULL when identical to a_text still rebuilds B.
    for op in result.ops:
        if op.op in ("equal", "move") and op.b_text == op.a_text:
            op.b_text = None
    assert apply_ops(a, result.ops) == b

    back = diff_documents(Doc(b), Doc(a))
    assert (result.paragraphs_added, result.paragraphs_removed) == (
        back.paragraphs_removed,
        back.paragraphs_added,
    )
    assert (result.words_added, result.words_removed) == (back.words_removed, back.words_added)
    assert (result.paragraphs_moved, result.paragraphs_changed) == (
        back.paragraphs_moved,
        back.paragraphs_changed,
    )
    assert 0.0 <= result.retained <= 1.0
    if a == b:
        assert all(op.op == "equal" for op in result.ops)


# ---------------------------------------------------------------------------------------------
# Storage and hooks


def _rec(url, paragraphs, fetched, title="Budget", byline=None, credits=None):
    return PageRecord(
        url=url,
        site=url.split("/")[2],
        fetched_at=fetched,
        title=title,
        byline=byline,
        published="2026-01-01",
        language="en",
        site_name=None,
        description=None,
        paragraphs=paragraphs,
        credits=credits,
    )


def test_storage_round_trip_and_idempotence(fresh_db):
    url = "https://news.example/budget"
    first = store_page(fresh_db, _rec(url, PARAS, "2026-01-01T10:00:00+00:00"))
    edited = [PARAS[0], PARAS[1].replace("five", "six"), *PARAS[3:], "Update: the vote was close."]
    second = store_page(
        fresh_db, _rec(url, edited, "2026-01-02T10:00:00+00:00", title="Budget passes")
    )
    diff_id = diff_versions(fresh_db, first.version_id, second.version_id, "version")
    assert diff_versions(fresh_db, first.version_id, second.version_id, "version") == diff_id
    assert fresh_db["diffs"].count == 1

    row, result = load_diff(fresh_db, diff_id)
    assert (row["a_version_id"], row["b_version_id"], row["kind"]) == (
        first.version_id,
        second.version_id,
        "version",
    )
    assert row["title_changed"] == 1 and row["new_title"] == "Budget passes"
    assert (row["paragraphs_added"], row["paragraphs_removed"], row["paragraphs_changed"]) == (
        1,
        1,
        1,
    )
    assert apply_ops(PARAS, result.ops) == edited
    # Unchanged paragraphs are stored once.
    nulls = fresh_db.execute(
        "select count(*) from diff_ops where diff_id = ? and op = 'equal' and b_text is null",
        [diff_id],
    ).fetchone()[0]
    assert nulls == 4

    assert (
        diff_new_versions(
            fresh_db, [(first.version_id, second.version_id), (None, first.version_id)]
        )
        == 0
    )
    assert fresh_db["diffs"].count == 1


def test_new_version_hook(fresh_db):
    url = "https://news.example/story"
    results = [
        store_page(fresh_db, _rec(url, PARAS[: 3 + k], f"2026-01-0{k + 1}T00:00:00+00:00"))
        for k in range(3)
    ]
    pairs = [(r.previous_version_id, r.version_id) for r in results]
    assert diff_new_versions(fresh_db, pairs) == 2
    assert diff_new_versions(fresh_db, pairs) == 0
    added = [r[0] for r in fresh_db.execute("select paragraphs_added from diffs order by id")]
    assert added == [1, 1]


def _cluster(db, cluster_id, origin_page, members):
    db["clusters"].upsert(
        {"id": cluster_id, "origin_page_id": origin_page, "size": len(members) + 1}, pk="id"
    )
    db["cluster_members"].upsert(
        {"cluster_id": cluster_id, "page_id": origin_page, "role": "origin"},
        pk=("cluster_id", "page_id"),
    )
    for page_id in members:
        db["cluster_members"].upsert(
            {"cluster_id": cluster_id, "page_id": page_id, "role": "repost"},
            pk=("cluster_id", "page_id"),
        )


def test_cluster_member_hook_and_origin_change(fresh_db):
    t = "2026-01-01T00:00:00+00:00"
    origin = store_page(fresh_db, _rec("https://orig.example/a", PARAS, t))
    cut = store_page(
        fresh_db,
        _rec(
            "https://copy.example/a",
            PARAS[:3],
            t,
            credits=[
                {"kind": "source-line", "target_site": "orig.example", "evidence": "Source: orig"}
            ],
        ),
    )
    intro = store_page(
        fresh_db,
        _rec("https://other.example/a", ["Our own intro.", *PARAS], t, title="New headline"),
    )
    _cluster(fresh_db, 1, origin.page_id, [cut.page_id, intro.page_id])

    assert diff_cluster_members(fresh_db) == 2
    assert diff_cluster_members(fresh_db) == 0
    assert diff_cluster_members(fresh_db, [1]) == 0
    rows = {
        r["b_version_id"]: r
        for r in fresh_db.query(
            "select * from diffs where kind = 'repost' and a_version_id = ?", [origin.version_id]
        )
    }
    assert (
        rows[cut.version_id]["paragraphs_removed"] == 3
        and rows[cut.version_id]["credit_added"] == 1
    )
    assert (
        rows[intro.version_id]["paragraphs_added"] == 1
        and rows[intro.version_id]["title_changed"] == 1
    )

    # The origin changes: every member gets diffed against the new origin.
    fresh_db["clusters"].update(1, {"origin_page_id": intro.page_id})
    fresh_db["cluster_members"].update((1, intro.page_id), {"role": "origin"})
    fresh_db["cluster_members"].update((1, origin.page_id), {"role": "repost"})
    assert diff_cluster_members(fresh_db, [1]) == 2
    assert (
        fresh_db.execute(
            "select count(*) from diffs where a_version_id = ?", [intro.version_id]
        ).fetchone()[0]
        == 2
    )
    assert diff_cluster_members(fresh_db, []) == 0


def test_dropped_credit_line_is_credit_removed(fresh_db):
    url = "https://copy.example/b"
    credit = {
        "kind": "source-line",
        "evidence": "Originally published by Orig News",
        "target_name": "Orig News",
    }
    first = store_page(
        fresh_db,
        _rec(
            url,
            [*PARAS, "Originally published by Orig News."],
            "2026-01-01T00:00:00+00:00",
            credits=[credit],
        ),
    )
    second = store_page(fresh_db, _rec(url, PARAS, "2026-01-02T00:00:00+00:00"))
    diff_id = diff_versions(fresh_db, first.version_id, second.version_id)
    row = fresh_db["diffs"].get(diff_id)
    assert row["credit_removed"] == 1 and row["credit_added"] == 0


# ---------------------------------------------------------------------------------------------
# Renderers and the command


def test_html_escapes_page_text():
    hostile = PARAS[1] + " <script>alert('x')</script>"
    a = Doc(PARAS, title="<b>Budget</b>")
    b = Doc([PARAS[0], hostile, "<img src=x onerror=alert(1)>", *PARAS[2:]], title="<b>Budget</b>")
    result = diff_documents(a, b)
    page = render_html(result, Side("https://a.example/<x>"), Side("https://b.example/"))
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page
    assert "<ins>" in page and "<style>" in page
    assert "<link" not in page and "src=" not in page.replace("&lt;img src=x", "")  # self-contained


def test_one_html_renderer_for_ops_and_stored_rows(fresh_db):
    from tracker.report.diff import diff_rows, templates_dir

    b = [PARAS[1], PARAS[0], PARAS[2].replace("defended", "<i>explained</i>"), *PARAS[3:]]
    result = diff_documents(Doc(PARAS), Doc(b))
    from_ops = diff_rows(result.ops)
    url = "https://news.example/rows"
    first = store_page(fresh_db, _rec(url, PARAS, "2026-01-01T00:00:00+00:00"))
    second = store_page(fresh_db, _rec(url, b, "2026-01-02T00:00:00+00:00"))
    diff_id = diff_versions(fresh_db, first.version_id, second.version_id)
    stored = fresh_db.execute_returning_dicts(
        "select * from diff_ops where diff_id = ? order by seq", [diff_id]
    )
    assert diff_rows(stored) == from_ops  # NULL b_text of stored rows reads as A's text
    replace = next(r for r in from_ops if r.op == "replace")
    assert "<del>defended </del>" in replace.left and "&lt;i&gt;" in replace.right
    move = next(r for r in from_ops if r.op == "move")
    assert move.note == "moved from paragraph 1 to 2"
    page = render_html(result, Side("a"), Side("b"))
    assert (templates_dir() / "_diff_table.html").is_file()
    assert page.count('class="op-') == len(result.ops) and 'class="sbs"' in page


def test_text_render_marks_ops():
    b = [PARAS[1], PARAS[0] + " Added.", PARAS[2].replace("defended", "explained"), *PARAS[3:5]]
    b.append("[bold]New[/bold] closing line.")
    result = diff_documents(Doc(PARAS), Doc(b))
    assert ops_of(result) == ["equal", "move", "replace", "equal", "equal", "delete", "insert"]
    assert result.paragraphs_moved == 1 and result.paragraphs_changed == 2
    text = render_text(result, Side("A"), Side("B"), color=False)
    assert "↕ (96%) The council" in text and "Added." in text
    assert "+ [bold]New[/bold] closing line." in text and "- " + PARAS[5] in text
    assert "~ (" in text and "explained" in text and "words of A retained" in text


def _cli_db(tmp_path):
    from tracker.store import open_db

    path = tmp_path / "t.db"
    db = open_db(path)
    url = "https://news.example/budget?utm_source=x"
    first = store_page(db, _rec("https://news.example/budget", PARAS, "2026-01-01T00:00:00+00:00"))
    edited = [PARAS[0], PARAS[1].replace("five", "six"), *PARAS[2:], "<script>alert(1)</script>"]
    second = store_page(
        db, _rec("https://news.example/budget", edited, "2026-01-02T00:00:00+00:00")
    )
    db.conn.close()
    return str(path), url, first.version_id, second.version_id


def test_cli_formats(tmp_path):
    path, url, v1, v2 = _cli_db(tmp_path)
    runner = CliRunner()
    text = runner.invoke(cli, ["diff", url, "--db", path])
    assert text.exit_code == 0, text.output
    assert "+ <script>alert(1)</script>" in text.output and "retained" in text.output

    as_json = runner.invoke(cli, ["diff", str(v1), str(v2), "--db", path, "--format", "json"])
    data = json.loads(as_json.output)
    assert data["summary"]["paragraphs_added"] == 1 and data["summary"]["paragraphs_changed"] == 1
    assert (data["a"]["version_id"], data["b"]["version_id"]) == (v1, v2)

    as_csv = runner.invoke(cli, ["diff", str(v2), "--db", path, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [r["op"] for r in rows] == [
        "equal",
        "replace",
        "equal",
        "equal",
        "equal",
        "equal",
        "insert",
    ]

    out = tmp_path / "d.html"
    as_html = runner.invoke(
        cli, ["diff", url, "--db", path, "--format", "html", "--output", str(out)]
    )
    assert as_html.exit_code == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "&lt;script&gt;" in page and "<script" not in page


def test_cli_errors_name_the_input(tmp_path):
    path, url, v1, v2 = _cli_db(tmp_path)
    runner = CliRunner()
    missing = runner.invoke(cli, ["diff", "https://nowhere.example/x", "--db", path])
    assert missing.exit_code != 0 and "https://nowhere.example/x" in missing.output
    assert "Traceback" not in missing.output and len(missing.output.strip().splitlines()) == 1
    bad_id = runner.invoke(cli, ["diff", "999", str(v2), "--db", path])
    assert bad_id.exit_code != 0 and "999" in bad_id.output
    first_only = runner.invoke(cli, ["diff", str(v1), "--db", path])
    assert first_only.exit_code != 0 and str(v1) in first_only.output
    no_origin = runner.invoke(cli, ["diff", url, "--against-origin", "--db", path])
    assert no_origin.exit_code != 0 and "cluster" in no_origin.output
    no_db = runner.invoke(cli, ["diff", url, "--db", str(tmp_path / "none.db")])
    assert no_db.exit_code != 0 and "none.db" in no_db.output


def test_cli_against_origin(tmp_path):
    from tracker.store import open_db

    path = tmp_path / "c.db"
    db = open_db(path)
    t = "2026-01-01T00:00:00+00:00"
    origin = store_page(db, _rec("https://orig.example/a", PARAS, t))
    copy = store_page(db, _rec("https://copy.example/a", PARAS[:2], t))
    _cluster(db, 1, origin.page_id, [copy.page_id])
    db.conn.close()
    result = CliRunner().invoke(
        cli,
        [
            "diff",
            "https://copy.example/a",
            "--against-origin",
            "--db",
            str(path),
            "--format",
            "json",
        ],
    )
    data = json.loads(result.output)
    assert (
        data["a"]["url"] == "https://orig.example/a" and data["summary"]["paragraphs_removed"] == 4
    )


def test_cli_help_has_example():
    result = CliRunner().invoke(cli, ["diff", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_sentences_inside_a_reworded_paragraph():
    from tracker.diffs import sentence_changes, sentences

    assert "".join(sentences("One. Two? Three")) == "One. Two? Three"
    a = "The council met on Tuesday. It voted for 14 million. Work starts in spring."
    b = "The council met on Tuesday. It voted for 15 million. Work starts in spring. A survey follows."
    changes = sentence_changes(a, b)
    assert [c.op for c in changes] == ["equal", "replace", "equal", "insert"]
    assert changes[1].a_sentence.startswith("It voted for 14")
    assert 0 < changes[1].similarity < 1
    swapped = sentence_changes(b, a)
    assert [c.op for c in swapped] == ["equal", "replace", "equal", "delete"]


def test_json_output_carries_sentences_of_replaced_paragraphs():
    from tracker.report.diff import Side, render_json

    a = Doc(paragraphs=["Intro stays.", "It voted for 14 million. Work starts in spring."])
    b = Doc(paragraphs=["Intro stays.", "It voted for 15 million. Work starts in spring."])
    data = json.loads(render_json(diff_documents(a, b), Side("a", 1, None), Side("b", 2, None)))
    replaced = [op for op in data["ops"] if op["op"] == "replace"]
    assert [s["op"] for s in replaced[0]["sentences"]] == ["replace", "equal"]
    assert all("sentences" not in op for op in data["ops"] if op["op"] == "equal")
