"""GET /metrics, /v2/metrics: the query parameter validated (a 400 naming the bad part), projects isolated."""

import json

import pytest

from tests.observability.analytics.factories import RANGE, load

pytestmark = pytest.mark.django_db

V1, V2 = "/api/public/metrics", "/api/public/v2/metrics"
COUNT = [{"measure": "count", "aggregation": "count"}]
VALID = {**RANGE, "view": "observations", "metrics": COUNT}


def get(client, url, query):
    return client.get(url, {"query": query if isinstance(query, str) else json.dumps(query)})


@pytest.mark.parametrize("url", [V1, V2])
def test_both_versions_answer_the_data_rows(api_client, project, url):
    load(project)
    query = {**VALID, "dimensions": [{"field": "type"}], "timeDimension": {"granularity": "day"}}
    response = get(api_client, url, query)
    assert response.status_code == 200, response.content
    rows = response.json()["data"]
    assert {row["type"] for row in rows} == {"GENERATION", "SPAN"}
    assert sum(row["count_count"] for row in rows) == 20
    assert set(rows[0]) == {"type", "time_dimension", "count_count"}


def test_v1_answers_the_traces_view_and_high_cardinality_groupings(api_client, project):
    load(project)
    query = {**VALID, "view": "traces", "dimensions": [{"field": "userId"}]}
    response = get(api_client, V1, query)
    assert response.status_code == 200
    assert sorted(row["userId"] for row in response.json()["data"]) == ["user-0", "user-1", "user-2"]


def test_a_project_sees_only_its_own_rows(api_client, other_client, project, other_project):
    load(project)
    assert get(other_client, V2, VALID).json()["data"] == [{"count_count": 0}]
    assert get(api_client, V2, VALID).json()["data"] == [{"count_count": 20}]


def test_without_a_key_the_answer_is_401(client):
    assert client.get(V2, {"query": json.dumps(VALID)}).status_code == 401


INVALID = [
    (V2, None, "query"),
    (V2, "{not json", "query"),
    (V2, "[1, 2]", "query"),
    (V2, {**VALID, "view": "spans"}, "view"),
    (V2, {**VALID, "view": "traces"}, "view"),
    (V2, {**VALID, "metrics": []}, "metrics"),
    (V2, {**VALID, "metrics": ["count"]}, "metrics[0]"),
    (V2, {**VALID, "metrics": [{"measure": "speed", "aggregation": "sum"}]}, "metrics[0].measure"),
    (V2, {**VALID, "metrics": [{"measure": "latency", "aggregation": "median"}]}, "metrics[0].aggregation"),
    (V2, {**VALID, "metrics": [{"measure": "count", "aggregation": "histogram"}]}, "metrics[0].aggregation"),
    (V2, {**VALID, "dimensions": [{"field": "colour"}]}, "dimensions[0].field"),
    (V2, {**VALID, "dimensions": [{"field": "name"}, {"field": "traceId"}]}, "dimensions[1].field"),
    (V2, {**VALID, "timeDimension": {"granularity": "fortnight"}}, "timeDimension.granularity"),
    (V2, {**VALID, "timeDimension": "day"}, "timeDimension"),
    (V2, {**VALID, "timeDimension": {"granularity": "day", "timeZone": "Mars/Olympus"}}, "timeDimension.timeZone"),
    (V2, {"view": "observations", "metrics": COUNT, "toTimestamp": RANGE["toTimestamp"]}, "fromTimestamp"),
    (V2, {**VALID, "toTimestamp": "yesterday"}, "toTimestamp"),
    (V2, {**VALID, "toTimestamp": "2025-02-01T00:00:00Z"}, "toTimestamp"),
    (
        V2,
        {**VALID, "filters": [{"column": "colour", "type": "string", "operator": "=", "value": "x"}]},
        "filters[0].column",
    ),
    (
        V2,
        {**VALID, "filters": [{"column": "name", "type": "string", "operator": "~", "value": "x"}]},
        "filters[0].operator",
    ),
    (V2, {**VALID, "filters": {"column": "name"}}, "filters"),
    (V2, {**VALID, "orderBy": [{"field": "latency_p50", "direction": "asc"}]}, "orderBy[0].field"),
    (V2, {**VALID, "orderBy": [{"field": "count_count", "direction": "up"}]}, "orderBy[0].direction"),
    (V2, {**VALID, "config": {"row_limit": 0}}, "config"),
    (V2, {**VALID, "config": {"bins": 101}}, "config"),
    (
        V1,
        {**VALID, "view": "traces", "metrics": [{"measure": "countScores", "aggregation": "sum"}]},
        "metrics[0].measure",
    ),
]


@pytest.mark.parametrize(("url", "query", "field"), INVALID)
def test_an_invalid_query_is_a_400_naming_the_bad_part(api_client, url, query, field):
    response = api_client.get(
        url, {} if query is None else {"query": query if isinstance(query, str) else json.dumps(query)}
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "InvalidRequestError"
    assert list(body["details"]) == [field]
    assert body["message"].startswith(f"{field}: ")
