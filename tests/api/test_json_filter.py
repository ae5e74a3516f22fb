"""The JSON `filter` engine: each type and operator once, on the database through a real model queryset."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
import pytest
from django.db.models import DurationField, ExpressionWrapper, F

from aistrale.api.json_filter import Column, JsonFilter, Kind, Search, like_regex, money_column, seconds_column
from aistrale.errors import DomainError
from observability.models import Observation

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def with_duration(rows):
    return rows.alias(duration=ExpressionWrapper(F("end_time") - F("start_time"), output_field=DurationField()))


COLUMNS = {
    "name": Column(Kind.STRING, "name"),
    "tokens": Column(Kind.NUMBER, "total_tokens"),
    "cost": money_column("total_cost"),
    "duration": seconds_column("duration", prepare=with_duration),
    "startTime": Column(Kind.DATETIME, "start_time"),
    "isRoot": Column(Kind.BOOLEAN, "parent_observation_id__isnull"),
    "labels": Column(Kind.ARRAY, "model_parameters"),
    "metadata": Column(Kind.OBJECT, "metadata"),
    "input": Column(Kind.TEXT, "input"),
}
LITERAL = JsonFilter(COLUMNS)
LIKE = JsonFilter(COLUMNS, search=Search.LIKE)


@pytest.fixture
def rows(project):
    def make(observation_id, **fields):
        fields = {"start_time": T0, **fields}
        Observation.objects.create(project=project, id=observation_id, trace_id="t", **fields)

    make(
        "a",
        name="Search_Web",
        end_time=T0 + timedelta(seconds=2),
        total_tokens=10,
        total_cost=Decimal("0.5"),
        model_parameters=["prod", "vip"],
        metadata={"tier": "Gold", "score": 3, "ok": True},
        input="Hello World",
    )
    make(
        "b",
        name="search 100%",
        total_tokens=20,
        parent_observation_id="a",
        start_time=T0 + timedelta(hours=1),
        end_time=T0 + timedelta(hours=1, seconds=5),
        model_parameters=["prod"],
        metadata={"tier": "free", "score": 7, "ok": False},
        input={"q": "hi"},
    )
    make("c", name=None, total_tokens=30, model_parameters=[], metadata={})
    return Observation.objects.filter(project=project)


def matched(rows, *conditions, engine=LITERAL):
    return sorted(engine.filtered(rows, orjson.dumps(list(conditions)).decode()).values_list("id", flat=True))


def condition(type_, column, operator, value=None, **extra):
    return {"type": type_, "column": column, "operator": operator, "value": value, **extra}


def test_literal_string_search_is_case_sensitive(rows):
    assert matched(rows, condition("string", "name", "=", "Search_Web")) == ["a"]
    assert matched(rows, condition("string", "name", "=", "search_web")) == []
    assert matched(rows, condition("string", "name", "contains", "arch")) == ["a", "b"]
    assert matched(rows, condition("string", "name", "contains", "SEARCH")) == []
    assert matched(rows, condition("string", "name", "contains", "100%")) == ["b"]
    assert matched(rows, condition("string", "name", "contains", "h_w")) == [], "_ is literal"
    assert matched(rows, condition("string", "name", "starts with", "Search")) == ["a"]
    assert matched(rows, condition("string", "name", "ends with", "%")) == ["b"]
    assert matched(rows, condition("string", "name", "does not contain", "Web")) == ["b", "c"]
    assert matched(rows, condition("string", "name", "matches", "Web")) == ["a"]
    assert matched(rows, condition("string", "name", "is not empty")) == ["a", "b"]


def test_like_string_search_is_case_insensitive_with_patterns(rows):
    assert matched(rows, condition("string", "name", "=", "search_web"), engine=LIKE) == []
    assert matched(rows, condition("string", "name", "contains", "SEARCH"), engine=LIKE) == ["a", "b"]
    assert matched(rows, condition("string", "name", "starts with", "s%web"), engine=LIKE) == ["a"]
    assert matched(rows, condition("string", "name", "contains", "h_w"), engine=LIKE) == ["a"]
    assert matched(rows, condition("string", "name", "contains", "h\\_w"), engine=LIKE) == ["a"]
    assert matched(rows, condition("string", "name", "ends with", "0\\%"), engine=LIKE) == ["b"]
    assert matched(rows, condition("string", "name", "does not contain", "web"), engine=LIKE) == ["b", "c"]


def test_like_regex_translation():
    assert like_regex("a%b_c") == r"a[\s\S]*b[\s\S]c"
    assert like_regex(r"100\%") == r"100%"
    assert like_regex("a.b") == r"a\.b"


def test_options(rows):
    assert matched(rows, condition("stringOptions", "name", "any of", ["Search_Web", "x"])) == ["a"]
    assert matched(rows, condition("stringOptions", "name", "none of", ["Search_Web"])) == ["b", "c"]
    assert matched(rows, condition("categoryOptions", "name", "any of", ["search 100%"])) == ["b"]
    assert matched(rows, condition("categoryOptions", "metadata", "any of", ["free"], key="tier")) == ["b"]
    assert matched(rows, condition("categoryOptions", "metadata", "none of", ["free"], key="tier")) == ["a"]


def test_array_options(rows):
    assert matched(rows, condition("arrayOptions", "labels", "any of", ["vip", "none"])) == ["a"]
    assert matched(rows, condition("arrayOptions", "labels", "all of", ["prod", "vip"])) == ["a"]
    assert matched(rows, condition("arrayOptions", "labels", "none of", ["prod"])) == ["c"]


def test_numbers_and_their_bounds(rows):
    assert matched(rows, condition("number", "tokens", "=", 20)) == ["b"]
    assert matched(rows, condition("number", "tokens", ">", 10)) == ["b", "c"]
    assert matched(rows, condition("number", "tokens", "<", 20)) == ["a"]
    assert matched(rows, condition("number", "tokens", ">=", 20)) == ["b", "c"]
    assert matched(rows, condition("number", "tokens", "<=", 20)) == ["a", "b"]
    assert matched(rows, condition("number", "tokens", "<", 1e300)) == ["a", "b", "c"]
    assert matched(rows, condition("number", "cost", ">", 0.1)) == ["a"]
    assert matched(rows, condition("number", "cost", "<", 1e300)) == ["a"]
    assert matched(rows, condition("number", "cost", ">", -1e300)) == ["a"]
    assert matched(rows, condition("number", "cost", ">=", 1e300)) == []
    assert matched(rows, condition("number", "duration", ">", 3)) == ["b"]
    assert matched(rows, condition("number", "duration", "<=", 2)) == ["a"]
    assert matched(rows, condition("number", "duration", ">", 1e300)) == []
    assert matched(rows, condition("number", "duration", "<", 1e300)) == ["a", "b"]


def test_datetimes(rows):
    assert matched(rows, condition("datetime", "startTime", ">", "2025-03-01T12:30:00Z")) == ["b"]
    assert matched(rows, condition("datetime", "startTime", ">=", "2025-03-01T13:00:00+01:00")) == ["a", "b", "c"]
    assert matched(rows, condition("datetime", "startTime", "<", "2025-03-01T12:30:00Z")) == ["a", "c"]
    assert matched(rows, condition("datetime", "startTime", "<=", "2025-03-01T12:00:00")) == ["a", "c"]


def test_booleans_and_nulls(rows):
    assert matched(rows, condition("boolean", "isRoot", "=", True)) == ["a", "c"]
    assert matched(rows, condition("boolean", "isRoot", "<>", True)) == ["b"]
    assert matched(rows, condition("null", "name", "is null")) == ["c"]
    assert matched(rows, condition("null", "name", "is not null")) == ["a", "b"]


def test_object_keys(rows):
    tier = {"column": "metadata", "key": "tier"}
    assert matched(rows, {**tier, "type": "stringObject", "operator": "=", "value": "Gold"}) == ["a"]
    assert matched(rows, {**tier, "type": "stringObject", "operator": "contains", "value": "ree"}) == ["b"]
    assert matched(rows, {**tier, "type": "stringObject", "operator": "starts with", "value": "G"}) == ["a"]
    assert matched(rows, {**tier, "type": "stringObject", "operator": "ends with", "value": "old"}) == ["a"]
    assert matched(rows, {**tier, "type": "stringObject", "operator": "does not contain", "value": "o"}) == ["b"]
    assert matched(rows, {**tier, "type": "stringObject", "operator": "matches", "value": "gold"}) == []
    assert matched(rows, {**tier, "type": "stringObject", "operator": "is set", "value": ""}) == ["a", "b"]
    assert matched(rows, {**tier, "type": "stringObject", "operator": "is not set", "value": ""}) == ["c"]
    score = {"column": "metadata", "key": "score", "type": "numberObject"}
    assert matched(rows, {**score, "operator": ">", "value": 5}) == ["b"]
    assert matched(rows, {**score, "operator": "=", "value": 3}) == ["a"]
    assert matched(rows, {**score, "operator": "<", "value": 2**64 - 1}) == ["a", "b"]
    ok = {"column": "metadata", "key": "ok", "type": "booleanObject"}
    assert matched(rows, {**ok, "operator": "=", "value": True}) == ["a"]
    assert matched(rows, {**ok, "operator": "<>", "value": True}) == ["b", "c"]


def test_text_columns_match_case_insensitively(rows):
    assert matched(rows, condition("string", "input", "=", "Hello World")) == ["a"]
    assert matched(rows, condition("string", "input", "matches", "hello")) == ["a"]
    assert matched(rows, condition("string", "input", "matches", "HI")) == ["b"]
    assert matched(rows, condition("string", "input", "contains", "World")) == ["a"]


def test_conditions_combine_and_an_empty_array_applies_none(rows):
    both = (condition("number", "tokens", ">", 10), condition("arrayOptions", "labels", "any of", ["prod"]))
    assert matched(rows, *both) == ["b"]
    assert matched(rows) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ("{not json", "filter", "must be a JSON array of conditions"),
        ('{"type": "string"}', "filter", "must be a JSON array of conditions"),
        ("[1]", "filter[0]", "must be an object"),
        ('[{"column": "name", "operator": "="}]', "filter[0]", "needs type (strings)"),
        ('[{"type": "string", "column": "colour", "operator": "="}]', "filter[0].column", "'colour' cannot be"),
        ('[{"type": "number", "column": "name", "operator": "="}]', "filter[0].type", "'number' does not apply"),
        ('[{"type": "string", "column": "name", "operator": ">"}]', "filter[0].operator", "'>' does not apply"),
        ('[{"type": "string", "column": "name", "operator": "=", "value": 1}]', "filter[0].value", "a string"),
        ('[{"type": "string", "column": "name", "operator": "=", "value": "a\\u0000"}]', "filter[0].value", "NUL"),
        ('[{"type": "number", "column": "tokens", "operator": "=", "value": true}]', "filter[0].value", "number"),
        ('[{"type": "boolean", "column": "isRoot", "operator": "=", "value": 1}]', "filter[0].value", "true or"),
        ('[{"type": "arrayOptions", "column": "labels", "operator": "any of", "value": []}]', "filter[0].value", "non"),
        ('[{"type": "stringObject", "column": "metadata", "operator": "="}]', "filter[0].key", "is required"),
        ('[{"type": "datetime", "column": "startTime", "operator": ">", "value": "x"}]', "filter[0].value", "ISO"),
        (
            '[{"type": "datetime", "column": "startTime", "operator": ">", "value": "2025-01-01T00:00:00+16:00"}]',
            "filter[0].value",
            "offset beyond ±15:59",
        ),
        (
            '[{"type": "datetime", "column": "startTime", "operator": ">", "value": "9999-12-31T23:59:59-05:00"}]',
            "filter[0].value",
            "must lie between",
        ),
        ('[{"type": "null", "column": "name", "operator": "is null"}, 2]', "filter[1]", "must be an object"),
    ],
)
def test_bad_conditions_name_the_condition(raw, field, message):
    with pytest.raises(DomainError) as raised:
        LITERAL.parse(raw)
    assert raised.value.field == field
    assert message in raised.value.message
