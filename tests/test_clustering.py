"""Clusters: reposts, excerpts, embedded copies, boilerplate, hubs, incremental stability."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.conftest import corpus_path
from tracker import provenance
from tracker.clustering import ClusterUpdate
from tracker.clustering import update_clusters as update_membership
from tracker.store import PageRecord, store_page

# A made-up vocabulary: articles drawn from it share words but not word sequences, like
# different stories on one topic.
_RNG = random.Random(20240601)
VOCAB = [
    "".join(
        _RNG.choice("bcdfghklmnprstvz") + _RNG.choice("aeiou") for _ in range(_RNG.randint(1, 4))
    )
    for _ in range(3000)
]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCAB))]


def article(seed: int, paragraphs: int = 12, words: int = 60) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(rng.choices(VOCAB, WEIGHTS, k=words)).capitalize() + "." for _ in range(paragraphs)
    ]


def light_edit(paragraphs: list[str], seed: int) -> list[str]:
    """A typo every ~40 words, one paragraph dropped, one sentence added."""
    rng = random.Random(seed)
    out = []
    for para in paragraphs:
        words = para.split()
        for i in range(0, len(words), 40):
            j = min(len(words) - 1, i + rng.randrange(40))
            words[j] = words[j][::-1] + "x"
        out.append(" ".join(words))
    del out[rng.randrange(len(out))]
    out.insert(rng.randrange(len(out)), "This story was updated with a comment from the agency.")
    return out


def update_clusters(db, version_ids=None) -> ClusterUpdate:
    """Clustering then provenance on what it changed, in the pipeline's order."""
    result = update_membership(db, version_ids)
    provenance.assign(db, result.changed)
    return result


def add(db, url: str, paragraphs: list[str], day: int = 1, title: str | None = None) -> int:
    site = url.split("/")[2]
    rec = PageRecord(
        url=url,
        site=site,
        fetched_at=f"2024-05-{day:02d}T10:00:00+00:00",
        title=title or url,
        byline=None,
        published=None,
        language="en",
        site_name=None,
        description=None,
        paragraphs=paragraphs,
    )
    return store_page(db, rec).page_id


def cluster_of(db) -> dict[int, int]:
    return dict(db.execute("select page_id, cluster_id from cluster_members").fetchall())


def dump(db) -> dict[str, list]:
    tables = ["clusters", "cluster_members", "fingerprints", "boilerplate_blocks", "cluster_pages"]
    return {t: db.execute(f"select * from {t} order by 1, 2").fetchall() for t in tables}


def test_repost_excerpt_and_unrelated(fresh_db):
    body = article(1)
    origin = add(fresh_db, "https://origin.example/story", body)
    repost = add(fresh_db, "https://repost.example/copy", light_edit(body, 2))
    teaser = add(
        fresh_db, "https://teaser.example/short", body[:3] + ["Read more at origin.example."]
    )
    other = add(fresh_db, "https://other.example/story", article(99))
    result = update_membership(fresh_db)
    clusters = cluster_of(fresh_db)
    assert clusters[origin] == clusters[repost] == clusters[teaser]
    assert other not in clusters
    assert result.new == [clusters[origin]] and result.changed == result.new
    # Clustering writes membership only; every judgement is provenance's.
    judged = "select count(*) from cluster_members where role is not null or similarity is not null"
    assert fresh_db.execute(judged).fetchone()[0] == 0
    assert fresh_db.execute("select origin_page_id, size from clusters").fetchone() == (None, None)
    provenance.assign(fresh_db, result.changed)
    roles = dict(fresh_db.execute("select page_id, role from cluster_members").fetchall())
    assert roles[teaser] == "excerpt" and roles[repost] == "repost"
    row = fresh_db.execute("select size, seed_page_id from clusters").fetchone()
    assert row[0] == 3 and row[1] in (origin, repost)


def test_article_embedded_in_roundup_joins(fresh_db):
    body = article(3)
    origin = add(fresh_db, "https://origin.example/a", body)
    repost = add(fresh_db, "https://wire.example/a", light_edit(body, 4))
    roundup = add(fresh_db, "https://digest.example/today", article(5, 6) + body + article(6, 6))
    update_clusters(fresh_db)
    clusters = cluster_of(fresh_db)
    assert clusters[roundup] == clusters[origin] == clusters[repost]


def test_different_articles_on_one_topic_do_not_join(fresh_db):
    shared_quote = "The minister said the budget would be balanced by the end of the decade."
    a = add(fresh_db, "https://one.example/budget", article(10) + [shared_quote])
    b = add(fresh_db, "https://two.example/budget", article(11) + [shared_quote])
    update_clusters(fresh_db)
    assert a not in cluster_of(fresh_db) and b not in cluster_of(fresh_db)


FOOTER = [
    "We welcome comments that advance the discussion. Please keep your comments civil and on topic, "
    "avoid personal attacks, profanity and spam, and do not post copyrighted material. Comments are "
    "moderated and may be removed at any time. By posting you agree to our terms of use and privacy policy, "
    "and you grant us a licence to publish your comment in print and online.",
    "Purchase: Order Reprint. Copyright Example Newspaper Network. All rights reserved.",
]


def test_shared_footer_does_not_join_unrelated_articles(fresh_db):
    pages = [
        add(fresh_db, f"https://news.example/{i}", article(20 + i, 2, 30) + FOOTER)
        for i in range(6)
    ]
    result = update_clusters(fresh_db)
    assert not cluster_of(fresh_db) and result.new == []
    counts = [
        r[0]
        for r in fresh_db.execute(
            "select pages from boilerplate_blocks where site = 'news.example' order by pages desc limit 2"
        )
    ]
    assert counts == [6, 6]
    # The same footer on a real repost does not stop it from joining.
    body = article(30)
    origin = add(fresh_db, "https://news.example/big", body + FOOTER)
    copy = add(fresh_db, "https://elsewhere.example/big", light_edit(body, 31))
    update_clusters(fresh_db)
    clusters = cluster_of(fresh_db)
    assert clusters[origin] == clusters[copy] and not set(pages) & set(clusters)


def test_footer_pages_already_clustered_split_when_footer_becomes_boilerplate(fresh_db):
    # Two tiny articles whose shared footer dominates them look alike until the site's other
    # pages show the footer is boilerplate; then they leave their cluster.
    first = [
        add(fresh_db, f"https://small.example/{i}", article(40 + i, 1, 12) + FOOTER)
        for i in range(2)
    ]
    update_clusters(fresh_db)
    assert len(set(cluster_of(fresh_db).values())) == 1
    for i in range(2, 6):
        add(fresh_db, f"https://small.example/{i}", article(40 + i, 1, 12) + FOOTER)
    result = update_clusters(fresh_db)
    assert not set(first) & set(cluster_of(fresh_db))
    assert result.removed


@pytest.mark.parametrize("hub_first", [True, False])
def test_hub_page_does_not_merge_two_articles(fresh_db, hub_first):
    a, b = article(50), article(51)
    hub = None
    if hub_first:
        hub = add(fresh_db, "https://aggregator.example/hub", ["Top stories today."] + a + b)
    a1 = add(fresh_db, "https://a.example/story", a)
    a2 = add(fresh_db, "https://a2.example/story", light_edit(a, 52))
    b1 = add(fresh_db, "https://b.example/story", b)
    b2 = add(fresh_db, "https://b2.example/story", light_edit(b, 53))
    if not hub_first:
        update_clusters(fresh_db)
        hub = add(fresh_db, "https://aggregator.example/hub", ["Top stories today."] + a + b)
    update_clusters(fresh_db)
    clusters = cluster_of(fresh_db)
    assert clusters[a1] == clusters[a2] != clusters[b1] == clusters[b2]
    assert clusters.get(hub) in (clusters[a1], clusters[b1])


def test_hub_alone_with_two_articles_does_not_merge_them(fresh_db):
    a, b = article(60), article(61)
    add(fresh_db, "https://aggregator.example/hub", a + b)
    a1 = add(fresh_db, "https://a.example/story", a)
    b1 = add(fresh_db, "https://b.example/story", b)
    update_clusters(fresh_db)
    clusters = cluster_of(fresh_db)
    assert not (a1 in clusters and b1 in clusters and clusters[a1] == clusters[b1])


def test_incremental_keeps_ids_and_rerun_changes_nothing(fresh_db):
    one, two = article(70), article(71)
    add(fresh_db, "https://x.example/one", one)
    add(fresh_db, "https://y.example/one", light_edit(one, 72))
    add(fresh_db, "https://x.example/two", two)
    add(fresh_db, "https://y.example/two", light_edit(two, 73))
    first = update_clusters(fresh_db)
    assert len(first.new) == 2
    before = dump(fresh_db)
    again = update_clusters(fresh_db)
    assert dump(fresh_db) == before
    assert (again.new, again.grown, again.changed, again.pages_changed, again.fingerprinted) == (
        [],
        [],
        [],
        0,
        0,
    )

    ids_before = dict(
        fresh_db.execute("select page_id, cluster_id from cluster_members").fetchall()
    )
    grown_page = add(fresh_db, "https://z.example/one", light_edit(one, 74))
    add(fresh_db, "https://x.example/three", article(75))
    add(fresh_db, "https://z.example/three", light_edit(article(75), 76))
    second = update_clusters(fresh_db)
    after = cluster_of(fresh_db)
    assert all(after[p] == c for p, c in ids_before.items())
    assert second.grown == [after[grown_page]]
    assert len(second.new) == 1 and second.new[0] not in ids_before.values()
    assert second.fingerprinted == 3  # only the new pages were hashed


def test_rerun_of_clustering_and_provenance_writes_no_row(fresh_db):
    from tracker.store.clusters import cluster_ids

    one = article(77)
    add(fresh_db, "https://x.example/one", one)
    add(fresh_db, "https://y.example/one", light_edit(one, 78))
    add(fresh_db, "https://z.example/one", one[:4])
    first = update_clusters(fresh_db)
    assert first.new
    before = fresh_db.conn.total_changes
    again = update_membership(fresh_db)
    assert again.changed == []
    assert provenance.assign(fresh_db, cluster_ids(fresh_db)) == 0
    assert fresh_db.conn.total_changes == before


def test_page_whose_new_version_differs_leaves_its_cluster(fresh_db):
    body = article(80)
    origin = add(fresh_db, "https://o.example/s", body)
    copy1 = add(fresh_db, "https://c1.example/s", light_edit(body, 81))
    copy2 = add(fresh_db, "https://c2.example/s", light_edit(body, 82))
    update_clusters(fresh_db)
    cid = cluster_of(fresh_db)[origin]
    seed = fresh_db.execute("select seed_page_id from clusters").fetchone()[0]
    mover = copy2 if seed != copy2 else copy1
    add(
        fresh_db,
        fresh_db.execute("select url from pages where id = ?", [mover]).fetchone()[0],
        article(83),
        day=2,
    )
    result = update_clusters(fresh_db)
    clusters = cluster_of(fresh_db)
    assert mover not in clusters and clusters[origin] == cid
    assert fresh_db.execute("select size from clusters where id = ?", [cid]).fetchone()[0] == 2
    assert cid in result.changed


def test_version_ids_limit_the_run(fresh_db):
    body = article(90)
    add(fresh_db, "https://o.example/s", body)
    add(fresh_db, "https://c.example/s", light_edit(body, 91))
    assert update_clusters(fresh_db, version_ids=[]).new == []
    assert len(update_clusters(fresh_db, version_ids=[1, 2]).new) == 1


def test_copietje_variants_cluster_by_leading_number(fresh_db):
    folder = corpus_path("copietje-neardup-variants-and-newsedits", "variants")
    pages = {}
    for i, path in enumerate(sorted(Path(folder).glob("*.txt"))):
        paragraphs = [
            p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()
        ]
        pages[path.name] = add(fresh_db, f"https://site{i}.example/{path.stem}", paragraphs)
    update_clusters(fresh_db)
    clusters = cluster_of(fresh_db)
    for name_a, a in pages.items():
        for name_b, b in pages.items():
            if name_a >= name_b:
                continue
            same = name_a.split("_")[0] == name_b.split("_")[0]
            assert (clusters.get(a) is not None and clusters.get(a) == clusters.get(b)) == same, (
                name_a,
                name_b,
            )


def test_real_articles_on_the_same_story_do_not_join(fresh_db):
    truth = json.loads(
        corpus_path("scrapinghub-article-extraction-benchmark", "ground-truth.json").read_text()
    )
    same_story = ("home-depot", "omar", "wework", "taylor-swift", "duvet")
    picked = [
        v
        for v in truth.values()
        if any(key in v["url"] for key in same_story) or "scooter-braun" in v["url"]
    ]
    assert len(picked) >= 6
    for item in picked:
        paragraphs = [p for p in item["articleBody"].split("\n") if p.strip()]
        add(fresh_db, item["url"], paragraphs)
    update_clusters(fresh_db)
    assert cluster_of(fresh_db) == {}


def test_cluster_command(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import cli
    from tracker.store import open_db

    path = tmp_path / "t.db"
    db = open_db(path)
    body = article(100)
    add(db, "https://o.example/s", body)
    add(db, "https://c.example/s", light_edit(body, 101))
    db.conn.close()
    runner = CliRunner()
    first = runner.invoke(cli, ["cluster", "--db", str(path)])
    assert first.exit_code == 0 and "2 pages considered, 2 changed" in first.output
    assert "1 new clusters" in first.output
    again = runner.invoke(cli, ["cluster", "--db", str(path)])
    assert "0 changed" in again.output and "0 new clusters" in again.output
    missing = runner.invoke(cli, ["cluster", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code == 1 and "nope.db: no such database" in missing.output
    assert "Example:" in runner.invoke(cli, ["cluster", "--help"]).output


def test_compact_lsh_answers_like_datasketch_default():
    import numpy as np
    from datasketch import MinHashLSH

    from tracker import signatures as sig
    from tracker.lsh import LSH_PARAMS
    from tracker.lsh_datasketch import CompactMinHashLSH

    rng = np.random.default_rng(11)
    bases = [
        np.unique(rng.integers(0, 2**32, 600, dtype=np.uint64).astype(np.uint32)) for _ in range(30)
    ]
    sets = []
    for base in bases:  # each base with a near copy (shares most shingles) and a far one
        sets += [
            base,
            np.unique(
                np.concatenate(
                    [base[:550], rng.integers(0, 2**32, 50, dtype=np.uint64).astype(np.uint32)]
                )
            ),
        ]
        sets.append(
            np.unique(
                np.concatenate(
                    [base[:200], rng.integers(0, 2**32, 400, dtype=np.uint64).astype(np.uint32)]
                )
            )
        )
    sigs = [sig.minhash(s) for s in sets]
    stock = MinHashLSH(num_perm=sig.NUM_PERM, params=LSH_PARAMS)
    compact = CompactMinHashLSH()
    with compact.insertion_session() as session:
        for key, lean in enumerate(sigs):
            stock.insert(key, lean)
            session.insert(key, lean)
    compact.insert(len(sigs), sigs[0])  # a duplicate signature shares every bucket
    answers = [set(compact.query(lean)) for lean in sigs]
    assert len(sigs) in answers[0]
    assert all(answers[i] - {len(sigs)} == set(stock.query(sigs[i])) for i in range(len(sigs)))
    assert all({3 * i, 3 * i + 1} <= answers[3 * i] for i in range(len(bases)))
    compact.remove(len(sigs))
    compact.remove(1)
    assert set(compact.query(sigs[0])) == set(stock.query(sigs[0])) - {1}
    assert 1 not in compact and 0 in compact


def test_vectorised_band_keys_are_datasketch_band_keys():
    import numpy as np

    from tracker.lsh import LSH_PARAMS, band_hash, band_keys

    rng = np.random.default_rng(5)
    matrix = rng.integers(0, 2**32, (50, 128), dtype=np.uint64).astype(np.uint32)
    for bands, rows in (LSH_PARAMS, (32, 4), (42, 3), (16, 8)):
        keys = band_keys(matrix, (bands, rows))
        assert keys.shape == (50, bands)
        assert all(
            keys[i, b] == band_hash(bytes(matrix[i, b * rows : (b + 1) * rows].byteswap().data))
            for i in range(50)
            for b in range(bands)
        )


def test_candidate_index_answers_like_datasketch_lsh():
    import numpy as np

    from tracker import signatures as sig
    from tracker.lsh import CandidateIndex
    from tracker.lsh_datasketch import CompactMinHashLSH

    rng = np.random.default_rng(11)
    sets = []
    for _ in range(40):  # a base, a near copy, a far copy
        base = np.unique(rng.integers(0, 2**32, 600, dtype=np.uint64).astype(np.uint32))
        noise = rng.integers(0, 2**32, 400, dtype=np.uint64).astype(np.uint32)
        sets += [base, np.unique(np.concatenate([base[:550], noise[:50]]))]
        sets.append(np.unique(np.concatenate([base[:200], noise])))
    matrix = sig.signatures(sets)
    reference = CompactMinHashLSH()
    index = CandidateIndex()
    for key, row in enumerate(matrix):
        reference.insert(key, sig.lean_minhash(row))
    index.add_signatures(np.arange(len(sets) // 2), matrix[: len(sets) // 2])
    for key in range(len(sets) // 2, len(sets)):
        index.add(key, matrix[key], np.empty(0, dtype=np.uint32))
    index.freeze()
    queries, keys = index.query_lsh_many(matrix)
    batched = {q: set() for q in range(len(sets))}
    for q, k in zip(queries.tolist(), keys.tolist(), strict=True):
        batched[q].add(k)
    for q, row in enumerate(matrix):
        expected = set(reference.query(sig.lean_minhash(row)))
        assert batched[q] == expected == set(index.query_lsh(row))
    assert all({3 * i, 3 * i + 1} <= batched[3 * i] for i in range(40))


def test_candidate_pairs_are_every_page_queried():
    import numpy as np

    from tracker import signatures as sig
    from tracker.lsh import CandidateIndex, anchors_of

    rng = np.random.default_rng(17)
    sets = []
    for _ in range(60):  # an article, a light edit, an excerpt (anchors only), an unrelated page
        base = np.unique(rng.integers(0, 2**32, 700, dtype=np.uint64).astype(np.uint32))
        noise = np.unique(rng.integers(0, 2**32, 700, dtype=np.uint64).astype(np.uint32))
        sets += [base, np.union1d(base[:640], noise[:60]), base[::5].copy(), noise]
    matrix = sig.signatures(sets)
    anchors = [anchors_of(s) for s in sets]
    index = CandidateIndex()
    for key, (row, own) in enumerate(zip(matrix, anchors, strict=True)):
        index.add(key, row, own)
    index.freeze()
    lower, upper = index.pairs()
    offsets = np.cumsum([0, *map(len, anchors)])
    queries, keys = index.query_many(matrix, np.concatenate(anchors), offsets)
    above = keys > queries
    assert np.array_equal(lower, queries[above]) and np.array_equal(upper, keys[above])
    found = set(zip(lower.tolist(), upper.tolist(), strict=True))
    assert all({(4 * i, 4 * i + 1), (4 * i, 4 * i + 2)} <= found for i in range(60))
    assert all(
        index.query(matrix[q], anchors[q]) == {q} | {k for k in keys[queries == q]}
        for q in range(0, len(sets), 7)
    )


@pytest.mark.parametrize("merge_at", [1 << 22, 10])
def test_band_pairs_of_many_identical_pages_are_merged_as_they_come(monkeypatch, merge_at):
    """300 copies of one story share all 20 bands: their pairs are held once, not 20 times,
    and are exactly the distinct pairs of every band (merging early or only at the end)."""
    import numpy as np

    from tracker import lsh, postings
    from tracker import signatures as sig

    monkeypatch.setattr(postings, "MERGE_AT", merge_at)
    rng = np.random.default_rng(5)
    story = np.unique(rng.integers(0, 2**32, 500, dtype=np.uint64).astype(np.uint32))
    others = [
        np.unique(rng.integers(0, 2**32, 500, dtype=np.uint64).astype(np.uint32)) for _ in range(40)
    ]
    matrix = sig.signatures([story] * 300 + others)
    index = lsh.CandidateIndex()
    for key, row in enumerate(matrix):
        index.add(key, row, np.empty(0, dtype=np.uint32))
    index.freeze()
    assert index.bands is not None
    distinct = index.bands.distinct_pairs()
    assert np.array_equal(distinct, np.unique(index.bands.pairs()))
    assert len(distinct) == 300 * 299 // 2
    assert len(index.bands.pairs()) == 20 * len(distinct)


def test_candidate_index_anchor_postings(monkeypatch):
    import numpy as np

    from tracker import lsh

    index = lsh.CandidateIndex()
    common = np.arange(1000, 1010, dtype=np.uint32)
    index.add_anchors(np.array([1, 1, 1, 2, 2, 3]), np.array([5, 6, 7, 5, 9, 6], dtype=np.uint32))
    for key in range(10, 20):  # ten pages carrying the same ten anchors
        index.add_anchors(np.full(10, key), common)
    index.freeze()
    assert index.query_anchors(np.array([5, 6], dtype=np.uint32)) == [1]
    assert index.query_anchors(np.array([5, 9, 6], dtype=np.uint32)) == [1, 2]
    assert index.query_anchors(common[:2]) == list(range(10, 20))
    ten = {(a, b) for a in range(10, 20) for b in range(a + 1, 20)}
    assert (
        set(zip(*(x.tolist() for x in index.pairs()), strict=True)) == ten
    )  # 1, 2 and 3 share one anchor at most
    monkeypatch.setattr(lsh, "ANCHOR_MAX_DF", 9)  # too common to be evidence
    assert index.query_anchors(common) == []
    assert index.pairs()[0].tolist() == []
    assert index.query_anchors(np.array([], dtype=np.uint32)) == []
    monkeypatch.setattr(lsh, "ANCHOR_MAX_DF", 5000)
    queries = [np.array([5, 6], dtype=np.uint32), np.array([5, 9, 6], dtype=np.uint32), common[:2]]
    offsets = np.cumsum([0, *map(len, queries)])
    which, keys = index.query_anchors_many(np.concatenate(queries), offsets)
    assert list(zip(which.tolist(), keys.tolist(), strict=True)) == [
        (0, 1),
        (1, 1),
        (1, 2),
        *((2, key) for key in range(10, 20)),
    ]


def _members_and_seeds(db) -> tuple[list, list]:
    return (
        db.execute("select cluster_id, page_id from cluster_members order by 1, 2").fetchall(),
        db.execute("select id, seed_page_id from clusters order by 1").fetchall(),
    )


def _signed_corpus(db) -> list[int]:
    one, two, three = article(80), article(81), article(82)
    return [
        add(db, "https://x.example/one", one),
        add(db, "https://y.example/one", light_edit(one, 83)),
        add(db, "https://z.example/one", one[:3] + ["Read more at x.example."]),
        add(db, "https://x.example/two", two),
        add(db, "https://y.example/two", light_edit(two, 84)),
        add(db, "https://x.example/three", three),
        add(db, "https://w.example/unrelated", article(85)),
    ]


def test_old_scheme_database_is_resigned_once_and_keeps_cluster_ids(tmp_path, monkeypatch):
    import numpy as np

    from tracker import fingerprint as fp
    from tracker import signatures as sig
    from tracker.store import open_db

    # A database fingerprinted and clustered with the old affine32 signatures, as it was before
    # the scheme column: the column and the record of its migration are taken away again.
    path = tmp_path / "old.db"
    db = open_db(path)
    monkeypatch.setattr(sig, "SCHEME", sig.AFFINE32)
    _signed_corpus(db)
    update_clusters(db)
    old_rows = dict(db.execute("select version_id, minhash from fingerprints").fetchall())
    shingles_before = db.execute(
        "select version_id, shingles, anchors from fingerprints"
    ).fetchall()
    clustered = _members_and_seeds(db)
    assert len(clustered[1]) == 2
    db.execute("drop index idx_fingerprints_scheme")
    db.execute("alter table fingerprints drop column scheme")
    db.execute("delete from _sqlite_migrations where name = '0008_fingerprint_scheme'")
    db.conn.commit()
    db.conn.close()
    monkeypatch.undo()
    assert sig.SCHEME == sig.RENSA

    db = open_db(path)  # the migration stamps the old rows with their scheme
    assert {r[0] for r in db.execute("select scheme from fingerprints")} == {sig.AFFINE32}
    first = update_clusters(db)  # the next clustering run re-signs them, once
    assert (first.new, first.changed) == ([], [])
    rows = db.execute("select version_id, minhash, scheme, shingles from fingerprints").fetchall()
    assert {scheme for _, _, scheme, _ in rows} == {sig.RENSA}
    for version_id, blob, _, shingle_blob in rows:
        expected = sig.signatures([fp.shingles_from_bytes(shingle_blob)])[0]
        assert np.array_equal(sig.hashvalues_from_bytes(blob), expected)
        assert blob != old_rows[version_id]
    assert db.execute("select version_id, shingles, anchors from fingerprints").fetchall() == (
        shingles_before
    )
    assert _members_and_seeds(db) == clustered
    # Once only: opening again re-signs nothing, re-clustering unchanged data writes nothing.
    db.conn.close()
    db = open_db(path)
    assert db.execute("select minhash from fingerprints").fetchall() == [(r[1],) for r in rows]
    changes = db.conn.total_changes
    again = update_clusters(db)
    assert db.conn.total_changes == changes
    assert (again.new, again.changed, again.pages_changed, again.fingerprinted) == ([], [], 0, 0)
    assert _members_and_seeds(db) == clustered

    # Re-clustered with the new signatures: a database built with them from the start gives the
    # same cluster ids, members and seeds, and a new repost joins its cluster under the same id.
    fresh = open_db(tmp_path / "fresh.db")
    _signed_corpus(fresh)
    update_clusters(fresh)
    assert _members_and_seeds(fresh) == clustered
    joined = add(db, "https://v.example/one", light_edit(article(80), 86))
    grown = update_clusters(db)
    assert cluster_of(db)[joined] == cluster_of(db)[1] and grown.new == []
    assert all(cluster_of(db)[p] == c for c, p in clustered[0])


def test_signatures_of_another_scheme_are_never_compared(fresh_db):
    from tracker import signatures as sig
    from tracker.clustering import resign_fingerprints
    from tracker.store import clusters as store

    ids = _signed_corpus(fresh_db)
    update_clusters(fresh_db)
    clustered = _members_and_seeds(fresh_db)
    fresh_db.execute("update fingerprints set scheme = 'affine32' where page_id = ?", [ids[1]])
    # Clustering reads only signatures of the current scheme...
    counted = {row[0] for row in store.counted_fingerprints(fresh_db, sig.SCHEME)}
    assert ids[1] not in counted and ids[0] in counted
    # ...and re-signs the others from their shingles before it reads any.
    assert resign_fingerprints(fresh_db) == 1
    assert resign_fingerprints(fresh_db) == 0
    fresh_db.execute("update fingerprints set scheme = 'affine32' where page_id = ?", [ids[1]])
    add(fresh_db, "https://v.example/two", light_edit(article(81), 87))
    update_clusters(fresh_db)
    schemes = fresh_db.execute("select distinct scheme from fingerprints").fetchall()
    assert schemes == [(sig.SCHEME,)]
    assert all(cluster_of(fresh_db)[p] == c for c, p in clustered[0])


@pytest.mark.parametrize("merge_at", [1 << 22, 50, 3])
def test_candidates_of_a_story_copied_many_times_are_counted_a_slice_at_a_time(
    monkeypatch, merge_at
):
    """120 copies of one story share most anchors: the index counts anchor pairs once per
    distinct set of pages holding an anchor and a slice at a time, and looks up queries a slice
    at a time (memory about one copy of the pairs, not one per anchor), with
    the same answer as counting every shared anchor of every pair by hand, and the same answer
    whatever the slice size."""
    from collections import Counter
    from itertools import combinations

    import numpy as np

    from tracker import lsh, postings
    from tracker import signatures as sig

    monkeypatch.setattr(postings, "MERGE_AT", merge_at)
    rng = np.random.default_rng(29)
    story = np.unique(rng.integers(0, 2**32, 600, dtype=np.uint64).astype(np.uint32))
    # 110 verbatim copies, 10 cut short at two places
    sets = [story[: 600 - (20 + 20 * (i % 2) if i >= 110 else 0)].copy() for i in range(120)]
    for _ in range(30):  # unrelated pages, and excerpts of the story sharing a few anchors
        sets.append(np.unique(rng.integers(0, 2**32, 500, dtype=np.uint64).astype(np.uint32)))
        sets.append(np.union1d(story[::9], sets[-1][:200]))
    anchors = [lsh.anchors_of(s) for s in sets]
    matrix = sig.signatures(sets)
    index = lsh.CandidateIndex()
    for key, (row, own) in enumerate(zip(matrix, anchors, strict=True)):
        index.add(key, row, own)
    index.freeze()

    holders: dict[int, list[int]] = {}
    for key, own in enumerate(anchors):
        for anchor in own.tolist():
            holders.setdefault(anchor, []).append(key)
    shared = Counter(
        pair
        for keys in holders.values()
        if len(keys) <= lsh.ANCHOR_MAX_DF
        for pair in combinations(sorted(keys), 2)
    )
    by_anchors = {pair for pair, count in shared.items() if count >= lsh.ANCHOR_MIN_SHARED}
    assert len(by_anchors) > 120 * 119 // 2  # the copies, and the excerpts with them
    made: list[int] = []
    run_pairs, long_run_pairs = postings._run_pairs, postings._long_run_pairs
    monkeypatch.setattr(
        postings, "_run_pairs", lambda *a: made.append(len(got := run_pairs(*a))) or got
    )
    monkeypatch.setattr(
        postings,
        "_long_run_pairs",
        lambda *a: [made.append(len(p)) or (p, n) for p, n in long_run_pairs(*a)],
    )
    got = index.anchor_index.shared_pairs(lsh.ANCHOR_MIN_SHARED, lsh.ANCHOR_MAX_DF)
    # each anchor's run of pages gives its pairs once per distinct set of pages, not once per
    # anchor; a slice of short runs gives the budget's pairs
    one_anchor = max(len(keys) * (len(keys) - 1) // 2 for keys in holders.values())
    assert max(made) <= max(merge_at, one_anchor)
    assert sum(made) < sum(shared.values()) // 10
    assert {(int(p) >> 32, int(p) & 0xFFFFFFFF) for p in got} == by_anchors
    assert np.all(np.diff(got.astype(np.int64)) > 0)  # each once, sorted

    lower, upper = index.pairs()
    offsets = np.cumsum([0, *map(len, anchors)])
    queries, keys = index.query_many(matrix, np.concatenate(anchors), offsets)
    above = keys > queries
    assert np.array_equal(lower, queries[above]) and np.array_equal(upper, keys[above])
    assert by_anchors <= set(zip(lower.tolist(), upper.tolist(), strict=True))
    anchor_queries, anchor_keys = index.query_anchors_many(np.concatenate(anchors), offsets)
    assert {
        (min(q, k), max(q, k))
        for q, k in zip(anchor_queries.tolist(), anchor_keys.tolist(), strict=True)
        if q != k
    } == by_anchors


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("merge_at", [1 << 22, 40])
def test_shared_and_distinct_pairs_match_counting_by_hand(monkeypatch, seed, merge_at):
    """Pairs of keys sharing values, over groups whose runs of equal values are short, long
    (grouped by key set), too long (``max_run``) and equal across a group boundary: the same
    as counting every run of every group by hand."""
    from collections import Counter
    from itertools import combinations

    import numpy as np

    from tracker import postings

    monkeypatch.setattr(postings, "MERGE_AT", merge_at)
    monkeypatch.setattr(postings, "COUNT_AT", merge_at)
    rng = np.random.default_rng(seed)
    groups, n = 3, 400
    # few distinct values: runs of every length, many of them holding the same keys
    values = rng.integers([[0], [7], [0]], [[6], [47], [400]], (groups, n)).astype(np.uint32)
    # a long run ending group 0 and one starting group 1, of the same value
    values[1, :50] = values[0, :50] = 7
    keys = rng.permutation(10_000)[:n]
    index = postings.Postings(values, keys)
    counted: Counter[tuple[int, int]] = Counter()
    every: Counter[tuple[int, int]] = Counter()
    for group in range(groups):
        holders: dict[int, list[int]] = {}
        for value, key in zip(values[group].tolist(), keys.tolist(), strict=True):
            holders.setdefault(value, []).append(key)
        for held in holders.values():
            pairs = list(combinations(sorted(held), 2))
            every.update(pairs)
            if len(held) <= 60:
                counted.update(pairs)

    def unpacked(packed):
        return [(int(p) >> 32, int(p) & 0xFFFFFFFF) for p in packed]

    assert unpacked(index.distinct_pairs()) == sorted(every)
    assert unpacked(index.plain_distinct_pairs()) == sorted(every)
    assert sorted(unpacked(index.pairs())) == sorted(every.elements())
    for least in (1, 2, 3):
        assert unpacked(index.plain_shared_pairs(least, 60)) == unpacked(
            index.shared_pairs(least, 60)
        )
        assert unpacked(index.shared_pairs(least, 60)) == sorted(
            pair for pair, times in counted.items() if times >= least
        )


def test_verbatim_copies_are_verified_once_per_distinct_text(fresh_db, monkeypatch):
    """Forty sites carrying one story word for word, ten a light edit of it, and a teaser:
    one cluster with every page, the same roles as when each pair is verified on its own, and
    the exact shingle sets compared once per pair of distinct texts, not once per page pair."""
    from tracker import clustering

    body = article(41)
    edited = light_edit(body, 42)
    pages = [add(fresh_db, f"https://copy{i}.example/story", body) for i in range(40)]
    pages += [add(fresh_db, f"https://edit{i}.example/story", edited) for i in range(10)]
    pages.append(add(fresh_db, "https://teaser.example/story", body[:3]))
    compared: list[int] = []
    verify = clustering.verify
    monkeypatch.setattr(clustering, "verify", lambda a, b: compared.append(1) or verify(a, b))
    update_clusters(fresh_db)
    clusters = cluster_of(fresh_db)
    assert len({clusters.get(p) for p in pages}) == 1 and None not in {
        clusters.get(p) for p in pages
    }
    assert len(compared) <= 6  # three distinct texts: at most three pairs (and a seed recheck)
    roles = dict(fresh_db.execute("select page_id, role from cluster_members").fetchall())
    assert roles[pages[-1]] == "excerpt"
    assert all(roles[p] in ("origin", "repost") for p in pages[:-1])
