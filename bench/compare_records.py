"""Same records before and after a change: every field of ``build_record`` on every corpus page.

A speed change to the readers (trafilatura's call, the credit reader, the parse) must not change
what is stored. ``--save FILE`` writes every page's record (all fields of
:class:`tracker.store.PageRecord`, or the :class:`tracker.record.BadInput` message) as JSON;
``--against FILE`` builds them again with the current code and prints how many are identical,
naming each field that differs.

Pages: the 181 Scrapinghub benchmark pages and the 62 Mozilla Readability test pages (the latter
given a made-up URL under example.com, the same on both sides).

Example:
    git stash && python bench/compare_records.py --save /tmp/before.json && git stash pop
    python bench/compare_records.py --against /tmp/before.json
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_FETCHED_AT = "2024-01-01T00:00:00+00:00"


def corpus_pages(corpus: Path) -> list[tuple[str, str, Path]]:
    """(key, url, file) of every page compared, sorted by key."""
    pages = []
    bench = corpus / "scrapinghub-article-extraction-benchmark"
    ground = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(ground):
        url = ground[key].get("url") or f"https://example.com/{key}"
        pages.append((f"scrapinghub/{key}", url, bench / "html" / f"{key}.html.gz"))
    readability = corpus / "mozilla-readability-test-pages" / "pages"
    for case in sorted(p.name for p in readability.iterdir() if p.is_dir()):
        url = f"https://example.com/readability/{case}/"
        pages.append((f"readability/{case}", url, readability / case / "source.html"))
    return pages


def record_of(task: tuple[str, str, str]) -> tuple[str, dict[str, Any]]:
    """One page's record as a JSON-able dict (or its error)."""
    from tracker.items import FetchedPage
    from tracker.record import BadInput, build_or_error

    key, url, path = task
    body = Path(path).read_bytes()
    if path.endswith(".gz"):
        body = gzip.decompress(body)
    result = build_or_error(FetchedPage(url=url, body=body, fetched_at=_FETCHED_AT))
    if isinstance(result, BadInput):
        return key, {"error": str(result)}
    return key, dataclasses.asdict(result)


def build_all(corpus: Path, jobs: int) -> dict[str, dict[str, Any]]:
    """Every compared page's record, by key."""
    tasks = [(key, url, str(path)) for key, url, path in corpus_pages(corpus)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(record_of, tasks, chunksize=4))


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields whose values differ between two records of one page."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--jobs", type=int, default=2)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the current code's records here")
    group.add_argument("--against", type=Path, help="compare the current code's records to these")
    args = parser.parse_args(argv)
    records = build_all(args.corpus, args.jobs)
    if args.save:
        args.save.write_text(json.dumps(records, sort_keys=True), encoding="utf-8")
        print(f"saved {len(records)} records to {args.save}")
        return 0
    # Through JSON like the saved side, so tuples and lists compare alike.
    records = json.loads(json.dumps(records))
    saved = json.loads(args.against.read_text(encoding="utf-8"))
    same = 0
    for key in sorted(saved.keys() | records.keys()):
        if key not in records or key not in saved:
            print(f"{key}: only {'before' if key in saved else 'after'}")
            continue
        fields = differences(saved[key], records[key])
        if fields:
            print(f"{key}: differs in {', '.join(fields)}")
        else:
            same += 1
    total = len(saved.keys() | records.keys())
    print(f"{same} of {total} pages identical (all fields of build_record)")
    return 0 if same == total else 1


if __name__ == "__main__":
    sys.exit(main())
