"""OTLP/HTTP trace export (protobuf or JSON) mapped onto trace and observation rows.

Langfuse SDK attributes (langfuse.*), the OpenTelemetry GenAI conventions (gen_ai.*), OpenInference
(openinference.span.kind, input.value, llm.*) and the Vercel AI SDK (ai.model.id, ai.prompt*, ai.response.*,
ai.usage.*) map onto columns; every other span attribute lands in
metadata["attributes"], resource attributes in metadata["resourceAttributes"], the scope in
metadata["scope"] and span events in metadata["events"].

A measured hot path: decoding and mapping are hand-tuned rather than generic. The span count is capped
before any span is decoded (`max_spans`), and every mapped value is checked against the input limits
(`aistrale.limits` through `values`: times, column lengths, no NUL, JSON depth, usage counts, money), so
a span that breaks one is that span's own rejection in the partial success and the others are stored.
"""

import base64
import binascii
import re
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from aistrale.errors import DomainError
from aistrale.limits import column_length, count_check
from observability.extensions import CapturedSpan, span_attribute_handlers, span_attribute_prefixes
from observability.ingestion.costs import money, normalize_usage, provided_costs, token_totals, usage_fits
from observability.ingestion.values import (
    FieldError,
    describe,
    dumps,
    from_unix_nano,
    json_value,
    loads,
    maybe_json,
    optional_id,
    optional_string,
    parse_timestamp,
    whole_number,
)
from observability.ingestion.writer import RowSet, write
from observability.models import Observation, Trace
from observability.models.traces import ObservationLevel, ObservationType

STATUS_ERROR = 2
OBSERVATION_METADATA = "langfuse.observation.metadata"
TRACE_METADATA = "langfuse.trace.metadata"
OPENINFERENCE_KINDS = {
    "LLM": ObservationType.GENERATION,
    "EMBEDDING": ObservationType.EMBEDDING,
    "CHAIN": ObservationType.CHAIN,
    "TOOL": ObservationType.TOOL,
    "AGENT": ObservationType.AGENT,
    "RETRIEVER": ObservationType.RETRIEVER,
    "RERANKER": ObservationType.RETRIEVER,
    "GUARDRAIL": ObservationType.GUARDRAIL,
    "EVALUATOR": ObservationType.EVALUATOR,
}
GEN_AI_OPERATIONS = {
    "chat": ObservationType.GENERATION,
    "text_completion": ObservationType.GENERATION,
    "generate_content": ObservationType.GENERATION,
    "completion": ObservationType.GENERATION,
    "embeddings": ObservationType.EMBEDDING,
    "execute_tool": ObservationType.TOOL,
    "invoke_agent": ObservationType.AGENT,
    "create_agent": ObservationType.AGENT,
}
USAGE_ATTRIBUTES = {
    "gen_ai.usage.input_tokens": "input",
    "gen_ai.usage.prompt_tokens": "input",
    "gen_ai.usage.output_tokens": "output",
    "gen_ai.usage.completion_tokens": "output",
    "gen_ai.usage.total_tokens": "total",
    "llm.token_count.prompt": "input",
    "llm.token_count.completion": "output",
    "llm.token_count.total": "total",
    "ai.usage.promptTokens": "input",
    "ai.usage.inputTokens": "input",
    "ai.usage.completionTokens": "output",
    "ai.usage.outputTokens": "output",
    "ai.usage.totalTokens": "total",
}
GEN_AI_PARAMETERS = (
    "temperature",
    "max_tokens",
    "top_p",
    "top_k",
    "frequency_penalty",
    "presence_penalty",
    "stop_sequences",
    "seed",
    "choice.count",
)
OBSERVATION_TYPES = frozenset(ObservationType.values)
LEVELS = frozenset(ObservationLevel.values)
INDEXED_PREFIXES = ("gen_ai.prompt.", "gen_ai.completion.", "llm.input_messages.", "llm.output_messages.")
INT64 = range(-(2**63), 2**63)
HEX = re.compile("[0-9a-f]+")
OBSERVATION_LENGTH = {name: column_length(Observation, name) for name in ("name", "version", "model", "prompt_name")}
OBSERVATION_LENGTH |= {"environment": column_length(Observation, "environment")}
PARENT_LENGTH = column_length(Observation, "parent_observation_id")
TRACE_LENGTH = {name: column_length(Trace, name) for name in ("name", "user_id", "session_id", "release")}
INDEXED = re.compile(r"^(gen_ai\.prompt|gen_ai\.completion|llm\.input_messages|llm\.output_messages)\.(\d+)\.(.+)$")


class OtlpDecodeError(ValueError):
    """A body that is not an ExportTraceServiceRequest."""


class TooManySpans(Exception):
    """A request with more spans than one request may carry."""

    def __init__(self, count: int, limit: int):
        super().__init__(
            f"The request carries {count} spans, more than the {limit} allowed per request "
            "(AISTRALE_MAX_SPANS_PER_REQUEST): send smaller batches"
        )


def _spans_capped(count: int, max_spans: int) -> None:
    if count > max_spans:
        raise TooManySpans(count, max_spans)


@dataclass
class Span:
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_nano: int | str
    end_nano: int | str
    attributes: dict
    status_code: int
    status_message: str
    events: list
    resource: dict
    scope_name: str
    scope_version: str


@dataclass
class OtlpResult:
    accepted: int = 0
    rejected: int = 0
    messages: list[str] = field(default_factory=list)

    def reject(self, message: str) -> None:
        self.rejected += 1
        if len(self.messages) < 10:
            self.messages.append(message)


# --- decoding -------------------------------------------------------------------------------------


def _pb_value(value):
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_pb_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {item.key: _pb_value(item.value) for item in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, kind)


def _pb_attributes(attributes) -> dict:
    return {item.key: _pb_value(item.value) for item in attributes}


def decode_protobuf(body: bytes, *, max_spans: int) -> list[Span]:
    """The spans of a protobuf request; TooManySpans past `max_spans`, counted before any is decoded."""
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except DecodeError as error:
        raise OtlpDecodeError(f"Request body is not a valid OTLP ExportTraceServiceRequest protobuf: {error}") from None
    _spans_capped(
        sum(len(scope_spans.spans) for resource in request.resource_spans for scope_spans in resource.scope_spans),
        max_spans,
    )
    spans = []
    for resource_spans in request.resource_spans:
        resource = _pb_attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope_name, scope_version = scope_spans.scope.name, scope_spans.scope.version
            for span in scope_spans.spans:
                spans.append(
                    Span(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        name=span.name,
                        start_nano=span.start_time_unix_nano,
                        end_nano=span.end_time_unix_nano,
                        attributes=_pb_attributes(span.attributes),
                        status_code=span.status.code,
                        status_message=span.status.message,
                        events=[
                            {
                                "name": event.name,
                                "timestamp": event.time_unix_nano,
                                "attributes": _pb_attributes(event.attributes),
                            }
                            for event in span.events
                        ],
                        resource=resource,
                        scope_name=scope_name,
                        scope_version=scope_version,
                    )
                )
    return spans


def _json_value(value):
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        number = int(value["intValue"])
        if number not in INT64:
            raise ValueError(f"intValue {number} is not a 64-bit integer")
        return number
    if "arrayValue" in value:
        return [_json_value(item) for item in (value["arrayValue"] or {}).get("values") or []]
    if "kvlistValue" in value:
        return _json_attributes((value["kvlistValue"] or {}).get("values"))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def _json_attributes(attributes) -> dict:
    if not attributes:
        return {}
    return {
        item["key"]: _json_value(item.get("value")) for item in attributes if isinstance(item, dict) and "key" in item
    }


def _json_id(value, size: int) -> str:
    """OTLP JSON ids are hex; accept base64 (the generic protobuf JSON mapping) too."""
    if not value:
        return ""
    if isinstance(value, str) and len(value) == size * 2:
        try:
            bytes.fromhex(value)
            return value.lower()
        except ValueError:
            pass
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, TypeError, ValueError):
        return str(value)


STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}


def decode_json(data, *, max_spans: int) -> list[Span]:
    """The spans of a JSON request; TooManySpans past `max_spans`, counted before any is decoded."""
    if not isinstance(data, dict) or not isinstance(data.get("resourceSpans", []), list):
        raise OtlpDecodeError("Request body must be an OTLP JSON object with a resourceSpans list")
    spans = []
    try:
        _spans_capped(
            sum(
                len(scope_spans.get("spans") or [])
                for resource_spans in data.get("resourceSpans") or []
                for scope_spans in resource_spans.get("scopeSpans") or []
            ),
            max_spans,
        )
        for resource_spans in data.get("resourceSpans") or []:
            resource = _json_attributes((resource_spans.get("resource") or {}).get("attributes"))
            for scope_spans in resource_spans.get("scopeSpans") or []:
                scope = scope_spans.get("scope") or {}
                for span in scope_spans.get("spans") or []:
                    status = span.get("status") or {}
                    code = status.get("code", 0)
                    spans.append(
                        Span(
                            trace_id=_json_id(span.get("traceId"), 16),
                            span_id=_json_id(span.get("spanId"), 8),
                            parent_span_id=_json_id(span.get("parentSpanId"), 8) or None,
                            name=span.get("name") or "",
                            start_nano=span.get("startTimeUnixNano") or 0,
                            end_nano=span.get("endTimeUnixNano") or 0,
                            attributes=_json_attributes(span.get("attributes")),
                            status_code=STATUS_NAMES.get(code, code) if isinstance(code, str) else int(code),
                            status_message=status.get("message") or "",
                            events=[
                                {
                                    "name": event.get("name"),
                                    "timestamp": event.get("timeUnixNano") or 0,
                                    "attributes": _json_attributes(event.get("attributes")),
                                }
                                for event in span.get("events") or []
                            ],
                            resource=resource,
                            scope_name=scope.get("name") or "",
                            scope_version=scope.get("version") or "",
                        )
                    )
    except (AttributeError, TypeError, ValueError) as error:
        raise OtlpDecodeError(f"Request body is not a valid OTLP JSON ExportTraceServiceRequest: {error}") from None
    return spans


def response_body(result: OtlpResult, protobuf: bool):
    message = "; ".join(result.messages)
    if protobuf:
        response = ExportTraceServiceResponse()
        if result.rejected:
            response.partial_success.rejected_spans = result.rejected
            response.partial_success.error_message = message
        return response.SerializeToString()
    if not result.rejected:
        return {}
    return {"partialSuccess": {"rejectedSpans": result.rejected, "errorMessage": message}}


# --- mapping --------------------------------------------------------------------------------------


def _metadata_value(value):
    """A metadata attribute JSON-decoded when it parses, else the string as sent.

    One rule for both SDK majors: 4.x sends strings raw (`0` reads back as 0), 5.x JSON-encodes every
    value (`"0"` reads back as "0").
    """
    if not isinstance(value, str):
        return value
    try:
        return loads(value)
    except ValueError:
        return value


def _flat_metadata(attributes: dict, prefix: str) -> dict | None:
    metadata = {}
    whole = attributes.pop(prefix, None)
    if whole is not None:
        whole = _metadata_value(whole)
        if isinstance(whole, dict):
            metadata.update(whole)
        else:
            metadata["metadata"] = whole
    dotted = prefix + "."
    for key in [key for key in attributes if key.startswith(dotted)]:
        metadata[key[len(dotted) :]] = _metadata_value(attributes.pop(key))
    return metadata or None


def _indexed_messages(attributes: dict, prefix: str) -> list | None:
    messages: dict[int, dict] = {}
    dotted = prefix + "."
    for key in [key for key in attributes if key.startswith(dotted)]:
        match = INDEXED.match(key)
        if match is None or match.group(1) != prefix:
            continue
        field_name = match.group(3).removeprefix("message.")
        messages.setdefault(int(match.group(2)), {})[field_name] = attributes.pop(key)
    return [messages[index] for index in sorted(messages)] or None


def _first(attributes: dict, *keys):
    found = None
    for key in keys:
        value = attributes.pop(key, None)
        if found is None and value is not None and value != "":
            found = value
    return found


def _tags(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        decoded = maybe_json(value)
        value = decoded if isinstance(decoded, list) else [part.strip() for part in value.split(",")]
    if not isinstance(value, list):
        value = [value]
    return [str(tag) for tag in value if tag not in (None, "")] or None


def _bool(value) -> bool | None:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return None if value is None else bool(value)


def _units(value, key: str) -> int:
    """Usage units of an attribute: a whole number (numeric strings too) from 0 to 2**63-1."""
    return count_check(whole_number(value, key) if isinstance(value, str) else value, field=key)


def _usage(attributes: dict) -> dict | None:
    key = "langfuse.observation.usage_details"
    usage = normalize_usage(maybe_json(attributes.pop(key, None)), key)
    for key, name in USAGE_ATTRIBUTES.items():
        value = attributes.pop(key, None)
        if value is not None and name not in usage:
            usage[name] = _units(value, key)
    for key in [key for key in attributes if key.startswith(("gen_ai.usage.", "llm.token_count."))]:
        value = attributes[key]
        if key == "gen_ai.usage.cost" or isinstance(value, (str, bool)) or not isinstance(value, (int, float)):
            continue
        name = key.removeprefix("gen_ai.usage.").removeprefix("llm.token_count.")
        name = name.replace("prompt_details.", "input_").replace("completion_details.", "output_")
        usage[name] = _units(value, key)
        del attributes[key]
    if usage and "total" not in usage:
        usage["total"] = token_totals(usage)[2]
    return usage_fits(usage, "usage") or None


def _costs(attributes: dict) -> dict | None:
    key = "langfuse.observation.cost_details"
    costs = provided_costs(maybe_json(attributes.pop(key, None)), key)
    total = _first(attributes, "gen_ai.usage.cost", "llm.cost.total")
    if not costs and total is not None:
        costs = {"total": money(total, "gen_ai.usage.cost")}
    return costs or None


def _model_parameters(attributes: dict):
    parameters = maybe_json(_first(attributes, "langfuse.observation.model.parameters", "llm.invocation_parameters"))
    if parameters is not None and not isinstance(parameters, dict):
        parameters = {"parameters": parameters}
    parameters = dict(parameters or {})
    for name in GEN_AI_PARAMETERS:
        value = attributes.pop(f"gen_ai.request.{name}", None)
        if value is not None:
            parameters.setdefault(name, value)
    return {name: _parameter_value(value) for name, value in parameters.items()} or None


def _parameter_value(value):
    """Langfuse keeps model parameters a flat map: strings and numbers as sent, anything else as JSON text."""
    if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return dumps(value)


def _io(attributes: dict, side: str):
    """Input or output: langfuse.*, gen_ai.*, OpenInference's input/output.value, the Vercel AI SDK's ai.*."""
    legacy = "prompt" if side == "input" else "completion"
    vercel = ("ai.prompt.messages", "ai.prompt") if side == "input" else ("ai.response.text", "ai.response.object")
    value = _first(
        attributes,
        f"langfuse.observation.{side}",
        f"gen_ai.{side}.messages",
        f"gen_ai.{legacy}",
        f"{side}.value",
        *vercel,
    )
    attributes.pop(f"{side}.mime_type", None)
    if value is not None:
        return maybe_json(value)
    messages = None
    if any(key.startswith(INDEXED_PREFIXES) for key in attributes):
        messages = _indexed_messages(attributes, f"gen_ai.{legacy}") or _indexed_messages(
            attributes, f"llm.{side}_messages"
        )
    if side == "input":
        system = attributes.pop("gen_ai.system_instructions", None)
        if system is not None:
            messages = [{"role": "system", "content": maybe_json(system)}, *(messages or [])]
    return messages


def _observation_type(attributes: dict, has_model: bool) -> str:
    raw = attributes.pop("langfuse.observation.type", None)
    if isinstance(raw, str) and raw.upper() in OBSERVATION_TYPES:
        return raw.upper()
    kind = attributes.pop("openinference.span.kind", None)
    if isinstance(kind, str) and kind.upper() in OPENINFERENCE_KINDS:
        return OPENINFERENCE_KINDS[kind.upper()]
    operation = attributes.get("gen_ai.operation.name")
    if isinstance(operation, str) and operation in GEN_AI_OPERATIONS:
        return GEN_AI_OPERATIONS[operation]
    return ObservationType.GENERATION if has_model else ObservationType.SPAN


def _completion_start(attributes: dict):
    """The completion start time; a value that is not a date-time stays in metadata."""
    key = "langfuse.observation.completion_start_time"
    try:
        parsed = parse_timestamp(maybe_json(attributes.get(key)), key)
    except DomainError:
        return None
    attributes.pop(key, None)
    return parsed


def _text(value, field: str, length: int | None, check=optional_string) -> str | None:
    """A text column's value: None when unset, else within the column's length and free of NUL."""
    if value is None or value == "":
        return None
    return check(value if isinstance(value, str) else str(value), field, length)


def _events(span: Span) -> list:
    return [
        {**event, "timestamp": from_unix_nano(event["timestamp"], f"events.{index}.timeUnixNano")}
        for index, event in enumerate(span.events)
    ]


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
    model = _first(
        attributes,
        "langfuse.observation.model.name",
        "gen_ai.request.model",
        "gen_ai.response.model",
        "llm.model_name",
        "ai.model.id",
    )
    observation_type = _observation_type(attributes, model is not None)
    level = attributes.pop("langfuse.observation.level", None)
    if level not in LEVELS:
        level = ObservationLevel.ERROR if span.status_code == STATUS_ERROR else None
    prompt_version = maybe_json(attributes.pop("langfuse.observation.prompt.version", None))
    completion_start = _completion_start(attributes)
    environment = (
        _first(attributes, "langfuse.environment")
        or span.resource.get("deployment.environment.name")
        or span.resource.get("deployment.environment")
    )
    observation_metadata = _flat_metadata(attributes, OBSERVATION_METADATA) or {}
    openinference_metadata = maybe_json(attributes.pop("metadata", None))
    if isinstance(openinference_metadata, dict):
        observation_metadata.update(openinference_metadata)
    elif openinference_metadata is not None:
        observation_metadata["metadata"] = openinference_metadata
    lengths = OBSERVATION_LENGTH
    values = {
        "trace_id": span.trace_id,
        "parent_observation_id": _text(span.parent_span_id, "parentSpanId", PARENT_LENGTH),
        "type": observation_type,
        "name": _text(span.name, "name", lengths["name"]),
        "start_time": start,
        "end_time": end,
        "completion_start_time": completion_start,
        "input": json_value(_io(attributes, "input"), "input"),
        "output": json_value(_io(attributes, "output"), "output"),
        "level": level,
        "status_message": _text(
            _first(attributes, "langfuse.observation.status_message") or span.status_message, "statusMessage", None
        ),
        "version": _text(_first(attributes, "langfuse.version"), "version", lengths["version"]),
        "environment": _text(environment, "environment", lengths["environment"]),
        "model": _text(model, "model", lengths["model"]),
        "model_parameters": json_value(_model_parameters(attributes), "modelParameters"),
        "usage_details": _usage(attributes),
        "provided_cost_details": _costs(attributes),
        "prompt_name": _text(
            attributes.pop("langfuse.observation.prompt.name", None), "promptName", lengths["prompt_name"]
        ),
        "prompt_version": prompt_version if isinstance(prompt_version, int) and 0 <= prompt_version < 2**31 else None,
    }
    as_root = _bool(attributes.pop("langfuse.internal.as_root", None))
    is_root = span.parent_span_id is None or bool(as_root)
    lengths = TRACE_LENGTH
    trace_values = {
        "name": _text(_first(attributes, "langfuse.trace.name"), "traceName", lengths["name"]),
        "user_id": _text(_first(attributes, "user.id", "langfuse.user.id", "enduser.id"), "userId", lengths["user_id"]),
        "session_id": _text(
            _first(attributes, "session.id", "langfuse.session.id", "gen_ai.conversation.id"),
            "sessionId",
            lengths["session_id"],
            optional_id,
        ),
        "release": _text(_first(attributes, "langfuse.release"), "release", lengths["release"]),
        "tags": _tags(_first(attributes, "langfuse.trace.tags", "tag.tags")),
        "public": _bool(attributes.pop("langfuse.trace.public", None)),
        "metadata": json_value(_flat_metadata(attributes, TRACE_METADATA), "traceMetadata"),
        "environment": values["environment"],
        "input": json_value(maybe_json(attributes.pop("langfuse.trace.input", None)), "traceInput"),
        "output": json_value(maybe_json(attributes.pop("langfuse.trace.output", None)), "traceOutput"),
    }
    derived = {"release": _text(span.resource.get("service.version"), "release", lengths["release"])}
    if is_root:
        trace_values.update(timestamp=start, version=values["version"])
        derived.update(
            name=_text(span.name, "traceName", lengths["name"]), input=values["input"], output=values["output"]
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
        observation_metadata["events"] = _events(span)
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
