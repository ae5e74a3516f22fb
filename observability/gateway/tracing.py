"""Each gateway call as a trace with one generation per attempt (failed attempts at level ERROR), written
through the ingestion writer so it is priced and stored like any ingested generation.

Calls are written off the request path: `call_trace_queue` hands a finished call to this process's batch
writer, which stores the calls of each BATCH_SECONDS in one write per project and then counts their spend.
`gateway_traces_flush()` waits until every call queued so far is stored (a web process calls it at exit).
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from observability.batch_writer import BatchWriter
from observability.gateway.limits import spend_add
from observability.gateway.shapes import Answer, Shape
from observability.ingestion.writer import RowSet, write
from observability.models import ObservationLevel, ObservationType
from observability.models.gateway import GatewayRoute, GatewayTarget
from observability.models.traces import DEFAULT_ENVIRONMENT

logger = logging.getLogger(__name__)
BATCH_SECONDS = 0.2
BATCH_CALLS = 200


@dataclass
class Attempt:
    target: GatewayTarget
    started_at: datetime
    ended_at: datetime | None = None
    first_byte_at: datetime | None = None
    status: int | None = None
    answer: Answer = field(default_factory=Answer)
    error: str | None = None
    events: list[bytes] | None = None  # a stream's bytes as received, read into `answer` by the trace writer


@dataclass
class Call:
    """One request through the gateway, filled in as it runs."""

    project_id: object
    public_key: str
    shape: Shape
    route: GatewayRoute
    body: dict
    started_at: datetime
    trace_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    attempts: list[Attempt] = field(default_factory=list)


def _metadata(call: Call, attempt: Attempt, number: int) -> dict:
    return {
        "gateway": {
            "api": call.shape.name,
            "route": call.route.alias,
            "attempt": number,
            "attempts": len(call.attempts),
            "connection": attempt.target.connection.provider,
            "status": attempt.status,
            "apiKey": call.public_key,
        }
    }


def _rows(call: Call, traces: RowSet, observations: RowSet) -> list[str]:
    """Add the call's trace and generations to the row sets; the generations' ids."""
    for attempt in call.attempts:
        if attempt.events is not None:
            attempt.answer = call.shape.read_events(attempt.events)
    last = call.attempts[-1]
    failed = last.error is not None
    traces.add(
        call.trace_id,
        {
            "name": f"gateway {call.route.alias}",
            "timestamp": call.started_at,
            "environment": DEFAULT_ENVIRONMENT,
            "user_id": call.body.get("user") if isinstance(call.body.get("user"), str) else None,
            "input": call.shape.trace_input(call.body),
            "output": None if failed else last.answer.output,
            "metadata": {
                "gateway": {"api": call.shape.name, "route": call.route.alias, "attempts": len(call.attempts)}
            },
            "tags": ["gateway"],
        },
    )
    ids = []
    for number, attempt in enumerate(call.attempts, start=1):
        observation_id = uuid.uuid4().hex[:16]
        ids.append(observation_id)
        error = attempt.error or attempt.answer.error
        observations.add(
            observation_id,
            {
                "trace_id": call.trace_id,
                "type": ObservationType.GENERATION,
                "name": f"{attempt.target.connection.provider} {attempt.target.model}",
                "start_time": attempt.started_at,
                "end_time": attempt.ended_at,
                "completion_start_time": attempt.first_byte_at,
                "input": call.shape.trace_input(call.body),
                "output": attempt.answer.output if attempt.answer.output is not None else None,
                "metadata": _metadata(call, attempt, number),
                "level": ObservationLevel.ERROR if error else ObservationLevel.DEFAULT,
                "status_message": error,
                "environment": DEFAULT_ENVIRONMENT,
                "model": attempt.answer.model or attempt.target.model,
                "model_parameters": call.shape.parameters(call.body) or None,
                "usage_details": attempt.answer.usage or None,
            },
        )
    return ids


def _cost(observations: RowSet, ids: list[str]) -> Decimal | None:
    """The cost of a call's generations once written (None when unpriced)."""
    costs = [observations[observation_id].values.get("total_cost") for observation_id in ids]
    priced = [Decimal(str(cost)) for cost in costs if cost is not None]
    return sum(priced, Decimal(0)) if priced else None


def _write(calls: list[Call]) -> None:
    """Store the calls, one write per project, then count each call's spend."""
    by_project: dict = {}
    for call in calls:
        by_project.setdefault(call.project_id, []).append(call)
    for project_id, group in by_project.items():
        traces, observations = RowSet(), RowSet()
        ids = [_rows(call, traces, observations) for call in group]
        try:
            write(project_id=project_id, traces=traces, observations=observations)
        except Exception:
            logger.exception("%d gateway traces of project %s could not be written", len(group), project_id)
            continue
        for call, call_ids in zip(group, ids, strict=True):
            spend_add(public_key=call.public_key, cost=_cost(observations, call_ids), now=call.started_at)


_writer = BatchWriter(
    name="gateway-traces", store=_write, size=lambda call: 1, seconds=BATCH_SECONDS, limit=BATCH_CALLS
)


def call_trace_queue(call: Call) -> None:
    """Hand a finished call to the batch writer."""
    _writer.put(call)


def gateway_traces_flush(timeout: float = 30.0) -> bool:
    """Wait until every call queued so far is stored and its spend counted."""
    return _writer.flush(timeout)
