"""Each gateway call as a trace with one generation per attempt (failed attempts at level ERROR), written
through the ingestion writer so it is priced and stored like any ingested generation."""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from observability.gateway.shapes import Answer, Shape
from observability.ingestion.writer import RowSet, write
from observability.models import ObservationLevel, ObservationType
from observability.models.gateway import GatewayRoute, GatewayTarget
from observability.models.traces import DEFAULT_ENVIRONMENT

logger = logging.getLogger(__name__)


@dataclass
class Attempt:
    target: GatewayTarget
    started_at: datetime
    ended_at: datetime | None = None
    first_byte_at: datetime | None = None
    status: int | None = None
    answer: Answer = field(default_factory=Answer)
    error: str | None = None


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


def call_record(call: Call) -> Decimal | None:
    """Write the call's trace and generations; returns the cost of the call (None when unpriced)."""
    last = call.attempts[-1]
    failed = last.error is not None
    traces, observations = RowSet(), RowSet()
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
    write(project_id=call.project_id, traces=traces, observations=observations)
    costs = [observations[observation_id].values.get("total_cost") for observation_id in ids]
    priced = [Decimal(str(cost)) for cost in costs if cost is not None]
    return sum(priced, Decimal(0)) if priced else None
