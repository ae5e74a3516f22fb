"""A fixed-window request limit per (public key, client address) in Django's cache.

The cache is Redis when REDIS_URL is set (one count across every worker and machine: one script that
counts and sets the window's expiry, one command on the cache's own Redis client), local memory otherwise
(a count per process).
`now` is the clock, replaceable in tests.
"""

import math
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.commands.core import Script

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
_counters: dict[int, tuple[redis.Redis, Script]] = {}


def _redis_counter(cache: RedisCache, name: str) -> Script:
    """The count script on a client of the cache's own connection pool, made once per pool (Django makes a
    client per call, at a cost that outweighed the round trip)."""
    pool = cache._cache._get_connection_pool(write=True)
    known = _counters.get(id(pool))
    if known is None or known[0].connection_pool is not pool:
        client = cache._cache.get_client(name, write=True)
        known = _counters[id(pool)] = (client, client.register_script(COUNT_SCRIPT))
    return known[1]


def _count(key: str, *, timeout: int) -> int:
    """Add one to the window's count under `key` (created with this timeout) and return it."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        name = cache.make_and_validate_key(key)
        # Django's incr() needs two round trips (EXISTS, INCRBY); the script is one command (EVALSHA).
        return _redis_counter(cache, name)(keys=[name], args=[timeout])
    try:
        return cache.incr(key)
    except ValueError:  # the window's first request from here
        return 1 if cache.add(key, 1, timeout=timeout) else cache.incr(key)
