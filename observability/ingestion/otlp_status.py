"""OTLP/HTTP failure bodies: a google.rpc.Status, protobuf- or JSON-encoded like the request."""

import orjson
from django.http import HttpResponse
from google.rpc import code_pb2
from google.rpc.status_pb2 import Status

STATUS_CODES = {
    401: code_pb2.UNAUTHENTICATED,
    403: code_pb2.PERMISSION_DENIED,
    404: code_pb2.NOT_FOUND,
    429: code_pb2.RESOURCE_EXHAUSTED,
    500: code_pb2.INTERNAL,
    503: code_pb2.UNAVAILABLE,
}
HEADERS_KEPT = ("WWW-Authenticate", "Retry-After")


def status_response(failed, *, protobuf: bool) -> HttpResponse:
    """`failed` (a rendered-to-be error response with a "message") as the OTLP spec wants it."""
    code = STATUS_CODES.get(failed.status_code, code_pb2.INVALID_ARGUMENT)
    message = str(failed.data.get("message", "")) if isinstance(failed.data, dict) else ""
    if protobuf:
        body, content_type = Status(code=code, message=message).SerializeToString(), "application/x-protobuf"
    else:
        body, content_type = orjson.dumps({"code": code, "message": message}), "application/json"
    response = HttpResponse(body, status=failed.status_code, content_type=content_type)
    for header in HEADERS_KEPT:
        if header in failed:
            response[header] = failed[header]
    return response
