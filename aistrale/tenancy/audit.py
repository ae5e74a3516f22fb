"""Who is acting: a request-scoped context the audit log reads from."""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class AuditContext:
    actor: AbstractBaseUser | None = None
    label: str = ""
    ip: str | None = None


_NOBODY = AuditContext()
_current: ContextVar[AuditContext | None] = ContextVar("aistrale_audit_context", default=None)


def current_audit_context() -> AuditContext:
    return _current.get() or _NOBODY


@contextmanager
def acting_as(*, actor=None, label: str = "", ip: str | None = None):
    """Attribute the audit events written inside the block to this actor."""
    token = _current.set(AuditContext(actor=actor, label=label or (str(actor) if actor else ""), ip=ip))
    try:
        yield
    finally:
        _current.reset(token)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Binds the logged-in admin user and client IP for audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        with acting_as(actor=actor, ip=client_ip(request)):
            return self.get_response(request)
