"""A fixed-window request limit per (public key, client address) in Django's cache.

The cache is Redis when REDIS_URL is set (one count across every worker and machine: SET NX EX and INCR
in one round trip, on the cache's own Redis client), local memory otherwise (a count per process).
`now` is the clock, replaceable in tests.
"""

import math
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


_clients: dict[int, redis.Redis] = {}


def _redis_client(cache: RedisCache, name: str) -> redis.Redis:
    """A client on the cache's own connection pool, made once per pool (Django makes one per call, at a cost
    that outweighed the round trip)."""
    pool = cache._cache._get_connection_pool(write=True)
    client = _clients.get(id(pool))
    if client is None or client.connection_pool is not pool:
        client = _clients[id(pool)] = cache._cache.get_client(name, write=True)
    return client


def _count(key: str, *, timeout: int) -> int:
    """Add one to the window's count under `key` (created with this timeout) and return it."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        name = cache.make_and_validate_key(key)
        # Django's incr() needs two round trips (EXISTS, INCRBY); the cache's client does it in one.
        pipeline = _redis_client(cache, name).pipeline(transaction=False)
        pipeline.set(name, 0, ex=timeout, nx=True)
        pipeline.incr(name)
        return pipeline.execute()[1]
    try:
        return cache.incr(key)
    except ValueError:  # the window's first request from here
        return 1 if cache.add(key, 1, timeout=timeout) else cache.incr(key)
