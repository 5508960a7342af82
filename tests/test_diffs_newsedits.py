"""Real newsroom edits: consecutive versions from the NewsEdits sample diff sensibly.

The expectations below were checked by reading the versions side by side; the corpus text stays
in the corpus (read at run time), the tests assert on figures and ops.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict

import pytest

from tests.conftest import corpus_path
from tracker.diffs import Doc, apply_ops, diff_documents, diff_new_versions, load_diff, word_changes
from tracker.store import PageRecord, store_page

_PARAGRAPH = re.compile(r"<p[^>]*>(.*?)</p>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def paragraphs_of(summary: str) -> list[str]:
    """The ``<p>`` paragraphs of a NewsEdits ``summary``, tags stripped, entities decoded."""
    out = []
    for inner in _PARAGRAPH.findall(summary):
        text = html.unescape(_TAG.sub("", inner)).strip()
        if text:
            out.append(text)
    return out


@pytest.fixture(scope="module")
def histories() -> dict[tuple[str, int], dict[int, list[str]]]:
    path = corpus_path("copietje-neardup-variants-and-newsedits", "newsedits_sample.jsonl")
    found: dict[tuple[str, int], dict[int, list[str]]] = defaultdict(dict)
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            found[(row["original_db"], row["entry_id"])][row["version"]] = paragraphs_of(
                row["summary"]
            )
    return dict(found)


def diff_of(histories, outlet: str, entry: int, version: int):
    versions = histories[(outlet, entry)]
    return diff_documents(Doc(versions[version]), Doc(versions[version + 1]))


def test_every_consecutive_pair_rebuilds_and_mirrors(histories):
    pairs = 0
    for versions in histories.values():
        numbers = sorted(versions)
        for earlier, later in zip(numbers, numbers[1:], strict=False):
            a, b = versions[earlier], versions[later]
            forward = diff_documents(Doc(a), Doc(b))
            assert apply_ops(a, forward.ops) == b
            backward = diff_documents(Doc(b), Doc(a))
            assert (forward.words_added, forward.words_removed) == (
                backward.words_removed,
                backward.words_added,
            )
            assert (forward.paragraphs_added, forward.paragraphs_removed) == (
                backward.paragraphs_removed,
                backward.paragraphs_added,
            )
            assert 0.0 <= forward.retained <= 1.0
            pairs += 1
    assert pairs == 53  # 16 entries with 2-5 stored versions


def test_full_rewrite_keeps_nothing(histories):
    # AP entry 2, version 3 replaced the preview article by the speech transcript.
    result = diff_of(histories, "ap", 2, 2)
    assert result.retained < 0.01
    assert result.paragraphs_changed == 0 and result.paragraphs_moved == 0
    assert result.paragraphs_removed >= 29 and result.paragraphs_added >= 60
    assert result.words_added > 1000


def test_one_word_typo_fix(histories):
    # BBC entry 1, version 2 -> 3: "not" corrected to "nor" in the last paragraph; nothing else.
    result = diff_of(histories, "bbc", 1, 2)
    changed = [op for op in result.ops if op.op != "equal"]
    assert len(changed) == 1 and changed[0].op == "replace"
    assert changed[0].a_index == changed[0].b_index == len(result.ops) - 1
    assert (result.words_added, result.words_removed) == (1, 1)
    edits = [
        (tag, a.strip(), b.strip())
        for tag, a, b in word_changes(changed[0].a_text, changed[0].b_text)
    ]
    assert [e for e in edits if e[0] != "equal"] == [("replace", "not", "nor")]


def test_dateline_credit_added_and_subheads_dropped(histories):
    # Reuters entry 1, version 1 -> 2: "(Reuters)" added to the dateline, three one-line
    # subheads (6 words) removed; everything else untouched.
    result = diff_of(histories, "reuters", 1, 1)
    assert [op.op for op in result.ops if op.op != "equal"] == [
        "replace",
        "delete",
        "delete",
        "delete",
    ]
    assert result.ops[0].op == "replace" and result.ops[0].similarity > 0.95
    assert (result.words_added, result.words_removed) == (1, 6)
    assert result.retained > 0.99


def test_caption_credit_removed_then_restored(histories):
    # Calgary Herald entry 1: version 2 drops a photo credit from caption 8 (4 words), version 3
    # puts it back; the other captions only change whitespace.
    dropped = diff_of(histories, "calgaryherald", 1, 1)
    restored = diff_of(histories, "calgaryherald", 1, 2)
    for result in (dropped, restored):
        assert [(op.op, op.a_index) for op in result.ops if op.op != "equal"] == [("replace", 7)]
    assert (dropped.words_added, dropped.words_removed) == (0, 4)
    assert (restored.words_added, restored.words_removed) == (4, 0)


def test_whitespace_only_versions_are_all_equal(histories):
    # Calgary Herald entry 2: five versions whose raw paragraphs differ only in whitespace.
    versions = histories[("calgaryherald", 2)]
    for number in range(1, 5):
        a, b = versions[number], versions[number + 1]
        result = diff_documents(Doc(a), Doc(b))
        assert result.body_equal and result.retained == 1.0
        assert apply_ops(a, result.ops) == b
    assert versions[1] != versions[2]  # the raw text did change


def test_correction_note_dropped_and_contributor_added(histories):
    # AP entry 1, version 1 -> 2: the closing correction note and its separator are removed, and
    # one more contributor (two words) is named in the credit line, which stays a replace.
    result = diff_of(histories, "ap", 1, 1)
    assert [op.op for op in result.ops[-3:]] == ["replace", "delete", "delete"]
    contributors = result.ops[-3]
    assert contributors.similarity > 0.9
    edits = [
        tag
        for tag, _, _ in word_changes(contributors.a_text, contributors.b_text)
        if tag != "equal"
    ]
    assert edits == ["insert"]
    assert 0.75 < result.retained < 0.9


def test_store_histories_and_diff_new_versions(histories, fresh_db):
    outlets = [("bbc", 1), ("calgaryherald", 2), ("reuters", 2)]
    pairs = []
    for outlet, entry in outlets:
        versions = histories[(outlet, entry)]
        for number in sorted(versions):
            stored = store_page(
                fresh_db,
                PageRecord(
                    url=f"https://{outlet}.example/{entry}",
                    site=f"{outlet}.example",
                    fetched_at=f"2017-01-{10 + number:02d}T00:00:00+00:00",
                    title=f"{outlet} {entry}",
                    byline=None,
                    published=None,
                    language="en",
                    site_name=None,
                    description=None,
                    paragraphs=versions[number],
                ),
            )
            if stored.new_version:
                pairs.append((stored.previous_version_id, stored.version_id))
    added = diff_new_versions(fresh_db, pairs)
    # bbc 1: 4 real edits (v2 and v3 differ by one word); calgaryherald 2: whitespace only, one
    # version; reuters 2: versions 4 and 5 repeat version 3's text, so 2 edits.
    assert added == 4 + 0 + 2
    assert diff_new_versions(fresh_db, pairs) == 0
    for (diff_id,) in fresh_db.execute("select id from diffs"):
        row, result = load_diff(fresh_db, diff_id)
        a = json.loads(fresh_db["versions"].get(row["a_version_id"])["paragraphs"])
        b = json.loads(fresh_db["versions"].get(row["b_version_id"])["paragraphs"])
        assert apply_ops(a, result.ops) == b
        assert not result.body_equal
