"""Verified API keys memoized per process, re-validated against a generation token on every request.

Generation tokens live in Redis (when it is the cache) under the cache's key prefix, read and
written over one connection per thread, opened once. Every ApiKey write (create, revoke, role change, delete)
replaces the key's token now and again after commit. A worker serves a memoized key only while the
token it read *before* loading the key from the database is still current, so a revoked key is
refused on the very next request in every worker. The check is one MGET, which callers share with
their own token reads. With a process-local cache (workers cannot see each other's writes) every
request asks the database. The secret is checked on every request either way.
"""

import hashlib
import hmac
import os
import threading
import uuid
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

from aistrale.tenancy.models import ApiKey
from aistrale.tenancy.services import api_key_authenticate, hash_secret

MAX_MEMOIZED_KEYS = 10_000

_pools: dict[str, redis.ConnectionPool] = {}
_local = threading.local()


def tokens_shared() -> bool:
    """Whether generation tokens are visible to every worker (the cache is Redis)."""
    return isinstance(caches["default"], RedisCache)


def _connection() -> redis.Connection:
    """This thread's own connection: no pool checkout, retry wrapper or client object per request."""
    connection = getattr(_local, "connection", None)
    if connection is None:
        location = settings.CACHES["default"]["LOCATION"]
        pool = _pools.get(location) or _pools.setdefault(
            location, redis.ConnectionPool.from_url(location.split(",")[0])
        )
        connection = _local.connection = pool.connection_class(**pool.connection_kwargs)
    return connection


def _forget_connections() -> None:
    global _local
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_connections)


def _execute(*command):
    connection = _connection()
    try:
        connection.send_command(*command)
        return connection.read_response()
    except (redis.ConnectionError, redis.TimeoutError):
        connection.disconnect()
        connection.send_command(*command)
        return connection.read_response()
    except BaseException:
        connection.disconnect()
        raise


def redis_key(name: str) -> str:
    """The Redis key of a token name: the cache's prefix and version applied."""
    return caches["default"].make_key(name)


def tokens_mget(keys: list[str]) -> list[bytes | None]:
    """The current token under each Redis key, in one round trip."""
    return _execute("MGET", *keys)


def tokens_read(names: list[str]) -> list[bytes | None]:
    return tokens_mget([redis_key(name) for name in names])


def token_current(name: str, read: bytes | None) -> bytes:
    """`read` if there was a token, else a new one stored unless another worker stored one first."""
    if read is not None:
        return read
    token = uuid.uuid4().hex.encode()
    previous = _execute("SET", redis_key(name), token, "NX", "GET")
    return token if previous is None else previous


def token_bump(name: str) -> None:
    """Retire whatever was derived under the current token, now and after the transaction commits."""
    if not tokens_shared():
        return
    key = redis_key(name)

    def bump() -> None:
        _execute("SET", key, uuid.uuid4().hex.encode())

    bump()
    transaction.on_commit(bump)


def key_token_name(public_key: str) -> str:
    return "apikey:gen:" + hashlib.blake2b(public_key.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class VerifiedKey:
    """An active key as loaded from the database, and the token that was current before loading it."""

    public_key: str
    secret_hash: str
    project_id: str
    role: str
    token_key: str
    token: bytes | None

    def accepts(self, secret_key: str | None) -> bool:
        """Constant-time check of the secret; None (public key alone) is for the caller to judge."""
        return secret_key is None or hmac.compare_digest(self.secret_hash, hash_secret(secret_key))


_memo: dict[str, VerifiedKey] = {}


def memoized(*, public_key: str, secret_key: str | None) -> VerifiedKey | None:
    """This process's memo of the key if the secret matches it; its token is still to be checked."""
    known = _memo.get(public_key)
    return known if known is not None and known.accepts(secret_key) else None


def _verified(api_key: ApiKey, token_key: str, token: bytes | None) -> VerifiedKey:
    return VerifiedKey(
        public_key=api_key.public_key,
        secret_hash=api_key.secret_hash,
        project_id=api_key.project_id,
        role=api_key.role,
        token_key=token_key,
        token=token,
    )


def authenticate(*, public_key: str, secret_key: str | None) -> tuple[VerifiedKey, ApiKey | None] | None:
    """The active key for this pair, with its row when the database was asked; None if refused."""
    if not tokens_shared():
        api_key = api_key_authenticate(public_key=public_key, secret_key=secret_key)
        return None if api_key is None else (_verified(api_key, "", None), api_key)
    name = key_token_name(public_key)
    known = memoized(public_key=public_key, secret_key=secret_key)
    [read] = tokens_read([name])
    if known is not None and read == known.token:
        return known, None
    token = token_current(name, read)
    api_key = api_key_authenticate(public_key=public_key, secret_key=secret_key)
    if api_key is None:
        return None
    verified = _verified(api_key, redis_key(name), token)
    if len(_memo) >= MAX_MEMOIZED_KEYS:
        _memo.clear()
    _memo[public_key] = verified
    return verified, api_key
