"""The browser policy of batch ingestion (observability.extensions.BrowserPolicy), registered at start-up.

A request authenticated by the public key alone comes from a web page: it answers CORS only for origins
the key's project allows, is rate-limited per key and client address, and may only create feedback scores
on traces and observations (never on sessions or dataset runs, never with another source, never over a
score it did not write itself); every score it stores is marked as feedback (`feedback.selectors`).
"""

from django.http import HttpResponse, JsonResponse
from rest_framework import exceptions

from aistrale.api.errors import ERROR_NAMES
from aistrale.tenancy.audit import client_ip
from evals.models import Score, ScoreSource
from feedback.models import FEEDBACK_MARKER_KEY, FEEDBACK_MARKER_VALUE
from feedback.rate_limit import rate_limit_hit
from feedback.selectors.feedback import origin_allowed, origin_allowed_anywhere

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
NOT_SUBJECTS = {"sessionId": "a session", "datasetRunId": "a dataset run"}


class OriginNotAllowed(exceptions.PermissionDenied):
    pass


def _origin(request) -> str | None:
    return request.META.get("HTTP_ORIGIN")


def _cors_headers(response, origin: str) -> None:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Expose-Headers"] = "Retry-After"
    vary = response.get("Vary")
    response["Vary"] = f"{vary}, Origin" if vary else "Origin"


def _screen_body(body) -> str | None:
    """Why a browser may not send this score body, or None."""
    if not isinstance(body, dict):
        return None  # the score handler names the problem
    for key, subject in NOT_SUBJECTS.items():
        if body.get(key):
            return f"body.{key}: browser feedback is on a trace or an observation, not on {subject}"
    if not body.get("traceId"):
        return "body.traceId: browser feedback needs the trace it rates"
    if body.get("source") not in (None, ScoreSource.API):
        return f"body.source: browser feedback has source API, got {body.get('source')!r}"
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return "body.metadata: must be an object for browser feedback"
    return None


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

    def admit(self, request) -> None:
        origin = _origin(request)
        request.feedback_origin_allowed = origin is not None and origin_allowed(
            project_id=request.auth.project_id, origin=origin
        )
        if origin is not None and not request.feedback_origin_allowed:
            raise OriginNotAllowed(
                f"Origin {origin} may not send feedback to this project: add it to the project's feedback "
                "settings in the admin"
            )
        verdict = rate_limit_hit(public_key=request.auth.public_key, address=client_ip(request))
        if not verdict.allowed:
            raise exceptions.Throttled(
                wait=verdict.retry_after,
                detail="Too many feedback requests with this key from this address.",
            )

    def screen(self, *, project, event_type: str, events: list[dict]) -> dict[str, str]:
        if event_type != "score-create":
            return {event["id"]: f"type {event_type!r}: browsers may only send feedback scores" for event in events}
        refused = {}
        for event in events:
            problem = _screen_body(event.get("body"))
            if problem is not None:
                refused[event["id"]] = problem
        candidates = [event for event in events if event["id"] not in refused and isinstance(event.get("body"), dict)]
        score_ids = {event["body"]["id"] for event in candidates if isinstance(event["body"].get("id"), str)}
        existing = dict(
            Score.objects.filter(project=project, id__in=score_ids).values_list("id", "metadata") if score_ids else []
        )
        for event in candidates:
            body = event["body"]
            stored = existing.get(body.get("id"), ...)
            if stored is not ... and not _is_feedback(stored):
                refused[event["id"]] = (
                    "body.id: a score with this id exists and was not written by browser feedback: "
                    "the public key only creates scores"
                )
                continue
            body["metadata"] = {**(body.get("metadata") or {}), FEEDBACK_MARKER_KEY: FEEDBACK_MARKER_VALUE}
        return refused

    def decorate(self, request, response) -> None:
        if getattr(request, "feedback_origin_allowed", False):
            _cors_headers(response, _origin(request))


def _is_feedback(metadata) -> bool:
    return isinstance(metadata, dict) and metadata.get(FEEDBACK_MARKER_KEY) == FEEDBACK_MARKER_VALUE
