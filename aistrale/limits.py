"""The limits every accepted value keeps, so that whatever is stored reads back on every page and endpoint.

Decided once here and checked where input enters (serializers, ingestion mapping); each check raises a
DomainError naming the field.

- JSON nesting: at most MAX_JSON_DEPTH levels. orjson renders at most 255, and one deeper input used to make
  every read of the project fail; real traces stay far below 100.
- Timestamps: from MIN_TIMESTAMP to MAX_TIMESTAMP once converted to UTC. Python's datetime ends in year 9999,
  so 9999-12-31T23:59:59-05:00 (year 10000 in UTC) could be stored but never read.
- Money (costs, prices): finite, at least 0, below MAX_MONEY (the DecimalField(24, 12) columns hold 12 digits
  before the point).
- Counts (usage): whole numbers from 0 to MAX_COUNT (BigIntegerField).
- Other numbers (score values): finite, with magnitude at most MAX_FLOAT (a double).
- Text: no NUL character (PostgreSQL refuses it) and at most the column's max_length, read from the model field.
"""

import datetime as dt
import math
import sys
from decimal import Decimal

from aistrale.errors import DomainError

MAX_JSON_DEPTH = 100
MIN_TIMESTAMP = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_TIMESTAMP = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)
MAX_MONEY = Decimal(10) ** 12
MAX_COUNT = 2**63 - 1
MAX_FLOAT = sys.float_info.max


def column_length(model, field_name: str) -> int | None:
    """The max_length of a model's column: limits come from the model fields, once."""
    return model._meta.get_field(field_name).max_length


def json_depth_check(value, *, field: str) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH (walked level by level: it runs on every ingested value)."""
    level, depth = [value] if isinstance(value, (dict, list)) else [], 0
    while level:
        depth += 1
        below = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            below.extend(child for child in children if isinstance(child, (dict, list)))
        if below and depth >= MAX_JSON_DEPTH:
            raise DomainError(f"is nested deeper than {MAX_JSON_DEPTH} levels", field=field)
        level = below


def timestamp_check(value: dt.datetime, *, field: str) -> dt.datetime:
    """The timestamp in UTC, refused outside MIN_TIMESTAMP..MAX_TIMESTAMP (or without a time zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        utc = None
    if utc is None or not MIN_TIMESTAMP <= utc <= MAX_TIMESTAMP:
        raise DomainError(
            f"must lie between {MIN_TIMESTAMP.date()} and {MAX_TIMESTAMP.date()} (UTC), got {value.isoformat()}",
            field=field,
        )
    return utc


def text_check(value: str, *, field: str, max_length: int | None = None) -> str:
    """Refuse a NUL character, and text longer than the column holds."""
    if "\x00" in value:
        raise DomainError("must not contain a NUL character", field=field)
    if max_length is not None and len(value) > max_length:
        raise DomainError(f"is longer than {max_length} characters ({len(value)})", field=field)
    return value


def money_check(value, *, field: str) -> Decimal:
    """A cost or price as Decimal: finite, not negative, below MAX_MONEY."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise DomainError(f"must be a number, got {value!r}", field=field) from None
    if not amount.is_finite() or not 0 <= amount < MAX_MONEY:
        raise DomainError(f"must be a number from 0 to below {MAX_MONEY:.0e}, got {value!r}", field=field)
    return amount


def count_check(value, *, field: str) -> int:
    """A usage count: a whole number from 0 to MAX_COUNT."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise DomainError(f"must be a whole number, got {value!r}", field=field)
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise DomainError(f"must be a whole number, got {value!r}", field=field)
    if not 0 <= value <= MAX_COUNT:
        raise DomainError(f"must be from 0 to {MAX_COUNT}, got {value!r}", field=field)
    return int(value)


def float_check(value, *, field: str) -> float:
    """A finite number that fits a double."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DomainError(f"must be a number, got {value!r}", field=field)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise DomainError(f"must be a finite number, got {value!r}", field=field)
    return number
