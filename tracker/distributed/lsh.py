"""An LSH index shared through Redis, for deployments with more than one ingester: datasketch's
``MinHashLSH`` with ``storage_config={"type": "redis", ...}``, the same bands as the in-memory
index (:data:`tracker.lsh.LSH_PARAMS`).

Safe to share: keys are page ids as bytes and ``prepickle=False``, so nothing read back from
Redis is ever unpickled (a key that is not a decimal page id is skipped with a log line). The
``basename`` is fixed, so every process opens the same index. Queries look up all bands in one
pipelined round trip (:meth:`RedisLSH.query`) instead of datasketch's one round trip per band;
``bench/bench_redis.py`` measures both against the in-memory index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from datasketch import MinHashLSH

from tracker import signatures as sig
from tracker.distributed.connection import PREFIX, check_url, connect
from tracker.lsh import LSH_PARAMS

log = logging.getLogger(__name__)

#: The fixed key prefix of the shared index.
BASENAME = f"{PREFIX}:lsh".encode()


def redis_params(url: str) -> dict[str, Any]:
    """``redis.Redis`` keyword arguments for a URL (``rediss://`` sets ``ssl``), the form
    datasketch's Redis storage takes."""
    from redis.connection import SSLConnection, parse_url

    params = dict(parse_url(check_url(url)))
    if params.pop("connection_class", None) is SSLConnection:
        params["ssl"] = True
    return params


class RedisLSH:
    """The shared LSH index: insert page signatures, query candidates (page ids)."""

    def __init__(self, url: str, basename: bytes = BASENAME, params: tuple[int, int] = LSH_PARAMS):
        self.client = connect(url)
        self.lsh = MinHashLSH(
            num_perm=sig.NUM_PERM,
            params=params,
            storage_config={"type": "redis", "basename": basename, "redis": redis_params(url)},
            prepickle=False,
        )

    def insert(self, page_id: int, minhash: Any) -> None:
        """Add one page (one Redis round trip per band: datasketch's plain insert)."""
        self.lsh.insert(str(page_id).encode(), minhash, check_duplication=False)

    def insert_many(self, items: Iterable[tuple[int, Any]]) -> None:
        """Add many pages in buffered pipelines (datasketch's ``insertion_session``)."""
        with self.lsh.insertion_session() as session:
            for page_id, minhash in items:
                session.insert(str(page_id).encode(), minhash, check_duplication=False)

    def query(self, minhash: Any) -> list[int]:
        """Candidate page ids sharing a band with ``minhash``: all bands in one round trip."""
        pipe = self.client.pipeline(transaction=False)
        for (start, end), table in zip(self.lsh.hashranges, self.lsh.hashtables, strict=True):
            pipe.smembers(table.redis_key(self.lsh._H(minhash.hashvalues[start:end])))
        return _page_ids(key for bucket in pipe.execute() for key in bucket)

    def query_sequential(self, minhash: Any) -> list[int]:
        """The same as :meth:`query` through datasketch's own ``query`` (one trip per band)."""
        return _page_ids(self.lsh.query(minhash))


def _page_ids(keys: Iterable[Any]) -> list[int]:
    found = set()
    for key in keys:
        try:
            found.add(int(key))
        except (TypeError, ValueError):
            log.warning("shared LSH index: skipped a key that is not a page id: %r", key[:40])
    return sorted(found)
