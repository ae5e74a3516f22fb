"""API key authentication: HTTP Basic public:secret resolves the request's project.

The public key alone (`Bearer <public key>`, or Basic with an empty secret), as Langfuse's browser clients
send it, authenticates a restricted principal: `ProjectKeyAuth.public_key_only`. Permissions refuse it
everywhere but on views marked `browser_safe`, and those views decide what it may do there.
"""

import base64
import binascii
from functools import cached_property

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from aistrale.api import key_cache
from aistrale.api.key_cache import VerifiedKey
from aistrale.tenancy.models import ApiKey, Project


class ProjectKeyAuth:
    """What a request authenticated as: one project, the key's role, and whether the secret was shown.

    A key served from the per-process memo carries no rows; the project (or key row) is loaded on first use.
    """

    def __init__(self, *, key: VerifiedKey, secret_verified: bool, api_key: ApiKey | None = None):
        self.key = key
        self.secret_verified = secret_verified
        if api_key is not None:
            self.__dict__["api_key"] = api_key
            self.__dict__["project"] = api_key.project

    @property
    def public_key_only(self) -> bool:
        """Authenticated by the public key alone: a browser, which may only send feedback."""
        return not self.secret_verified

    @property
    def public_key(self) -> str:
        return self.key.public_key

    @property
    def project_id(self) -> str:
        return self.key.project_id

    @property
    def role(self) -> str:
        return self.key.role

    @cached_property
    def project(self) -> Project:
        return Project.objects.get(pk=self.key.project_id)

    @cached_property
    def api_key(self) -> ApiKey:
        return ApiKey.objects.get(public_key=self.key.public_key)


def credentials(header: bytes) -> tuple[str, str | None] | None:
    """(public key, secret or None) from a Basic or Bearer header; None for another scheme."""
    scheme, _, value = header.partition(b" ")
    scheme = scheme.lower()
    if scheme == b"bearer":
        return value.strip().decode("latin-1"), None
    if scheme != b"basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        message = "Invalid Basic authorization header: not base64 'public:secret'"
        raise exceptions.AuthenticationFailed(message) from error
    public_key, _, secret_key = decoded.partition(":")
    return public_key, secret_key or None


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        found = credentials(header)
        if found is None:
            raise exceptions.AuthenticationFailed("Unsupported authorization scheme: use Basic public:secret")
        public_key, secret_key = found
        verified = key_cache.authenticate(public_key=public_key, secret_key=secret_key)
        if verified is None:
            raise exceptions.AuthenticationFailed("Invalid credentials: unknown or revoked key, or wrong secret.")
        key, api_key = verified
        return AnonymousUser(), ProjectKeyAuth(key=key, secret_verified=secret_key is not None, api_key=api_key)

    def authenticate_header(self, request):
        return 'Basic realm="aistrale"'
