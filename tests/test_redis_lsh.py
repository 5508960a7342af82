"""The shared LSH index in Redis (datasketch's Redis storage): the same candidates as the
in-memory index, the pipelined lookup equal to datasketch's own, and nothing unpickled."""

from __future__ import annotations

import logging

from datasketch import MinHashLSH

from tests.fixture_web import generated_article
from tests.redis_server import redis_server
from tracker import fingerprint as fp
from tracker import signatures as sig
from tracker.distributed.lsh import BASENAME, RedisLSH, redis_params
from tracker.lsh import LSH_PARAMS


def sketches() -> list:
    """Four pages: an article, the same article with one more paragraph, two others."""
    article = generated_article(1)[1]
    longer = [*article, "One more paragraph the copy added at the end of the story."]
    texts = [
        "\n\n".join(p) for p in (article, longer, generated_article(2)[1], generated_article(3)[1])
    ]
    return [sig.minhash(fp.shingles(text)) for text in texts]


def test_redis_lsh_finds_what_the_in_memory_index_finds(tmp_path, caplog):
    memory = MinHashLSH(num_perm=sig.NUM_PERM, params=LSH_PARAMS)
    with redis_server(tmp_path, password="lsh-pass") as url:
        shared = RedisLSH(url)
        shared.insert(0, sketches()[0])
        shared.insert_many((i, m) for i, m in enumerate(sketches()) if i)
        for i, m in enumerate(sketches()):
            memory.insert(i, m)
        # A second process opening the index by its fixed basename sees the same pages.
        other = RedisLSH(url)
        for m in sketches():
            expected = sorted(memory.query(m))
            assert shared.query(m) == expected == other.query_sequential(m)
        assert shared.query(sketches()[0]) == [0, 1]
        # Keys are plain page ids: a planted pickle under the index's keys is skipped, not loaded.
        bucket = shared.lsh.hashtables[0].redis_key(
            shared.lsh._H(sketches()[2].hashvalues[0 : LSH_PARAMS[1]])
        )
        assert bucket.startswith(BASENAME)
        shared.client.sadd(bucket, b"\x80\x04\x95planted.")
        with caplog.at_level(logging.WARNING):
            assert shared.query(sketches()[2]) == [2]
        assert "not a page id" in caplog.text


def test_rediss_urls_become_ssl_parameters():
    params = redis_params("rediss://:pw@127.0.0.1:6380/2?ssl_ca_certs=/tmp/ca.pem")
    assert params["ssl"] is True and params["port"] == 6380 and params["db"] == 2
    assert params["password"] == "pw" and params["ssl_ca_certs"] == "/tmp/ca.pem"
