"""Value coercions shared by the batch and OTLP mappers."""

import json
from datetime import UTC, datetime, timedelta

import orjson
from django.utils.dateparse import parse_datetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ID_LENGTH = 255
TEXT_LENGTH = 1000


class FieldError(ValueError):
    """A field that cannot be stored; the message names it."""


def dumps(value) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, default=str)


def loads(value):
    """JSON text to a value; bytes/str from the database or the wire."""
    if isinstance(value, (str, bytes)):
        return orjson.loads(value)
    return value


def maybe_json(value):
    """A JSON-encoded attribute decoded when it parses, else the string as sent."""
    if not isinstance(value, str):
        return value
    stripped = value.lstrip()
    if not stripped or stripped[0] not in '{["0123456789-tfn':
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def parse_timestamp(value, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip().strip('"'))
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None:
        raise FieldError(f"{field} must be an ISO 8601 date-time, got {value!r}")
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_unix_nano(value: int) -> datetime | None:
    if not value:
        return None
    return EPOCH + timedelta(microseconds=int(value) // 1000)


def optional_string(value, field: str, max_length: int = TEXT_LENGTH) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError(f"{field} must be a string, got {type(value).__name__}")
    value = str(value)
    if len(value) > max_length:
        raise FieldError(f"{field} must be at most {max_length} characters")
    return value
