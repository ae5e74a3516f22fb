"""A fixed-window request limit per (public key, client address) in Django's cache.

The cache is Redis when REDIS_URL is set (one count across every worker and machine: one script that
counts and sets the window's expiry, one command on a connection of the thread's own), local memory otherwise
(a count per process).
`now` is the clock, replaceable in tests.
"""

import hashlib
import math
import os
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

now = time.time


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int


def rate_limit_hit(*, public_key: str, address: str | None) -> Verdict:
    """Count one request of this key from this address; refused once the window's limit is reached."""
    limit = settings.AISTRALE_FEEDBACK_RATE_LIMIT
    window = settings.AISTRALE_FEEDBACK_RATE_WINDOW_SECONDS
    moment = now()
    slot = int(moment // window)
    key = f"feedback-rate:{public_key}:{address or '-'}:{slot}"
    count = _count(key, timeout=window + 1)
    retry_after = max(1, math.ceil((slot + 1) * window - moment))
    return Verdict(allowed=count <= limit, retry_after=retry_after)


COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
COUNT_SHA = hashlib.sha1(COUNT_SCRIPT.encode()).hexdigest()
_local = threading.local()


def _thread_connection(cache: RedisCache) -> redis.Connection:
    """This thread's own connection to the cache's Redis, made like the cache's pool makes its own.

    Taking one from the pool per call (a lock, and a poll of the socket before it is handed out) and
    redis-py's client machinery around the command cost more than the round trip itself.
    """
    pool = cache._cache._get_connection_pool(write=True)
    known = getattr(_local, "counter", None)
    if known is None or known[0] is not pool:
        known = _local.counter = (pool, pool.connection_class(**pool.connection_kwargs))
    return known[1]


def _redis_count(cache: RedisCache, name: str, timeout: int) -> int:
    """One EVALSHA of the count script; a broken connection is reopened once (as redis-py's client retries)."""
    connection = _thread_connection(cache)
    try:
        return _run_count(connection, name, timeout)
    except (redis.ConnectionError, redis.TimeoutError):
        connection.disconnect()
        return _run_count(connection, name, timeout)


def _run_count(connection: redis.Connection, name: str, timeout: int) -> int:
    connection.send_command("EVALSHA", COUNT_SHA, 1, name, timeout)
    try:
        return connection.read_response()
    except redis.exceptions.NoScriptError:  # a Redis that has not seen the script (restarted, flushed)
        connection.send_command("EVAL", COUNT_SCRIPT, 1, name, timeout)
        return connection.read_response()


def _forget_connections() -> None:
    global _local
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_connections)


def _count(key: str, *, timeout: int) -> int:
    """Add one to the window's count under `key` (created with this timeout) and return it."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # Django's incr() needs two round trips (EXISTS, INCRBY); the script is one command (EVALSHA).
        return _redis_count(cache, cache.make_and_validate_key(key), timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the window's first request from here
        return 1 if cache.add(key, 1, timeout=timeout) else cache.incr(key)
