"""The JSON `filter` on traces and observations (v1 and v2): every column; bad list parameters are 400s."""

import base64
import json
from datetime import timedelta

import orjson
import pytest

from observability.models import Observation
from tests.observability.factories import T0, make_llm_trace, make_observation, make_trace

pytestmark = pytest.mark.django_db

TRACES = "/api/public/traces"
OBSERVATIONS = ("/api/public/observations", "/api/public/v2/observations")


def filtered(client, url, *conditions):
    response = client.get(url, {"filter": orjson.dumps(list(conditions)).decode()})
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["data"])


def condition(type_, column, operator, value=None, **extra):
    return {"type": type_, "column": column, "operator": operator, "value": value, **extra}


@pytest.fixture
def traces_to_filter(project):
    """Traces of `project` for the filter tests to match."""
    make_llm_trace(
        project,
        "a",
        name="chat",
        user_id="u1",
        session_id="s1",
        environment="production",
        version="v1",
        release="r1",
        tags=["prod"],
        bookmarked=True,
        public=True,
        metadata={"tier": "gold"},
    )
    for observation_id, level in (("a-ret", "ERROR"), ("a-gen", "WARNING"), ("a-root", "DEBUG")):
        Observation.objects.filter(id=observation_id).update(level=level)
    make_trace(project, "b", name="search", at=T0 + timedelta(hours=1), metadata={"tier": "free"})
    make_observation(project, "b-span", "b", start=T0 + timedelta(hours=1))


@pytest.mark.parametrize(
    "where",
    [
        condition("string", "id", "=", "a"),
        condition("string", "name", "starts with", "ch"),
        condition("datetime", "timestamp", "<", "2025-01-15T12:30:00Z"),
        condition("string", "userId", "=", "u1"),
        condition("string", "sessionId", "contains", "s"),
        condition("stringOptions", "environment", "any of", ["production"]),
        condition("string", "version", "=", "v1"),
        condition("string", "release", "ends with", "1"),
        condition("arrayOptions", "tags", "any of", ["prod"]),
        condition("boolean", "bookmarked", "=", True),
        condition("boolean", "public", "=", True),
        condition("stringObject", "metadata", "=", "gold", key="tier"),
        condition("number", "latency", ">", 2),
        condition("number", "inputTokens", ">", 100),
        condition("number", "outputTokens", ">=", 30),
        condition("number", "totalTokens", "=", 150),
        condition("number", "tokens", ">", 0),
        condition("number", "totalCost", ">", 0),
        condition("number", "inputCost", ">", 0.0001),
        condition("number", "outputCost", ">=", 0.0003),
        condition("stringOptions", "level", "any of", ["ERROR"]),
        condition("number", "errorCount", ">=", 1),
        condition("number", "warningCount", "=", 1),
        condition("number", "defaultCount", "<", 1),
        condition("number", "debugCount", ">=", 1),
    ],
    ids=lambda where: where["column"],
)
def test_each_trace_column(api_client, traces_to_filter, where):
    assert filtered(api_client, TRACES, where) == ["a"]


def test_trace_contains_is_case_sensitive_as_in_langfuse(api_client, traces_to_filter):
    assert filtered(api_client, TRACES, condition("string", "name", "contains", "CHAT")) == []
    assert filtered(api_client, TRACES, condition("string", "name", "contains", "ha")) == ["a"]


@pytest.fixture
def observations_to_filter(project):
    """Observations of `project` for the filter tests to match."""
    make_llm_trace(project, "t1", name="chat", user_id="u1", session_id="s1", environment="production", tags=["p"])
    Observation.objects.filter(id="t1-gen").update(
        level="WARNING", status_message="slow", version="v2", prompt_name="qa", prompt_version=3, metadata={"k": "v"}
    )
    make_trace(project, "t2")
    make_observation(project, "t2-x", "t2", start=T0 - timedelta(hours=1), duration=None, name="lonely")


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (condition("string", "id", "=", "t1-gen"), ["t1-gen"]),
        (condition("string", "type", "=", "GENERATION"), ["t1-gen"]),
        (condition("string", "name", "=", "answer"), ["t1-gen"]),
        (condition("string", "traceId", "=", "t2"), ["t2-x"]),
        (condition("datetime", "startTime", "<", "2025-01-15T12:00:00Z"), ["t2-x"]),
        (condition("datetime", "endTime", ">", "2025-01-15T12:00:02.3Z"), ["t1-root"]),
        (condition("stringOptions", "level", "any of", ["WARNING"]), ["t1-gen"]),
        (condition("string", "statusMessage", "=", "slow"), ["t1-gen"]),
        (condition("string", "version", "=", "v2"), ["t1-gen"]),
        (condition("string", "model", "=", "gpt-4o"), ["t1-gen"]),
        (condition("string", "providedModelName", "starts with", "gpt"), ["t1-gen"]),
        (condition("string", "promptName", "=", "qa"), ["t1-gen"]),
        (condition("number", "promptVersion", "=", 3), ["t1-gen"]),
        (condition("number", "inputTokens", ">", 100), ["t1-gen"]),
        (condition("number", "outputTokens", ">", 10), ["t1-gen"]),
        (condition("number", "totalTokens", ">", 100), ["t1-gen"]),
        (condition("number", "tokens", ">", 100), ["t1-gen"]),
        (condition("number", "inputCost", ">", 0.0001), ["t1-gen"]),
        (condition("number", "outputCost", ">", 0.0001), ["t1-gen"]),
        (condition("number", "totalCost", ">", 0), ["t1-gen"]),
        (condition("number", "latency", ">=", 2.5), ["t1-root"]),
        (condition("number", "timeToFirstToken", "<", 1), ["t1-gen"]),
        (condition("string", "input", "matches", "HI"), ["t1-gen"]),
        (condition("string", "output", "matches", "hello"), ["t1-gen"]),
        (condition("stringObject", "metadata", "=", "v", key="k"), ["t1-gen"]),
        (condition("null", "environment", "is not null"), ["t1-gen", "t1-ret", "t1-root", "t2-x"]),
        (condition("boolean", "isRootObservation", "=", False), ["t1-gen", "t1-ret"]),
        (condition("string", "userId", "=", "u1"), ["t1-gen", "t1-ret", "t1-root"]),
        (condition("string", "sessionId", "=", "s1"), ["t1-gen", "t1-ret", "t1-root"]),
        (condition("string", "traceName", "=", "chat"), ["t1-gen", "t1-ret", "t1-root"]),
        (condition("string", "traceEnvironment", "=", "production"), ["t1-gen", "t1-ret", "t1-root"]),
        (condition("arrayOptions", "traceTags", "all of", ["p"]), ["t1-gen", "t1-ret", "t1-root"]),
        (condition("arrayOptions", "tags", "none of", ["p"]), ["t2-x"]),
    ],
    ids=lambda value: value["column"] if isinstance(value, dict) else "",
)
def test_each_observation_column(api_client, observations_to_filter, where, expected):
    for url in OBSERVATIONS:
        assert filtered(api_client, url, where) == expected, url


def test_filter_errors_are_worded_the_same_on_every_endpoint(api_client, traces_to_filter):
    raw = '[{"type": "string", "column": "name", "operator": "like", "value": "x"}]'
    messages = {
        api_client.get(url, {"filter": raw}).json()["message"]
        for url in (TRACES, *OBSERVATIONS, "/api/public/v2/prompts")
    }
    assert messages == {
        "filter[0].operator: 'like' does not apply to string conditions; "
        "use =, contains, does not contain, starts with, ends with, matches, is not empty"
    }


def cursor(start: str, key) -> str:
    return base64.urlsafe_b64encode(json.dumps({"t": start, "k": key}).encode()).decode()


BAD_DATETIMES = ("2025-01-15T12:00:00+16:00", "2025-01-15T12:00:00-23:59", "9999-12-31T23:59:59-05:00")


@pytest.mark.parametrize("value", BAD_DATETIMES)
@pytest.mark.parametrize(
    ("url", "param"),
    [
        (TRACES, "fromTimestamp"),
        (TRACES, "toTimestamp"),
        ("/api/public/observations", "fromStartTime"),
        ("/api/public/v2/observations", "toStartTime"),
        ("/api/public/sessions", "fromTimestamp"),
        ("/api/public/v2/prompts", "fromUpdatedAt"),
    ],
)
def test_datetime_parameters_out_of_range_are_400_naming_them(api_client, url, param, value):
    response = api_client.get(url, {param: value})
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(f"{param}: ")


@pytest.mark.parametrize("value", BAD_DATETIMES)
@pytest.mark.parametrize(
    ("url", "column"),
    [(TRACES, "timestamp"), *((url, "startTime") for url in OBSERVATIONS), ("/api/public/v2/prompts", "createdAt")],
)
def test_datetime_filter_values_out_of_range_are_400_naming_the_condition(api_client, url, column, value):
    response = api_client.get(url, {"filter": orjson.dumps([condition("datetime", column, ">", value)]).decode()})
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith("filter[0].value: ")


def test_a_query_offset_sent_unencoded_still_parses(api_client, traces_to_filter):
    response = api_client.get(f"{TRACES}?fromTimestamp=2025-01-15T13:30:00+01:00")
    assert sorted(row["id"] for row in response.json()["data"]) == ["b"]
    response = api_client.get(TRACES, {"fromTimestamp": "2025-01-15 12:30"})
    assert sorted(row["id"] for row in response.json()["data"]) == ["b"]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (TRACES, {"page": "9223372036854775807"}, "page"),
        (TRACES, {"page": "184467440737095517", "limit": "50"}, "page"),
        ("/api/public/observations", {"page": "9223372036854775807"}, "page"),
        ("/api/public/sessions", {"page": "9223372036854775807", "limit": "1000"}, "page"),
        ("/api/public/v2/prompts", {"page": "9223372036854775807"}, "page"),
        ("/api/public/models", {"page": "9223372036854775807"}, "page"),
        (TRACES, {"limit": "99999999999999999999999"}, "limit"),
        ("/api/public/v2/observations", {"limit": "9223372036854775807"}, "limit"),
        ("/api/public/v2/observations", {"cursor": cursor("9999-12-31T23:59:59-05:00", 1)}, "cursor"),
        ("/api/public/v2/observations", {"cursor": cursor("2025-01-15T12:00:00+20:00", 1)}, "cursor"),
        ("/api/public/v2/observations", {"cursor": cursor("2025-01-15T12:00:00+00:00", 2**64)}, "cursor"),
        ("/api/public/v2/observations", {"cursor": cursor("2025-01-15T12:00:00+00:00", -1)}, "cursor"),
    ],
)
def test_list_integers_and_cursors_out_of_range_are_400_naming_them(api_client, url, params, field):
    response = api_client.get(url, params)
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(f"{field}: ")


def test_the_last_page_that_fits_still_answers(api_client, traces_to_filter):
    response = api_client.get(TRACES, {"page": str(9223372036854775807 // 50), "limit": "50"})
    assert response.status_code == 200 and response.json()["data"] == []
