"""The caller's API key as the provider SDKs send it: `Authorization: Bearer <secret>` (openai),
`x-api-key: <secret>` (anthropic), or Basic `public:secret`.

A secret alone names its key through its hash; the key itself is then verified (active, secret matching)
by the same key cache as every other endpoint, so a revoked key is refused on the next request.
"""

from rest_framework.exceptions import AuthenticationFailed

from aistrale.api import key_cache
from aistrale.api.authentication import credentials
from aistrale.api.key_cache import VerifiedKey
from aistrale.tenancy.models import ApiKey
from aistrale.tenancy.services import api_key_secret_hash
from observability.gateway.shapes import GatewayError

MAX_MEMOIZED = 10_000
_public_key_of_hash: dict[str, str] = {}

MISSING = "Missing API key: send the project's secret key as 'Authorization: Bearer <secret key>' or 'x-api-key'"


def _public_key_for(secret_key: str) -> str | None:
    digest = api_key_secret_hash(secret_key)
    known = _public_key_of_hash.get(digest)
    if known is not None:
        return known
    found = ApiKey.objects.filter(secret_hash=digest, revoked_at__isnull=True).values_list("public_key", flat=True)
    public_key = next(iter(found[:1]), None)
    if public_key is not None:
        if len(_public_key_of_hash) >= MAX_MEMOIZED:
            _public_key_of_hash.clear()
        _public_key_of_hash[digest] = public_key
    return public_key


def _pair(headers) -> tuple[str | None, str]:
    authorization = headers.get("authorization", "")
    if authorization[:6].lower() == "basic ":
        try:
            public_key, secret_key = credentials(authorization.encode("latin-1"))
        except AuthenticationFailed as error:
            raise GatewayError(401, str(error.detail)) from error
        if not secret_key:
            raise GatewayError(401, "Basic credentials need the secret key: 'public:secret'")
        return public_key, secret_key
    if authorization[:7].lower() == "bearer ":
        secret_key = authorization[7:].strip()
    else:
        secret_key = headers.get("x-api-key", "").strip()
    if not secret_key:
        raise GatewayError(401, MISSING)
    return None, secret_key


def authenticate(headers) -> VerifiedKey:
    """The verified key of the request's headers; GatewayError 401 when missing or wrong."""
    public_key, secret_key = _pair(headers)
    public_key = public_key or _public_key_for(secret_key)
    verified = key_cache.authenticate(public_key=public_key, secret_key=secret_key) if public_key else None
    if verified is None:
        raise GatewayError(401, "Invalid API key: unknown or revoked key, or wrong secret")
    return verified[0]
