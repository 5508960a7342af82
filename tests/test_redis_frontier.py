"""The shared frontier's Redis side (tracker.distributed.frontier.Frontier) against a real Redis:
once per run, one taker per entry, what a stopped worker held taken over after its lease (and
not before, while its owner keeps it), entries taken too often given up."""

from __future__ import annotations

import time

import pytest

from tests.redis_server import redis_server
from tracker.distributed import frontier as frontier_module
from tracker.distributed.connection import connect
from tracker.distributed.frontier import Frontier

LEASE_MS = 1000


@pytest.fixture
def client(tmp_path):
    with redis_server(tmp_path) as url:
        yield connect(url)


def worker(client, name: str, run_id: str = "r1") -> Frontier:
    return Frontier(client, "site", run_id, consumer=name, lease_ms=LEASE_MS)


def idle_past_lease() -> None:
    time.sleep(LEASE_MS / 1000 * 1.5)


def test_each_request_is_queued_once_per_run_and_taken_by_one_worker(client):
    a, b = worker(client, "a"), worker(client, "b")
    assert a.add("fp1", b"one") and a.add("fp2", b"two")
    assert not b.add("fp1", b"one again")  # seen in this run, whichever worker found it
    assert worker(client, "c", run_id="r2").add("fp1", b"next run")  # a new run starts afresh
    first, second = a.take(), b.take()
    assert {first[1], second[1]} == {b"one", b"two"}
    assert a.others_pending() and b.others_pending()  # each waits for what the other holds
    a.done(first[0])
    b.done(second[0])
    assert worker(client, "c", run_id="r2").take()[1] == b"next run"


def test_a_stopped_workers_entry_is_taken_over_after_its_lease_not_before(client):
    a, b = worker(client, "a"), worker(client, "b")
    a.add("fp1", b"page")
    entry, _ = a.take()
    assert b.take() is None  # held by a, within its lease
    for _ in range(3):  # a live worker keeps its lease
        time.sleep(LEASE_MS / 1000 / 2)
        a.keep([entry])
    assert b.take() is None
    idle_past_lease()  # a stopped: nobody renews
    assert b.take() == (entry, b"page")
    b.done(entry)
    assert not a.others_pending() and not b.others_pending()


def test_an_entry_taken_too_often_goes_to_the_dead_letter_stream(client, monkeypatch):
    monkeypatch.setattr(frontier_module, "MAX_DELIVERIES", 2)
    a = worker(client, "a")
    a.add("fp1", b"poison")
    a.take()
    idle_past_lease()
    assert worker(client, "b").take() is not None  # the second delivery
    idle_past_lease()
    assert worker(client, "c").take() is None  # a third would be one too many
    assert client.xlen(a.dead) == 1
    assert client.xlen(a.queue) == 0
