"""The single writer: read page records from the results stream, store them through
:mod:`tracker.pipeline` (store each record, then the later stages for the batch), and
acknowledge the entries only once that is committed.

Delivery is at least once: an ingester killed after storing and before acknowledging reads the
same entries again when it restarts (its pending entries come first), and storing them again
changes nothing (a page with the same content is "unchanged"; the stages pick up what a killed
run left undone). A planted pickle or a malformed entry is never executed: it gets one log line
and goes to the dead-letter stream ``tracker:results:dead``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from tracker.distributed.codec import BadEntry, decode_record
from tracker.distributed.results import DEAD, RESULTS
from tracker.pipeline import IngestSummary, run_stages, store_record
from tracker.store import PageRecord, StoreError

log = logging.getLogger(__name__)

GROUP = "ingest"
#: The consumer name of the one ingester: a restarted ingester takes over what it held.
CONSUMER = "ingester"


@dataclass
class IngestRun:
    """What :func:`ingest` did."""

    entries: int = 0
    batches: int = 0
    rejected: int = 0
    summary: IngestSummary = field(default_factory=IngestSummary)
    stages: dict[str, int] = field(default_factory=dict)


def ensure_group(client: Any) -> None:
    """Create the results stream's consumer group (reading from the stream's start)."""
    try:
        client.xgroup_create(RESULTS, GROUP, id="0", mkstream=True)
    except Exception as exc:  # BUSYGROUP: it exists
        if "BUSYGROUP" not in str(exc):
            raise


def _read(client: Any, consumer: str, batch: int, block_ms: int) -> list[tuple[str, dict]]:
    # Entries this consumer took before a restart and never acknowledged come first.
    for start, block in (("0", None), (">", block_ms)):
        found = client.xreadgroup(GROUP, consumer, {RESULTS: start}, count=batch, block=block)
        entries = [
            (entry_id.decode(), fields)
            for _stream, rows in found or []
            for entry_id, fields in rows
            if fields  # a pending entry deleted meanwhile comes back empty
        ]
        if entries:
            return entries
    return []


def reject(client: Any, entry: str, fields: dict, why: str) -> None:
    """Move an unreadable entry to the dead-letter stream and acknowledge it (one log line)."""
    log.warning("results entry %s rejected: %s (moved to %s)", entry, why, DEAD)
    pipe = client.pipeline(transaction=True)
    pipe.xadd(DEAD, {"entry": entry, "why": why, **{k: v for k, v in fields.items()}})
    pipe.xack(RESULTS, GROUP, entry)
    pipe.xdel(RESULTS, entry)
    pipe.execute()


def ingest_batch(client: Any, db: Any, entries: list[tuple[str, dict]], run: IngestRun) -> None:
    """Store one batch of entries and run the stages; then acknowledge them."""
    good: list[str] = []
    summary = IngestSummary()
    for entry, fields in entries:
        try:
            record: PageRecord = decode_record(fields.get(b"record"))
        except BadEntry as exc:
            reject(client, entry, fields, str(exc))
            run.rejected += 1
            continue
        summary.read += 1
        try:
            store_record(db, record, summary)
        except (sqlite3.Error, StoreError):
            raise  # the database, not the entry: stop, and read the entry again on restart
        except Exception as exc:  # a record that passed the checks but cannot be stored
            reject(client, entry, fields, f"cannot be stored: {type(exc).__name__}: {exc}"[:300])
            run.rejected += 1
            continue
        good.append(entry)
    stages = run_stages(db, summary)
    for key, value in stages.counts.items():
        run.stages[key] = run.stages.get(key, 0) + value
    # Everything above is committed: only now may Redis forget these entries.
    if good:
        pipe = client.pipeline(transaction=True)
        pipe.xack(RESULTS, GROUP, *good)
        pipe.xdel(RESULTS, *good)
        pipe.execute()
    run.entries += len(entries)
    run.batches += 1
    for name in ("read", "pages_new", "versions_new", "unchanged", "no_text"):
        setattr(run.summary, name, getattr(run.summary, name) + getattr(summary, name))


def ingest(
    client: Any,
    db: Any,
    batch: int = 100,
    idle_exit: float | None = None,
    consumer: str = CONSUMER,
    block_ms: int = 1000,
) -> IngestRun:
    """Ingest from the results stream until stopped (or idle for ``idle_exit`` seconds).

    Args:
        client: A Redis client.
        db: The tracker database (:func:`tracker.store.open_db`).
        batch: Entries stored per transaction of the later stages.
        idle_exit: Return after this many seconds with nothing to read (``None``: never).
        consumer: The consumer name (keep the default: one ingester).
        block_ms: How long one read waits for new entries.
    """
    ensure_group(client)
    run = IngestRun()
    idle_since = time.monotonic()
    while True:
        entries = _read(client, consumer, batch, block_ms)
        if entries:
            ingest_batch(client, db, entries, run)
            log.info("ingested %d entries (%d in all)", len(entries), run.entries)
            idle_since = time.monotonic()
        elif idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
            return run
