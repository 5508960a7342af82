"""Site boilerplate for clustering: which paragraphs recur across many pages of one site.

Each normalised paragraph is hashed (a "block"); ``boilerplate_blocks`` counts, per site, how
many pages' latest versions carry it. A block is boilerplate when it is on ``SITE_MIN_PAGES`` or
more pages of one site (footers, disclaimers, comment guidelines, "Purchase: Order Reprint"), or,
if it is short (``GLOBAL_MAX_WORDS``), on ``GLOBAL_MIN_SITES`` or more sites (a newspaper
network's shared block). Boilerplate paragraphs are left out before shingling. Counting
paragraphs rather than shingles keeps the statistics at ~20 rows per page instead of ~800; the
trade-off is that boilerplate glued into an article paragraph by extraction is not caught here
(clustering's thresholds and its non-chaining construction still keep it from merging clusters).
When a block becomes (or stops being) boilerplate, the pages of that site carrying it are
re-fingerprinted; nothing else is re-hashed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import sqlite_utils
import xxhash

from tracker import fingerprint as fp
from tracker.store import clusters as store

SITE_MIN_PAGES = 5
GLOBAL_MIN_SITES = 50
GLOBAL_MAX_WORDS = 40


def signed64(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer SQLite stores."""
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
            out.append((signed64(xxhash.xxh64_intdigest(b" ".join(words))), len(words), para))
    return out


def blocks_to_bytes(blocks: Iterable[int]) -> bytes:
    """Distinct block hashes, sorted, as bytes (the ``fingerprints.blocks`` form)."""
    return np.array(sorted(set(blocks)), dtype="<i8").tobytes()


def blocks_from_bytes(blob: bytes | None) -> np.ndarray:
    """Block hashes back from :func:`blocks_to_bytes`."""
    return np.frombuffer(blob, dtype="<i8") if blob else np.empty(0, dtype=np.int64)


class BlockStats:
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
        """Read the counts of ``(site, block)`` keys not loaded yet."""
        by_site: dict[str, list[int]] = defaultdict(list)
        wanted = list(keys)
        for site, block in wanted:
            if (site, block) not in self._loaded_sites:
                by_site[site].append(block)
                self._loaded_sites.add((site, block))
        for site, blocks in by_site.items():
            for block, pages, words in store.site_block_counts(self.db, site, blocks):
                self.pages[(site, block)] = pages
                self.words[block] = words
        new_blocks = sorted({b for _, b in wanted} - self._loaded_blocks)
        for block, count in store.block_site_counts(self.db, new_blocks):
            self.sites[block] = count
        self._loaded_blocks.update(new_blocks)

    def is_boilerplate(self, site: str, block: int) -> bool:
        """Whether a block is boilerplate on a site (or short and on many sites)."""
        if self.pages.get((site, block), 0) >= SITE_MIN_PAGES:
            return True
        return (
            self.sites.get(block, 0) >= GLOBAL_MIN_SITES
            and self.words.get(block, 0) <= GLOBAL_MAX_WORDS
        )

    def add(self, site: str, block: int, words: int, delta: int) -> None:
        """Count a block on ``delta`` more (or fewer) pages of a site."""
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
        """Write the changed counts back."""
        upserts, deletes = [], []
        for site, block in self.dirty:
            pages = self.pages[(site, block)]
            if pages > 0:
                upserts.append((site, block, pages, self.words.get(block, 0)))
            else:
                deletes.append((site, block))
        store.write_block_counts(self.db, upserts, deletes)
        self.dirty.clear()


class VersionBlocks:
    """The ``(block, words, paragraph)`` triples of versions, read once per run."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._cache: dict[int, list[tuple[int, int, str]]] = {}

    def __call__(self, version_id: int) -> list[tuple[int, int, str]]:
        cached = self._cache.get(version_id)
        if cached is None:
            paragraphs = store.version_paragraph_list(self.db, version_id)
            cached = self._cache[version_id] = paragraph_blocks(paragraphs)
        return cached


def stored_blocks(db: sqlite_utils.Database, version_id: int) -> np.ndarray:
    """The blocks a version's stored fingerprint was made from (empty when it has none)."""
    return blocks_from_bytes(store.fingerprint_blob(db, version_id, "blocks"))


def update_block_stats(
    db: sqlite_utils.Database,
    stats: BlockStats,
    changed: dict[int, tuple[int | None, int, str]],
    blocks_of: VersionBlocks,
) -> dict[str, set[int]]:
    """Count the changed pages' new paragraphs instead of their old ones.

    Args:
        db: The tracker database.
        stats: The statistics to update (written back before returning).
        changed: ``{page_id: (old version or None, new version, site)}``.
        blocks_of: Reader of a version's blocks.

    Returns:
        Per site, the blocks whose boilerplate status flipped (``"*"`` for blocks that flipped
        everywhere).
    """
    deltas: Counter[tuple[str, int]] = Counter()
    words: dict[int, int] = {}
    for old_version, new_version, site in changed.values():
        if old_version is not None:
            for block in stored_blocks(db, old_version).tolist():
                deltas[(site, block)] -= 1
        for block, n_words, _ in {b: (b, w, p) for b, w, p in blocks_of(new_version)}.values():
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


def pages_with_blocks(
    db: sqlite_utils.Database, current: dict[int, tuple[int, str]], flipped: dict[str, set[int]]
) -> set[int]:
    """Current pages whose stored paragraphs include a flipped block of their site."""
    if not flipped:
        return set()
    everywhere = np.array(sorted(flipped.get("*", set())), dtype=np.int64)
    sites = None if len(everywhere) else [s for s in flipped if s != "*"]
    hit = set()
    for page_id, version_id, blob, site in store.counted_blocks(db, sites):
        blocks = blocks_from_bytes(blob)
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
