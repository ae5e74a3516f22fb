"""The browser policy of batch ingestion (observability.extensions.BrowserPolicy), registered at start-up.

A request authenticated by the public key alone comes from a web page: it answers CORS only for origins
the key's project allows, is rate-limited per key and client address, and may only create feedback scores
on traces and observations (never on sessions or dataset runs, never with another source, never over a
score it did not write itself); every score it stores is marked as feedback (`feedback.selectors`).

`ingest` is a measured hot path (bench/feedback.py): it serves the POST whole, without DRF's view machinery,
from the per-process key memo and origin memo, with the rate limit as the one Redis round trip, and stores
through `feedback.ingestion`; errors keep the API's wording and shape (its exception handler).
"""

import orjson
from django.http import HttpResponse, JsonResponse
from rest_framework import exceptions

from aistrale.api import key_cache
from aistrale.api.authentication import ApiKeyAuthentication, public_key_alone
from aistrale.api.errors import ERROR_NAMES, langfuse_exception_handler
from aistrale.api.request_body import raise_body_problem
from aistrale.tenancy.audit import client_ip
from feedback.ingestion import feedback_store
from feedback.rate_limit import rate_limit_hit
from feedback.selectors.feedback import origin_allowed, origin_allowed_anywhere
from observability.ingestion.body import batch_events

ALLOWED_HEADERS = ", ".join(
    [
        "Authorization",
        "Content-Type",
        "X-Langfuse-Sdk-Name",
        "X-Langfuse-Sdk-Version",
        "X-Langfuse-Sdk-Variant",
        "X-Langfuse-Public-Key",
    ]
)
PREFLIGHT_MAX_AGE = "600"


class OriginNotAllowed(exceptions.PermissionDenied):
    pass


def _origin(request) -> str | None:
    return request.META.get("HTTP_ORIGIN")


def _cors_headers(response, origin: str) -> None:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Expose-Headers"] = "Retry-After"
    vary = response.get("Vary")
    response["Vary"] = f"{vary}, Origin" if vary else "Origin"


class BrowserFeedbackPolicy:
    def preflight(self, request):
        origin = _origin(request)
        if not origin_allowed_anywhere(origin=origin):
            message = f"Origin {origin} may not send feedback: add it to a project's feedback settings in the admin"
            return JsonResponse({"message": message, "error": ERROR_NAMES[403]}, status=403)
        response = HttpResponse(status=204)
        _cors_headers(response, origin)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response

    def ingest(self, request):
        """Serve the POST: key, origin and rate limit first (one Redis round trip at most), then the feedback."""
        origin = _origin(request)
        allowed = False
        try:
            raise_body_problem(request)
            key = _verified_key(request)
            allowed = origin is not None and origin_allowed(project_id=key.project_id, origin=origin)
            if origin is not None and not allowed:
                raise OriginNotAllowed(
                    f"Origin {origin} may not send feedback to this project: add it to the project's feedback "
                    "settings in the admin"
                )
            verdict = rate_limit_hit(public_key=key.public_key, address=client_ip(request))
            if not verdict.allowed:
                raise exceptions.Throttled(
                    wait=verdict.retry_after,
                    detail="Too many feedback requests with this key from this address.",
                )
            result = feedback_store(project_id=key.project_id, batch=batch_events(request))
            body = {"successes": result.successes, "errors": result.errors}
            response = HttpResponse(orjson.dumps(body), status=207, content_type="application/json")
        except exceptions.APIException as error:
            response = _error_response(error)
        if allowed:
            _cors_headers(response, origin)
        return response


def _verified_key(request):
    """The memoized key of the request's public key (aistrale.api.key_cache); 401 when unknown or revoked."""
    verified = key_cache.authenticate(public_key=public_key_alone(request), secret_key=None)
    if verified is None:
        error = exceptions.AuthenticationFailed("Invalid credentials: unknown or revoked key, or wrong secret.")
        error.auth_header = ApiKeyAuthentication().authenticate_header(request)
        raise error
    return verified[0]


def _error_response(error: exceptions.APIException) -> HttpResponse:
    """The error in the Langfuse body shape, as the API's exception handler words it, with its headers."""
    answer = langfuse_exception_handler(error, {})
    response = HttpResponse(orjson.dumps(answer.data), status=answer.status_code, content_type="application/json")
    for header in ("Retry-After", "WWW-Authenticate"):
        if header in answer:
            response[header] = answer[header]
    return response
