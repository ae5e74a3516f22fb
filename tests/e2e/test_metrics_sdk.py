"""The installed SDK's (5.x, or 4.x under .venv-sdk4) metrics clients against a live server."""

import json

import pytest
from langfuse.api.core.api_error import ApiError

from tests.observability.analytics.factories import LATENCIES, RANGE, load, start

pytestmark = pytest.mark.django_db(transaction=True)


def test_sdk_v2_metrics_groups_by_model_and_day(langfuse, project):
    load(project)
    query = {
        **RANGE,
        "view": "observations",
        "metrics": [{"measure": "count", "aggregation": "count"}, {"measure": "latency", "aggregation": "max"}],
        "dimensions": [{"field": "type"}],
        "filters": [{"column": "type", "type": "string", "operator": "=", "value": "GENERATION"}],
        "timeDimension": {"granularity": "day"},
        "orderBy": [{"field": "time_dimension", "direction": "asc"}],
    }
    response = langfuse.api.metrics.metrics(query=json.dumps(query))
    days = sorted({start(index).strftime("%Y-%m-%dT00:00:00.000Z") for index in range(10)})
    assert [row["time_dimension"] for row in response.data] == days
    assert sum(row["count_count"] for row in response.data) == 10
    assert max(row["latency_max"] for row in response.data) == pytest.approx(max(LATENCIES) * 1000)


def test_sdk_v2_metrics_error_names_the_bad_part(langfuse, project):
    query = {**RANGE, "view": "traces", "metrics": [{"measure": "count", "aggregation": "count"}]}
    with pytest.raises(ApiError) as raised:
        langfuse.api.metrics.metrics(query=json.dumps(query))
    assert raised.value.status_code == 400
    assert raised.value.body["message"].startswith("view: must be one of observations")


def test_sdk_v1_metrics_reads_the_traces_view(langfuse, project):
    legacy = getattr(getattr(langfuse.api, "legacy", None), "metrics_v1", None)
    if legacy is None:
        pytest.skip("this SDK has no v1 metrics client")
    load(project)
    query = {**RANGE, "view": "traces", "metrics": [{"measure": "count", "aggregation": "count"}]}
    response = legacy.metrics(query=json.dumps({**query, "dimensions": [{"field": "name"}]}))
    assert {row["name"]: row["count_count"] for row in response.data} == {"chat": 6, "search": 4}
