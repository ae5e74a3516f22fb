"""OTLP/HTTP trace export on the wire: protobuf or JSON requests decoded into spans, responses encoded.

The span count is capped before any span is decoded (`max_spans`); attribute values arrive as plain
Python values (AnyValue unwrapped), ids as lowercase hex.
"""

import base64
import binascii
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

INT64 = range(-(2**63), 2**63)


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


def _pb_value(value):
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
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
