"""Candidate finding for clustering: datasketch's ``MinHashLSH`` configured for memory, and an
anchor index for excerpts.

A datasketch ``MinHashLSH`` with ``LSH_PARAMS`` = (20 bands, 6 rows) finds reposts
(:class:`CompactMinHashLSH`: the library's banding, insert and query, configured for memory, see
*Scale*), and an anchor index finds excerpts (a page's shingles whose mixed hash is 0 mod
``ANCHOR_MOD``; pages sharing ``ANCHOR_MIN_SHARED`` anchors are candidates). ``MinHashLSHEnsemble``
cannot be updated incrementally and a low-threshold LSH misses teasers (a 3-paragraph teaser of a
20-paragraph article has Jaccard ~0.15); anchors find any pair whose smaller side is largely
inside the larger, whatever the size ratio.

* ``LSH_PARAMS`` = (20, 6): candidate probability 1 - (1 - J**6)**20 is 0.998 at J = 0.8,
  0.92 at J = 0.7 and 0.62 at J = 0.6 (32 x 4 would give 0.87 at J = 0.5 but costs 60% more
  memory, ~80 bytes per page per band even in the compact storage). Pairs below that, and
  every excerpt, come from the anchor index; on the synthetic benchmark the union finds
  every true pair but a handful (pairwise recall 1.0000 at 10k, 0.9998 at 100k, 0.9999 at
  1M documents; precision 1.0000).

**Scale** (``python bench/bench_cluster.py`` and ``--million``; 2-core machine, ~800-word
synthetic documents, 30% variants):

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
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Hashable

import numpy as np
import xxhash
from datasketch import MinHashLSH
from datasketch.storage import DictListStorage, DictSetStorage

from tracker import signatures as sig

LSH_PARAMS = (20, 6)
ANCHOR_MOD = 8
ANCHOR_MIN_SHARED = 2
ANCHOR_MAX_DF = 5000
_MISSING = object()


def anchor_mask(shingles: np.ndarray) -> np.ndarray:
    """Which shingles serve as excerpt anchors: mixed hash divisible by ``ANCHOR_MOD`` (works
    on one set or on many concatenated)."""
    return (sig.premix(shingles) % np.uint32(ANCHOR_MOD)) == 0


def anchors_of(shingles: np.ndarray) -> np.ndarray:
    """The shingles of a set that serve as excerpt anchors (:func:`anchor_mask`)."""
    return shingles[anchor_mask(shingles)]


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

    def __init__(self, num_perm: int = sig.NUM_PERM, params: tuple[int, int] = LSH_PARAMS) -> None:
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
            MinHashLSH(num_perm=sig.NUM_PERM, params=params, hashfunc=band_hash, prepickle=False)
            if stock
            else CompactMinHashLSH(sig.NUM_PERM, params)
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
        self._session.insert(key, sig.lean_minhash(hashvalues), check_duplication=False)
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
        self._session.insert(key, sig.lean_minhash(hashvalues), check_duplication=False)
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
        return self.lsh.query(sig.lean_minhash(hashvalues))

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
