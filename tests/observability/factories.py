"""Rows for observability tests: traces, observations, a priced LLM trace."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from observability.models import Observation, Trace

T0 = datetime(2025, 1, 15, 12, 0, 0, 123456, tzinfo=UTC)


def make_trace(project, trace_id, *, at=T0, **fields) -> Trace:
    return Trace.objects.create(project=project, id=trace_id, timestamp=at, **fields)


def make_observation(project, observation_id, trace_id, *, start=T0, duration=1.0, **fields) -> Observation:
    end = start + timedelta(seconds=duration) if duration is not None else None
    return Observation.objects.create(
        project=project, id=observation_id, trace_id=trace_id, start_time=start, end_time=end, **fields
    )


def make_llm_trace(project, trace_id, *, at=T0, **fields) -> Trace:
    """A trace with an agent span, a retriever and a priced generation."""
    trace = make_trace(project, trace_id, at=at, **fields)
    make_observation(project, f"{trace_id}-root", trace_id, start=at, duration=2.5, type="AGENT", name="agent")

    def child(suffix, offset_ms, duration, **extra):
        start = at + timedelta(milliseconds=offset_ms)
        parent = f"{trace_id}-root"
        make_observation(
            project,
            f"{trace_id}-{suffix}",
            trace_id,
            start=start,
            duration=duration,
            parent_observation_id=parent,
            **extra,
        )

    child("ret", 100, 0.4, type="RETRIEVER", name="search")
    child(
        "gen",
        600,
        1.5,
        type="GENERATION",
        name="answer",
        model="gpt-4o",
        completion_start_time=at + timedelta(milliseconds=900),
        usage_details={"input": 120, "output": 30, "total": 150},
        cost_details={"input": 0.0003, "output": 0.0003, "total": 0.0006},
        input_tokens=120,
        output_tokens=30,
        total_tokens=150,
        total_cost=Decimal("0.0006"),
        input=[{"role": "user", "content": "hi"}],
        output={"role": "assistant", "content": "hello"},
    )
    return trace
