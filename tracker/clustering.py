"""Near-duplicate clusters: which pages carry the same article, incrementally and stably.

This module decides membership only: which page is in which cluster, around which seed. Who is
the origin, each member's role, similarity and credit, and the cluster's summary columns are
:mod:`tracker.provenance`'s; the pipeline runs it on :attr:`ClusterUpdate.changed` afterwards.
Only each page's latest version takes part; a page is one member of at most one cluster.

**Pipeline.** For every page whose latest version changed since the last run:

1. *Boilerplate* (:mod:`tracker.boilerplate`): paragraphs recurring on many pages of a site are
   left out before shingling; pages carrying a block whose status flipped are re-fingerprinted.
2. *Fingerprints* (:mod:`tracker.fingerprint`) are stored per version in ``fingerprints``.
3. *Candidates* (:mod:`tracker.lsh`) come from a MinHash LSH for reposts and an anchor index for
   excerpts, rebuilt in memory from stored rows (no re-hashing).
4. *Verification* on the exact shingle sets: a pair matches as a **repost** when Jaccard >=
   ``J_THRESHOLD``, or as an **excerpt** when the smaller set's containment in the larger is >=
   ``C_THRESHOLD`` with at least ``MIN_SHARED`` shared shingles.
5. *Assignment without chaining.* Every cluster has a seed (``clusters.seed_page_id``); a page
   joins a cluster only by matching its seed, so clusters are stars around the seed and a hub
   page (a roundup carrying two articles) can join one of them but never merge them. Pages not
   joining an existing cluster are grouped greedily: the seed of a new cluster is the page with
   the most repost matches, then the fewest matches overall (a roundup matching everything is
   never chosen while a real article is available), then the lowest page id; its matches join.

**Stability.** A cluster keeps its id and seed as it grows. A page whose new version no longer
matches its cluster's seed leaves it (and may join or found another). If the seed itself
changes and no longer matches most members, the member most similar to the seed's previous
version becomes the seed and members that do not match the new seed leave. A cluster left with
one member is deleted: singletons have no cluster rows. Re-running on unchanged data writes nothing.

**Settings**: the match thresholds and how they were measured are in :mod:`tracker.matching`.

**Time** (``python bench/bench_cluster.py --sizes 100000 --million``, 2-core machine shared
with other jobs): 1M synthetic documents clustered from raw text in 131.9 s at load average
4.6-4.9 (sketch 80.8 s on 2 processes, LSH postings 0.4 s, anchor postings 7.0 s, candidate
pairs 14.1 s, verification 25.1 s on 2 processes, star clusters 3.7 s), 230.7 s in a run at
load ~7; 100k in 12.1 s in the same run as the 131.9 s. Before the vectorised postings: 333 s
at 1M (load 5-7; LSH insert 52 s, queries + verification 158 s) and 45.8 s at 100k (load
4.5-6.2). Precision 1.0000 and recall 0.9999 as before. The sketch is now ~60% of the time;
the candidate pairs and their verification grow faster than the documents (at 1M, 2.0
candidates a document against 0.84 at 100k: more pages share two common anchors). The first
run of :func:`update_clusters` reads candidates from :meth:`CandidateIndex.pairs`; later runs
query the changed pages in batches (``bench/bench_cluster.py --sqlite 10000``: first run 5.0 s
against 6.8 s before, load ~4.5, the same 2,482 clusters). The store-backed
:func:`update_clusters` (boilerplate statistics, fingerprints written to SQLite, index rebuilt
from stored rows, assignment; measured when it still ran provenance too) took 93 s for 100k
stored pages (1,076 pages/s) before; re-running on unchanged data takes 1.5 s.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from tracker import boilerplate
from tracker import fingerprint as fp
from tracker import signatures as sig
from tracker.lsh import CandidateIndex, anchors_of
from tracker.matching import MIN_SHINGLES, Match, measure, star_clusters, verify
from tracker.store import clusters as store
from tracker.store import utcnow

__all__ = ["ClusterUpdate", "resign_fingerprints", "update_clusters"]


@dataclass
class ClusterUpdate:
    """What one :func:`update_clusters` run did."""

    pages_considered: int = 0
    pages_changed: int = 0
    fingerprinted: int = 0
    new: list[int] = field(default_factory=list)
    grown: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    seconds: float = 0.0


def _fingerprint_versions(
    db: sqlite_utils.Database,
    pages: Sequence[tuple[int, int, str]],
    stats: boilerplate.BlockStats,
    blocks_of: boilerplate.VersionBlocks,
    batch: int = 512,
) -> int:
    """(Re)compute the fingerprints of ``(page_id, version_id, site)`` versions whose stored
    row was made with other boilerplate or settings, a batch at a time with
    :func:`tracker.fingerprint.sketch_many`; returns how many were hashed."""
    hashed = 0
    for lo in range(0, len(pages), batch):
        todo: list[tuple[int, int, list[int], bytes, str]] = []
        for page_id, version_id, site in pages[lo : lo + batch]:
            blocks = blocks_of(version_id)
            removed = sorted({b for b, _, _ in blocks if stats.is_boilerplate(site, b)})
            removed_blob = boilerplate.blocks_to_bytes(removed)
            row = store.fingerprint_settings(db, version_id)
            if (
                row
                and (row[0] or b"") == removed_blob
                and row[1] == fp.SHINGLE_K
                and row[2] == sig.NUM_PERM
                and row[3] == sig.SCHEME
            ):
                continue
            removed_set = set(removed)
            seen: set[int] = set()
            kept = []
            for block, _, para in blocks:
                if block not in removed_set and block not in seen:
                    kept.append(para)
                seen.add(block)
            all_blocks = [b for b, _, _ in blocks]
            todo.append((page_id, version_id, all_blocks, removed_blob, "\n\n".join(kept)))
        if not todo:
            continue
        sets, sigs = fp.sketch_many([text for *_, text in todo])
        now = utcnow()
        store.write_fingerprints(
            db,
            (
                {
                    "version_id": version_id,
                    "page_id": page_id,
                    "k": fp.SHINGLE_K,
                    "num_perm": sig.NUM_PERM,
                    "scheme": sig.SCHEME,
                    "num_shingles": len(shingles),
                    "minhash": sig.signature_to_bytes(signature),
                    "shingles": fp.shingles_to_bytes(shingles),
                    "anchors": fp.shingles_to_bytes(anchors_of(shingles)),
                    "blocks": boilerplate.blocks_to_bytes(all_blocks),
                    "boilerplate": removed_blob,
                    "created": now,
                }
                for (page_id, version_id, all_blocks, removed_blob, _), shingles, signature in zip(
                    todo, sets, sigs, strict=True
                )
            ),
        )
        hashed += len(todo)
    return hashed


def resign_fingerprints(db: sqlite_utils.Database, batch: int = 4096) -> int:
    """Recompute, from the stored shingles, every stored signature made with another scheme
    than ``signatures.SCHEME``; returns how many rows were re-signed.

    The shingle sets are exact and scheme-free, so no text is re-read or re-shingled, and the
    anchors, boilerplate and membership stay as they are: cluster ids do not move. Run at the
    start of every :func:`update_clusters` (after the ``0008_fingerprint_scheme`` migration)
    (a no-op, one index lookup, unless the scheme changed, e.g. with a rensa algorithm version).
    """
    done = 0
    while rows := store.fingerprints_of_other_schemes(db, sig.SCHEME, batch):
        sigs = sig.signatures([fp.shingles_from_bytes(blob) for _, blob in rows])
        store.set_signatures(
            db,
            (
                (sig.signature_to_bytes(signature), sig.SCHEME, version_id)
                for (version_id, _), signature in zip(rows, sigs, strict=True)
            ),
        )
        done += len(rows)
    return done


class _Shingles:
    """Exact shingle sets of current versions, read from the store on demand; a bounded cache
    (emptied when full) keeps seeds and recent pages without holding every set in memory.
    :meth:`verify` checks a pair once per pair of distinct sets: a story copied verbatim by a
    thousand sites is a thousand pages but one set, and half a million candidate pairs."""

    def __init__(
        self, db: sqlite_utils.Database, current: dict[int, tuple[int, str]], limit: int = 20_000
    ) -> None:
        self.db, self.current, self.limit = db, current, limit
        self.cache: dict[int, tuple[np.ndarray, bytes]] = {}
        self.verified: dict[tuple[bytes, bytes], tuple[float, float, int] | None] = {}

    def _load(self, page_id: int) -> tuple[np.ndarray, bytes]:
        got = self.cache.get(page_id)
        if got is None:
            if len(self.cache) >= self.limit:
                self.cache.clear()
                self.verified.clear()
            blob = store.fingerprint_blob(self.db, self.current[page_id][0], "shingles")
            digest = hashlib.blake2b(blob or b"", digest_size=16).digest()
            got = self.cache[page_id] = (fp.shingles_from_bytes(blob), digest)
        return got

    def __call__(self, page_id: int) -> np.ndarray:
        return self._load(page_id)[0]

    def verify(self, a: int, b: int) -> Match | None:
        """:func:`tracker.matching.verify` of the two pages' sets (``a`` first)."""
        (x, x_digest), (y, y_digest) = self._load(a), self._load(b)
        key = (x_digest, y_digest) if x_digest <= y_digest else (y_digest, x_digest)
        if key in self.verified:
            known = self.verified[key]
            return None if known is None else Match(*known, len(x) > len(y))
        match = verify(x, y)
        self.verified[key] = (
            None if match is None else (match.jaccard, match.containment, match.shared)
        )
        return match


def _verified(shingles_of: _Shingles, cache: dict, a: int, b: int) -> Match | None:
    key = (a, b) if a < b else (b, a)
    if key not in cache:
        cache[key] = shingles_of.verify(*key)
    return cache[key]


def _candidates(
    index: CandidateIndex,
    signature_matrix: np.ndarray,
    row_of: dict[int, int],
    pages: list[int],
    shingles_of: Callable[[int], np.ndarray],
    batch: int = 20_000,
) -> dict[int, set[int]]:
    """Candidate page ids of each of ``pages`` (LSH + anchors), queried a batch at a time, or,
    when most indexed pages are asked about (a first run), read from the index's pairs: the
    same answer, without reading any shingle set."""
    out: dict[int, set[int]] = defaultdict(set)
    if 2 * len(pages) >= index.size:
        wanted = set(pages)
        lower, upper = index.pairs()
        for u, v in zip(lower.tolist(), upper.tolist(), strict=True):
            if u in wanted:
                out[u].add(v)
            if v in wanted:
                out[v].add(u)
        return out
    for lo in range(0, len(pages), batch):
        chunk = pages[lo : lo + batch]
        anchors = [anchors_of(shingles_of(page_id)) for page_id in chunk]
        offsets = np.zeros(len(chunk) + 1, dtype=np.int64)
        np.cumsum([len(a) for a in anchors], out=offsets[1:])
        flat = np.concatenate(anchors) if anchors else np.empty(0, dtype=np.uint32)
        queries, keys = index.query_many(
            signature_matrix[[row_of[p] for p in chunk]], flat, offsets
        )
        for query, key in zip(queries.tolist(), keys.tolist(), strict=True):
            out[chunk[query]].add(key)
    return out


def _member_row(cluster_id: int, page_id: int, version_id: int, now: str) -> dict:
    return {"cluster_id": cluster_id, "page_id": page_id, "version_id": version_id, "joined": now}


def update_clusters(
    db: sqlite_utils.Database, version_ids: Iterable[int] | None = None
) -> ClusterUpdate:
    """Bring clusters up to date with the pages' latest versions, incrementally.

    Args:
        db: A tracker database (:func:`tracker.store.open_db`).
        version_ids: Limit the run to the pages of these versions (e.g. what an import just
            stored); ``None`` checks every page. Either way only changed pages are re-hashed
            and re-assigned, and the indexes cover every page.

    Returns:
        A :class:`ClusterUpdate` naming new, grown and changed clusters; the caller runs
        :func:`tracker.provenance.assign` on ``changed`` to judge them.
    """
    started = time.perf_counter()
    result = ClusterUpdate()
    now = utcnow()
    current = store.current_versions(db)
    counted = store.counted_versions(db)
    scope = set(current)
    if version_ids is not None:
        scope = store.pages_of_versions(db, version_ids) & set(current)
    changed = {
        page_id: (counted.get(page_id), current[page_id][0], current[page_id][1])
        for page_id in sorted(scope)
        if counted.get(page_id) != current[page_id][0]
    }
    result.pages_considered = len(current)
    with db.atomic():
        # Rows of an older signature scheme are re-signed before anything reads them (once:
        # afterwards this is one index lookup), even when no page changed.
        resign_fingerprints(db)
    if not changed:
        result.seconds = time.perf_counter() - started
        return result

    with db.atomic():
        stats = boilerplate.BlockStats(db)
        blocks_of = boilerplate.VersionBlocks(db)
        flipped = boilerplate.update_block_stats(db, stats, changed, blocks_of)
        store.set_counted_versions(db, [(page_id, new) for page_id, (_, new, _) in changed.items()])
        dirty = set(changed) | boilerplate.pages_with_blocks(db, current, flipped)
        todo = []
        for page_id in sorted(dirty):
            version_id, site = current[page_id]
            stats.load((site, b) for b, _, _ in blocks_of(version_id))
            todo.append((page_id, version_id, site))
        result.fingerprinted += _fingerprint_versions(db, todo, stats, blocks_of)
        result.pages_changed = len(dirty)
        _assign(db, current, changed, dirty, result, now)

    result.seconds = time.perf_counter() - started
    return result


def _assign(
    db: sqlite_utils.Database,
    current: dict[int, tuple[int, str]],
    changed: dict[int, tuple[int | None, int, str]],
    dirty: set[int],
    result: ClusterUpdate,
    now: str,
) -> None:
    shingles_of = _Shingles(db, current)
    checked: dict[tuple[int, int], Match | None] = {}
    index = CandidateIndex()
    # Signatures as one matrix and a row number per page: a dict of small arrays (each holding
    # its SQLite blob alive) costs ~1.2 KB per page against 512 bytes here.
    row_of: dict[int, int] = {}
    rows: list[np.ndarray] = []
    for page_id, version_id, blob, anchors, num in store.counted_fingerprints(db, sig.SCHEME):
        if num < MIN_SHINGLES or current.get(page_id, (None,))[0] != version_id:
            continue
        hv = sig.hashvalues_from_bytes(blob)
        index.add(page_id, hv, fp.shingles_from_bytes(anchors))
        row_of[page_id] = len(rows)
        rows.append(hv)
    index.freeze()
    signature_matrix = np.stack(rows) if rows else np.empty((0, sig.NUM_PERM), dtype=np.uint32)
    del rows

    member_of: dict[int, int] = {}
    members: dict[int, set[int]] = defaultdict(set)
    for cluster_id, page_id in store.memberships(db):
        member_of[page_id] = cluster_id
        members[cluster_id].add(page_id)
    seed_of = store.cluster_seeds(db)
    touched: set[int] = set()
    joined_now: dict[int, set[int]] = defaultdict(set)

    def leave(page_id: int) -> None:
        cluster_id = member_of.pop(page_id)
        members[cluster_id].discard(page_id)
        store.remove_member(db, cluster_id, page_id)
        touched.add(cluster_id)

    def matches(a: int, b: int) -> Match | None:
        return _verified(shingles_of, checked, a, b)

    # Phase 0: members whose text changed are re-verified against their cluster's seed.
    pending = set(dirty)
    for page_id in sorted(dirty):
        if page_id not in member_of:
            continue
        cluster_id = member_of[page_id]
        seed = seed_of[cluster_id]
        if page_id != seed:
            match = matches(page_id, seed)
            if match is None:
                leave(page_id)
            else:
                store.set_member_version(db, cluster_id, page_id, current[page_id][0])
                touched.add(cluster_id)
                pending.discard(page_id)
            continue
        others = sorted(members[cluster_id] - {page_id})
        agree = [o for o in others if matches(page_id, o) is not None]
        if 2 * len(agree) >= len(others):
            store.set_member_version(db, cluster_id, page_id, current[page_id][0])
            touched.add(cluster_id)
            pending.discard(page_id)
            continue
        leave(page_id)
        # The member closest to what the seed was becomes the seed.
        previous = changed.get(page_id, (None,))[0]
        old_seed = fp.shingles_from_bytes(store.fingerprint_blob(db, previous, "shingles"))

        closeness = {
            o: measure(shingles_of(o), old_seed).jaccard if len(old_seed) else 0.0 for o in others
        }
        new_seed = min(others, key=lambda o: (-closeness[o], o))
        seed_of[cluster_id] = new_seed
        store.set_cluster_seed(db, cluster_id, new_seed)
        for other in others:
            if other != new_seed and matches(other, new_seed) is None:
                leave(other)
                pending.add(other)

    # Clusters left with one member dissolve; that member is looked at again.
    def dissolve_small() -> None:
        for cluster_id in sorted(touched):
            if cluster_id in members and len(members[cluster_id]) < 2:
                for page_id in list(members[cluster_id]):
                    leave(page_id)
                    pending.add(page_id)
                store.delete_cluster(db, cluster_id)
                result.removed.append(cluster_id)
                del members[cluster_id]

    dissolve_small()

    # Phase 1: pages not in a cluster join the best existing cluster whose seed they match.
    # The index does not change during the loop, so every pending page's candidates come from
    # one batched query.
    edges: dict[tuple[int, int], Match] = {}
    candidates_of = _candidates(
        index, signature_matrix, row_of, [p for p in sorted(pending) if p in row_of], shingles_of
    )
    for page_id in sorted(pending):
        if page_id not in row_of:
            continue
        candidates = candidates_of.get(page_id, set()) - {page_id}
        options = []
        clusters_near = set()
        for other in sorted(candidates):
            match = matches(page_id, other)
            if match is not None and other not in member_of:
                edges[(min(page_id, other), max(page_id, other))] = match
            if other in member_of:
                clusters_near.add(member_of[other])
        for cluster_id in sorted(clusters_near):
            seed = seed_of[cluster_id]
            match = matches(page_id, seed)
            if match is None:
                # Through a member that is a repost of the seed (see star_clusters).
                for via in sorted(members[cluster_id] & candidates):
                    through = matches(page_id, via)
                    to_seed = matches(via, seed) if via != seed else None
                    if through is not None and to_seed is not None and to_seed.is_repost:
                        match = measure(shingles_of(page_id), shingles_of(seed), page_id < seed)
                        break
            if match is not None:
                options.append(
                    (
                        (not match.is_repost, -max(match.jaccard, match.containment), cluster_id),
                        cluster_id,
                        match,
                    )
                )
        if options:
            _, cluster_id, match = min(options)
            store.add_members(db, [_member_row(cluster_id, page_id, current[page_id][0], now)])
            member_of[page_id] = cluster_id
            members[cluster_id].add(page_id)
            joined_now[cluster_id].add(page_id)
            touched.add(cluster_id)

    # Phase 2: the rest form new star clusters with each other and with unclustered pages.
    loose = {p for p in pending if p in row_of and p not in member_of}
    nodes = set(loose)
    for u, v in edges:
        if u in loose or v in loose:
            nodes.update(x for x in (u, v) if x not in member_of)
    live_edges = {
        k: m
        for k, m in edges.items()
        if k[0] in nodes and k[1] in nodes and (k[0] in loose or k[1] in loose)
    }
    for seed, group in star_clusters(nodes, live_edges):
        cluster_id = store.create_cluster(db, seed)
        store.add_members(
            db, [_member_row(cluster_id, p, current[p][0], now) for p in [seed, *group]]
        )
        for page_id in [seed, *group]:
            member_of[page_id] = cluster_id
            members[cluster_id].add(page_id)
        seed_of[cluster_id] = seed
        result.new.append(cluster_id)
        touched.add(cluster_id)

    dissolve_small()
    alive = sorted(c for c in touched if c in members)
    new = set(result.new)
    result.grown = sorted(c for c in alive if c not in new and joined_now.get(c))
    result.changed = alive
    result.new = sorted(new & set(alive))
    result.removed = sorted(set(result.removed))
