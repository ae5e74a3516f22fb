"""Ingestion endpoints: Langfuse batch and OTLP traces."""

import re

import orjson
from django.conf import settings
from django.db import OperationalError
from django.http import HttpResponse
from rest_framework.exceptions import ParseError, PermissionDenied, UnsupportedMediaType, ValidationError
from rest_framework.response import Response

from aistrale.api.authentication import public_key_alone
from aistrale.api.base import ProjectApiView
from aistrale.api.outage import ServiceUnavailable
from aistrale.api.request_body import PayloadTooLarge
from aistrale.operations.metrics import ingestion_count
from observability.api import schema
from observability.extensions import browser_policy
from observability.ingestion.batch import ingest_batch
from observability.ingestion.body import batch_events, media_type, read_body
from observability.ingestion.otlp import ingest_spans
from observability.ingestion.otlp_status import status_response
from observability.ingestion.otlp_wire import OtlpDecodeError, TooManySpans, decode_json, decode_protobuf, response_body
from observability.ingestion.writer import is_transient

PROTOBUF_TYPES = ("application/x-protobuf", "application/protobuf")
INGESTION_VERSION_HEADER = "x-langfuse-ingestion-version"
MAX_INGESTION_VERSION = 4
LEADING_INTEGER = re.compile(r"\s*[+-]?\d+")


def _ingestion_version_check(request) -> None:
    """The ingestion protocol version the Langfuse SDKs send (5.x: "4"), read as Langfuse reads it: its
    leading integer; lower versions are all served alike, a later or unreadable one is refused."""
    raw = request.headers.get(INGESTION_VERSION_HEADER)
    if not raw:
        return
    match = LEADING_INTEGER.match(raw)
    if match is None or int(match.group()) > MAX_INGESTION_VERSION:
        raise ValidationError(
            {
                INGESTION_VERSION_HEADER: f"must be a version number up to {MAX_INGESTION_VERSION} "
                f"(the latest this server speaks), got {raw!r}"
            }
        )


def _storing(store):
    """Run a store; a deadlock or busy database that outlasted the writer's retries answers 503."""
    try:
        return store()
    except OperationalError as error:
        if not is_transient(error):
            raise
        raise ServiceUnavailable() from error


@schema.ingestion
class IngestionView(ProjectApiView):
    """Batch ingestion. A browser's POST (the public key alone) is the registered browser policy's to serve
    (score-create events only, CORS, rate limit), which `browser_edge` hands it ahead of the middleware stack
    where installed; with no policy it is refused."""

    browser_safe = True

    def dispatch(self, request, *args, **kwargs):
        policy = browser_policy()
        if policy is not None:
            if request.method == "OPTIONS" and "HTTP_ORIGIN" in request.META:
                return policy.preflight(request)
            if request.method == "POST" and public_key_alone(request) is not None:
                return policy.ingest(request)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.auth.public_key_only and browser_policy() is None:
            raise PermissionDenied("This endpoint needs the project's secret key (Basic public:secret).")

    def post(self, request):
        batch = batch_events(request)
        result = _storing(lambda: ingest_batch(project=request.auth.project, batch=batch))
        ingestion_count(source="batch", accepted=len(result.successes), rejected=len(result.errors))
        return Response({"successes": result.successes, "errors": result.errors}, status=207)


@schema.otlp_traces
class OtlpTracesView(ProjectApiView):
    def handle_exception(self, exc):
        failed = super().handle_exception(exc)
        return status_response(failed, protobuf=media_type(self.request) != "application/json")

    def post(self, request):
        _ingestion_version_check(request)
        content_type = media_type(request)
        protobuf = content_type in PROTOBUF_TYPES
        if not protobuf and content_type != "application/json":
            raise UnsupportedMediaType(
                content_type or "none", detail="Content-Type must be application/x-protobuf or application/json"
            )
        body = read_body(request)
        max_spans = settings.AISTRALE_MAX_SPANS_PER_REQUEST
        try:
            if protobuf:
                spans = decode_protobuf(body, max_spans=max_spans)
            else:
                try:
                    spans = decode_json(orjson.loads(body) if body else {}, max_spans=max_spans)
                except orjson.JSONDecodeError as error:
                    raise ParseError(f"Request body is not valid JSON: {error}") from None
        except OtlpDecodeError as error:
            raise ParseError(str(error)) from None
        except TooManySpans as error:
            raise PayloadTooLarge(str(error)) from None
        result = _storing(lambda: ingest_spans(project=request.auth.project, spans=spans))
        ingestion_count(source="otlp", accepted=result.accepted, rejected=result.rejected)
        if protobuf:
            return HttpResponse(response_body(result, protobuf=True), content_type="application/x-protobuf")
        return Response(response_body(result, protobuf=False))
