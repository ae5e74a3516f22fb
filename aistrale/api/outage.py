"""Outages answered so clients retry: an unreachable database or Redis is a 503 with Retry-After.

`unavailable_message` tells an outage (the database or Redis cannot be reached, or SQLite stays busy)
from a programming error (a bad query, a missing table), which stays a 500. DRF views answer through
the exception handler (aistrale.api.errors); every other view through `OutageMiddleware`.
"""

import sqlite3

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from rest_framework.exceptions import APIException

DATABASE_UNREACHABLE = "The database is unreachable; nothing was changed. Retry the request."
DATABASE_BUSY = "The database is busy; nothing was changed. Retry the request."
REDIS_UNREACHABLE = "Redis is unreachable; nothing was changed. Retry the request."
ERROR_NAME = "ServiceUnavailableError"

UNREACHABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
SQLITE_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class ServiceUnavailable(APIException):
    """A store or a dependency that cannot answer now; the client should retry after `wait` seconds."""

    status_code = 503
    default_detail = DATABASE_BUSY
    default_code = "unavailable"

    @property
    def wait(self) -> int:
        return settings.AISTRALE_RETRY_AFTER_SECONDS


def _database_message(error: Exception) -> str | None:
    cause = error.__cause__
    if hasattr(cause, "sqlstate"):
        state = cause.sqlstate
        if state is None or state.startswith("08") or state in UNREACHABLE_SQLSTATES:
            return DATABASE_UNREACHABLE
        return None
    code = getattr(cause, "sqlite_errorcode", None)
    if code in SQLITE_BUSY_CODES:
        return DATABASE_BUSY
    if code == sqlite3.SQLITE_CANTOPEN:
        return DATABASE_UNREACHABLE
    return None


def unavailable_message(error: BaseException) -> str | None:
    """What is unavailable, when `error` is an outage rather than a bug; None for a bug."""
    if isinstance(error, ServiceUnavailable):
        return str(error.detail)
    if isinstance(error, (OperationalError, InterfaceError)):
        return _database_message(error)
    if isinstance(error, (redis.ConnectionError, redis.TimeoutError)):
        return REDIS_UNREACHABLE
    return None


def unavailable_response(message: str, *, path: str) -> HttpResponse:
    """503 with Retry-After: the Langfuse error body under /api/, plain text elsewhere (the admin)."""
    if path.startswith("/api/"):
        response = JsonResponse({"message": message, "error": ERROR_NAME}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(settings.AISTRALE_RETRY_AFTER_SECONDS)
    return response


class OutageMiddleware:
    """Views outside DRF (the memoized prompt fetch, the admin): an outage is a 503, not Django's HTML 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        message = unavailable_message(exception)
        if message is None:
            return None
        return unavailable_response(message, path=request.path)
