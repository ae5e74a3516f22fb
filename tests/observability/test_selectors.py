"""Observability's selectors and services, exercised directly (on SQLite and, with DATABASE_URL, PostgreSQL)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from aistrale.tenancy.models import AuditEvent
from observability import selectors
from observability.models import Observation, Trace
from observability.services import trace_delete_many
from tests.observability.factories import T0, make_llm_trace, make_observation, make_trace

pytestmark = pytest.mark.django_db


def test_trace_metrics_sum_one_trace_and_count_levels(project, other_project):
    make_llm_trace(project, "t1")
    make_observation(project, "t1-warn", "t1", start=T0 + timedelta(seconds=4), duration=None, level="WARNING")
    make_trace(project, "t2")
    make_observation(project, "t2-err", "t2", level="ERROR", total_cost=Decimal("0.5"), input_tokens=7)
    make_llm_trace(other_project, "t1")

    metrics = selectors.trace_metrics(project=project, trace_ids=["t1", "t2", "missing"])

    assert set(metrics) == {"t1", "t2"}
    first = metrics["t1"]
    assert (first.start, first.end) == (T0, T0 + timedelta(seconds=4))
    assert first.latency == 4.0
    assert first.total_cost == Decimal("0.0006")
    assert (first.input_tokens, first.output_tokens, first.total_tokens) == (120, 30, 150)
    assert (first.observation_count, first.warning_count, first.error_count) == (4, 1, 0)
    assert (metrics["t2"].error_count, metrics["t2"].input_tokens) == (1, 7)
    assert selectors.trace_metrics(project=project, trace_ids=[]) == {}


def test_observation_pages_walk_newest_first_without_gaps_or_repeats(project):
    make_trace(project, "t")
    for index in range(5):
        make_observation(project, f"o{index}", "t", start=T0 + timedelta(seconds=index // 2))
    queryset = selectors.observation_list(project=project)

    seen, cursor = [], None
    for _ in range(3):
        rows, cursor = selectors.observation_page(queryset, cursor=cursor, limit=2)
        seen.extend(row.id for row in rows)
    assert cursor is None
    assert seen == ["o4", "o3", "o2", "o1", "o0"]
    with pytest.raises(selectors.InvalidCursor):
        selectors.observation_page(queryset, cursor="not-a-cursor", limit=2)


def test_session_list_is_defined_by_traces_newest_first(project, other_project):
    make_trace(project, "a1", session_id="chat-a", at=T0)
    make_trace(project, "a2", session_id="chat-a", at=T0 + timedelta(hours=2), environment="staging")
    make_trace(project, "b1", session_id="chat-b", at=T0 + timedelta(hours=1))
    make_trace(project, "none", session_id="")
    make_trace(other_project, "x", session_id="chat-x")

    rows = selectors.SessionRows(selectors.session_traces(project=project))[0:10]

    assert [(row["session_id"], row["created_at"]) for row in rows] == [
        ("chat-b", T0 + timedelta(hours=1)),
        ("chat-a", T0),
    ]
    assert [trace.id for trace in selectors.session_trace_list(project=project, session_id="chat-a")] == ["a1", "a2"]


def test_prompt_version_stats_give_the_same_percentiles_on_every_database(project):
    make_trace(project, "t")
    for index, seconds in enumerate([1.0, 2.0, 3.0, 4.0]):
        make_observation(
            project, f"g{index}", "t", duration=seconds, prompt_name="greet", prompt_version=1, input_tokens=10
        )
    make_observation(project, "g-open", "t", duration=None, prompt_name="greet", prompt_version=2)
    make_observation(project, "other", "t", prompt_name="other", prompt_version=1)

    stats = selectors.prompt_version_stats(project_id=project.pk, prompt_name="greet")

    first = stats[1]
    assert (first["generations"], first["input_tokens"], first["cost"]) == (4, 40, None)
    median, p95 = first["median_latency"], first["p95_latency"]
    as_seconds = [value.total_seconds() if isinstance(value, timedelta) else value for value in (median, p95)]
    assert as_seconds == pytest.approx([2.5, 3.85])
    assert stats[2]["generations"] == 1 and stats[2]["median_latency"] is None


def test_traces_delete_removes_observations_and_records_one_audit_event(project, other_project):
    make_llm_trace(project, "t1")
    make_llm_trace(project, "t2")
    make_llm_trace(other_project, "t1")

    assert sorted(trace_delete_many(project=project, trace_ids=["t1", "t2", "missing"])) == ["t1", "t2"]

    assert not Trace.objects.filter(project=project).exists()
    assert not Observation.objects.filter(project=project).exists()
    assert Observation.objects.filter(project=other_project).count() == 3
    event = AuditEvent.objects.get(action="trace.deleted")
    assert event.before == {"traceIds": ["t1", "t2"]} and event.project == project
    assert trace_delete_many(project=project, trace_ids=["t1"]) == []
