"""Builders for observability tests: rows (traces, observations, a priced LLM trace), batch ingestion
events and OTLP export requests."""

import base64
import hashlib
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from observability.analytics.rollups import rollups_mark
from observability.models import Observation, Trace

T0 = datetime(2025, 1, 15, 12, 0, 0, 123456, tzinfo=UTC)

INGESTION_URL = "/api/public/ingestion"
EVENT_TIME = "2026-11-23T10:00:00.123456Z"

OTLP_URL = "/api/public/otel/v1/traces"
OTLP_TRACE_ID = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
OTLP_START = 1_763_892_000_123_456_789


def make_trace(project, trace_id, *, at=T0, **fields) -> Trace:
    """A stored trace, its hour marked for the rollups as ingestion marks it."""
    trace = Trace.objects.create(project=project, id=trace_id, timestamp=at, **fields)
    rollups_mark(project_id=project.pk, trace_ids=[trace_id], observation_ids=[], times=[at])
    return trace


def make_observation(project, observation_id, trace_id, *, start=T0, duration=1.0, **fields) -> Observation:
    """A stored observation, its hours marked for the rollups as ingestion marks them."""
    end = start + timedelta(seconds=duration) if duration is not None else None
    observation = Observation.objects.create(
        project=project, id=observation_id, trace_id=trace_id, start_time=start, end_time=end, **fields
    )
    rollups_mark(project_id=project.pk, trace_ids=[trace_id] if trace_id else [], observation_ids=[], times=[start])
    return observation


def make_llm_trace(project, trace_id, *, at=T0, **fields) -> Trace:
    """A trace with an agent span, a retriever and a priced generation."""
    trace = make_trace(project, trace_id, at=at, **fields)
    make_observation(project, f"{trace_id}-root", trace_id, start=at, duration=2.5, type="AGENT", name="agent")

    def child(suffix, offset_ms, duration, **extra):
        start = at + timedelta(milliseconds=offset_ms)
        parent = f"{trace_id}-root"
        make_observation(
            project,
            f"{trace_id}-{suffix}",
            trace_id,
            start=start,
            duration=duration,
            parent_observation_id=parent,
            **extra,
        )

    child("ret", 100, 0.4, type="RETRIEVER", name="search")
    child(
        "gen",
        600,
        1.5,
        type="GENERATION",
        name="answer",
        model="gpt-4o",
        completion_start_time=at + timedelta(milliseconds=900),
        usage_details={"input": 120, "output": 30, "total": 150},
        cost_details={"input": 0.0003, "output": 0.0003, "total": 0.0006},
        input_tokens=120,
        output_tokens=30,
        total_tokens=150,
        total_cost=Decimal("0.0006"),
        input=[{"role": "user", "content": "hi"}],
        output={"role": "assistant", "content": "hello"},
    )
    return trace


def ingestion_event(event_id, event_type, body, timestamp=EVENT_TIME) -> dict:
    """One event of a batch ingestion request."""
    return {"id": event_id, "type": event_type, "timestamp": timestamp, "body": body}


def post_batch(client, *events):
    return client.post(INGESTION_URL, {"batch": list(events)}, format="json")


def otlp_value(value) -> AnyValue:
    if isinstance(value, list):
        return AnyValue(array_value={"values": [otlp_value(item) for item in value]})
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    return AnyValue(string_value=value)


def otlp_attribute(key, value) -> KeyValue:
    return KeyValue(key=key, value=otlp_value(value))


def otlp_request(*spans, scope=("langfuse-sdk", "5.0.4"), resource=None) -> bytes:
    """A serialized ExportTraceServiceRequest with these spans in one resource and scope."""
    message = ExportTraceServiceRequest()
    resource_spans = message.resource_spans.add()
    for key, value in (resource or {"service.name": "svc"}).items():
        resource_spans.resource.attributes.append(otlp_attribute(key, value))
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name, scope_spans.scope.version = scope
    scope_spans.spans.extend(spans)
    return message.SerializeToString()


def otlp_span(
    span_id, name="s", parent=b"", attributes=None, trace_id=OTLP_TRACE_ID, start=OTLP_START, end=OTLP_START + 2_000_000
) -> Span:
    return Span(
        trace_id=trace_id,
        span_id=bytes.fromhex(span_id),
        parent_span_id=parent,
        name=name,
        start_time_unix_nano=start,
        end_time_unix_nano=end,
        attributes=[otlp_attribute(k, v) for k, v in (attributes or {}).items()],
    )


def otlp_failure(response) -> tuple[int, str]:
    """(google.rpc code, message) of an OTLP failure, decoded as its content type says."""
    if response["Content-Type"] == "application/json":
        body = response.json()
        return body["code"], body["message"]
    assert response["Content-Type"] == "application/x-protobuf"
    status = Status.FromString(response.content)
    return status.code, status.message


def media_announcement(content: bytes, content_type: str = "image/png", **context) -> dict:
    """A POST /api/public/media body for these bytes, referenced from a trace's input unless told otherwise."""
    sha256 = base64.b64encode(hashlib.sha256(content).digest()).decode()
    return {
        "contentType": content_type,
        "contentLength": len(content),
        "sha256Hash": sha256,
        "traceId": "t1",
        "field": "input",
        **context,
    }


def make_media(project, content: bytes, content_type: str, *, trace_id: str, observation_id=None, field="input"):
    """Media stored through the services, as an SDK upload stores it; returns (media, its reference string)."""
    from observability.media.services import media_upload_announce, media_upload_receive

    announced = media_announcement(content, content_type, traceId=trace_id, field=field)
    media, token = media_upload_announce(
        project=project,
        content_type=content_type,
        content_length=len(content),
        sha256_hash=announced["sha256Hash"],
        field=field,
        trace_id=trace_id,
        observation_id=observation_id,
    )
    if token is not None:
        media = media_upload_receive(
            token=token, content_type=content_type, declared_length=None, checksum=None, stream=io.BytesIO(content)
        )
    return media, f"@@@langfuseMedia:type={content_type}|id={media.id}|source=bytes@@@"
