"""Verified API keys memoized per process, re-validated against a generation token on every request.

Every ApiKey write (create, revoke, role change, delete) replaces the key's token (aistrale.tenancy.signals),
now and again after commit. A worker serves a memoized key only while the token it read *before*
loading the key from the database is still current (aistrale.generation_tokens: in Redis, or a row of
the database without Redis), so a revoked key is refused on the very next request in every worker.
The secret is checked on every request either way.
"""

import hmac
from dataclasses import dataclass

from aistrale.generation_tokens import redis_key, token_current, tokens_read, tokens_shared
from aistrale.tenancy.models import ApiKey
from aistrale.tenancy.services import api_key_authenticate, api_key_secret_hash
from aistrale.tenancy.signals import key_token_name

MAX_MEMOIZED_KEYS = 10_000


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
        return secret_key is None or hmac.compare_digest(self.secret_hash, api_key_secret_hash(secret_key))


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
    """The active key for this pair, with its row when the database was asked; None if refused.

    Without Redis the key, its project and its token come in one query (as cheap as the memo would be)
    and the memo is refreshed for the memoized prompt fetch, which checks it in its own token read.
    """
    name = key_token_name(public_key)
    if not tokens_shared():
        api_key = api_key_authenticate(public_key=public_key, secret_key=secret_key, token_key=redis_key(name))
        return None if api_key is None else (_memorize(api_key, redis_key(name), api_key.token.encode()), api_key)
    known = memoized(public_key=public_key, secret_key=secret_key)
    [read] = tokens_read([name])
    if known is not None and read == known.token:
        return known, None
    token = token_current(name, read)
    api_key = api_key_authenticate(public_key=public_key, secret_key=secret_key)
    if api_key is None:
        return None
    return _memorize(api_key, redis_key(name), token), api_key


def _memorize(api_key: ApiKey, token_key: str, token: bytes) -> VerifiedKey:
    verified = _verified(api_key, token_key, token)
    if len(_memo) >= MAX_MEMOIZED_KEYS:
        _memo.clear()
    _memo[api_key.public_key] = verified
    return verified
