"""Request bodies at the edge: one size limit for every body, and chunked bodies read where the server can.

Django reads a body only up to its Content-Length, so a chunked request (no Content-Length, as the
Langfuse JS SDK's OTLP exporter sends) would look empty and be acknowledged with nothing stored.
`ChunkedBodies` wraps the WSGI application: where the server promises the input ends at the end of the
body (`wsgi.input_terminated`, which gunicorn sets), it buffers the body up to the limit and hands it on
with its length. `BodyLimitMiddleware` then judges every request: over the limit is 413, a chunked body
the server could not deliver (Django's development server) is 411. API views raise that problem in
their own error shape; other pages get a plain response.
"""

import io

from django.conf import settings
from django.http import HttpResponse
from rest_framework import status
from rest_framework.exceptions import APIException


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


class LengthRequired(APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED


def body_limit() -> int:
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
            limit = body_limit()
            body = environ["wsgi.input"].read(limit + 1)
            environ["wsgi.input"] = io.BytesIO(b"" if len(body) > limit else body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.application(environ, start_response)


def _problem(meta) -> APIException | None:
    limit = body_limit()
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
        problem = _problem(request.META)
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
