"""Generation tokens: a value per cached thing, replaced by every write that retires what was derived.

A reader derives a value (a verified API key, a prompt body) under the token it read first and
serves it only while that token is still current. Used by the API-key memo (aistrale.api.key_cache,
bumped by aistrale.tenancy.signals) and the prompt cache. Tokens live in Redis when it is the cache,
else in the database (tenancy.GenerationToken), so every worker sees every write either way.

In the database a read of the tokens a fetch depends on is one primary-key query, and a write
replaces its row inside the writer's transaction: a reader sees the new token exactly when it can
see the data the write committed. A token never written reads as b"" (rows are never deleted).
On PostgreSQL that query is the memoized fetch's only round trip: a prepared statement in autocommit, with
no health-check `SELECT 1` before it (a dropped connection is replaced and the read retried instead).
On SQLite each thread keeps the tokens it read while `PRAGMA data_version` on its connection (which
moves whenever another connection commits; a microsecond, no query) holds, so a repeated read costs no
query; its own token writes forget them.

In Redis a write replaces the token now and again after commit, under the cache's key prefix.

Token reads go through Redis server-assisted client-side caching: each thread keeps one RESP3
connection with CLIENT TRACKING on and the token values it read, which Redis invalidates by push.
A read first drains pushes already on the socket (a poll, not a round trip). A token write is
followed by a PING: Redis answers it only after flushing the write's invalidations to every
tracking connection, so when a write returns, every worker's next read sees it. Changes made by
other Redis clients (an eviction, a flush) reach the workers a moment after they happen.
"""

import os
import threading
import uuid

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections, transaction

MAX_TRACKED_TOKENS = 100_000

_pools: dict[str, redis.ConnectionPool] = {}
_local = threading.local()


UNWRITTEN = b""
TABLE = "aistrale_generation_token"
POSTGRES_SELECT = f"SELECT name, value FROM {TABLE} WHERE name = ANY(%s)"


def tokens_shared() -> bool:
    """Whether generation tokens live in Redis (the cache is Redis); else they are database rows."""
    return isinstance(caches["default"], RedisCache)


class DatabaseTokens:
    """One thread's token values read from the database, kept while its SQLite connection's data_version holds."""

    def __init__(self):
        self.values: dict[str, bytes] = {}
        self.marker: tuple | None = None

    def forget(self) -> None:
        self.values = {}
        self.marker = None


def _database_tokens() -> DatabaseTokens:
    tokens = getattr(_local, "database_tokens", None)
    if tokens is None:
        tokens = _local.database_tokens = DatabaseTokens()
    return tokens


def _change_marker() -> tuple | None:
    """What changes whenever another connection commits: SQLite's data_version on this thread's connection.

    None (read the rows every time) on other databases and inside a transaction, whose own uncommitted
    writes must never be remembered.
    """
    database = connections[DEFAULT_DB_ALIAS]
    if database.vendor != "sqlite" or database.in_atomic_block:
        return None
    database.ensure_connection()
    raw = database.connection
    (version,) = raw.execute("PRAGMA data_version").fetchone()
    return (raw, version)


def _postgres_read(keys: list[str]) -> list[tuple[str, str]]:
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, connection._prepare_cursor(psycopg.Cursor(connection.connection)) as cursor:
        cursor.execute(POSTGRES_SELECT, [keys])
        rows = cursor.fetchall()
    connection.health_check_done = True
    return rows


def _postgres_rows(keys: list[str]) -> list[tuple[str, str]]:
    """The token rows in one statement, its only round trip: server-bound (so psycopg prepares it once it has
    seen it a few times, as `prepare_threshold` in the database OPTIONS says) and no Django health check first.

    A connection found broken outside a transaction is closed and the read retried on a new one, which is what
    the health check would have done; a read that worked stands in for that check for the rest of the request.
    """
    try:
        return _postgres_read(keys)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        connection.close()
        return _postgres_read(keys)


def _database_select(keys: list[str]) -> dict[str, bytes]:
    if connection.vendor == "postgresql":
        rows = _postgres_rows(keys)
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name, value FROM {TABLE} WHERE name IN ({', '.join(['%s'] * len(keys))})", keys)
            rows = cursor.fetchall()
    found = dict(rows)
    return {key: found[key].encode() if key in found else UNWRITTEN for key in keys}


def _database_mget(keys: list[str]) -> list[bytes]:
    """The rows' tokens: from this thread's memory while SQLite reports no commit by another connection.

    The marker is read before the rows, so a commit racing the read only makes the next read re-check.
    This thread's own token writes forget its memory (its data_version does not move for them).
    """
    marker = _change_marker()
    tokens = _database_tokens()
    if marker is None or marker != tokens.marker:
        tokens.forget()
    values = tokens.values
    missing = [key for key in keys if key not in values]
    found = _database_select(missing) if missing else {}
    if marker is not None and missing:
        if len(values) >= MAX_TRACKED_TOKENS:
            values.clear()
        values.update(found)
        tokens.marker = marker
    return [values[key] if key in values else found[key] for key in keys]


def _database_write(key: str) -> None:
    _database_tokens().forget()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (name, value) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [key, uuid.uuid4().hex],
        )


class TrackedTokens:
    """One thread's tracking connection to Redis and the token values read over it, kept current by push."""

    def __init__(self, location: str):
        pool = _pools.get(location) or _pools.setdefault(location, redis.ConnectionPool.from_url(location))
        self.connection = pool.connection_class(**{**pool.connection_kwargs, "protocol": 3})
        self.values: dict[str, bytes | None] = {}
        self.tracking = False

    def _invalidate(self, push: list) -> None:
        if push[1] is None:
            self.values.clear()
        else:
            for key in push[1]:
                self.values.pop(key.decode(), None)

    def _start_tracking(self) -> None:
        self.values.clear()
        self.connection.connect()
        # No public redis-py hook for invalidation pushes; its own client cache (cache_config) sets the handler so.
        self.connection._parser.set_invalidation_push_handler(self._invalidate)
        self.command("CLIENT", "TRACKING", "ON")
        self.tracking = True

    def command(self, *command):
        self.connection.send_command(*command)
        return self.connection.read_response()

    def _safely(self, operation):
        """Run `operation`; a broken connection is reopened once, since tracking (and what it vouched for) is lost."""
        for attempt in (1, 2):
            try:
                if not self.tracking:
                    self._start_tracking()
                while self.connection.can_read():
                    self.connection.read_response(push_request=True)
                return operation()
            except (redis.ConnectionError, redis.TimeoutError):
                self._reset()
                if attempt == 2:
                    raise
            except BaseException:
                self._reset()
                raise

    def _reset(self) -> None:
        self.tracking = False
        self.values.clear()
        self.connection.disconnect()

    def mget(self, keys: list[str]) -> list[bytes | None]:
        def read():
            values = self.values
            if all(key in values for key in keys):
                return [values[key] for key in keys]
            found = self.command("MGET", *keys)
            if len(values) >= MAX_TRACKED_TOKENS:
                values.clear()
            values.update(zip(keys, found, strict=True))
            return found

        return self._safely(read)

    def write(self, key: str, *command):
        """Run a command that writes `key`, then wait until Redis has pushed its invalidations to every worker."""

        def run():
            self.values.pop(key, None)
            reply = self.command(*command)
            self.command("PING")
            return reply

        return self._safely(run)


def _tokens() -> TrackedTokens:
    tokens = getattr(_local, "tokens", None)
    if tokens is None:
        tokens = _local.tokens = TrackedTokens(settings.CACHES["default"]["LOCATION"].split(",")[0])
    return tokens


def _forget_connections() -> None:
    global _local
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_connections)


def tokens_connect() -> None:
    """Open this thread's tracking connection now rather than on its first read (nothing to do without Redis)."""
    if tokens_shared():
        _tokens()._safely(lambda: None)


def redis_key(name: str) -> str:
    """The stored key of a token name (in Redis or the database): the cache's prefix and version applied."""
    return caches["default"].make_key(name)


def tokens_mget(keys: list[str]) -> list[bytes | None]:
    """The current token under each stored key: one round trip at most (none when Redis tracks them all)."""
    return _tokens().mget(keys) if tokens_shared() else _database_mget(keys)


def tokens_read(names: list[str]) -> list[bytes | None]:
    return tokens_mget([redis_key(name) for name in names])


def token_current(name: str, read: bytes | None) -> bytes:
    """`read` if there was a token (always, in the database), else a new one put in Redis unless another worker did."""
    if read is not None:
        return read
    token = uuid.uuid4().hex.encode()
    key = redis_key(name)
    previous = _tokens().write(key, "SET", key, token, "NX", "GET")
    return token if previous is None else previous


def token_bump(name: str) -> None:
    """Retire whatever was derived under the current token: with the transaction, and in Redis also after commit."""
    key = redis_key(name)
    if not tokens_shared():
        _database_write(key)
        return

    def bump() -> None:
        _tokens().write(key, "SET", key, uuid.uuid4().hex.encode())

    bump()
    transaction.on_commit(bump)
