"""CI gate: clustering and provenance on the scenario set LABELLED AS BUILT from the real corpus
must meet the goals and hold ``bench/cluster_eval_baseline.json``; plus checks of the scorer and
of the scenario labels themselves."""

from __future__ import annotations

import json
import sys
from collections import Counter

import pytest

from tests.conftest import ROOT, corpus_path
from tracker.scenarios import ScenarioPage, ScenarioSet

sys.path.insert(0, str(ROOT / "bench"))
import eval_cluster  # noqa: E402


def _page(url, key, role, text, when="2024-01-01T00:00:00+00:00", published=None):
    return ScenarioPage(
        url=url, site_name=url.split("/")[2], key=key, role=role, family="test", fetched_at=when,
        published=published, title="T", paragraphs=[text], origin_evidence="published" if role == "origin" else None,
    )  # fmt: skip


def test_scorer_counts_pairs_origins_and_merges(fresh_db):
    story = " ".join(f"word{n} follows word{n + 1} in the harbour story" for n in range(60))
    other = " ".join(f"baker{n} sells rye loaf{n} in the village" for n in range(60))
    pages = [
        _page("https://a.example/1", "s", "origin", story, published="2024-01-01"),
        _page("https://b.example/1", "s", "repost", story, published="2024-01-02"),
        _page("https://c.example/1", "s", "excerpt", story[:300], published="2024-01-03"),
        _page("https://d.example/1", "o", "single", other),
    ]
    scenarios = ScenarioSet(pages, {})
    ids = eval_cluster.load(fresh_db, scenarios, jobs=1)
    # A wrong clustering on purpose: the excerpt left out, the unrelated page merged in,
    # and the repost named as origin.
    cluster = (
        fresh_db["clusters"]
        .insert({"origin_page_id": ids["https://b.example/1"], "origin_evidence": "published"})
        .last_pk
    )
    for url in ("https://a.example/1", "https://b.example/1", "https://d.example/1"):
        fresh_db["cluster_members"].insert(
            {"cluster_id": cluster, "page_id": ids[url], "role": "repost"}
        )
    figures = eval_cluster.score(fresh_db, scenarios, ids)
    assert figures["precision"] == pytest.approx(1 / 3, abs=1e-3)  # a-b right; a-d, b-d wrong
    assert figures["repost_recall"] == 1.0
    assert figures["excerpt_recall"] == 0.0
    assert figures["origin_accuracy"] == 0.0
    assert figures["merged_clusters"] == 1
    assert eval_cluster.check(figures, None, 0.0)


def test_check_compares_with_goals_and_baseline():
    good = {
        "precision": 1.0,
        "repost_recall": 0.99,
        "excerpt_recall": 1.0,
        "origin_accuracy": 1.0,
        "merged_clusters": 0,
        "evidence_agreement": 1.0,
        "role_accuracy": 0.9,
        "credited_accuracy": 1.0,
    }
    assert eval_cluster.check(good, dict(good), 0.01) == []
    below_baseline = {**good, "repost_recall": 0.975}
    assert eval_cluster.check(below_baseline, dict(good), 0.01)
    assert eval_cluster.check(below_baseline, None, 0.0) == []  # still above the goal
    assert eval_cluster.check({**good, "merged_clusters": 1}, None, 0.0)
    assert eval_cluster.check({**good, "credited_accuracy": 0.9}, dict(good), 0.01)


def test_scenario_labels_hold_by_construction():
    from tracker.scenarios import build

    corpus = corpus_path("scrapinghub-article-extraction-benchmark").parent
    scenarios = build(corpus, articles=6, donors=4, similar_pairs=2, hub_pages=3)
    groups = scenarios.groups()
    for key, pages in groups.items():
        roles = Counter(p.role for p in pages)
        if key.startswith(("article-", "copietje-")):
            assert roles["origin"] == 1, key
            assert len(pages) >= (3 if key.startswith("article-") else 2), key
        else:
            assert set(roles) == {"single"} and len(pages) == 1, key
    urls = [p.url for p in scenarios.pages]
    assert len(urls) == len(set(urls))
    assert all(".example/" in url for url in urls)
    families = {p.family for p in scenarios.pages}
    assert {
        "excerpt",
        "headline-byline",
        "chain",
        "light-edits",
        "credit-added",
        "plain-excerpt",
    } <= families
    assert {"similar-topic", "shared-boilerplate", "aggregator", "copietje"} <= families
    # The same arguments build the same set.
    again = build(corpus, articles=6, donors=4, similar_pairs=2, hub_pages=3)
    assert [p.url for p in again.pages] == urls


def test_clustering_holds_the_goals_and_the_baseline():
    corpus = corpus_path("scrapinghub-article-extraction-benchmark").parent
    baseline = json.loads((ROOT / "bench" / "cluster_eval_baseline.json").read_text())
    figures = eval_cluster.run(corpus, eval_cluster.CI_SIZE, jobs=2)
    failures = eval_cluster.check(figures, baseline["ci"], baseline["tolerance"])
    details = {k: figures[k] for k in ("wrong_origins", "merged", "pairs")}
    assert not failures, f"{failures}; {details}"
