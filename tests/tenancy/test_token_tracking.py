"""Generation tokens read through Redis client-side caching: no round trip when unchanged, never stale."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from aistrale.generation_tokens import redis_key, token_bump, tokens_mget, tokens_read, tokens_shared
from tests.caches import clear_cache, redis_settle

pytestmark = [pytest.mark.skipif(not tokens_shared(), reason="generation tokens live in Redis"), pytest.mark.django_db]

NAMES = ["tracking:a", "tracking:b"]


def mget_calls(redis_client) -> int:
    return redis_client.info("commandstats").get("cmdstat_mget", {}).get("calls", 0)


def in_other_thread(function, *arguments):
    """Run in a new thread: its own Redis connection (and database connection, closed after)."""

    def run():
        try:
            return function(*arguments)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def test_unchanged_tokens_are_read_without_a_round_trip(redis_client):
    first = tokens_read(NAMES)
    calls = mget_calls(redis_client)
    assert [tokens_read(NAMES) for _ in range(20)] == [first] * 20
    assert mget_calls(redis_client) == calls


def test_a_bump_by_another_connection_is_seen_by_the_next_read():
    tokens_read(NAMES)
    in_other_thread(token_bump, NAMES[0])
    [bumped] = in_other_thread(tokens_read, [NAMES[0]])
    assert bumped is not None
    assert tokens_read(NAMES)[0] == bumped


def test_a_bump_over_the_same_connection_is_seen_at_once():
    tokens_read(NAMES)
    for _ in range(5):
        token_bump(NAMES[1])
        assert tokens_read([NAMES[1]]) == in_other_thread(tokens_read, [NAMES[1]])


def test_a_write_by_any_redis_client_and_a_flush_are_seen(redis_client):
    tokens_read(NAMES)
    redis_client.set(redis_key(NAMES[0]), b"written elsewhere")
    redis_settle()
    assert tokens_read(NAMES)[0] == b"written elsewhere"
    clear_cache()
    assert tokens_read(NAMES) == [None, None]


def test_a_dropped_connection_is_reopened_and_reads_afresh(redis_client):
    tokens_read(NAMES)
    redis_client.client_kill_filter(_type="normal", skipme=True)
    redis_client.set(redis_key(NAMES[0]), b"written while disconnected")
    assert tokens_mget([redis_key(NAMES[0])]) == [b"written while disconnected"]
