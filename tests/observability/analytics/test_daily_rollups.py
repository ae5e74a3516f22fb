"""GET /metrics/daily answers from the per-trace rollups what the raw traces and observations give (computed
here in Python from the stored rows), after late-arriving, moved and repriced observations, a renamed trace
and deletion, with and without filters."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from observability.analytics import rollups
from observability.models import Observation, RollupDirtyHour, Trace, TraceModelTotals
from observability.services.traces import trace_delete_many
from tests.observability.analytics.test_rollups import _at, batch_dataset, otlp_spans
from tests.observability.factories import ingestion_event, make_observation, make_trace, post_batch

pytestmark = pytest.mark.django_db

URL = "/api/public/metrics/daily"


def raw_daily(project, *, name=None, user_id=None, tag=None) -> list[dict]:
    """The daily metrics of the stored rows, newest day first, summed in Python."""
    traces = [
        trace
        for trace in Trace.objects.filter(project=project)
        if (name is None or trace.name == name)
        and (user_id is None or trace.user_id == user_id)
        and (tag is None or tag in (trace.tags or []))
    ]
    day_of = {trace.id: trace.timestamp.astimezone(UTC).date().isoformat() for trace in traces}
    days = defaultdict(lambda: {"traces": 0, "observations": 0, "cost": 0.0, "models": {}})
    for trace in traces:
        days[day_of[trace.id]]["traces"] += 1
    for observation in Observation.objects.filter(project=project, trace_id__in=day_of):
        day = days[day_of[observation.trace_id]]
        day["observations"] += 1
        day["cost"] += float(observation.total_cost or 0)
        if observation.model is None:
            continue
        usage = day["models"].setdefault(observation.model, {"traces": set(), "observations": 0, "cost": 0.0})
        usage["traces"].add(observation.trace_id)
        usage["observations"] += 1
        usage["cost"] += float(observation.total_cost or 0)
        for part in ("input", "output", "total"):
            usage[part] = usage.get(part, 0) + (getattr(observation, f"{part}_tokens") or 0)
    return [
        {
            "date": date,
            "countTraces": day["traces"],
            "countObservations": day["observations"],
            "totalCost": pytest.approx(day["cost"]),
            "usage": [
                {
                    "model": model,
                    "inputUsage": usage["input"],
                    "outputUsage": usage["output"],
                    "totalUsage": usage["total"],
                    "countTraces": len(usage["traces"]),
                    "countObservations": usage["observations"],
                    "totalCost": pytest.approx(usage["cost"]),
                }
                for model, usage in sorted(day["models"].items())
            ],
        }
        for date, day in sorted(days.items(), reverse=True)
    ]


def assert_daily_agrees(client, project, params=None, **raw_filters) -> list[dict]:
    body = client.get(URL, params or {}).json()
    assert body["data"] == raw_daily(project, **raw_filters)
    return body["data"]


@pytest.fixture
def ingested(api_client, project, other_client):
    batch_dataset(api_client)
    otlp_spans(api_client)
    batch_dataset(other_client)


def test_daily_metrics_come_from_refreshed_rollups(api_client, project, ingested):
    assert RollupDirtyHour.objects.filter(project=project).exists()
    data = assert_daily_agrees(api_client, project)
    assert not RollupDirtyHour.objects.filter(project=project).exists()
    assert TraceModelTotals.objects.filter(project=project).exists()
    assert sum(day["countTraces"] for day in data) == 13


@pytest.mark.parametrize(
    ("params", "raw_filters"),
    [
        ({"traceName": "chat"}, {"name": "chat"}),
        ({"userId": "user-1"}, {"user_id": "user-1"}),
        ({"tags": "beta"}, {"tag": "beta"}),
    ],
)
def test_filtered_daily_metrics_agree_with_raw_rows(api_client, project, ingested, params, raw_filters):
    assert assert_daily_agrees(api_client, project, params, **raw_filters)


def test_late_and_updated_observations_correct_daily_metrics(api_client, project, ingested):
    assert_daily_agrees(api_client, project)
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
    moved = ingestion_event("u1", "generation-update", {"id": "g2", "startTime": _at(40), "model": "claude-3"})
    repriced = ingestion_event("u2", "generation-update", {"id": "g5", "costDetails": {"total": 0.25}})
    renamed = ingestion_event("u3", "trace-create", {"id": "t3", "name": "renamed", "timestamp": _at(50)})
    assert not post_batch(api_client, late, moved, repriced, renamed).json()["errors"]
    otlp_spans(api_client, tokens=4000)
    data = assert_daily_agrees(api_client, project)
    assert any(usage["inputUsage"] >= 9000 for day in data for usage in day["usage"])
    assert_daily_agrees(api_client, project, {"traceName": "renamed"}, name="renamed")


def test_deleted_traces_leave_daily_metrics(api_client, project, ingested):
    assert_daily_agrees(api_client, project)
    trace_delete_many(project=project, trace_ids=["t0", "t7"])
    data = assert_daily_agrees(api_client, project)
    assert sum(day["countTraces"] for day in data) == 11


def test_a_trace_committed_between_the_two_reads_of_an_hour_is_left_to_its_own_mark(project, monkeypatch):
    hour = datetime(2025, 3, 10, 9, tzinfo=UTC)
    make_trace(project, "t1", at=hour)
    make_observation(project, "o1", "t1", start=hour, model="gpt-4o")
    original = Observation.objects.filter

    def filter_after_a_late_trace(*args, **kwargs):
        monkeypatch.setattr(Observation.objects, "filter", original)
        make_trace(project, "late", at=hour + timedelta(minutes=5))
        make_observation(project, "late-o", "late", start=hour + timedelta(minutes=5), model="gpt-4o")
        return original(*args, **kwargs)

    monkeypatch.setattr(Observation.objects, "filter", filter_after_a_late_trace)
    rows = rollups._trace_model_rows(project.pk, hour)

    assert [(row.trace_id, row.model, row.observations) for row in rows] == [("t1", "gpt-4o", 1)]
    assert RollupDirtyHour.objects.filter(project=project, hour=hour).exists()
