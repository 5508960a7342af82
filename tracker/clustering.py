"""Near-duplicate clusters: which pages carry the same article, incrementally and stably.

Only each page's latest version takes part; a page is one member of at most one cluster.

**Pipeline.** For every page whose latest version changed since the last run:

1. *Boilerplate.* Each normalised paragraph is hashed (a "block"); ``boilerplate_blocks``
   counts, per site, how many pages' latest versions carry it. A block is boilerplate when it
   is on ``SITE_MIN_PAGES`` or more pages of one site (footers, disclaimers, comment guidelines,
   "Purchase: Order Reprint"), or, if it is short (``GLOBAL_MAX_WORDS``), on ``GLOBAL_MIN_SITES``
   or more sites (a newspaper network's shared block). Boilerplate paragraphs are left out
   before shingling. Counting paragraphs rather than shingles keeps the statistics at ~20 rows
   per page instead of ~800; the trade-off is that boilerplate glued into an article paragraph
   by extraction is not caught here (the thresholds below and the non-chaining construction
   still keep it from merging clusters). When a block becomes (or stops being) boilerplate, the
   pages of that site carrying it are re-fingerprinted; nothing else is re-hashed.
2. *Fingerprints* (:mod:`tracker.fingerprint`) are stored per version in ``fingerprints``.
3. *Candidates* come from two indexes rebuilt in memory from stored rows (no re-hashing):
   a datasketch ``MinHashLSH`` with ``LSH_PARAMS`` = (20 bands, 6 rows) for reposts
   (:class:`CompactMinHashLSH`: the library's banding, insert and query, configured for
   memory, see *Scale*), and an anchor index for excerpts (a page's shingles whose mixed hash is 0 mod ``ANCHOR_MOD``;
   pages sharing ``ANCHOR_MIN_SHARED`` anchors are candidates). ``MinHashLSHEnsemble`` cannot
   be updated incrementally and a low-threshold LSH misses teasers (a 3-paragraph teaser of a
   20-paragraph article has Jaccard ~0.15); anchors find any pair whose smaller side is largely
   inside the larger, whatever the size ratio.
4. *Verification* on the exact shingle sets: a pair matches as a **repost** when Jaccard ≥
   ``J_THRESHOLD``, or as an **excerpt** when the smaller set's containment in the larger is ≥
   ``C_THRESHOLD`` with at least ``MIN_SHARED`` shared shingles.
5. *Assignment without chaining.* Every cluster has a seed (``clusters.seed_page_id``); a page
   joins a cluster only by matching its seed, so clusters are stars around the seed and a hub
   page (a roundup carrying two articles) can join one of them but never merge them. Pages not
   joining an existing cluster are grouped greedily: the seed of a new cluster is the page with
   the most repost matches, then the fewest matches overall (a roundup matching everything is
   never chosen while a real article is available), then the lowest page id; its matches join.

**Stability.** A cluster keeps its id and seed as it grows. A page whose new version no longer
matches its cluster's seed leaves it (and may join or found another). If the seed itself
changes and no longer matches most members, the member most similar to it becomes the seed
and members that do not match the new seed leave. A cluster left with one member is deleted:
singletons have no cluster rows. Re-running on unchanged data writes nothing.

**Settings, and the measurements behind them** (``python bench/bench_cluster.py --calibrate``
on the real corpus and the synthetic benchmark; figures in the README):

* ``J_THRESHOLD`` = ``C_THRESHOLD`` = 0.5: unrelated articles of the scrapinghub set (14,706
  pairs, incl. the same story covered by different outlets) reach at most Jaccard 0.14 and
  containment 0.27 at k = 5 (the 0.27 is two pages of one site sharing an "about us" block; the
  highest cross-outlet pair is 0.23), while the copietje variants score containment >= 0.95 and
  copies with a typo every 20 words Jaccard >= 0.58.
* ``LSH_PARAMS`` = (20, 6): candidate probability 1 - (1 - J**6)**20 is 0.998 at J = 0.8,
  0.92 at J = 0.7 and 0.62 at J = 0.6 (32 x 4 would give 0.87 at J = 0.5 but costs 60% more
  memory, ~80 bytes per page per band even in the compact storage). Pairs below that, and
  every excerpt, come from the anchor index; on the synthetic benchmark the union finds
  every true pair but a handful (pairwise recall 1.0000 at 10k, 0.9998 at 100k, 0.9999 at
  1M documents; precision 1.0000).

**Scale** (``python bench/bench_cluster.py`` and ``--million``; 2-core machine, ~800-word
synthetic documents, 30% variants; the in-memory core that ``_assign`` runs on stored rows):

* *Memory per document* at 100k / 1M: LSH ~2.0 / 1.6 KB (RSS delta) + anchor postings and
  directory 0.85 KB + signatures 512 B (one ``n x 128`` ``uint32`` matrix) = 3.4 / 2.9 KB.
  The exact shingle sets (~3.1 KB) are not held: verification reads them on demand (SQLite
  blobs here, a memory-mapped file in the benchmark). datasketch's default dict storage
  costs 6.4 KB per document for the LSH alone at 100k (``--stock-lsh``): a one-key ``set``
  per band per page is 216 bytes, hence :class:`BucketStorage`; band keys are xxh32 ints
  (``band_hash``: 32 bytes against a 57-byte ``bytes``) and page keys plain ints
  (``prepickle=False``).
* *Query*, per document at 100k / 1M: LSH alone p99 0.08 / 0.09 ms; candidates (LSH +
  anchors, the anchor lookup being a directory on the hashes' top bits, O(1) per anchor)
  p99 0.14 / 0.17 ms; with exact verification p99 0.16 / 0.33 ms. The benchmark calls
  ``gc.freeze()`` once the index is built so the cyclic GC never walks its objects.
* *Time*: 1M documents clustered from raw text in 233 s (sketch 73 s on 2 processes, LSH
  insert 39 s, anchor sort 8 s, queries + verification 108 s, star clusters 3 s). The
  store-backed :func:`update_clusters` (this module's real path: boilerplate statistics,
  fingerprints written to SQLite, index rebuilt from stored rows, assignment, provenance)
  takes 93 s for 100k stored pages (1,076 pages/s); re-running on unchanged data takes 1.5 s.
"""

from __future__ import annotations

import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils
import xxhash
from datasketch import MinHashLSH
from datasketch.storage import DictListStorage, DictSetStorage

from tracker import fingerprint as fp
from tracker import provenance
from tracker.store import utcnow, version_paragraphs

J_THRESHOLD = 0.5
C_THRESHOLD = 0.5
MIN_SHINGLES = 20
MIN_SHARED = 25
LSH_PARAMS = (20, 6)
ANCHOR_MOD = 8
ANCHOR_MIN_SHARED = 2
ANCHOR_MAX_DF = 5000
SITE_MIN_PAGES = 5
GLOBAL_MIN_SITES = 50
GLOBAL_MAX_WORDS = 40
_MISSING = object()


@dataclass(frozen=True)
class Match:
    """A verified pair: exact Jaccard, containment of the smaller set in the larger, and which
    side is larger (``a_larger``: the first page given holds more shingles)."""

    jaccard: float
    containment: float
    shared: int
    a_larger: bool

    @property
    def is_repost(self) -> bool:
        return self.jaccard >= J_THRESHOLD


def verify(a: np.ndarray, b: np.ndarray) -> Match | None:
    """Check a candidate pair on the exact shingle sets.

    Args:
        a: Shingle set of the first page.
        b: Shingle set of the second page.

    Returns:
        The :class:`Match` when the pair is a repost or an excerpt, else ``None``.
    """
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return None
    shared = fp.intersection_size(a, b)
    union = len(a) + len(b) - shared
    jac = shared / union if union else 0.0
    cont = shared / min(len(a), len(b))
    match = Match(jac, cont, shared, len(a) > len(b))
    if jac >= J_THRESHOLD or (cont >= C_THRESHOLD and shared >= MIN_SHARED):
        return match
    return None


def measure(a: np.ndarray, b: np.ndarray, a_first: bool = True) -> Match:
    """Exact Jaccard and containment of a pair whatever their values; ``a_first`` says whether
    ``a`` is the pair's lower key (the orientation :class:`Match` records)."""
    shared = fp.intersection_size(a, b)
    union = len(a) + len(b) - shared
    smaller = min(len(a), len(b))
    larger_first = len(a) > len(b) if a_first else len(b) > len(a)
    return Match(
        shared / union if union else 0.0, shared / smaller if smaller else 0.0, shared, larger_first
    )


def anchors_of(shingles: np.ndarray) -> np.ndarray:
    """The shingles that serve as excerpt anchors: mixed hash divisible by ``ANCHOR_MOD``."""
    return shingles[(fp._premix(shingles) % np.uint32(ANCHOR_MOD)) == 0]


def band_hash(band: bytes) -> int:
    """The key a ``MinHashLSH`` band is stored under: xxh32 of the band's bytes.

    An int below 2**32 is a 32-byte object, where the default key (the band's 24 bytes) is a
    57-byte ``bytes``. Two bands colliding only add a candidate, which verification rejects.
    """
    return xxhash.xxh32_intdigest(band)


class BucketStorage(DictSetStorage):
    """datasketch's in-memory bucket storage (``DictSetStorage``), storing a bucket that holds
    a single key as the bare key instead of a one-element ``set``.

    Nearly every LSH bucket of a large collection holds one page, and an empty ``set`` alone
    is 216 bytes: 20 bands x 216 bytes is more than the whole memory budget per document.
    """

    def __init__(self, config: dict | None = None) -> None:
        self._dict: dict = {}

    def get(self, key: Hashable) -> Collection[Hashable]:
        value = self._dict.get(key, _MISSING)
        if value is _MISSING:
            return ()
        return value if type(value) is set else (value,)

    def insert(self, key: Hashable, *vals: Hashable, **kwargs: object) -> None:
        table = self._dict
        for val in vals:
            current = table.get(key, _MISSING)
            if current is _MISSING:
                table[key] = val
            elif type(current) is set:
                current.add(val)
            elif current != val:
                table[key] = {current, val}

    def remove_val(self, key: Hashable, val: Hashable, **kwargs: object) -> None:
        current = self._dict[key]
        if type(current) is set:
            current.discard(val)
            if len(current) == 1:
                self._dict[key] = next(iter(current))
        elif current == val:
            del self._dict[key]

    def remove(self, *keys: Hashable, **kwargs: object) -> None:
        for key in keys:
            self._dict.pop(key, None)

    def itemcounts(self, **kwargs: object) -> dict:
        return {k: len(self.get(k)) for k in self._dict}


class BandKeyStorage(DictListStorage):
    """datasketch's per-key record of band hashes (``DictListStorage``, used by ``remove``),
    holding a key's band hashes as one packed ``uint32`` array instead of a list of ints."""

    def __init__(self, config: dict | None = None) -> None:
        self._dict: dict = {}

    def get(self, key: Hashable) -> list[int]:
        packed = self._dict.get(key)
        return array("I", packed).tolist() if packed is not None else []

    def insert(self, key: Hashable, *vals: int, **kwargs: object) -> None:
        old = self.get(key)
        self._dict[key] = array("I", [*old, *vals]).tobytes()

    def remove_val(self, key: Hashable, val: int, **kwargs: object) -> None:
        values = self.get(key)
        values.remove(val)
        self._dict[key] = array("I", values).tobytes()

    def itemcounts(self, **kwargs: object) -> dict:
        return {k: len(self.get(k)) for k in self._dict}


class CompactMinHashLSH(MinHashLSH):
    """datasketch's ``MinHashLSH``, unchanged in how it bands, inserts and queries, configured
    for memory: band keys hashed to 32-bit ints (``hashfunc``), integer page keys
    (``prepickle=False``), and the compact in-memory storages above.

    Measured at 100k documents (``python bench/bench_cluster.py --stock-lsh``), see the
    module docstring for the figures.
    """

    def __init__(self, num_perm: int = fp.NUM_PERM, params: tuple[int, int] = LSH_PARAMS) -> None:
        super().__init__(num_perm=num_perm, params=params, hashfunc=band_hash, prepickle=False)
        self.hashtables = [BucketStorage() for _ in range(self.b)]
        self.keys = BandKeyStorage()


class CandidateIndex:
    """Candidate finder over many pages: a datasketch ``MinHashLSH`` (:class:`CompactMinHashLSH`)
    for reposts plus an anchor inverted index for excerpts.

    Add every page with :meth:`add`, call :meth:`freeze`, then :meth:`query` (or its two
    halves, :meth:`query_lsh` and :meth:`query_anchors`). The anchor postings are two flat
    numpy arrays sorted by anchor (8 bytes per anchor with 32-bit keys).

    Args:
        params: LSH bands and rows.
        stock: Use datasketch's default in-memory storage (for the benchmark's comparison).
    """

    def __init__(self, params: tuple[int, int] = LSH_PARAMS, stock: bool = False) -> None:
        self.lsh: MinHashLSH = (
            MinHashLSH(num_perm=fp.NUM_PERM, params=params, hashfunc=band_hash, prepickle=False)
            if stock
            else CompactMinHashLSH(fp.NUM_PERM, params)
        )
        self._session = self.lsh.insertion_session()
        self._anchor_parts: list[np.ndarray] = []
        self._key_parts: list[np.ndarray] = []
        self.anchors = np.empty(0, dtype=np.uint32)
        self.anchor_keys = np.empty(0, dtype=np.int64)
        self._bits = 4
        self._directory = np.zeros((1 << self._bits) + 1, dtype=np.int32)
        self.size = 0

    def add(self, key: int, hashvalues: np.ndarray, anchors: np.ndarray) -> None:
        """Index one page under an integer key."""
        self._session.insert(key, fp.lean_minhash(hashvalues), check_duplication=False)
        if len(anchors):
            self._anchor_parts.append(np.asarray(anchors, dtype=np.uint32))
            self._key_parts.append(np.full(len(anchors), key, dtype=np.int64))
        self.size += 1

    def add_anchors(self, keys: np.ndarray, anchors: np.ndarray) -> None:
        """Add many anchor postings at once (``keys[i]`` holds ``anchors[i]``)."""
        self._anchor_parts.append(np.asarray(anchors, dtype=np.uint32))
        self._key_parts.append(np.asarray(keys, dtype=np.int64))

    def add_lsh(self, key: int, hashvalues: np.ndarray) -> None:
        """Index one page's signature in the LSH only (anchors go in :meth:`add_anchors`)."""
        self._session.insert(key, fp.lean_minhash(hashvalues), check_duplication=False)
        self.size += 1

    def freeze(self) -> None:
        """Finish bulk insertion and sort the anchor postings."""
        self._session.close()
        if self._anchor_parts:
            anchors = np.concatenate(self._anchor_parts)
            self._anchor_parts = []
            keys = np.concatenate(self._key_parts)
            self._key_parts = []
            if len(keys) == 0 or (keys.min() >= 0 and keys.max() < 2**31):
                # One uint64 sort of (anchor, key) pairs: numpy's SIMD sort does 100M in
                # ~2 s, a stable argsort of the anchors ~30 s.
                packed = (anchors.astype(np.uint64) << np.uint64(32)) | keys.astype(np.uint64)
                del anchors, keys
                packed.sort()
                self.anchors = (packed >> np.uint64(32)).astype(np.uint32)
                self.anchor_keys = (packed & np.uint64(0xFFFFFFFF)).astype(np.int32)
            else:
                order = np.argsort(anchors, kind="stable")
                self.anchors, self.anchor_keys = anchors[order], keys[order]
        self._anchor_parts, self._key_parts = [], []
        # A directory over the top bits of the (uniform) anchor hashes, ~4 postings per
        # bucket: a lookup is two reads and a short scan instead of a binary search through
        # ~100M postings (measured at that size: 28 µs against 178 µs for 96 anchors).
        total = len(self.anchors)
        self._bits = max(4, min(26, int(np.log2(max(total, 1))) - 2))
        counts = np.bincount(self.anchors >> np.uint32(32 - self._bits), minlength=1 << self._bits)
        directory = np.zeros((1 << self._bits) + 1, dtype=np.int64)
        np.cumsum(counts, out=directory[1:])
        self._directory = directory.astype(np.int32 if total < 2**31 else np.int64)

    def query_lsh(self, hashvalues: np.ndarray) -> list[int]:
        """Keys whose signature shares a band with ``hashvalues`` (``MinHashLSH.query``)."""
        return self.lsh.query(fp.lean_minhash(hashvalues))

    def query_anchors(self, anchors: np.ndarray) -> list[int]:
        """Keys sharing at least ``ANCHOR_MIN_SHARED`` anchors (each held by at most
        ``ANCHOR_MAX_DF`` pages) with ``anchors``."""
        if not len(anchors) or not len(self.anchors):
            return []
        anchors = np.asarray(anchors, dtype=np.uint32)
        bucket = anchors >> np.uint32(32 - self._bits)
        lo = self._directory[bucket].astype(np.int64)
        spans = self._directory[bucket + 1] - lo
        total = int(spans.sum())
        if not total:
            return []
        # Every posting of every touched bucket, and which query anchor's bucket it is in.
        position = np.repeat(lo - (np.cumsum(spans) - spans), spans) + np.arange(total)
        which = np.repeat(np.arange(len(anchors)), spans)
        same = self.anchors[position] == anchors[which]
        position, which = position[same], which[same]
        frequency = np.bincount(which, minlength=len(anchors))
        keys = self.anchor_keys[position[frequency[which] <= ANCHOR_MAX_DF]]
        if len(keys) < ANCHOR_MIN_SHARED:
            return []
        keys.sort()
        # A key appearing ANCHOR_MIN_SHARED times in the sorted list shares that many anchors.
        step = ANCHOR_MIN_SHARED - 1
        hits = keys[step:][keys[step:] == keys[:-step]] if step else keys
        return np.unique(hits).tolist()

    def query(self, hashvalues: np.ndarray, anchors: np.ndarray) -> set[int]:
        """Keys of candidate pages for one page (may include the page itself)."""
        found = set(self.query_lsh(hashvalues))
        found.update(self.query_anchors(anchors))
        return found


def star_clusters(
    nodes: Iterable[int], edges: dict[tuple[int, int], Match]
) -> list[tuple[int, list[int]]]:
    """Group pages into star clusters without chaining.

    Within each connected group of matches, the seed is the page with the most repost matches,
    then the fewest matches overall (never a roundup while an article is available), then the
    lowest key; its matches join. A page left over may still join a cluster through a member
    that is a repost of the seed (an excerpt of the original whose seed is a copy missing the
    excerpted paragraph); it joins one cluster at most, so clusters never merge.

    Args:
        nodes: Page keys to group.
        edges: Verified matches keyed ``(u, v)`` with ``u < v``.

    Returns:
        ``(seed, members)`` per cluster of two or more pages.
    """
    neighbours: dict[int, dict[int, Match]] = defaultdict(dict)
    universe = set(nodes)
    for (u, v), match in edges.items():
        if u in universe and v in universe:
            neighbours[u][v] = match
            neighbours[v][u] = match
    out: list[tuple[int, list[int]]] = []
    seen: set[int] = set()
    for start in sorted(neighbours):
        if start in seen:
            continue
        component, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node not in component:
                component.add(node)
                stack.extend(n for n in neighbours[node] if n not in component)
        seen |= component
        remaining = set(component)
        stars: dict[int, list[int]] = {}
        while True:
            best = None
            for node in remaining:
                near = [m for other, m in neighbours[node].items() if other in remaining]
                if near:
                    key = (-sum(m.is_repost for m in near), len(near), node)
                    if best is None or key < best:
                        best = key
            if best is None:
                break
            seed = best[2]
            stars[seed] = sorted(o for o in neighbours[seed] if o in remaining)
            remaining.difference_update(stars[seed])
            remaining.discard(seed)
        for node in sorted(remaining):
            options = []
            for seed, members in stars.items():
                for via in members:
                    if via in neighbours[node] and neighbours[seed][via].is_repost:
                        m = neighbours[node][via]
                        options.append((not m.is_repost, -max(m.jaccard, m.containment), seed))
            if options:
                stars[min(options)[2]].append(node)
        out.extend((seed, sorted(members)) for seed, members in sorted(stars.items()))
    return out


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


# --- blocks and boilerplate ---------------------------------------------------------------


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def paragraph_blocks(paragraphs: Sequence[str]) -> list[tuple[int, int, str]]:
    """``(block hash, words, paragraph)`` for each non-empty paragraph (hash of its normalised
    text, signed 64-bit so SQLite can store it)."""
    out = []
    for para in paragraphs:
        # ``normalize_text(para)`` is exactly these words joined by single spaces (a property
        # test holds the fast path to it); building it this way is ~6x faster on ASCII text.
        words = fp.normalized_words(para)
        if words:
            out.append((_signed64(xxhash.xxh64_intdigest(b" ".join(words))), len(words), para))
    return out


def _blocks_to_bytes(blocks: Iterable[int]) -> bytes:
    return np.array(sorted(set(blocks)), dtype="<i8").tobytes()


def _blocks_from_bytes(blob: bytes | None) -> np.ndarray:
    return np.frombuffer(blob, dtype="<i8") if blob else np.empty(0, dtype=np.int64)


class _BlockStats:
    """Per-site paragraph frequencies, loaded lazily and written back in one go."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.pages: dict[tuple[str, int], int] = {}
        self.words: dict[int, int] = {}
        self.sites: dict[int, int] = {}
        self._loaded_sites: set[tuple[str, int]] = set()
        self._loaded_blocks: set[int] = set()
        self.dirty: set[tuple[str, int]] = set()

    def load(self, keys: Iterable[tuple[str, int]]) -> None:
        by_site: dict[str, list[int]] = defaultdict(list)
        for site, block in keys:
            if (site, block) not in self._loaded_sites:
                by_site[site].append(block)
                self._loaded_sites.add((site, block))
        for site, blocks in by_site.items():
            for i in range(0, len(blocks), 5000):
                chunk = blocks[i : i + 5000]
                marks = ",".join("?" * len(chunk))
                for block, pages, words in self.db.execute(
                    f"select block, pages, words from boilerplate_blocks where site = ? and block in ({marks})",
                    [site, *chunk],
                ):
                    self.pages[(site, block)] = pages
                    self.words[block] = words
        new_blocks = sorted({b for _, b in keys} - self._loaded_blocks)
        for i in range(0, len(new_blocks), 5000):
            chunk = new_blocks[i : i + 5000]
            marks = ",".join("?" * len(chunk))
            for block, count in self.db.execute(
                f"select block, count(*) from boilerplate_blocks where block in ({marks}) group by block",
                chunk,
            ):
                self.sites[block] = count
        self._loaded_blocks.update(new_blocks)

    def is_boilerplate(self, site: str, block: int) -> bool:
        if self.pages.get((site, block), 0) >= SITE_MIN_PAGES:
            return True
        return (
            self.sites.get(block, 0) >= GLOBAL_MIN_SITES
            and self.words.get(block, 0) <= GLOBAL_MAX_WORDS
        )

    def add(self, site: str, block: int, words: int, delta: int) -> None:
        before = self.pages.get((site, block), 0)
        after = before + delta
        self.pages[(site, block)] = after
        self.words.setdefault(block, words)
        if before == 0 and after > 0:
            self.sites[block] = self.sites.get(block, 0) + 1
        elif before > 0 and after == 0:
            self.sites[block] = self.sites.get(block, 0) - 1
        self.dirty.add((site, block))

    def write(self) -> None:
        upserts, deletes = [], []
        for site, block in self.dirty:
            pages = self.pages[(site, block)]
            if pages > 0:
                upserts.append((site, block, pages, self.words.get(block, 0)))
            else:
                deletes.append((site, block))
        self.db.conn.executemany(
            "insert into boilerplate_blocks (site, block, pages, words) values (?, ?, ?, ?)"
            " on conflict (site, block) do update set pages = excluded.pages",
            upserts,
        )
        self.db.conn.executemany(
            "delete from boilerplate_blocks where site = ? and block = ?", deletes
        )
        self.dirty.clear()


# --- the store-backed run -------------------------------------------------------------------


@dataclass
class _Page:
    page_id: int
    version_id: int
    site: str
    minhash: np.ndarray | None = None
    anchors: np.ndarray | None = None
    num_shingles: int = 0


def _current_pages(db: sqlite_utils.Database) -> dict[int, tuple[int, str]]:
    rows = db.execute(
        "select page_id, id, site from (select v.page_id, v.id, p.site, row_number() over"
        " (partition by v.page_id order by v.fetched_at desc, v.id desc) as rn"
        " from versions v join pages p on p.id = v.page_id) where rn = 1"
    ).fetchall()
    return {page_id: (version_id, site) for page_id, version_id, site in rows}


_BLOCK_CACHE: dict[int, list[tuple[int, int, str]]] = {}


def _version_blocks(db: sqlite_utils.Database, version_id: int) -> list[tuple[int, int, str]]:
    cached = _BLOCK_CACHE.get(version_id)
    if cached is not None:
        return cached
    row = db.execute("select paragraphs, text from versions where id = ?", [version_id]).fetchone()
    paragraphs = version_paragraphs(row[0], row[1]) if row else []
    blocks = _BLOCK_CACHE[version_id] = paragraph_blocks(paragraphs)
    return blocks


def _fingerprint_versions(
    db: sqlite_utils.Database,
    pages: Sequence[tuple[int, int, str]],
    stats: _BlockStats,
    batch: int = 512,
) -> int:
    """(Re)compute the fingerprints of ``(page_id, version_id, site)`` versions whose stored
    row was made with other boilerplate or settings, a batch at a time with
    :func:`tracker.fingerprint.sketch_many`; returns how many were hashed."""
    hashed = 0
    for lo in range(0, len(pages), batch):
        todo: list[tuple[int, int, list[int], bytes, str]] = []
        for page_id, version_id, site in pages[lo : lo + batch]:
            blocks = _version_blocks(db, version_id)
            removed = sorted({b for b, _, _ in blocks if stats.is_boilerplate(site, b)})
            removed_blob = _blocks_to_bytes(removed)
            row = db.execute(
                "select boilerplate, k, num_perm from fingerprints where version_id = ?",
                [version_id],
            ).fetchone()
            if (
                row
                and (row[0] or b"") == removed_blob
                and row[1] == fp.SHINGLE_K
                and row[2] == fp.NUM_PERM
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
        db["fingerprints"].insert_all(
            (
                {
                    "version_id": version_id,
                    "page_id": page_id,
                    "k": fp.SHINGLE_K,
                    "num_perm": fp.NUM_PERM,
                    "num_shingles": len(shingles),
                    "minhash": fp.minhash_to_bytes(fp.lean_minhash(sig)),
                    "shingles": fp.shingles_to_bytes(shingles),
                    "anchors": fp.shingles_to_bytes(anchors_of(shingles)),
                    "blocks": _blocks_to_bytes(all_blocks),
                    "boilerplate": removed_blob,
                    "created": now,
                }
                for (page_id, version_id, all_blocks, removed_blob, _), shingles, sig in zip(
                    todo, sets, sigs, strict=True
                )
            ),
            replace=True,
        )
        hashed += len(todo)
    return hashed


def _stored_blocks(db: sqlite_utils.Database, version_id: int) -> np.ndarray:
    row = db.execute(
        "select blocks from fingerprints where version_id = ?", [version_id]
    ).fetchone()
    return _blocks_from_bytes(row[0]) if row else np.empty(0, dtype=np.int64)


def _update_block_stats(
    db: sqlite_utils.Database,
    stats: _BlockStats,
    changed: dict[int, tuple[int | None, int, str]],
) -> dict[str, set[int]]:
    """Count the changed pages' new paragraphs instead of their old ones; returns, per site,
    the blocks whose boilerplate status flipped (``"*"`` for blocks that flipped everywhere)."""
    deltas: Counter[tuple[str, int]] = Counter()
    words: dict[int, int] = {}
    for _page_id, (old_version, new_version, site) in changed.items():
        if old_version is not None:
            for block in _stored_blocks(db, old_version).tolist():
                deltas[(site, block)] -= 1
        for block, n_words, _ in {
            b: (b, w, p) for b, w, p in _version_blocks(db, new_version)
        }.values():
            deltas[(site, block)] += 1
            words[block] = n_words
    stats.load(deltas)
    before_global = {b: stats.is_boilerplate("", b) for _, b in deltas}
    before = {key: stats.is_boilerplate(*key) for key in deltas}
    for (site, block), delta in deltas.items():
        if delta:
            stats.add(site, block, words.get(block, stats.words.get(block, 0)), delta)
    flipped: dict[str, set[int]] = defaultdict(set)
    for key, was in before.items():
        if stats.is_boilerplate(*key) != was:
            flipped[key[0]].add(key[1])
    for block, was in before_global.items():
        if stats.is_boilerplate("", block) != was:
            flipped["*"].add(block)
    stats.write()
    return flipped


def _pages_with_blocks(
    db: sqlite_utils.Database, current: dict[int, tuple[int, str]], flipped: dict[str, set[int]]
) -> set[int]:
    """Current pages whose stored paragraphs include a flipped block of their site."""
    if not flipped:
        return set()
    everywhere = np.array(sorted(flipped.get("*", set())), dtype=np.int64)
    sites = None if len(everywhere) else [s for s in flipped if s != "*"]
    query = "select f.page_id, f.version_id, f.blocks, p.site from fingerprints f join cluster_pages c on c.version_id = f.version_id join pages p on p.id = f.page_id"
    params: list = []
    if sites is not None:
        query += f" where p.site in ({','.join('?' * len(sites))})"
        params = sites
    hit = set()
    for page_id, version_id, blob, site in db.execute(query, params):
        blocks = _blocks_from_bytes(blob)
        targets = np.array(sorted(flipped.get(site, set())), dtype=np.int64)
        if len(everywhere):
            targets = np.union1d(targets, everywhere)
        if (
            len(targets)
            and np.isin(blocks, targets).any()
            and current.get(page_id, (None,))[0] == version_id
        ):
            hit.add(page_id)
    return hit


class _Shingles:
    """Exact shingle sets of current versions, read from the store on demand; a bounded cache
    (emptied when full) keeps seeds and recent pages without holding every set in memory."""

    def __init__(
        self, db: sqlite_utils.Database, current: dict[int, tuple[int, str]], limit: int = 20_000
    ) -> None:
        self.db, self.current, self.limit = db, current, limit
        self.cache: dict[int, np.ndarray] = {}

    def __call__(self, page_id: int) -> np.ndarray:
        got = self.cache.get(page_id)
        if got is None:
            if len(self.cache) >= self.limit:
                self.cache.clear()
            row = self.db.execute(
                "select shingles from fingerprints where version_id = ?", [self.current[page_id][0]]
            ).fetchone()
            got = self.cache[page_id] = fp.shingles_from_bytes(row[0] if row else None)
        return got


def _verified(
    shingles_of: Callable[[int], np.ndarray], cache: dict, a: int, b: int
) -> Match | None:
    key = (a, b) if a < b else (b, a)
    if key not in cache:
        cache[key] = verify(shingles_of(key[0]), shingles_of(key[1]))
    return cache[key]


def _member_row(
    cluster_id: int, page_id: int, version_id: int, seed: int, match: Match | None, now: str
) -> dict:
    if page_id == seed or match is None:
        role, similarity, cont = "origin", 1.0, 1.0
    else:
        member_is_larger = match.a_larger == (page_id < seed)
        role = "repost" if match.is_repost or member_is_larger else "excerpt"
        similarity, cont = match.jaccard, match.containment
    return {
        "cluster_id": cluster_id,
        "page_id": page_id,
        "version_id": version_id,
        "role": role,
        "similarity": round(similarity, 4),
        "containment": round(cont, 4),
        "joined": now,
    }


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
        A :class:`ClusterUpdate` naming new, grown and changed clusters. When
        :mod:`tracker.provenance` is installed its ``assign(db, changed)`` is called for the
        changed clusters.
    """
    started = time.perf_counter()
    _BLOCK_CACHE.clear()
    result = ClusterUpdate()
    now = utcnow()
    current = _current_pages(db)
    counted = dict(db.execute("select page_id, version_id from cluster_pages").fetchall())
    scope = set(current)
    if version_ids is not None:
        ids = list(version_ids)
        scope = set()
        for i in range(0, len(ids), 5000):
            chunk = ids[i : i + 5000]
            scope.update(
                r[0]
                for r in db.execute(
                    f"select page_id from versions where id in ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        scope &= set(current)
    changed = {
        page_id: (counted.get(page_id), current[page_id][0], current[page_id][1])
        for page_id in sorted(scope)
        if counted.get(page_id) != current[page_id][0]
    }
    result.pages_considered = len(current)
    if not changed:
        result.seconds = time.perf_counter() - started
        return result

    with db.atomic():
        stats = _BlockStats(db)
        flipped = _update_block_stats(db, stats, changed)
        db.conn.executemany(
            "insert into cluster_pages (page_id, version_id) values (?, ?)"
            " on conflict (page_id) do update set version_id = excluded.version_id",
            [(page_id, new) for page_id, (_, new, _) in changed.items()],
        )
        dirty = set(changed) | _pages_with_blocks(db, current, flipped)
        todo = []
        for page_id in sorted(dirty):
            version_id, site = current[page_id]
            stats.load((site, b) for b, _, _ in _version_blocks(db, version_id))
            todo.append((page_id, version_id, site))
        result.fingerprinted += _fingerprint_versions(db, todo, stats)
        result.pages_changed = len(dirty)
        _assign(db, current, dirty, result, now)

    _BLOCK_CACHE.clear()
    if result.changed:
        provenance.assign(db, result.changed)
    result.seconds = time.perf_counter() - started
    return result


def _assign(
    db: sqlite_utils.Database,
    current: dict[int, tuple[int, str]],
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
    for page_id, version_id, blob, anchors, num in db.execute(
        "select c.page_id, f.version_id, f.minhash, f.anchors, f.num_shingles from cluster_pages c"
        " join fingerprints f on f.version_id = c.version_id"
    ):
        if num < MIN_SHINGLES or current.get(page_id, (None,))[0] != version_id:
            continue
        hv = fp.hashvalues_from_bytes(blob)
        index.add(page_id, hv, fp.shingles_from_bytes(anchors))
        row_of[page_id] = len(rows)
        rows.append(hv)
    index.freeze()
    signature_matrix = np.stack(rows) if rows else np.empty((0, fp.NUM_PERM), dtype=np.uint32)
    del rows

    member_of: dict[int, int] = {}
    members: dict[int, set[int]] = defaultdict(set)
    for cluster_id, page_id in db.execute("select cluster_id, page_id from cluster_members"):
        member_of[page_id] = cluster_id
        members[cluster_id].add(page_id)
    seed_of = {
        cid: seed
        for cid, seed in db.execute(
            "select id, coalesce(seed_page_id, origin_page_id) from clusters"
        )
    }
    touched: set[int] = set()
    joined_now: dict[int, set[int]] = defaultdict(set)

    def leave(page_id: int) -> None:
        cluster_id = member_of.pop(page_id)
        members[cluster_id].discard(page_id)
        db.execute(
            "delete from cluster_members where cluster_id = ? and page_id = ?",
            [cluster_id, page_id],
        )
        touched.add(cluster_id)

    def matches(a: int, b: int) -> Match | None:
        return _verified(shingles_of, checked, a, b)

    # Phase 0: members whose text changed are re-verified against their cluster's seed.
    pending = set(dirty)
    for page_id in sorted(dirty):
        cluster_id = member_of.get(page_id)
        if cluster_id is None:
            continue
        seed = seed_of[cluster_id]
        if page_id != seed:
            match = matches(page_id, seed)
            if match is None:
                leave(page_id)
            else:
                db["cluster_members"].update(
                    (cluster_id, page_id),
                    {
                        k: v
                        for k, v in _member_row(
                            cluster_id, page_id, current[page_id][0], seed, match, now
                        ).items()
                        if k in ("version_id", "role", "similarity", "containment")
                    },
                )
                touched.add(cluster_id)
                pending.discard(page_id)
            continue
        others = sorted(members[cluster_id] - {page_id})
        agree = [o for o in others if matches(page_id, o) is not None]
        if 2 * len(agree) >= len(others):
            db["cluster_members"].update((cluster_id, page_id), {"version_id": current[page_id][0]})
            touched.add(cluster_id)
            pending.discard(page_id)
            continue
        leave(page_id)
        sims = dict(
            db.execute(
                "select page_id, similarity from cluster_members where cluster_id = ?", [cluster_id]
            ).fetchall()
        )
        new_seed = min(others, key=lambda o: (-(sims.get(o) or 0.0), o))
        seed_of[cluster_id] = new_seed
        db["clusters"].update(cluster_id, {"seed_page_id": new_seed})
        db["cluster_members"].update(
            (cluster_id, new_seed), {"role": "origin", "similarity": 1.0, "containment": 1.0}
        )
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
                db.execute("delete from clusters where id = ?", [cluster_id])
                result.removed.append(cluster_id)
                del members[cluster_id]

    dissolve_small()

    # Phase 1: pages not in a cluster join the best existing cluster whose seed they match.
    edges: dict[tuple[int, int], Match] = {}
    for page_id in sorted(pending):
        if page_id not in row_of:
            continue
        hv = signature_matrix[row_of[page_id]]
        candidates = index.query(hv, anchors_of(shingles_of(page_id))) - {page_id}
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
            seed = seed_of[cluster_id]
            db["cluster_members"].insert(
                _member_row(cluster_id, page_id, current[page_id][0], seed, match, now),
                replace=True,
            )
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
        cluster_id = (
            db["clusters"]
            .insert({"seed_page_id": seed, "origin_page_id": seed, "updated": now})
            .last_pk
        )
        rows = [_member_row(cluster_id, seed, current[seed][0], seed, None, now)]
        for page_id in group:
            match = live_edges.get((min(page_id, seed), max(page_id, seed)))
            if match is None:
                match = measure(shingles_of(page_id), shingles_of(seed), page_id < seed)
            rows.append(_member_row(cluster_id, page_id, current[page_id][0], seed, match, now))
        db["cluster_members"].insert_all(rows)
        for page_id in [seed, *group]:
            member_of[page_id] = cluster_id
            members[cluster_id].add(page_id)
        seed_of[cluster_id] = seed
        result.new.append(cluster_id)
        touched.add(cluster_id)

    dissolve_small()
    alive = sorted(c for c in touched if c in members)
    for cluster_id in alive:
        _refresh_cluster(db, cluster_id, now)
    new = set(result.new)
    result.grown = sorted(c for c in alive if c not in new and joined_now.get(c))
    result.changed = alive
    result.new = sorted(new & set(alive))
    result.removed = sorted(set(result.removed))


def _refresh_cluster(db: sqlite_utils.Database, cluster_id: int, now: str) -> None:
    row = db.execute(
        "select count(*), min(p.first_seen), min(v.published) from cluster_members m"
        " join pages p on p.id = m.page_id left join versions v on v.id = m.version_id"
        " where m.cluster_id = ?",
        [cluster_id],
    ).fetchone()
    seed = db.execute("select seed_page_id from clusters where id = ?", [cluster_id]).fetchone()[0]
    title = db.execute(
        "select v.title from cluster_members m join versions v on v.id = m.version_id"
        " where m.cluster_id = ? and m.page_id = ?",
        [cluster_id, seed],
    ).fetchone()
    db["clusters"].update(
        cluster_id,
        {
            "size": row[0],
            "first_seen": row[1],
            "first_published": row[2],
            "title": title[0] if title else None,
            "updated": now,
        },
    )
