"""Errors in the Langfuse body shape: {"message": ..., "error": <name the SDKs read>}."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from aistrale.api.outage import ERROR_NAME, ServiceUnavailable, unavailable_message
from aistrale.errors import DomainError

ERROR_NAMES = {
    400: "InvalidRequestError",
    401: "UnauthorizedError",
    403: "AccessDeniedError",
    404: "LangfuseNotFoundError",
    405: "MethodNotAllowedError",
    409: "ConflictError",
    411: "LengthRequiredError",
    413: "PayloadTooLargeError",
    415: "UnsupportedMediaTypeError",
    429: "RateLimitError",
    503: ERROR_NAME,
}


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."


def flatten_detail(detail, prefix: str = "") -> list[str]:
    """'field.sub: message' strings from DRF's nested error detail."""
    if isinstance(detail, dict):
        return [line for key, value in detail.items() for line in flatten_detail(value, f"{prefix}{key}.")]
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [f"{prefix.rstrip('.')}: {item}" if prefix else str(item) for item in detail]
        return [line for index, item in enumerate(detail) for line in flatten_detail(item, f"{prefix}{index}.")]
    return [f"{prefix.rstrip('.')}: {detail}" if prefix else str(detail)]


def error_response(status_code: int, message: str, **extra) -> Response:
    body = {"message": message, "error": ERROR_NAMES.get(status_code, "Error"), **extra}
    return Response(body, status=status_code)


def wire_name(field: str) -> str:
    """The camelCase wire name of a Python field name (`match_pattern` -> `matchPattern`)."""
    head, *rest = field.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@contextmanager
def serializer_wire_names(serializer_class) -> Iterator[None]:
    """DomainErrors raised inside name their field as the serializer's request does (`base_url` -> `baseURL`)."""
    wire = {field.source: name for name, field in serializer_class().fields.items()}
    try:
        yield
    except DomainError as error:
        head, dot, rest = (error.field or "").partition(".")
        if head in wire:
            error.field = wire[head] + dot + rest
        raise


def domain_error_field(error: DomainError) -> str | None:
    """The wire name of the field a DomainError concerns (`pricing_tiers.0.name` -> `pricingTiers.0.name`)."""
    return None if error.field is None else ".".join(wire_name(part) for part in error.field.split("."))


def domain_error_message(error: DomainError) -> str:
    name = domain_error_field(error)
    return error.message if name is None else f"{name}: {error.message}"


def domain_error_response(error: DomainError) -> Response:
    name = domain_error_field(error)
    if name is None:
        return error_response(error.status, error.message)
    return error_response(error.status, domain_error_message(error), details={name: [error.message]})


def langfuse_exception_handler(exc, context):
    if not isinstance(exc, ServiceUnavailable) and (message := unavailable_message(exc)) is not None:
        exc = ServiceUnavailable(message)
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, Http404):
        return error_response(404, str(exc) or "Not found")
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "Request body is too large")
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = {"details": exc.detail} if isinstance(exc.detail, dict) else {}
        return error_response(400, "; ".join(flatten_detail(exc.detail)), **fields)
    response = error_response(exc.status_code, "; ".join(flatten_detail(exc.detail)))
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response
