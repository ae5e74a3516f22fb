"""The call sink of aistrale.llm: every provider call the platform makes becomes a trace with one generation.

Registered in ObservabilityConfig.ready. Each CallRecord is written as Langfuse batch events through
`ingest_batch`, so it is validated, priced (the project's price table) and stored exactly as SDK data is: the
trace in the CallTrace's environment (e.g. `aistrale-evaluation`), the generation (an EMBEDDING for embedding
calls) with input, output, model, parameters, usage, cost and its start and end times; a failed call is a
level ERROR generation whose status message is the typed error. Nothing of the connection's key is written.
"""

import logging

from aistrale.llm.sink import CallRecord
from aistrale.tenancy.models import Project
from observability.ingestion.batch import ingest_batch

logger = logging.getLogger(__name__)


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


def trace_llm_call(record: CallRecord) -> None:
    """Store the call in its project; events the ingestion refuses are logged (the call's outcome stands)."""
    project = Project.objects.get(pk=record.target.project_id)
    result = ingest_batch(project=project, batch=call_events(record))
    for error in result.errors:
        logger.warning("llm call %s not traced: %s", record.trace_id, error["message"])
