"""Trace counts over whole hours come from the hourly trace rollup with the raw answer, also after a trace is
renamed, moved to another hour or deleted; counts it cannot group or filter stay on per-trace totals."""

import pytest

from observability.analytics.query import query_parse
from observability.models import TraceHour, TraceTotals
from observability.services.traces import trace_delete_many
from tests.observability.analytics.test_rollups import (
    HOURS,
    _at,
    assert_same,
    batch_dataset,
    metric,
    rolled_and_raw,
)
from tests.observability.factories import ingestion_event, post_batch

pytestmark = pytest.mark.django_db

CHAT = [{"column": "name", "type": "string", "operator": "=", "value": "chat"}]
COUNTS = [
    {"metrics": metric("count", "count"), "timeDimension": {"granularity": "day"}},
    {"metrics": metric("count", "count"), "dimensions": [{"field": "name"}, {"field": "release"}]},
    {"metrics": metric("count", "count"), "filters": CHAT, "timeDimension": {"granularity": "hour"}},
    {"metrics": metric("count", "count"), "dimensions": [{"field": "environment"}, {"field": "timestampDay"}]},
]


def assert_counts_agree(project) -> None:
    for query in COUNTS:
        rolled, raw = rolled_and_raw(project, "traces", query)
        assert_same(rolled, raw)


@pytest.fixture
def ingested(api_client, other_client):
    batch_dataset(api_client)
    batch_dataset(other_client)


@pytest.mark.parametrize("query", COUNTS)
def test_trace_counts_read_the_hourly_trace_rollup(project, ingested, query):
    parsed = query_parse({**HOURS, "view": "traces", **query})
    assert parsed.spec.rollup(parsed, project).spec.rows(project).model is TraceHour


def test_hourly_trace_counts_agree_with_raw_rows_after_changes(api_client, project, ingested):
    assert_counts_agree(project)
    assert sum(TraceHour.objects.filter(project=project).values_list("traces", flat=True)) == 12
    renamed = ingestion_event("u1", "trace-create", {"id": "t3", "name": "renamed", "release": "r9"})
    moved = ingestion_event("u2", "trace-create", {"id": "t4", "timestamp": _at(70)})
    assert not post_batch(api_client, renamed, moved).json()["errors"]
    assert_counts_agree(project)
    trace_delete_many(project=project, trace_ids=["t0", "t7"])
    assert_counts_agree(project)
    assert sum(TraceHour.objects.filter(project=project).values_list("traces", flat=True)) == 10


@pytest.mark.parametrize(
    "query",
    [
        {"metrics": metric("count", "count"), "dimensions": [{"field": "userId"}]},
        {
            "metrics": metric("count", "count"),
            "filters": [{"column": "tags", "type": "arrayOptions", "operator": "any of", "value": ["beta"]}],
        },
        {"metrics": metric("count", "count") + metric("totalCost", "sum")},
        {"metrics": metric("count", "count"), "toTimestamp": "2025-03-31T23:30:00Z"},
    ],
)
def test_other_trace_queries_read_per_trace_totals(project, ingested, query):
    parsed = query_parse({**HOURS, "view": "traces", **query})
    assert parsed.spec.rollup(parsed, project).spec.rows(project).model is TraceTotals
