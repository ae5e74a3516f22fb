"""Emptying the cache between tests, and waiting for Redis to have pushed a write's invalidations."""

import redis
from django.conf import settings
from django.core.cache import cache

from aistrale.generation_tokens import tokens_shared


def clear_cache() -> None:
    cache.clear()
    redis_settle()


def redis_settle() -> None:
    """A round trip to Redis after a write made outside aistrale.generation_tokens (which does this itself).

    Redis answers it only once it has pushed the write's invalidations to every tracking connection.
    """
    if tokens_shared():
        redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).ping()
