"""From a fetched page to stored rows: decode, extract, find credits, store, then let the later
stages (credit resolution, clustering, diffs) catch up with what changed.

Extraction is pure (:func:`build_record`) so the crawler can run it in a process pool.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from trafilatura.utils import decode_file

from tracker.attribution import find_credits
from tracker.extraction import extract
from tracker.store import PageRecord, StoreResult, resolve_credit_targets, store_page
from tracker.urls import is_http_url, normalize_url, resolve_link, site_of

log = logging.getLogger(__name__)


class BadInput(ValueError):
    """A fetched body that cannot be a page (empty, binary, not HTML)."""


@dataclass
class FetchedPage:
    """A page as fetched or read from an archive, before extraction."""

    url: str
    body: bytes | str
    fetched_at: str
    source: str = "import"
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    extra_credits: list[dict] = field(default_factory=list)


def decode_body(body: bytes | str) -> str:
    """The page as text, guessing its encoding; :class:`BadInput` for empty or binary bodies."""
    if isinstance(body, str):
        text = body
    else:
        if not body.strip():
            raise BadInput("empty body")
        head = body[:4096]
        if b"\x00" in head:
            raise BadInput("binary body (NUL bytes), not HTML")
        text = decode_file(body)
    if not text.strip():
        raise BadInput("empty body")
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    if controls > 0.05 * len(sample) or sample.count("\ufffd") > 0.1 * len(sample):
        raise BadInput("binary body, not HTML")
    if "<" not in sample:
        raise BadInput("no HTML markup in body")
    return text


def build_record(page: FetchedPage) -> PageRecord:
    """Extract one page into a storable record (pure: safe to run in another process).

    Raises:
        BadInput: when the body is empty, binary or not HTML.
    """
    html = decode_body(page.body)
    if not is_http_url(page.url):
        raise BadInput("not an http(s) URL")
    url = normalize_url(page.url)
    extracted = extract(html, url)
    credits = [c.as_dict() for c in find_credits(html, url, extracted.paragraphs)]
    known = {(c["kind"], c.get("target_url"), c.get("target_name")) for c in credits}
    for credit in page.extra_credits:
        if (credit["kind"], credit.get("target_url"), credit.get("target_name")) not in known:
            credits.append(credit)
    return PageRecord(
        url=url,
        site=site_of(url),
        fetched_at=page.fetched_at,
        title=extracted.title,
        byline=extracted.byline,
        published=extracted.published,
        language=extracted.language,
        site_name=extracted.site_name,
        description=extracted.description,
        paragraphs=extracted.paragraphs,
        canonical_url=resolve_link(url, extracted.canonical_url),
        credits=credits,
        source=page.source,
        http_status=page.http_status,
        etag=page.etag,
        last_modified=page.last_modified,
    )


@dataclass
class IngestSummary:
    """Counts of one import or crawl, and what changed for the later stages."""

    read: int = 0
    pages_new: int = 0
    versions_new: int = 0
    unchanged: int = 0
    no_text: int = 0
    errors: int = 0
    new_version_ids: list[int] = field(default_factory=list)
    version_pairs: list[tuple[int, int]] = field(default_factory=list)

    def count(self, result: StoreResult) -> None:
        """Add one store result to the counts."""
        self.pages_new += int(result.new_page)
        if result.new_version and result.version_id is not None:
            self.versions_new += 1
            self.new_version_ids.append(result.version_id)
            if result.previous_version_id is not None:
                self.version_pairs.append((result.previous_version_id, result.version_id))
        else:
            self.unchanged += 1


def store_record(
    db: sqlite_utils.Database, record: PageRecord, summary: IngestSummary
) -> StoreResult | None:
    """Store one extracted record, counting it; a page with no article text is counted, not stored."""
    if not record.paragraphs:
        summary.no_text += 1
        log.info("%s: no article text found, not stored", record.url)
        return None
    result = store_page(db, record)
    summary.count(result)
    return result


def after_ingest(db: sqlite_utils.Database, summary: IngestSummary) -> dict[str, int]:
    """Bring the later stages up to date with what an import or crawl stored:
    credit targets, clusters, version diffs and repost diffs. Returns counts for the summary."""
    done = {"credits_resolved": resolve_credit_targets(db)}
    if not summary.new_version_ids:
        return done
    from tracker import clustering, diffs

    done["version_diffs"] = diffs.diff_new_versions(db, summary.version_pairs)
    update = clustering.update_clusters(db, summary.new_version_ids)
    changed = sorted(set(update.new) | set(update.grown) | set(update.changed))
    done["clusters_changed"] = len(changed)
    done["repost_diffs"] = diffs.diff_cluster_members(db, changed) if changed else 0
    return done


def catch_up(db: sqlite_utils.Database) -> tuple[Any, dict[str, int]]:
    """Everything :func:`after_ingest` does, for the whole database: credit targets, diffs of
    consecutive versions not yet diffed, clusters, and diffs of cluster members against their
    origins. Safe to repeat; returns the clustering result and the counts."""
    from tracker import clustering, diffs

    done = {"credits_resolved": resolve_credit_targets(db)}
    pairs = db.execute(
        "select prev_id, id from (select id, lag(id) over (partition by page_id order by fetched_at, id)"
        " as prev_id from versions) where prev_id is not null and not exists (select 1 from diffs d"
        " where d.kind = 'version' and d.a_version_id = prev_id and d.b_version_id = id)"
    ).fetchall()
    done["version_diffs"] = diffs.diff_new_versions(db, [(a, b) for a, b in pairs])
    result = clustering.update_clusters(db)
    done["repost_diffs"] = diffs.diff_cluster_members(db)
    return result, done


def build_or_error(page: FetchedPage) -> PageRecord | BadInput:
    """Extraction of one page, with any failure turned into a reportable :class:`BadInput`:
    one hostile page must not stop an import of thousands."""
    try:
        return build_record(page)
    except BadInput as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 (third-party parsers raise anything on hostile input)
        log.debug("extraction failed for %s", page.url, exc_info=True)
        return BadInput(f"extraction failed ({exc.__class__.__name__}: {exc})")


def build_records(
    pages: Iterable[FetchedPage], jobs: int = 1, chunk: int = 64
) -> Iterable[tuple[FetchedPage, PageRecord | BadInput]]:
    """Extract pages, in ``jobs`` worker processes when more than one; yields results in input order."""
    if jobs <= 1:
        for page in pages:
            yield page, build_or_error(page)
        return
    from concurrent.futures import ProcessPoolExecutor
    from itertools import islice

    iterator = iter(pages)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        while batch := list(islice(iterator, chunk * jobs)):
            yield from zip(
                batch, pool.map(build_or_error, batch, chunksize=max(1, chunk // 4)), strict=True
            )
