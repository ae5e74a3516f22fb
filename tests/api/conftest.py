"""Fixtures of the API edge tests: the database or Redis out of reach, with a known Retry-After."""

import socket

import pytest
from django.db import connection
from django.test import override_settings

from aistrale import generation_tokens


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def retry_after(settings) -> str:
    """The Retry-After header an outage answers in this test."""
    settings.AISTRALE_RETRY_AFTER_SECONDS = 7
    return "7"


@pytest.fixture
def database_unreachable(retry_after, closed_port):
    """The default connection pointed at a closed port (PostgreSQL) or a file that cannot be opened (SQLite)."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-directory/aistrale.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port))
    yield
    connection.close()
    connection.settings_dict.update(saved)


@pytest.fixture
def redis_unreachable(retry_after, closed_port):
    """The cache (and the generation tokens) pointed at a closed Redis port."""
    location = f"redis://127.0.0.1:{closed_port}/0"
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}}
    with override_settings(CACHES=caches):
        generation_tokens._forget_connections()
        yield
    generation_tokens._forget_connections()
