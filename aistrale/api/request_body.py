"""Request bodies at the edge: one size limit for every body, and chunked bodies read where the server can.

Django reads a body only up to its Content-Length, so a chunked request (no Content-Length, as the
Langfuse JS SDK's OTLP exporter sends) would look empty and be acknowledged with nothing stored.
`ChunkedBodies` wraps the WSGI application: where the server promises the input ends at the end of the
body (`wsgi.input_terminated`, which gunicorn sets), it spools the body up to the limit (in memory up to
SPOOL_BYTES, on disk past it) and hands it on with its length. `BodyLimitMiddleware` then judges every
request: over the limit is 413, a chunked body the server could not deliver (Django's development
server) is 411. API views raise that problem in their own error shape; other pages get a plain response.

A path may have its own limit (`register_path_limit(prefix, limit)`, as media upload URLs do: their
bodies are files, larger than any API body); every other path keeps the global one.
"""

import shutil
import tempfile
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from rest_framework import status
from rest_framework.exceptions import APIException


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


class LengthRequired(APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED


SPOOL_BYTES = 1024 * 1024
_path_limits: dict[str, Callable[[], int]] = {}


def register_path_limit(prefix: str, limit: Callable[[], int]) -> None:
    """Bodies of requests whose path starts with prefix may be up to limit() bytes."""
    _path_limits[prefix] = limit


def body_limit(path: str = "") -> int:
    for prefix, limit in _path_limits.items():
        if path.startswith(prefix):
            return limit()
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body is larger than the {limit} bytes allowed")


def _chunked(environ) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


class ChunkedBodies:
    """WSGI wrapper: a chunked body from a server that terminates its input becomes a sized one."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if _chunked(environ) and environ.get("wsgi.input_terminated"):
            limit = body_limit(environ.get("PATH_INFO", ""))
            body = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the request's input from here on)
            shutil.copyfileobj(_Bounded(environ["wsgi.input"], limit + 1), body)
            size = body.tell()
            if size > limit:
                body.seek(0)
                body.truncate()
            body.seek(0)
            environ["wsgi.input"] = body
            environ["CONTENT_LENGTH"] = str(size)
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.application(environ, start_response)


class _Bounded:
    """A stream read to at most `remaining` bytes."""

    def __init__(self, stream, remaining: int):
        self.stream = stream
        self.remaining = remaining

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        chunk = self.stream.read(size)
        self.remaining -= len(chunk)
        return chunk


def _problem(meta, path: str) -> APIException | None:
    limit = body_limit(path)
    declared = meta.get("CONTENT_LENGTH") or ""
    if _chunked(meta) and not declared:
        return LengthRequired(
            "This server cannot read a chunked request body (no Content-Length): send Content-Length, "
            "or run AISTRALE under gunicorn (scripts/server), which reads chunked bodies"
        )
    if declared.isdigit() and int(declared) > limit:
        return too_large(limit)
    return None


class BodyLimitMiddleware:
    """Marks a request whose body can't be read or is over the limit; API views raise the mark."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = _problem(request.META, request.path)
        if problem is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            request.body_problem = problem
            return self.get_response(request)
        return HttpResponse(str(problem.detail), status=problem.status_code, content_type="text/plain")


def raise_body_problem(request) -> None:
    """Raise the problem BodyLimitMiddleware found with this request's body, if any."""
    problem = getattr(request, "body_problem", None)
    if problem is not None:
        raise problem
