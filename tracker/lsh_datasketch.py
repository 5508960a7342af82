"""datasketch's ``MinHashLSH`` configured for memory: the reference the vectorised index of
:mod:`tracker.lsh` answers like (tests and ``bench/bench_cluster.py`` compare them on the same
signatures), and the page-by-page index tracker used before it.

Band keys are xxh32 ints (:func:`tracker.lsh.band_hash`: 32 bytes against a 57-byte ``bytes``),
page keys plain ints (``prepickle=False``), and a bucket holding one page is stored as the bare
key (:class:`BucketStorage`): datasketch's default dict storage costs 6.4 KB per document for the
LSH alone at 100k documents, this one ~2 KB, the postings of :mod:`tracker.lsh` ~0.2 KB.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Hashable

from datasketch import MinHashLSH
from datasketch.storage import DictListStorage, DictSetStorage

from tracker import signatures as sig
from tracker.lsh import LSH_PARAMS, band_hash

_MISSING = object()


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
