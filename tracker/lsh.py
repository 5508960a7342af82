"""Candidate finding for clustering: MinHash LSH banding for reposts and an anchor index for
excerpts, both held as sorted postings built from whole matrices in a few numpy passes.

Reposts come from MinHash LSH with ``LSH_PARAMS`` = (20 bands, 6 rows) and datasketch's
banding: band ``i`` of a signature is its values ``[6i, 6i + 6)``, stored under xxh32 of their
big-endian bytes, the key datasketch's ``MinHashLSH`` gives it with ``hashfunc=band_hash``
(:class:`tracker.lsh_datasketch.CompactMinHashLSH`, kept as the reference). :func:`band_keys`
computes those keys for a whole signature matrix in numpy, bit-identical to ``xxhash``;
:class:`CandidateIndex` holds them as one :class:`~tracker.postings.Postings` group per band (``(key, page)`` pairs sorted by key). A query
answers exactly what ``MinHashLSH.query`` answers for the same signatures (tests compare them,
and ``bench/bench_cluster.py`` checks it in every run), and :meth:`CandidateIndex.pairs` gives
every candidate pair among the indexed pages straight from the runs of equal keys, with no
query at all. Excerpts come from an anchor index (a page's shingles whose mixed hash is 0 mod
``ANCHOR_MOD``; pages sharing ``ANCHOR_MIN_SHARED`` anchors are candidates), the same postings.
``MinHashLSHEnsemble`` cannot be updated incrementally and a low-threshold LSH misses teasers (a
3-paragraph teaser of a 20-paragraph article has Jaccard ~0.15); anchors find any pair whose
smaller side is largely inside the larger, whatever the size ratio.

* ``LSH_PARAMS`` = (20, 6): candidate probability 1 - (1 - J**6)**20 is 0.998 at J = 0.8,
  0.92 at J = 0.7 and 0.62 at J = 0.6 (32 x 4 would give 0.87 at J = 0.5 for 60% more
  postings). Pairs below that, and every excerpt, come from the anchor index; on the synthetic
  benchmark the union finds every true pair but a handful (pairwise recall 1.0000 at 10k,
  0.9998 at 100k, 0.9999 at 1M documents; precision 1.0000).
* Why not datasketch's ``MinHashLSH`` page by page (what this module used before): its insert
  and query make ~40 ``byteswap`` + hash calls and 20 dict operations per page in Python, which
  at 1M documents was ~90 s of the 233 s end to end. Measured in the same run
  (``bench/bench_cluster.py``, 20,000 documents, build + every document queried): the postings
  are 15-25x faster and give the same candidates.
* Why not rensa's ``RMinHashLSH``: it takes only rensa's own ``RMinHash`` objects or digest
  matrices made from tokens (there is no constructor from signature values), so the database
  path, which rebuilds the index from stored signatures without re-hashing any text, cannot
  feed it; and its band keys are its own.
* The shared index of :mod:`tracker.distributed.lsh` stays datasketch's ``MinHashLSH`` on Redis
  with its own (default) band keys; it only shares ``LSH_PARAMS`` with this module.

**Scale** (``python bench/bench_cluster.py`` and ``--million``; 2-core machine, ~800-word
synthetic documents, 30% variants): memory per document at 100k: band postings 212 B (20 x
8 B, plus their directory once queried), anchor postings and directory 1.1 KB, signatures
512 B (one ``n x 128`` ``uint32`` matrix): 1.8 KB, against 3.5 KB with datasketch's
``MinHashLSH`` in compact storage (:mod:`tracker.lsh_datasketch`; 6.4 KB with its default
storage).
The exact shingle sets (~3.1 KB) are not held: verification reads them on demand (SQLite blobs
here, a memory-mapped file in the benchmark). A one-page query (the incremental path) takes
p50 0.04 ms for the LSH; a batch of pages against the whole index ~35-75 µs a page with
anchors (the anchor lookup through a directory on the hashes' top bits, 1-2 postings a bucket).
"""

from __future__ import annotations

import numpy as np
import xxhash

from tracker import signatures as sig
from tracker.postings import MERGE_AT, Postings, pack_pairs, query_batches, unpack_pairs

LSH_PARAMS = (20, 6)
ANCHOR_MOD = 8
ANCHOR_MIN_SHARED = 2
ANCHOR_MAX_DF = 5000
_EMPTY2 = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))


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


_P1, _P2, _P3, _P4, _P5 = (
    np.uint32(c) for c in (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1)
)


# Up to this many signatures, :func:`band_keys` calls xxhash per band instead of numpy.
_FEW_ROWS = 8


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def band_keys(signatures: np.ndarray, params: tuple[int, int] = LSH_PARAMS) -> np.ndarray:
    """The keys :class:`CompactMinHashLSH` stores each band of each signature under, for a
    whole ``n x NUM_PERM`` matrix at once: ``band_hash(bytes(band.byteswap().data))``, i.e.
    xxh32 of the band's big-endian bytes (the bytes datasketch's ``MinHashLSH._H`` hashes),
    computed with numpy over every row, bit-identical to ``xxhash`` (a test checks it).

    Args:
        signatures: ``uint32`` signature rows.
        params: LSH bands and rows.

    Returns:
        ``n x bands`` ``uint32`` keys.
    """
    bands, rows = params
    matrix = np.asarray(signatures, dtype=np.uint32).reshape(-1, signatures.shape[-1])
    out = np.empty((len(matrix), bands), dtype=np.uint32)
    if len(matrix) <= _FEW_ROWS:
        # ~30 numpy steps per band cost more than xxhash itself on a few rows.
        swapped = matrix.byteswap()
        for i, row in enumerate(swapped):
            for band in range(bands):
                out[i, band] = band_hash(row[band * rows : (band + 1) * rows].tobytes())
        return out
    length = 4 * rows
    with np.errstate(over="ignore"):
        for band in range(bands):
            # xxh32 reads little-endian 32-bit lanes of the big-endian bytes: byte-swapped values.
            lanes = matrix[:, band * rows : (band + 1) * rows].byteswap()
            lane = 0
            if length >= 16:
                acc = [
                    np.full(len(matrix), int(v) & 0xFFFFFFFF, dtype=np.uint32)
                    for v in (int(_P1) + int(_P2), int(_P2), 0, -int(_P1))
                ]
                while (rows - lane) * 4 >= 16:
                    for i in range(4):
                        a = acc[i] + lanes[:, lane + i] * _P2
                        acc[i] = _rotl(a, 13) * _P1
                    lane += 4
                h = _rotl(acc[0], 1) + _rotl(acc[1], 7) + _rotl(acc[2], 12) + _rotl(acc[3], 18)
            else:
                h = np.full(len(matrix), int(_P5), dtype=np.uint32)
            h += np.uint32(length)
            while lane < rows:
                h += lanes[:, lane] * _P3
                h = _rotl(h, 17) * _P4
                lane += 1
            h ^= h >> np.uint32(15)
            h *= _P2
            h ^= h >> np.uint32(13)
            h *= _P3
            h ^= h >> np.uint32(16)
            out[:, band] = h
    return out


class CandidateIndex:
    """Candidate finder over many pages: MinHash LSH banding for reposts (datasketch's
    ``MinHashLSH`` banding and band keys, those of
    :class:`tracker.lsh_datasketch.CompactMinHashLSH`, as one
    :class:`Postings` per band built at once from the signature matrix) plus an anchor inverted
    index for excerpts.

    Add every page with :meth:`add` (or in bulk with :meth:`add_signatures` and
    :meth:`add_anchors`), call :meth:`freeze`, then query many pages at once with
    :meth:`query_many` (or one with :meth:`query`, :meth:`query_lsh`, :meth:`query_anchors`).
    A query answers what ``CompactMinHashLSH.query`` answers for the same signatures (keys
    sharing a band), plus keys sharing ``ANCHOR_MIN_SHARED`` anchors; a test checks it.

    Page keys are integers below ``2**31`` (page ids, document numbers).

    Args:
        params: LSH bands and rows.
    """

    def __init__(self, params: tuple[int, int] = LSH_PARAMS) -> None:
        self.b, self.r = params
        self._sig_parts: list[np.ndarray] = []
        self._sig_key_parts: list[np.ndarray] = []
        self._banded_parts: list[np.ndarray] = []
        self._banded_key_parts: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._row_keys: list[int] = []
        self._anchor_parts: list[np.ndarray] = []
        self._key_parts: list[np.ndarray] = []
        self.bands: Postings | None = None
        self.anchor_index = Postings(np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.int64))
        self.size = 0

    def add(self, key: int, hashvalues: np.ndarray, anchors: np.ndarray) -> None:
        """Index one page under an integer key."""
        self.add_lsh(key, hashvalues)
        if len(anchors):
            self._anchor_parts.append(np.asarray(anchors, dtype=np.uint32))
            self._key_parts.append(np.full(len(anchors), key, dtype=np.int64))

    def add_lsh(self, key: int, hashvalues: np.ndarray) -> None:
        """Index one page's signature in the LSH only (anchors go in :meth:`add_anchors`)."""
        self._rows.append(np.asarray(hashvalues, dtype=np.uint32))
        self._row_keys.append(key)
        self.size += 1

    def add_signatures(self, keys: np.ndarray, signatures: np.ndarray) -> None:
        """Index many signatures at once (``keys[i]`` has row ``signatures[i]``)."""
        if len(keys) != len(signatures):
            raise ValueError(f"{len(keys)} keys for {len(signatures)} signatures")
        self._sig_parts.append(np.asarray(signatures, dtype=np.uint32))
        self._sig_key_parts.append(np.asarray(keys, dtype=np.int64))
        self.size += len(keys)

    def add_band_keys(self, keys: np.ndarray, banded: np.ndarray) -> None:
        """Index many pages by their band keys, computed elsewhere with :func:`band_keys` (e.g.
        by the processes that made the signatures)."""
        if banded.shape != (len(keys), self.b):
            raise ValueError(f"band keys of shape {banded.shape} for {len(keys)} keys")
        self._banded_parts.append(np.asarray(banded, dtype=np.uint32))
        self._banded_key_parts.append(np.asarray(keys, dtype=np.int64))
        self.size += len(keys)

    def add_anchors(self, keys: np.ndarray, anchors: np.ndarray) -> None:
        """Add many anchor postings at once (``keys[i]`` holds ``anchors[i]``)."""
        self._anchor_parts.append(np.asarray(anchors, dtype=np.uint32))
        self._key_parts.append(np.asarray(keys, dtype=np.int64))

    def freeze(self) -> None:
        """Build the band postings and the anchor postings from everything added."""
        if self._rows:
            self._sig_parts.append(np.stack(self._rows))
            self._sig_key_parts.append(np.array(self._row_keys, dtype=np.int64))
            self._rows, self._row_keys = [], []
        for signatures, keys in zip(self._sig_parts, self._sig_key_parts, strict=True):
            self._banded_parts.append(band_keys(signatures, (self.b, self.r)))
            self._banded_key_parts.append(keys)
        self._sig_parts, self._sig_key_parts = [], []
        if self._banded_parts:
            keys = np.concatenate(self._banded_key_parts)
            banded = np.concatenate(self._banded_parts)
            self._banded_parts, self._banded_key_parts = [], []
            self.bands = Postings(banded.T, keys)
        if self._anchor_parts:
            anchors = np.concatenate(self._anchor_parts)
            self._anchor_parts = []
            keys = np.concatenate(self._key_parts)
            self._key_parts = []
            self.anchor_index = Postings(anchors, keys)
        self._anchor_parts, self._key_parts = [], []

    @property
    def nbytes(self) -> tuple[int, int]:
        """Bytes held by the band postings and by the anchor postings."""
        return (self.bands.nbytes if self.bands else 0), self.anchor_index.nbytes

    def query_lsh_many(self, signatures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(query, key)`` pairs, each once, of keys sharing a band with signature row
        ``query`` of ``signatures`` (``MinHashLSH.query`` for many signatures at once)."""
        empty = np.empty(0, dtype=np.int64)
        if self.bands is None or not len(signatures):
            return empty, empty
        banded = band_keys(np.atleast_2d(signatures), (self.b, self.r))
        values, groups = banded.ravel(), np.tile(np.arange(self.b), len(banded))
        # A batch of queries at a time (see query_anchors_many)
        found = np.concatenate(([0], np.cumsum(self.bands.bucket_sizes(values, groups))))
        queries, keys = [empty], [empty]
        for first, last in query_batches(found[:: self.b]):
            lo, hi = first * self.b, last * self.b
            which, hit = self.bands.lookup(values[lo:hi], groups[lo:hi])
            query, key = unpack_pairs(np.unique(pack_pairs(which // self.b, hit)))
            queries.append(query + first)
            keys.append(key)
        return np.concatenate(queries), np.concatenate(keys)

    def query_anchors_many(
        self, anchors: np.ndarray, offsets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(query, key)`` pairs, each once, of keys sharing at least ``ANCHOR_MIN_SHARED``
        anchors (each held by at most ``ANCHOR_MAX_DF`` pages) with query ``i``, whose
        anchors are ``anchors[offsets[i] : offsets[i + 1]]``."""
        empty = np.empty(0, dtype=np.int64)
        if not len(anchors):
            return empty, empty
        # A batch of queries at a time, so that the postings looked up stay about MERGE_AT:
        # pages of a story copied a thousand times find a thousand postings per anchor.
        offsets = np.asarray(offsets, dtype=np.int64)
        found = np.concatenate(([0], np.cumsum(self.anchor_index.bucket_sizes(anchors))))
        queries, keys = [empty], [empty]
        for first, last in query_batches(found[offsets]):
            lo, hi = offsets[first], offsets[last]
            which, hit = self._anchor_hits(anchors[lo:hi], offsets[first : last + 1] - lo)
            queries.append(which + first)
            keys.append(hit)
        return np.concatenate(queries), np.concatenate(keys)

    def _anchor_hits(
        self, anchors: np.ndarray, offsets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`query_anchors_many` for one batch of queries."""
        empty = np.empty(0, dtype=np.int64)
        if not len(anchors):
            return empty, empty
        which, keys = self.anchor_index.lookup(anchors)
        frequency = np.bincount(which, minlength=len(anchors))
        common = frequency[which] <= ANCHOR_MAX_DF
        which, keys = which[common], keys[common]
        query_of = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        packed = pack_pairs(query_of[which], keys)
        if len(packed) < ANCHOR_MIN_SHARED:
            return empty, empty
        packed.sort()
        # A pair appearing ANCHOR_MIN_SHARED times in the sorted list shares that many anchors.
        step = ANCHOR_MIN_SHARED - 1
        hits = packed[step:][packed[step:] == packed[:-step]] if step else packed
        return unpack_pairs(np.unique(hits))

    def query_many(
        self, signatures: np.ndarray, anchors: np.ndarray, offsets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate ``(query, key)`` pairs, each once, sorted, of many pages at once: the
        union of :meth:`query_lsh_many` and :meth:`query_anchors_many` (may include a page
        itself)."""
        lsh = pack_pairs(*self.query_lsh_many(signatures))
        anchored = pack_pairs(*self.query_anchors_many(anchors, offsets))
        return unpack_pairs(np.union1d(lsh, anchored))

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every candidate pair among the indexed pages, ``(u, v)`` with ``u < v``, each once,
        sorted: what :meth:`query_many` on every indexed page gives for its keys above it,
        found from the postings alone (pages sharing a band key; pages sharing at least
        ``ANCHOR_MIN_SHARED`` anchors held by at most ``ANCHOR_MAX_DF`` pages each)."""
        # Counting runs once per key set pays where many runs repeat each other's keys (a story
        # copied a thousand times: 1.4 GB otherwise); elsewhere enumerating them is faster (the
        # 1M benchmark's candidate pairs: ~15 s against ~40 s).
        bands, anchors = self.bands, self.anchor_index
        if bands is None:
            lsh = pack_pairs(*_EMPTY2)
        elif bands.repeated_pairs() > MERGE_AT:
            lsh = bands.distinct_pairs()
        else:
            lsh = bands.plain_distinct_pairs()
        if anchors.repeated_pairs(ANCHOR_MAX_DF) > MERGE_AT:
            hits = anchors.shared_pairs(ANCHOR_MIN_SHARED, ANCHOR_MAX_DF)
        else:
            hits = anchors.plain_shared_pairs(ANCHOR_MIN_SHARED, ANCHOR_MAX_DF)
        return unpack_pairs(np.union1d(lsh, hits))

    def query_lsh(self, hashvalues: np.ndarray) -> list[int]:
        """Keys whose signature shares a band with ``hashvalues`` (``MinHashLSH.query``)."""
        return self.query_lsh_many(np.atleast_2d(hashvalues))[1].tolist()

    def query_anchors(self, anchors: np.ndarray) -> list[int]:
        """Keys sharing at least ``ANCHOR_MIN_SHARED`` anchors (each held by at most
        ``ANCHOR_MAX_DF`` pages) with ``anchors``."""
        anchors = np.asarray(anchors, dtype=np.uint32)
        return self.query_anchors_many(anchors, np.array([0, len(anchors)]))[1].tolist()

    def query(self, hashvalues: np.ndarray, anchors: np.ndarray) -> set[int]:
        """Keys of candidate pages for one page (may include the page itself)."""
        anchors = np.asarray(anchors, dtype=np.uint32)
        return set(
            self.query_many(np.atleast_2d(hashvalues), anchors, np.array([0, len(anchors)]))[
                1
            ].tolist()
        )
