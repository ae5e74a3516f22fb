"""Rollups give the raw answer: on a fixed dataset ingested through both paths, after late-arriving and
updated observations and after deletion; queries they cannot answer exactly stay on raw rows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from observability.actors import refresh_rollups
from observability.analytics.query import metrics_query, query_parse, query_run
from observability.models import ObservationHour, RollupDirtyHour, TraceTotals
from observability.models.rollups import GRAINS
from observability.services.traces import trace_delete_many
from tests.observability.factories import (
    OTLP_URL,
    ingestion_event,
    otlp_request,
    otlp_span,
    post_batch,
)

pytestmark = pytest.mark.django_db

HOURS = {"fromTimestamp": "2025-03-01T00:00:00Z", "toTimestamp": "2025-03-31T23:59:59.999999Z"}
DAY0 = datetime(2025, 3, 10, tzinfo=UTC)
MODELS = ["gpt-4o", "claude-3", "gpt-4o-mini"]
CHAT = [{"column": "traceName", "type": "string", "operator": "=", "value": "chat"}]
NOT_CHAT = [{"column": "traceName", "type": "stringOptions", "operator": "none of", "value": ["chat"]}]
GENERATIONS = [{"column": "type", "type": "stringOptions", "operator": "any of", "value": ["GENERATION"]}]


def metric(measure, *aggregations):
    return [{"measure": measure, "aggregation": aggregation} for aggregation in aggregations]


OBSERVATION_QUERIES = [
    {"metrics": metric("count", "count"), "dimensions": [{"field": "providedModelName"}]},
    {"metrics": metric("totalCost", "sum", "avg", "min", "max", "count"), "dimensions": [{"field": "traceName"}]},
    {"metrics": metric("latency", "sum", "avg", "min", "max", "count"), "dimensions": [{"field": "type"}]},
    {"metrics": metric("totalTokens", "sum", "avg", "count") + metric("inputTokens", "sum"), "filters": GENERATIONS},
    {
        "metrics": metric("outputTokens", "sum"),
        "dimensions": [{"field": "promptName"}, {"field": "promptVersion"}],
        "timeDimension": {"granularity": "day"},
    },
    {"metrics": metric("count", "count"), "filters": CHAT, "timeDimension": {"granularity": "hour"}},
    {"metrics": metric("count", "count") + metric("totalCost", "sum"), "filters": NOT_CHAT},
    {"metrics": metric("count", "count"), "dimensions": [{"field": "level"}, {"field": "release"}]},
    {"metrics": metric("totalCost", "sum"), "timeDimension": {"granularity": "day", "timeZone": "Europe/Berlin"}},
]
TRACE_QUERIES = [
    {"metrics": metric("latency", "p50", "p95", "p99"), "dimensions": [{"field": "name"}]},
    {
        "metrics": metric("totalCost", "sum"),
        "dimensions": [{"field": "userId"}],
        "orderBy": [{"field": "totalCost_sum", "direction": "desc"}],
        "config": {"row_limit": 3},
    },
    {"metrics": metric("count", "count") + metric("totalTokens", "sum"), "timeDimension": {"granularity": "day"}},
    {
        "metrics": metric("observationsCount", "sum") + metric("uniqueUserIds", "count"),
        "filters": [{"column": "tags", "type": "arrayOptions", "operator": "any of", "value": ["beta"]}],
    },
]


def _queries():
    return [("observations", query) for query in OBSERVATION_QUERIES] + [("traces", q) for q in TRACE_QUERIES]


def rolled_and_raw(project, view: str, query: dict) -> tuple[list, list]:
    parsed = query_parse({**HOURS, "view": view, **query})
    rolled = parsed.spec.rollup(parsed, project)
    assert rolled is not None, f"a {view} query the rollups answer: {query}"
    return query_run(rolled, project=project), query_run(parsed, project=project)


def assert_same(rolled: list[dict], raw: list[dict]) -> None:
    assert len(rolled) == len(raw)
    for rolled_row, raw_row in zip(rolled, raw, strict=True):
        assert rolled_row.keys() == raw_row.keys()
        for key, value in raw_row.items():
            if isinstance(value, float):
                assert rolled_row[key] == pytest.approx(value), key
            else:
                assert rolled_row[key] == value, key
                assert type(rolled_row[key]) is type(value), key


def assert_rollups_agree(project) -> None:
    for view, query in _queries():
        assert_same(*rolled_and_raw(project, view, query))


def _at(hours: float) -> str:
    return (DAY0 + timedelta(hours=hours)).isoformat()


def batch_dataset(client) -> None:
    """Twelve traces over three days through batch ingestion: a generation and a span each."""
    events = []
    for index in range(12):
        begin = 5 * index + 0.25
        events.append(
            ingestion_event(
                f"t{index}",
                "trace-create",
                {
                    "id": f"t{index}",
                    "name": "chat" if index % 3 else "search",
                    "userId": f"user-{index % 4}",
                    "release": "r1" if index < 6 else "r2",
                    "environment": "production",
                    "tags": ["beta"] if index % 2 else [],
                    "timestamp": _at(begin),
                },
            )
        )
        events.append(
            ingestion_event(
                f"g{index}",
                "generation-create",
                {
                    "id": f"g{index}",
                    "traceId": f"t{index}",
                    "name": "llm",
                    "model": MODELS[index % 3],
                    "startTime": _at(begin),
                    "endTime": _at(begin + 0.0003 * (index + 1)),
                    "usageDetails": {"input": 100 + index, "output": 7 * index},
                    "costDetails": {"total": 0.001 * (index + 1)},
                    "promptName": "greeting" if index % 2 else None,
                    "promptVersion": index % 3 + 1 if index % 2 else None,
                },
            )
        )
        events.append(
            ingestion_event(
                f"s{index}",
                "span-create",
                {
                    "id": f"s{index}",
                    "traceId": f"t{index}",
                    "startTime": _at(begin + 0.5),
                    "endTime": _at(begin + 0.6),
                    "level": "ERROR" if index == 4 else "DEFAULT",
                },
            )
        )
    response = post_batch(client, *events)
    assert response.status_code == 207 and not response.json()["errors"]


def otlp_spans(client, *, end_offset_ns: int = 2_000_000, tokens: int = 40) -> None:
    """Two OTLP generations of one trace, named and priced by their attributes."""
    start = int((DAY0 + timedelta(days=2, hours=3)).timestamp() * 1e9)
    attributes = {
        "langfuse.trace.name": "otel-chat",
        "langfuse.observation.type": "generation",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": tokens,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.usage.cost": 0.002,
    }
    spans = [
        otlp_span(f"{index:016x}", attributes=attributes, start=start, end=start + end_offset_ns * (index + 1))
        for index in (1, 2)
    ]
    response = client.post(OTLP_URL, otlp_request(*spans), content_type="application/x-protobuf")
    assert response.status_code == 200


@pytest.fixture
def ingested(api_client, project, other_client):
    batch_dataset(api_client)
    otlp_spans(api_client)
    batch_dataset(other_client)


def test_rollups_agree_with_raw_rows_on_both_ingestion_paths(project, ingested):
    assert_rollups_agree(project)
    assert ObservationHour.objects.filter(project=project).exists()
    assert TraceTotals.objects.filter(project=project).count() == 13
    assert not RollupDirtyHour.objects.filter(project=project, hour__year=2025).exists()


def test_late_and_updated_observations_correct_the_rollups(api_client, project, ingested):
    assert_rollups_agree(project)
    late = ingestion_event(
        "late",
        "generation-create",
        {
            "id": "late",
            "traceId": "t1",
            "model": "gpt-4o",
            "startTime": _at(-30),
            "endTime": _at(-29.5),
            "usageDetails": {"input": 9000, "output": 1},
            "costDetails": {"total": 0.5},
        },
    )
    moved = ingestion_event("u1", "generation-update", {"id": "g2", "startTime": _at(40), "endTime": _at(41)})
    repriced = ingestion_event("u2", "generation-update", {"id": "g5", "usageDetails": {"input": 1, "output": 2}})
    renamed = ingestion_event("u3", "trace-create", {"id": "t3", "name": "renamed", "userId": "user-9"})
    assert not post_batch(api_client, late, moved, repriced, renamed).json()["errors"]
    otlp_spans(api_client, end_offset_ns=900_000_000, tokens=4000)
    assert_rollups_agree(project)
    parsed = query_parse({**HOURS, "view": "observations", "metrics": metric("inputTokens", "sum")})
    assert query_run(parsed.spec.rollup(parsed, project), project=project)[0]["inputTokens_sum"] == (
        sum(100 + index for index in range(12)) - 105 + 1 + 9000 + 2 * 4000
    )


def test_deleted_traces_leave_the_rollups(project, ingested):
    assert_rollups_agree(project)
    trace_delete_many(project=project, trace_ids=["t0", "t7"])
    assert_rollups_agree(project)
    assert not TraceTotals.objects.filter(project=project, trace_id__in=["t0", "t7"]).exists()


def test_the_refresh_command_rebuilds_every_marked_hour(project, ingested):
    assert RollupDirtyHour.objects.filter(project=project).exists()
    call_command("rollups_refresh")
    assert not RollupDirtyHour.objects.exists()
    for grain in GRAINS:
        rows = ObservationHour.objects.filter(project=project, grain=grain).values_list("rows", flat=True)
        assert sum(rows) == 12 * 2 + 2
    assert_rollups_agree(project)


def test_the_refresh_actor_rebuilds_every_marked_hour(project, ingested):
    refresh_rollups.fn()
    assert not RollupDirtyHour.objects.exists()
    assert TraceTotals.objects.filter(project=project).count() == 13


@pytest.mark.parametrize(
    ("dimensions", "filters", "grain"),
    [
        (["providedModelName"], GENERATIONS, 1),
        (["promptName", "promptVersion"], [], 2),
        (["traceName"], [], 3),
        ([], CHAT, 3),
        (["level", "release"], [], 4),
    ],
)
def test_the_narrowest_grain_holding_the_query_answers_it(project, ingested, dimensions, filters, grain):
    query = {**HOURS, "view": "observations", "metrics": metric("count", "count"), "filters": filters}
    parsed = query_parse({**query, "dimensions": [{"field": name} for name in dimensions]})
    rows = parsed.spec.rollup(parsed, project).spec.rows(project)
    assert set(rows.values_list("grain", flat=True)) == {grain}


@pytest.mark.parametrize(
    ("view", "query"),
    [
        ("observations", {"metrics": metric("latency", "p95")}),
        ("observations", {"metrics": metric("latency", "histogram")}),
        ("observations", {"metrics": metric("totalTokens", "max")}),
        ("observations", {"metrics": metric("count", "count"), "dimensions": [{"field": "userId"}]}),
        ("observations", {"metrics": metric("count", "count"), "dimensions": [{"field": "name"}]}),
        ("observations", {"metrics": metric("count", "count"), "timeDimension": {"granularity": "minute"}}),
        (
            "observations",
            {"metrics": metric("count", "count"), "timeDimension": {"granularity": "day", "timeZone": "Asia/Kolkata"}},
        ),
        (
            "observations",
            {
                "metrics": metric("count", "count"),
                "filters": [{"column": "metadata", "type": "stringObject", "key": "k", "operator": "=", "value": "v"}],
            },
        ),
        ("observations", {"metrics": metric("count", "count"), "toTimestamp": "2025-03-31T23:30:00Z"}),
        ("observations", {"metrics": metric("count", "count"), "fromTimestamp": "2025-03-01T00:00:01Z"}),
        (
            "traces",
            {
                "metrics": metric("count", "count"),
                "filters": [{"column": "bookmarked", "type": "boolean", "operator": "=", "value": True}],
            },
        ),
        ("traces", {"metrics": metric("scoresCount", "sum")}),
    ],
)
def test_queries_the_rollups_cannot_answer_exactly_stay_raw(project, view, query):
    parsed = query_parse({**HOURS, "view": view, **query})
    assert parsed.spec.rollup(parsed, project) is None


def test_token_sums_are_integers_and_empty_buckets_are_filled(project, ingested):
    query = {**HOURS, "view": "observations", "timeDimension": {"granularity": "day"}}
    rows = metrics_query(project=project, query={**query, "metrics": metric("totalTokens", "sum", "avg")})
    assert len(rows) == 31
    by_day = {row["time_dimension"][:10]: row for row in rows}
    assert by_day["2025-03-01"] == {
        "time_dimension": "2025-03-01T00:00:00.000Z",
        "totalTokens_sum": 0,
        "totalTokens_avg": None,
    }
    assert all(isinstance(row["totalTokens_sum"], int) for row in rows)
    assert sum(row["totalTokens_sum"] for row in rows) == sum(100 + 8 * index for index in range(12)) + 2 * 45
    raw = metrics_query(project=project, query={**query, "metrics": metric("totalTokens", "sum", "p50")})
    assert all(isinstance(row["totalTokens_sum"], int) for row in raw) and len(raw) == 31
