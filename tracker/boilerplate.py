"""Site boilerplate for clustering: which paragraphs recur across many pages of one site.

Each normalised paragraph is hashed (a "block"); ``boilerplate_blocks`` counts, per site, how many
pages' latest versions carry it. A block is boilerplate when it is on ``SITE_MIN_PAGES`` or more
pages of one site (footers, disclaimers, comment guidelines, "Purchase: Order Reprint"), or, if it
is short (``GLOBAL_MAX_WORDS``), on ``GLOBAL_MIN_SITES`` or more sites (a newspaper network's
shared block), or, on a site with fewer than ``SITE_MIN_PAGES`` pages (too few to learn from), when
the stored-text stage below removed it there by the prior (the fixed phrase list), so that a small
site's fingerprints are made of its stored text. Boilerplate paragraphs are left out before
shingling. Counting paragraphs rather than shingles keeps the statistics at ~20 rows per page
instead of ~800; the trade-off is that boilerplate glued into an article paragraph by extraction is
not caught here (clustering's thresholds and its non-chaining construction still keep it from
merging clusters). When a block becomes (or stops being) boilerplate, the pages of that site
carrying it are re-fingerprinted, and so are a site's earlier pages when it grows past
``SITE_MIN_PAGES`` (the prior stops applying); nothing else is re-hashed.

**Stored text** (:func:`strip_site_boilerplate`, a stage of :func:`tracker.pipeline.run_stages`
before clustering): extraction keeps every paragraph; this stage decides, per site, which are
boilerplate (:func:`split_boilerplate`). On a site with ``SITE_MIN_PAGES`` or more pages only its
learned boilerplate is removed: a paragraph on ``SITE_MIN_PAGES`` or more of its pages, pages that
are not all one story (not all members of one cluster, and, for pages not clustered yet, not near
copies of each other: Jaccard of their paragraph sets below ``SAME_STORY_JACCARD``), is removed
from the stored article text of every version of that site, older versions included; a paragraph
that merely reads like chrome (an article paragraph starting "The views and opinions expressed by
residents…") stays. On a site with fewer pages the fixed phrase list
(:func:`tracker.chrome.is_chrome`) is the prior: the paragraphs it matches are removed. The
rule each site was stripped with is kept in ``site_boilerplate_prior``; when a site grows past the
threshold every version of it is stripped again, so what the prior removed comes back unless the
site's own statistics say it is boilerplate. The removed paragraphs are kept in
``versions.boilerplate`` and the site's learned set in ``site_boilerplate``. The statistic is per
site, so an article paragraph repeated by other sites' copies of the story is never removed. A page
that is nothing but its site's recurring text (an "about" page, a page of chrome lines) keeps its
text.

A version whose stored text changes gets a new ``content_hash`` (the hash of its text as extracted
is kept in ``versions.extracted_hash``: the store compares a new fetch with it, so an unchanged
page fetched again adds no version) and its diffs are recomputed. Two consecutive versions of a
page that become equal once stripped (only the disclaimer changed) are one version: the later is
folded into the earlier, which stands for both fetches (every row that pointed at the later one
points at the earlier one).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence

import numpy as np
import sqlite_utils
import xxhash

from tracker import diffs
from tracker import fingerprint as fp
from tracker.chrome import is_chrome
from tracker.store import boilerplate as store_text
from tracker.store import clusters as store
from tracker.store.diffs import forget_diffs_of_versions
from tracker.store.schema import write_transaction
from tracker.store.writes import content_hash

SITE_MIN_PAGES = 5
GLOBAL_MIN_SITES = 50
GLOBAL_MAX_WORDS = 40
SAME_STORY_JACCARD = 0.5


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
    """Per-site paragraph frequencies, loaded lazily and written back in one go; for sites with
    fewer than ``SITE_MIN_PAGES`` pages, also the blocks the stored-text stage removed from
    their pages by the prior."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.pages: dict[tuple[str, int], int] = {}
        self.words: dict[int, int] = {}
        self.sites: dict[int, int] = {}
        self.site_pages: dict[str, int] = {}
        self.prior: dict[str, set[int]] = {}
        self._loaded_sites: set[tuple[str, int]] = set()
        self._loaded_blocks: set[int] = set()
        self.dirty: set[tuple[str, int]] = set()

    def load(self, keys: Iterable[tuple[str, int]]) -> None:
        """Read the counts of ``(site, block)`` keys not loaded yet."""
        by_site: dict[str, list[int]] = defaultdict(list)
        wanted = list(keys)
        self.load_sites(site for site, _ in wanted)
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

    def load_sites(self, sites: Iterable[str]) -> None:
        """Read the page count of sites not loaded yet, and for the small ones the blocks the
        prior removed from their pages' latest versions (a few pages each)."""
        new = sorted({s for s in sites if s and s not in self.site_pages})
        counts = store_text.site_page_counts(self.db, new)
        for site in new:
            self.site_pages[site] = counts.get(site, 0)
            if self.site_pages[site] < SITE_MIN_PAGES:
                self.prior[site] = removed_blocks(self.db, site)

    def is_boilerplate(self, site: str, block: int) -> bool:
        """Whether a block is boilerplate on a site (or short and on many sites, or, on a site
        with too few pages, removed from its stored text by the prior)."""
        if self.pages.get((site, block), 0) >= SITE_MIN_PAGES:
            return True
        if block in self.prior.get(site, ()):
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
    # A site that crossed SITE_MIN_PAGES: the prior stopped (or started) applying to the pages
    # counted before, so they are looked at again (a few pages: the site was small).
    new_pages = Counter(site for old, _, site in changed.values() if old is None)
    stats.load_sites(new_pages)
    for site, added in new_pages.items():
        after = stats.site_pages.get(site, 0)
        before_pages = after - added
        if before_pages > 0 and (before_pages < SITE_MIN_PAGES) != (after < SITE_MIN_PAGES):
            for _, _, blob, _ in store.counted_blocks(db, [site]):
                flipped[site].update(blocks_from_bytes(blob).tolist())
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


# --- boilerplate out of the stored text ----------------------------------------------------------


def block_of(paragraph: str) -> int | None:
    """The block hash of one paragraph (None when it has no words)."""
    words = fp.normalized_words(paragraph)
    return signed64(xxhash.xxh64_intdigest(b" ".join(words))) if words else None


def _same_story(a: int, b: int, clusters: dict[int, int], page_blocks: dict[int, set[int]]) -> bool:
    if a in clusters and b in clusters:
        return clusters[a] == clusters[b]
    one, two = page_blocks[a], page_blocks[b]
    union = len(one | two)
    return bool(union) and len(one & two) / union >= SAME_STORY_JACCARD


def _several_stories(
    pages: set[int], clusters: dict[int, int], page_blocks: dict[int, set[int]]
) -> bool:
    """Whether the pages carrying a paragraph are not all one story (one cluster, or near copies)."""
    first, *others = sorted(pages)
    return any(not _same_story(first, other, clusters, page_blocks) for other in others)


def learn_site_boilerplate(
    db: sqlite_utils.Database, site: str
) -> tuple[dict[int, tuple[int, int, str]], int]:
    """The recurring paragraphs of one site, from its pages' latest versions.

    The paragraph hashes of a version come from its stored fingerprint when clustering has made
    one (no text is read or hashed again), else from its text.

    Returns:
        ``{block: (words, pages, paragraph)}`` of the paragraphs on ``SITE_MIN_PAGES`` or more
        distinct pages of the site that are not all one story, and the site's number of pages.
    """
    page_blocks: dict[int, set[int]] = {}
    latest_of: dict[int, int] = {}
    for page_id, version_id, blob in store_text.site_latest_blocks(db, site):
        latest_of[page_id] = version_id
        if blob is not None:
            page_blocks[page_id] = set(blocks_from_bytes(blob).tolist())
    texts: dict[int, list[tuple[int, int, str]]] = {}
    unhashed = [v for p, v in latest_of.items() if p not in page_blocks]
    for version in store_text.versions_by_id(db, unhashed):
        texts[version.page_id] = _extracted_blocks(version)
        page_blocks[version.page_id] = {b for b, _, _ in texts[version.page_id]}
    block_pages: dict[int, set[int]] = defaultdict(set)
    for page_id, blocks in page_blocks.items():
        for block in blocks:
            block_pages[block].add(page_id)
    frequent = {b: p for b, p in block_pages.items() if len(p) >= SITE_MIN_PAGES}
    if not frequent:
        return {}, len(latest_of)
    clusters = store_text.page_clusters(db, page_blocks)
    learned: dict[int, tuple[int, int, str]] = {}
    for block, pages in frequent.items():
        if not _several_stories(pages, clusters, page_blocks):
            continue
        for page_id in sorted(pages, key=lambda p: p not in texts)[:3]:
            if page_id not in texts:
                (version,) = store_text.versions_by_id(db, [latest_of[page_id]])
                texts[page_id] = _extracted_blocks(version)
            hit = next(((w, para) for b, w, para in texts[page_id] if b == block), None)
            if hit is not None:
                learned[block] = (hit[0], len(pages), hit[1])
                break
    return learned, len(latest_of)


def _extracted_blocks(version: store_text.SiteVersion) -> list[tuple[int, int, str]]:
    return paragraph_blocks(store_text.extracted_paragraphs(version.paragraphs, version.removed))


def removed_blocks(db: sqlite_utils.Database, site: str) -> set[int]:
    """The blocks of the paragraphs removed from the stored text of the latest version of each
    page of a site (``versions.boilerplate``)."""
    latest = [version_id for _, version_id, _ in store_text.site_latest_blocks(db, site)]
    return {
        block
        for version in store_text.versions_by_id(db, latest)
        for _, para in version.removed
        if (block := block_of(para)) is not None
    }


def split_boilerplate(
    paragraphs: Sequence[str], learned: Collection[int] = frozenset(), prior: bool = True
) -> tuple[list[str], list[tuple[int, str]]]:
    """Split a page's extracted paragraphs into its stored article text and its boilerplate.

    This is the rule of the stored-text stage. With the defaults it is the rule for a site with
    fewer than ``SITE_MIN_PAGES`` pages (nothing learned, the fixed phrase list as the prior),
    which is what a page of a site seen once is stored as.

    Args:
        paragraphs: The paragraphs as extracted.
        learned: The blocks (:func:`block_of`) of the site's learned boilerplate.
        prior: Whether the fixed phrase list (:func:`tracker.chrome.is_chrome`) applies:
            True for a site with too few pages to learn from.

    Returns:
        The kept paragraphs, and the removed ones as ``(position in paragraphs, paragraph)``. A
        page that would keep nothing keeps everything (it is nothing but recurring text).

    Examples:
        >>> split_boilerplate(["Share this article", "The pier will be rebuilt."])
        (['The pier will be rebuilt.'], [(0, 'Share this article')])
        >>> split_boilerplate(["Share this article", "The pier will be rebuilt."], prior=False)
        (['Share this article', 'The pier will be rebuilt.'], [])
    """
    kept: list[str] = []
    removed: list[tuple[int, str]] = []
    for position, para in enumerate(paragraphs):
        if block_of(para) in learned or (prior and is_chrome(para)):
            removed.append((position, para))
        else:
            kept.append(para)
    if not kept:  # the page is nothing but the site's recurring text: keep it as it is
        return list(paragraphs), []
    return kept, removed


def strip_site_boilerplate(
    db: sqlite_utils.Database, version_ids: Iterable[int] | None = None
) -> int:
    """Remove each site's boilerplate from its stored article texts (a pipeline stage).

    The sites of ``version_ids`` (all sites when ``None``) relearn their recurring paragraphs
    from their pages' latest versions; a site with fewer than ``SITE_MIN_PAGES`` pages also
    loses what the fixed phrase list matches (:func:`split_boilerplate`). When a site's set or
    rule changed (it grew past the threshold), every version of the site is stripped again
    (versions stored before the boilerplate was known included, paragraphs the prior removed
    put back when the site's statistics keep them); otherwise only the given versions are. A
    rewritten version gets a new ``content_hash``, its diffs are recomputed, and a version left
    equal to its page's previous version is folded into it.

    Args:
        db: The tracker database.
        version_ids: The versions a run just stored; ``None`` for the whole database.

    Returns:
        The number of versions whose stored text changed.
    """
    scope = None if version_ids is None else {int(v) for v in version_ids}
    sites = store_text.all_sites(db) if scope is None else store_text.sites_of_versions(db, scope)
    scope_pages = None if scope is None else store.pages_of_versions(db, scope)
    rewritten = 0
    with write_transaction(db):
        for site in sorted(sites):
            rewritten += _strip_site(db, site, scope, scope_pages)
    return rewritten


def _strip_site(
    db: sqlite_utils.Database, site: str, scope: set[int] | None, scope_pages: set[int] | None
) -> int:
    learned, site_pages = learn_site_boilerplate(db, site)
    use_prior = site_pages < SITE_MIN_PAGES
    if set(learned) != store_text.known_site_blocks(db, site):
        store_text.set_site_blocks(
            db,
            site,
            ((b, words, pages, para) for b, (words, pages, para) in sorted(learned.items())),
        )
        scope = None
    if store_text.site_prior(db, site) != use_prior:
        # Never stripped under a recorded rule, or the site crossed SITE_MIN_PAGES: all of it.
        scope = None
    store_text.set_site_prior(db, site, site_pages, use_prior)
    # Every version of the site when its boilerplate changed; else the pages of the new versions
    # (all their versions: a new version may have become equal to its predecessor).
    pages = None if scope is None else scope_pages
    versions = store_text.site_versions(db, site, pages=pages)
    hashes: dict[int, str] = {}
    touched: list[int] = []
    for version in versions:
        hashes[version.version_id] = version.content_hash
        if scope is not None and version.version_id not in scope:
            continue
        extracted = store_text.extracted_paragraphs(version.paragraphs, version.removed)
        kept, removed = split_boilerplate(extracted, learned.keys(), prior=use_prior)
        if removed == version.removed:
            continue
        chash = content_hash(version.title, "\n\n".join(kept))
        extracted_hash = content_hash(version.title, "\n\n".join(extracted))
        store_text.set_version_text(db, version.version_id, kept, removed, chash, extracted_hash)
        hashes[version.version_id] = chash
        touched.append(version.version_id)
    if not touched:
        return 0
    folded: dict[int, int] = {}
    previous: tuple[int, int] | None = None  # (page, version kept)
    for version in versions:
        vid = version.version_id
        if previous and previous[0] == version.page_id and hashes[previous[1]] == hashes[vid]:
            folded[vid] = previous[1]
            continue
        previous = (version.page_id, vid)
    stale = forget_diffs_of_versions(db, [*touched, *folded])
    for drop, keep in folded.items():
        store_text.fold_version(db, keep, drop)
    redo = {(folded.get(a, a), folded.get(b, b), kind) for a, b, kind in stale}
    for a, b, kind in sorted(redo):
        if a != b:
            diffs.diff_versions(db, a, b, kind)  # type: ignore[arg-type]
    return len(touched)
