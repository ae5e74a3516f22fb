"""Value coercions shared by the batch and OTLP mappers, with the input limits of `aistrale.limits`.

Each check here is one comparison or one walk of a JSON value's containers, so the hand-tuned mappers
stay fast while nothing they accept can break a read.
"""

import json
import re
from datetime import UTC, datetime, timedelta

import orjson
from django.utils.dateparse import parse_datetime

from aistrale.errors import DomainError
from aistrale.limits import MAX_TIMESTAMP, MIN_TIMESTAMP, json_depth_check, text_check, timestamp_check

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_NANO = (MIN_TIMESTAMP - EPOCH) // timedelta(microseconds=1) * 1000
MAX_NANO = (MAX_TIMESTAMP - EPOCH) // timedelta(microseconds=1) * 1000
JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


class FieldError(DomainError):
    """A value that cannot be stored; the message names it."""


def describe(error: DomainError) -> str:
    """The error as one sentence that starts with the field it names."""
    return f"{error.field} {error.message}" if error.field else error.message


def dumps(value) -> str:
    """JSON text for a JSON column; NUL characters, which PostgreSQL's jsonb cannot hold, dropped."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        text = json.dumps(value, default=str)
    return JSON_NUL.sub(r"\1", text) if "\\u0000" in text else text


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


def json_value(value, field: str):
    """A value for a JSON column, refused when nested deeper than the limit."""
    if isinstance(value, (dict, list)):
        json_depth_check(value, field=field)
    return value


def parse_timestamp(value, field: str) -> datetime | None:
    """An ISO 8601 date-time in UTC, within the timestamp limits."""
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
    return timestamp_check(parsed, field=field)


def whole_number(value, field: str) -> int:
    """An int from a JSON number or numeric string (OTLP JSON sends 64-bit integers as strings)."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not number.is_integer():
        raise FieldError(f"{field} must be a whole number, got {value!r}")
    return int(number)


def from_unix_nano(value, field: str) -> datetime | None:
    """OTLP nanoseconds since the epoch (0: unset) as a UTC datetime within the timestamp limits."""
    if type(value) is not int:
        value = whole_number(value, field)
    if not value:
        return None
    if not MIN_NANO <= value <= MAX_NANO:
        raise FieldError(
            f"{field} must lie between {MIN_TIMESTAMP.date()} and {MAX_TIMESTAMP.date()} (UTC), got {value}"
        )
    return EPOCH + timedelta(microseconds=value // 1000)


def optional_string(value, field: str, max_length: int | None) -> str | None:
    """A text value: numbers become strings; no NUL, at most the column's length."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError(f"{field} must be a string, got {type(value).__name__}")
    return text_check(str(value), field=field, max_length=max_length)


def optional_id(value, field: str, max_length: int | None) -> str | None:
    """An id the API's detail paths can address: a text value without a line break."""
    text = optional_string(value, field, max_length)
    if text is not None and "\n" in text:
        raise FieldError(f"{field} must not contain a line break (no API path could address it)")
    return text
