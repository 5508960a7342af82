"""From a fetched page to a storable record: decode, extract, find credits.

Pure functions of the fetched page (no database), so the crawler and the importer can run them in
worker processes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from tracker.attribution import beside_lines, find_credits
from tracker.extraction import extract
from tracker.html import decode_html, has_bom, parse_html
from tracker.items import FetchedPage, PageRecord
from tracker.urls import is_http_url, normalize_url, resolve_link, site_of
from tracker.visible_text import PageTexts

log = logging.getLogger(__name__)


# C0 control characters other than tab, line feed, form feed and carriage return: binary bytes.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


class BadInput(ValueError):
    """A fetched body that cannot be a page (empty, binary, not HTML)."""


def decode_body(body: bytes | str, content_type: str | None = None) -> str:
    """The page as text, decoded as a browser would (:func:`tracker.html.decode_html`);
    :class:`BadInput` for empty or binary bodies."""
    if isinstance(body, str):
        text = body
    else:
        if not body.strip():
            raise BadInput("empty body")
        # UTF-16/32 pages are full of NUL bytes: only their byte-order mark tells them from binary.
        if b"\x00" in body[:4096] and not has_bom(body):
            raise BadInput("binary body (NUL bytes), not HTML")
        text, _ = decode_html(body, content_type)
    if not text.strip():
        raise BadInput("empty body")
    sample = text[:4096]
    controls = len(_CONTROLS.findall(sample))
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
    html = decode_body(page.body, page.content_type)
    if not is_http_url(page.url):
        raise BadInput("not an http(s) URL")
    url = normalize_url(page.url)
    tree = parse_html(html)  # the one parse: every reader below shares this tree
    extracted = extract(tree, url)
    texts = PageTexts(tree) if tree is not None else None  # searched by both credit readers
    credits = [c.as_dict() for c in find_credits(tree, url, extracted.paragraphs, texts)]
    credits += [c.as_dict() for c in beside_lines(tree, extracted.paragraphs, texts)]
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
        capture=page.capture,
    )


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
