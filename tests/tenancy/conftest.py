"""Fixtures of the tenancy tests."""

import pytest
import redis
from django.conf import settings


@pytest.fixture
def redis_client():
    """A connection of its own to the Redis that holds the cache and the generation tokens."""
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
