"""The call sink of aistrale.llm: every provider call the platform makes becomes a trace with one generation.

Registered in ObservabilityConfig.ready. Each CallRecord is written as Langfuse batch events through
`ingest_batch`, so it is validated, priced (the project's price table) and stored exactly as SDK data is: the
trace in the CallTrace's environment (e.g. `aistrale-evaluation`), the generation (an EMBEDDING for embedding
calls) with input, output, model, parameters, usage, cost and its start, first-token (streams) and end times;
a failed call is a level ERROR generation whose status message is the typed error. Nothing of the connection's
key is written.

Inside `call_traces_batched()` (the evaluation worker's job runs) a call is not written on the caller's path:
its events go to this process's batch writer, a thread that stores what arrived within BATCH_SECONDS (at most
BATCH_EVENTS events) in one ingestion per project, not announced to the trace write handlers (a judge's trace is
never a live-evaluation target, so the handler would only spend queries on it). `call_traces_flush()` waits
until all of it is stored; the Dramatiq worker calls it when it shuts down (CallTracesFlush), a web process
at exit.
"""

import contextlib
import logging
from contextvars import ContextVar

from dramatiq.middleware import Middleware

from aistrale.llm.sink import CallRecord
from aistrale.tenancy.models import Project
from observability.batch_writer import BatchWriter
from observability.extensions import trace_writes_unannounced
from observability.ingestion.batch import ingest_batch

logger = logging.getLogger(__name__)
BATCH_SECONDS = 0.25
BATCH_EVENTS = 500
_batched: ContextVar[bool] = ContextVar("llm_call_traces_batched", default=False)


def _output(record: CallRecord):
    result = record.result
    if result is None or record.kind == "embedding":
        return None
    if result.parsed is not None:
        return result.parsed
    if result.tool_calls:
        return {"role": "assistant", "content": result.text or None, "tool_calls": result.tool_calls}
    return result.text


def _metadata(record: CallRecord) -> dict:
    request, result, error = record.request, record.result, record.error
    metadata = {"llmConnection": record.connection}
    if request.tools:
        metadata["tools"] = [tool.name for tool in request.tools]
    if request.response_schema is not None:
        metadata["responseSchema"] = request.response_schema
    if result is not None and result.finish_reason:
        metadata["finishReason"] = result.finish_reason
    if error is not None:
        metadata["errorKind"] = error.kind
    return metadata


def _generation(record: CallRecord) -> dict:
    result, error = record.result, record.error
    body = {
        "id": record.observation_id,
        "traceId": record.trace_id,
        "name": record.target.name,
        "environment": record.target.environment,
        "startTime": record.started_at.isoformat(),
        "endTime": record.ended_at.isoformat(),
        "model": result.model if result is not None and result.model else record.request.model,
        "modelParameters": record.request.parameters or None,
        "input": record.request.messages,
        "output": _output(record),
        "metadata": _metadata(record),
    }
    if record.first_token_at is not None:
        body["completionStartTime"] = record.first_token_at.isoformat()
    if result is not None:
        body["usageDetails"] = result.usage.as_details()
    if error is not None:
        body["level"] = "ERROR"
        body["statusMessage"] = f"{error.kind}: {error.message}"
    return body


def call_events(record: CallRecord) -> list[dict]:
    """The batch events of one call: the trace (when the call made its own) and its generation."""
    target = record.target
    kind = "embedding-create" if record.kind == "embedding" else "generation-create"
    events = [{"id": f"{record.observation_id}-call", "type": kind, "body": _generation(record)}]
    if target.trace_id is None:
        trace = {
            "id": record.trace_id,
            "name": target.name,
            "environment": target.environment,
            "timestamp": record.started_at.isoformat(),
            "metadata": target.metadata or None,
            "tags": target.tags or None,
            "input": record.request.messages,
            "output": _output(record),
        }
        events.insert(0, {"id": f"{record.observation_id}-trace", "type": "trace-create", "body": trace})
    timestamp = record.started_at.isoformat()
    return [{**event, "timestamp": timestamp} for event in events]


def _store(project: Project, events: list[dict]) -> None:
    result = ingest_batch(project=project, batch=events)
    for error in result.errors:
        logger.warning("llm call not traced: event %s: %s", error["id"], error["message"])


def trace_llm_call(record: CallRecord) -> None:
    """Store the call in its project (or hand it to the batch writer); refused events are logged."""
    if _batched.get():
        _writer.put((record.target.project_id, call_events(record)))
        return
    _store(Project.objects.get(pk=record.target.project_id), call_events(record))


@contextlib.contextmanager
def call_traces_batched():
    """Calls made inside are traced by the batch writer, off the caller's path."""
    token = _batched.set(True)
    try:
        yield
    finally:
        _batched.reset(token)


def _write(items: list[tuple]) -> None:
    by_project: dict = {}
    for project_id, events in items:
        by_project.setdefault(project_id, []).extend(events)
    with trace_writes_unannounced():
        for project in Project.objects.filter(pk__in=by_project):
            _store(project, by_project[project.pk])


_writer = BatchWriter(
    name="llm-call-traces", store=_write, size=lambda item: len(item[1]), seconds=BATCH_SECONDS, limit=BATCH_EVENTS
)


def call_traces_flush(timeout: float = 30.0) -> bool:
    """Wait until the batch writer has stored every call queued so far."""
    return _writer.flush(timeout)


class CallTracesFlush(Middleware):
    """A stopping Dramatiq worker stores its batched call traces first (worker processes skip atexit)."""

    def after_worker_shutdown(self, broker, worker):
        call_traces_flush()
