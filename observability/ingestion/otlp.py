"""OTLP spans mapped onto trace and observation rows, stored in one transaction.

Decoding is `otlp_wire`, the attribute readers `otlp_attributes`. Every other span attribute lands in
metadata["attributes"], resource attributes in metadata["resourceAttributes"], the scope in
metadata["scope"] and span events in metadata["events"].

A measured hot path: mapping is hand-tuned rather than generic. Every mapped value is checked against
the input limits (`aistrale.limits` through `values`: times, column lengths, no NUL, JSON depth, usage
counts, money), so a span that breaks one is that span's own rejection in the partial success and the
others are stored.
"""

import re

from aistrale.errors import DomainError
from aistrale.limits import column_length
from observability.extensions import CapturedSpan, span_attribute_handlers, span_attribute_prefixes
from observability.ingestion.otlp_attributes import (
    as_bool,
    completion_start_time,
    costs,
    events,
    first,
    flat_metadata,
    io_value,
    model_parameters,
    span_type,
    tags,
    text,
    usage,
)
from observability.ingestion.otlp_wire import OtlpResult, Span
from observability.ingestion.values import FieldError, describe, from_unix_nano, json_value, maybe_json, optional_id
from observability.ingestion.writer import RowSet, write
from observability.models import Observation, Trace
from observability.models.traces import ObservationLevel

STATUS_ERROR = 2
OBSERVATION_METADATA = "langfuse.observation.metadata"
TRACE_METADATA = "langfuse.trace.metadata"
LEVELS = frozenset(ObservationLevel.values)
HEX = re.compile("[0-9a-f]+")
OBSERVATION_LENGTH = {name: column_length(Observation, name) for name in ("name", "version", "model", "prompt_name")}
OBSERVATION_LENGTH |= {"environment": column_length(Observation, "environment")}
PARENT_LENGTH = column_length(Observation, "parent_observation_id")
TRACE_LENGTH = {name: column_length(Trace, name) for name in ("name", "user_id", "session_id", "release")}


def map_span(span: Span, traces: RowSet, observations: RowSet, captured: dict | None = None) -> None:
    """Add one span's observation row and its trace's row; a DomainError naming the field if it cannot be stored.

    `captured` collects, per registered attribute prefix, the CapturedSpan of spans carrying such attributes.
    """
    if len(span.trace_id) != 32 or span.trace_id == "0" * 32 or not HEX.fullmatch(span.trace_id):
        raise FieldError("traceId must be 16 bytes (32 hex digits), not all zero")
    if len(span.span_id) != 16 or span.span_id == "0" * 16 or not HEX.fullmatch(span.span_id):
        raise FieldError("spanId must be 8 bytes (16 hex digits), not all zero")
    start = from_unix_nano(span.start_nano, "startTimeUnixNano")
    if start is None:
        raise FieldError("startTimeUnixNano is required")
    end = from_unix_nano(span.end_nano, "endTimeUnixNano")
    if end is not None and end < start:
        raise FieldError(f"endTimeUnixNano must not be before startTimeUnixNano ({span.start_nano})")
    attributes = dict(span.attributes)
    model = first(
        attributes,
        "langfuse.observation.model.name",
        "gen_ai.request.model",
        "gen_ai.response.model",
        "llm.model_name",
        "ai.model.id",
    )
    observation_type = span_type(attributes, model is not None)
    level = attributes.pop("langfuse.observation.level", None)
    if level not in LEVELS:
        level = ObservationLevel.ERROR if span.status_code == STATUS_ERROR else None
    prompt_version = maybe_json(attributes.pop("langfuse.observation.prompt.version", None))
    completion_start = completion_start_time(attributes)
    environment = (
        first(attributes, "langfuse.environment")
        or span.resource.get("deployment.environment.name")
        or span.resource.get("deployment.environment")
    )
    observation_metadata = flat_metadata(attributes, OBSERVATION_METADATA) or {}
    openinference_metadata = maybe_json(attributes.pop("metadata", None))
    if isinstance(openinference_metadata, dict):
        observation_metadata.update(openinference_metadata)
    elif openinference_metadata is not None:
        observation_metadata["metadata"] = openinference_metadata
    lengths = OBSERVATION_LENGTH
    values = {
        "trace_id": span.trace_id,
        "parent_observation_id": text(span.parent_span_id, "parentSpanId", PARENT_LENGTH),
        "type": observation_type,
        "name": text(span.name, "name", lengths["name"]),
        "start_time": start,
        "end_time": end,
        "completion_start_time": completion_start,
        "input": json_value(io_value(attributes, "input"), "input"),
        "output": json_value(io_value(attributes, "output"), "output"),
        "level": level,
        "status_message": text(
            first(attributes, "langfuse.observation.status_message") or span.status_message, "statusMessage", None
        ),
        "version": text(first(attributes, "langfuse.version"), "version", lengths["version"]),
        "environment": text(environment, "environment", lengths["environment"]),
        "model": text(model, "model", lengths["model"]),
        "model_parameters": json_value(model_parameters(attributes), "modelParameters"),
        "usage_details": usage(attributes),
        "provided_cost_details": costs(attributes),
        "prompt_name": text(
            attributes.pop("langfuse.observation.prompt.name", None), "promptName", lengths["prompt_name"]
        ),
        "prompt_version": prompt_version if isinstance(prompt_version, int) and 0 <= prompt_version < 2**31 else None,
    }
    as_root = as_bool(attributes.pop("langfuse.internal.as_root", None))
    is_root = span.parent_span_id is None or bool(as_root)
    lengths = TRACE_LENGTH
    trace_values = {
        "name": text(first(attributes, "langfuse.trace.name"), "traceName", lengths["name"]),
        "user_id": text(first(attributes, "user.id", "langfuse.user.id", "enduser.id"), "userId", lengths["user_id"]),
        "session_id": text(
            first(attributes, "session.id", "langfuse.session.id", "gen_ai.conversation.id"),
            "sessionId",
            lengths["session_id"],
            optional_id,
        ),
        "release": text(first(attributes, "langfuse.release"), "release", lengths["release"]),
        "tags": tags(first(attributes, "langfuse.trace.tags", "tag.tags")),
        "public": as_bool(attributes.pop("langfuse.trace.public", None)),
        "metadata": json_value(flat_metadata(attributes, TRACE_METADATA), "traceMetadata"),
        "environment": values["environment"],
        "input": json_value(maybe_json(attributes.pop("langfuse.trace.input", None)), "traceInput"),
        "output": json_value(maybe_json(attributes.pop("langfuse.trace.output", None)), "traceOutput"),
    }
    derived = {"release": text(span.resource.get("service.version"), "release", lengths["release"])}
    if is_root:
        trace_values.update(timestamp=start, version=values["version"])
        derived.update(
            name=text(span.name, "traceName", lengths["name"]), input=values["input"], output=values["output"]
        )
    elif any(value is not None for key, value in trace_values.items() if key != "environment"):
        trace_values["version"] = values["version"]
    attributes.pop("langfuse.internal.is_app_root", None)
    if attributes:
        observation_metadata["attributes"] = attributes
    if span.resource:
        observation_metadata["resourceAttributes"] = span.resource
    if span.scope_name:
        observation_metadata["scope"] = {"name": span.scope_name, "version": span.scope_version or None}
    if span.events:
        observation_metadata["events"] = events(span)
    values["metadata"] = json_value(observation_metadata, "metadata") or None
    observations.add(span.span_id, values, {"type": observation_type})
    traces.add(span.trace_id, trace_values, {"timestamp": start}, derived)
    if captured is not None:
        _capture(span, start, end, captured)


def _capture(span: Span, start, end, captured: dict) -> None:
    for prefix in span_attribute_prefixes():
        matching = {key: value for key, value in span.attributes.items() if key.startswith(prefix)}
        if matching:
            captured.setdefault(prefix, []).append(
                CapturedSpan(span.trace_id, span.span_id, span.parent_span_id or None, span.name, start, end, matching)
            )


def _span_attribute_handlers(project, captured: dict):
    def run():
        for prefix, spans in captured.items():
            for handler in span_attribute_handlers(prefix):
                handler(project=project, spans=spans)

    return run if captured else None


def ingest_spans(*, project, spans: list[Span]) -> OtlpResult:
    """Map the spans, then store them in one transaction; each span that cannot be stored is rejected."""
    result = OtlpResult()
    traces, observations, captured = RowSet(), RowSet(), {}
    for span in spans:
        try:
            map_span(span, traces, observations, captured)
        except (DomainError, ValueError, TypeError) as error:
            reason = describe(error) if isinstance(error, DomainError) else str(error)
            result.reject(f"span {span.span_id or '?'} in trace {span.trace_id or '?'}: {reason}")
            continue
        result.accepted += 1
    write(
        project_id=project.pk,
        traces=traces,
        observations=observations,
        also=_span_attribute_handlers(project, captured),
    )
    return result
