"""The shared input limits: each refuses with a DomainError naming the field, and accepts what fits."""

import datetime as dt
from decimal import Decimal

import pytest

from aistrale import limits
from aistrale.errors import DomainError
from evals.models import Score


def nested(depth: int):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def refused(check, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as raised:
        check(*args, field="f", **kwargs)
    assert raised.value.field == "f"
    return raised.value


def test_json_depth():
    limits.json_depth_check(nested(limits.MAX_JSON_DEPTH), field="f")
    limits.json_depth_check({"a": [1, {"b": "c"}]}, field="f")
    assert "deeper than 100" in refused(limits.json_depth_check, nested(limits.MAX_JSON_DEPTH + 1)).message
    refused(limits.json_depth_check, {"a": nested(300)})


def test_timestamps_are_judged_in_utc():
    minus_five = dt.timezone(dt.timedelta(hours=-5))
    refused(limits.timestamp_check, dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=minus_five))
    refused(limits.timestamp_check, dt.datetime(1969, 12, 31, 23, 59, tzinfo=dt.UTC))
    refused(limits.timestamp_check, dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))))
    utc = limits.timestamp_check(dt.datetime(2026, 1, 1, 10, tzinfo=minus_five), field="f")
    assert utc == dt.datetime(2026, 1, 1, 15, tzinfo=dt.UTC)


def test_text_and_column_length():
    assert limits.column_length(Score, "name") == 1000
    assert limits.text_check("ok", field="f", max_length=2) == "ok"
    assert "NUL" in refused(limits.text_check, "a\x00b").message
    assert "longer than 2" in refused(limits.text_check, "abc", max_length=2).message


def test_numbers():
    assert limits.money_check("0.25", field="f") == Decimal("0.25")
    for bad in (1e300, -1, "nan", "inf", "x"):
        refused(limits.money_check, bad)
    assert limits.count_check(12.0, field="f") == 12
    for bad in (-1, 2**63, 1.5, True, "3", float("nan")):
        refused(limits.count_check, bad)
    assert limits.float_check(1e300, field="f") == 1e300
    for bad in (float("inf"), 10**400, "1", None):
        refused(limits.float_check, bad)
