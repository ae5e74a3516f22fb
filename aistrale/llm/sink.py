"""Where provider calls are reported: observability registers a sink at start-up that traces each call.

`register_call_sink(sink)`; sink(record: CallRecord) runs after every call, failed ones included.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aistrale.llm.types import LlmError, LlmRequest, LlmResult

logger = logging.getLogger(__name__)


@dataclass
class CallTrace:
    """The trace a call is recorded in: its project, environment and name (a new trace id when none is given)."""

    project_id: int
    environment: str
    name: str
    trace_id: str | None = None
    metadata: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


@dataclass
class CallRecord:
    """One provider call: its request, times (`first_token_at` for streams), and its result or its error."""

    target: CallTrace
    trace_id: str
    observation_id: str
    connection: str
    request: LlmRequest
    started_at: datetime
    ended_at: datetime
    result: LlmResult | None = None
    error: LlmError | None = None
    kind: str = "generation"
    first_token_at: datetime | None = None


_sinks: list[Callable[[CallRecord], object]] = []


def register_call_sink(sink: Callable[[CallRecord], object]) -> None:
    if sink not in _sinks:
        _sinks.append(sink)


def report(record: CallRecord) -> None:
    """Hand the call to every sink; a sink that fails is logged, the call's own outcome stands."""
    for sink in _sinks:
        try:
            sink(record)
        except Exception:
            logger.exception("llm call sink %r failed for trace %s", sink, record.trace_id)
