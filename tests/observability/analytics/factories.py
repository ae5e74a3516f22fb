"""A fixed dataset for the metrics tests: ten traces, each with one generation and one span, over three days."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.observability.factories import make_observation, make_trace

DAY0 = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)
RANGE = {"fromTimestamp": "2025-03-01T00:00:00Z", "toTimestamp": "2025-04-01T00:00:00Z"}
LATENCIES = [0.25, 1.0, 1.5, 2.0, 3.5, 0.75, 4.0, 10.0, 0.5, 6.25]  # seconds, generation i
COSTS = [Decimal("0.001"), Decimal("0.002"), Decimal("0.0035"), Decimal("0.01"), Decimal("0.0005")] * 2


def trace_name(index: int) -> str:
    return "chat" if index < 6 else "search"


def model(index: int) -> str:
    return "gpt-4o" if index % 2 == 0 else "claude-3"


def start(index: int) -> datetime:
    """Traces 0-3 on day 0, 4-6 on day 1, 7-9 on day 2, at varied hours."""
    day = 0 if index < 4 else 1 if index < 7 else 2
    return DAY0 + timedelta(days=day, hours=index + 1, minutes=7 * index)


def load(project) -> None:
    for index in range(10):
        trace_id = f"t{index}"
        make_trace(
            project,
            trace_id,
            at=start(index),
            name=trace_name(index),
            user_id=f"user-{index % 3}",
            session_id=f"session-{index % 4}",
            tags=["beta"] if index % 3 == 0 else [],
            release="r1" if index < 5 else "r2",
            environment="production",
        )
        make_observation(
            project,
            f"{trace_id}-gen",
            trace_id,
            start=start(index),
            duration=LATENCIES[index],
            type="GENERATION",
            name="completion",
            model=model(index),
            input_tokens=100 * (index + 1),
            output_tokens=10 * (index + 1),
            total_tokens=110 * (index + 1),
            total_cost=COSTS[index],
            cost_details={"input": float(COSTS[index]) / 2, "output": float(COSTS[index]) / 2},
            completion_start_time=start(index) + timedelta(milliseconds=100),
        )
        make_observation(
            project,
            f"{trace_id}-span",
            trace_id,
            start=start(index),
            duration=0.1,
            name="retrieve",
            level="ERROR" if index == 7 else "DEFAULT",
            parent_observation_id=f"{trace_id}-gen",
        )
