"""MinHash signatures of shingle sets, in two schemes, as datasketch ``LeanMinHash`` values.

A signature is ``NUM_PERM`` 32-bit values computed from a page's exact shingle hashes
(:mod:`tracker.fingerprint`); the fraction of equal values estimates Jaccard similarity, and
the values feed datasketch's ``LeanMinHash`` and ``MinHashLSH`` (:mod:`tracker.lsh`) unchanged.

* ``RENSA`` (``SCHEME``, what new signatures are made with): rensa's R-MinHash (Rust, MIT;
  Fast Similarity Sketching: each shingle picks a slot and a rank, so a document costs about
  one hash per shingle instead of ``NUM_PERM``) over the shingle hashes, a whole batch per call.
  Its digest does not depend on order or repeats, so a signature is a function of the stored
  shingle set alone. The scheme name carries rensa's ``ALGORITHM_VERSION``: a rensa release
  with other digests is another scheme, and stored rows are re-signed rather than compared.
* ``AFFINE32``: datasketch's ``affine32`` arithmetic with shared permutations (``SEED``,
  ``NUM_PERM``): the shingle hash is pre-mixed with the MurmurHash3 finaliser, each
  permutation is ``a * h + b mod 2**32`` and the signature is the column minimum, i.e.
  ``MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=identity).update_batch(hashes)`` (a test
  checks they are equal), vectorised in numpy on ~4 documents per block so the
  ``128 x shingles`` matrix stays in cache. The stored signatures before the
  ``0008_fingerprint_scheme`` migration are of this scheme.

**Measured** (``python bench/bench_cluster.py --sketch-only``, same run, docs per CPU second,
raw ~800-word text to signature through :func:`tracker.fingerprint.sketch_many`): rensa is
2.6x the numpy ``affine32`` path of the previous release and 21x datasketch's
``update_batch`` (SHA1); the MinHash step alone is ~3 µs per document against ~60 µs, plus
~7 µs to copy rensa's digests out of its Python lists. Accuracy is equal: mean absolute error of
the Jaccard estimate over 2,000 pairs spread over 0..1, 0.026 (rensa) against 0.028 (affine32).

Which scheme a stored signature was made with is recorded in ``fingerprints.scheme``; the two
are never compared (``tracker.clustering`` reads only ``SCHEME`` rows and re-signs the others
from their stored shingles).
"""

from __future__ import annotations

import functools
import itertools
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from rensa import RMinHash

if TYPE_CHECKING:
    from datasketch import LeanMinHash

# Signature settings, set once here: changing any of them invalidates stored signatures
# (``fingerprints.num_perm`` / ``scheme`` record what a row was made with).
SEED = 1
NUM_PERM = 128
AFFINE32 = "affine32"
RENSA = f"rensa-rminhash-v{RMinHash.ALGORITHM_VERSION}"
SCHEMES = (AFFINE32, RENSA)
# The scheme new signatures are made with; stored rows of another scheme are re-signed from
# their stored shingles (tracker.clustering) and never compared with these.
SCHEME = RENSA
# Both schemes give 32-bit values; datasketch's container for them is its ``affine32`` type.
_DATASKETCH_SCHEME = "affine32"

_U32 = np.uint32
# Shingles per MinHash block in :func:`_signature_rows` (~4 documents, 1.5 MB of uint32).
_SIG_BLOCK_SHINGLES = 3072


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # datasketch (and the scipy it loads, ~0.4 s) is imported on first use only: the rensa scheme
    # and the CLI's start-up do not need it.
    from datasketch import MinHash

    a, b = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=AFFINE32).permutations
    return a.astype(_U32)[:, None], b.astype(_U32)[:, None]


def premix(hashes: np.ndarray) -> np.ndarray:
    """Shingle hashes through the MurmurHash3 32-bit finaliser (mixed, uniform bits)."""
    # datasketch's affine32 scheme applies the MurmurHash3 32-bit finaliser before permuting.
    x = hashes.astype(_U32, copy=True)
    x ^= x >> _U32(16)
    x *= _U32(0x85EBCA6B)
    x ^= x >> _U32(13)
    x *= _U32(0xC2B2AE35)
    x ^= x >> _U32(16)
    return x


def _signature_rows(values: np.ndarray, offsets: np.ndarray, out: np.ndarray) -> None:
    """Write the MinHash of each segment of ``values`` (non-empty segments starting at
    ``offsets``) into the rows of ``out``, a few documents at a time.

    The permuted ``NUM_PERM x shingles`` block of ~4 documents (~1.5 MB) is computed into a
    preallocated buffer: a fresh ``np.multiply`` result of that size is an ``mmap`` with page
    faults on every call, which measured twice as slow.
    """
    premixed = premix(values)
    perm_a, perm_b = _permutations()
    rows = len(offsets)
    ends = np.append(offsets[1:], len(values))
    buf = np.empty(
        NUM_PERM * min(len(values), _SIG_BLOCK_SHINGLES + int((ends - offsets).max())), dtype=_U32
    )
    start = 0
    while start < rows:
        stop = start + 1
        while stop < rows and ends[stop] - offsets[start] <= _SIG_BLOCK_SHINGLES:
            stop += 1
        lo, hi = int(offsets[start]), int(ends[stop - 1])
        block = buf[: NUM_PERM * (hi - lo)].reshape(NUM_PERM, hi - lo)
        np.multiply(perm_a, premixed[None, lo:hi], out=block)
        np.add(block, perm_b, out=block)
        out[start:stop] = np.minimum.reduceat(block, offsets[start:stop] - lo, axis=1).T
        start = stop


def _rensa_rows(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """rensa R-MinHash digests of ``values[offsets[i] : offsets[i + 1]]``, one row per segment
    (an empty segment gives the all-``2**32 - 1`` row, as for ``affine32``)."""
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(
        values.astype(np.uint64), np.asarray(offsets, dtype=np.uint64), NUM_PERM, SEED
    )
    rows = len(offsets) - 1
    # rensa hands the matrix out as lists of ints only; one fromiter over them is the cheapest
    # copy (~7 µs per document, against ~3 µs for the sketch itself).
    flat = itertools.chain.from_iterable(matrix.to_rows())
    return np.fromiter(flat, dtype=_U32, count=rows * NUM_PERM).reshape(rows, NUM_PERM)


def scheme_of(scheme: str | None) -> str:
    """The scheme asked for, ``SCHEME`` (read at call time) when None; a clear error if unknown."""
    scheme = SCHEME if scheme is None else scheme
    if scheme not in SCHEMES:
        raise ValueError(f"unknown signature scheme {scheme!r} (known: {', '.join(SCHEMES)})")
    return scheme


def segment_signatures(
    values: np.ndarray, offsets: np.ndarray, scheme: str | None = None
) -> np.ndarray:
    """Signatures of the segments ``values[offsets[i] : offsets[i + 1]]`` of one flat array
    (as :func:`tracker.fingerprint.sketch_many` builds a batch), one row per segment.

    Args:
        values: Concatenated shingle sets.
        offsets: Segment boundaries, ``len(segments) + 1`` of them.
        scheme: Signature scheme (one of ``SCHEMES``; ``SCHEME`` when omitted).

    Returns:
        ``uint32`` array, one signature per segment (all ``2**32 - 1`` for an empty one).
    """
    scheme = scheme_of(scheme)
    if scheme == RENSA:
        return _rensa_rows(values, offsets)
    starts = np.asarray(offsets[:-1])
    out = np.full((len(starts), NUM_PERM), np.iinfo(_U32).max, dtype=_U32)
    nonempty = np.flatnonzero(np.diff(offsets) > 0)
    if len(nonempty):
        block = np.empty((len(nonempty), NUM_PERM), dtype=_U32)
        _signature_rows(values, starts[nonempty], block)
        out[nonempty] = block
    return out


def signatures(
    shingle_sets: Sequence[np.ndarray], chunk: int = 4, scheme: str | None = None
) -> np.ndarray:
    """MinHash hash values of many shingle sets at once, as a ``(len(sets), NUM_PERM)`` matrix.

    ``RENSA``: rensa's R-MinHash over the shingle hashes, many documents per call.
    ``AFFINE32``: documents are processed a few at a time: the permuted values of a block form
    a ``NUM_PERM x shingles`` matrix that stays in cache, reduced per document with
    ``np.minimum.reduceat``. Either way an empty set gives the all-``2**32 - 1`` row datasketch
    uses for an empty MinHash.

    Args:
        shingle_sets: Arrays of shingle hashes (as from :func:`shingles`).
        chunk: Documents gathered per concatenation (the block size is bounded separately).
        scheme: Signature scheme (one of ``SCHEMES``; ``SCHEME`` when omitted).

    Returns:
        ``uint32`` array, one signature per row.
    """
    scheme = scheme_of(scheme)
    out = np.full((len(shingle_sets), NUM_PERM), np.iinfo(_U32).max, dtype=_U32)
    nonempty = [i for i, s in enumerate(shingle_sets) if len(s)]
    step = max(chunk, 1) * (256 if scheme == RENSA else 16)
    for start in range(0, len(nonempty), step):
        rows = nonempty[start : start + step]
        parts = [np.asarray(shingle_sets[i], dtype=_U32) for i in rows]
        lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if scheme == RENSA:
            out[rows] = _rensa_rows(np.concatenate(parts), offsets)
            continue
        block = np.empty((len(rows), NUM_PERM), dtype=_U32)
        _signature_rows(np.concatenate(parts), offsets[:-1], block)
        out[rows] = block
    return out


def lean_minhash(hashvalues: np.ndarray) -> LeanMinHash:
    """Wrap one signature row as a datasketch ``LeanMinHash`` (seed ``SEED``, ``affine32``)."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme=_DATASKETCH_SCHEME)


def minhash(shingle_hashes: np.ndarray, scheme: str | None = None) -> LeanMinHash:
    """The MinHash of one shingle set, as a datasketch ``LeanMinHash``.

    Args:
        shingle_hashes: Shingle hashes as from :func:`shingles`.
        scheme: Signature scheme (one of ``SCHEMES``; ``SCHEME`` when omitted).

    Returns:
        A ``LeanMinHash`` usable with ``MinHashLSH`` and ``MinHash.jaccard``.

    Examples:
        >>> from tracker.fingerprint import shingles
        >>> m1 = minhash(shingles("one two three four five six seven eight"))
        >>> m2 = minhash(shingles("one two three four five six seven nine"))
        >>> 0.5 < m1.jaccard(m2) < 1.0
        True
    """
    return lean_minhash(signatures([shingle_hashes], scheme=scheme)[0])


# LeanMinHash.serialize layout for affine32 in native byte order: seed, -num_perm, scheme code,
# then the values, aligned.
_HEADER = struct.calcsize("@qiB0I")


def minhash_to_bytes(m: LeanMinHash) -> bytes:
    """Serialise a ``LeanMinHash`` with datasketch's own format (``LeanMinHash.serialize``)."""
    buf = bytearray(m.bytesize())
    m.serialize(buf)
    return bytes(buf)


def signature_to_bytes(hashvalues: np.ndarray) -> bytes:
    """One signature row in the bytes :func:`minhash_to_bytes` gives for its ``LeanMinHash``
    (datasketch's documented ``affine32`` layout: seed, negated number of values, scheme code 1,
    the values), written without building the object or loading datasketch."""
    values = np.ascontiguousarray(hashvalues, dtype=_U32)
    return struct.pack("@qiB0I", SEED, -len(values), 1) + values.tobytes()


def minhash_from_bytes(blob: bytes) -> LeanMinHash:
    """Inverse of :func:`minhash_to_bytes` (``LeanMinHash.deserialize``)."""
    from datasketch import LeanMinHash

    return LeanMinHash.deserialize(blob)


def hashvalues_from_bytes(blob: bytes) -> np.ndarray:
    """The hash values of a serialised ``affine32`` ``LeanMinHash`` without building the object:
    a zero-copy view, for loading many stored signatures fast."""
    return np.frombuffer(blob, dtype=_U32, offset=_HEADER)
