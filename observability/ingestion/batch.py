"""The Langfuse batch ingestion format (POST /api/public/ingestion) mapped onto trace and observation rows.

A measured hot path: hand-tuned mapping rather than DRF serializers. Every value is checked against the
input limits (`aistrale.limits` through `values`: column lengths, no NUL, timestamp range, JSON depth,
usage counts, money) as it is mapped, so one bad event is that event's own error and its neighbours
are stored.
"""

import logging
import uuid
from dataclasses import dataclass, field

from aistrale.errors import DomainError
from aistrale.limits import column_length
from observability.extensions import ingestion_handler
from observability.ingestion.costs import normalize_usage, provided_costs
from observability.ingestion.values import (
    EPOCH,
    FieldError,
    describe,
    json_value,
    optional_id,
    optional_string,
    parse_timestamp,
)
from observability.ingestion.writer import RowSet, write
from observability.models import Observation, Trace
from observability.models.traces import ObservationLevel, ObservationType

logger = logging.getLogger(__name__)

TYPED = {member.value.lower(): member.value for member in ObservationType}
LEGACY_USAGE_COSTS = {"inputCost": "input", "outputCost": "output", "totalCost": "total"}
ID_LENGTH = column_length(Observation, "id")
ADDRESSED = frozenset({"trace_id", "session_id"})


def _text_columns(model, keys: dict[str, str]) -> dict[str, tuple[str, int | None]]:
    """{column: (body key, column length)} for a model's text columns, read once from the model."""
    return {column: (key, column_length(model, column)) for column, key in keys.items()}


TRACE_TEXT = _text_columns(
    Trace,
    {
        "name": "name",
        "user_id": "userId",
        "session_id": "sessionId",
        "release": "release",
        "version": "version",
        "environment": "environment",
    },
)
OBSERVATION_TEXT = _text_columns(
    Observation,
    {
        "trace_id": "traceId",
        "parent_observation_id": "parentObservationId",
        "name": "name",
        "status_message": "statusMessage",
        "version": "version",
        "environment": "environment",
        "model": "model",
        "prompt_name": "promptName",
    },
)


@dataclass
class BatchResult:
    successes: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def ok(self, event_id: str) -> None:
        self.successes.append({"id": event_id, "status": 201})

    def fail(self, event_id: str, message: str, status: int = 400) -> None:
        self.errors.append({"id": event_id, "status": status, "message": message, "error": message})


def _object_id(body: dict, required: bool) -> str:
    object_id = optional_id(body.get("id"), "body.id", ID_LENGTH)
    if object_id:
        return object_id
    if required:
        raise FieldError("body.id is required for updates")
    return str(uuid.uuid4())


def _tags(value) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise FieldError("body.tags must be a list of strings")
    return value or None


def _text(body: dict, columns: dict[str, tuple[str, int | None]]) -> dict:
    """The text columns sent in the body, each within its column's length and free of NUL; ids addressable."""
    return {
        column: (optional_id if column in ADDRESSED else optional_string)(body.get(key), f"body.{key}", length)
        for column, (key, length) in columns.items()
    }


def _io(body: dict) -> dict:
    return {key: json_value(body.get(key), f"body.{key}") for key in ("input", "output", "metadata")}


def _trace_values(body: dict) -> dict:
    public = body.get("public")
    if public is not None and not isinstance(public, bool):
        raise FieldError("body.public must be a boolean")
    return {
        **_text(body, TRACE_TEXT),
        **_io(body),
        "timestamp": parse_timestamp(body.get("timestamp"), "body.timestamp"),
        "tags": _tags(body.get("tags")),
        "public": public,
    }


def _usage(body: dict) -> tuple[dict, dict]:
    """(usage details, provided cost details) from usageDetails/costDetails or the legacy usage object."""
    usage = normalize_usage(body.get("usageDetails"), "body.usageDetails")
    costs = provided_costs(body.get("costDetails"), "body.costDetails")
    legacy = body.get("usage")
    if isinstance(legacy, dict):
        if not usage:
            usage = normalize_usage(
                {k: v for k, v in legacy.items() if k not in LEGACY_USAGE_COSTS and k != "unit"},
                "body.usage",
                legacy=True,
            )
        if not costs:
            costs = provided_costs(
                {LEGACY_USAGE_COSTS[k]: v for k, v in legacy.items() if k in LEGACY_USAGE_COSTS}, "body.usage"
            )
    elif legacy is not None:
        raise FieldError("body.usage must be an object")
    return usage, costs


def _observation_values(body: dict, observation_type: str | None) -> dict:
    level = body.get("level")
    if level is not None and level not in ObservationLevel.values:
        raise FieldError(f"body.level must be one of {ObservationLevel.values}, got {level!r}")
    prompt_version = body.get("promptVersion")
    if prompt_version is not None and (
        isinstance(prompt_version, bool) or not isinstance(prompt_version, int) or not 0 <= prompt_version < 2**31
    ):
        raise FieldError("body.promptVersion must be a non-negative 32-bit integer")
    parameters = body.get("modelParameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise FieldError("body.modelParameters must be an object")
    usage, costs = _usage(body)
    values = {
        **_text(body, OBSERVATION_TEXT),
        **_io(body),
        "type": observation_type,
        "start_time": parse_timestamp(body.get("startTime"), "body.startTime"),
        "end_time": parse_timestamp(body.get("endTime"), "body.endTime"),
        "completion_start_time": parse_timestamp(body.get("completionStartTime"), "body.completionStartTime"),
        "level": level,
        "model_parameters": json_value(parameters, "body.modelParameters"),
        "usage_details": usage or None,
        "provided_cost_details": costs or None,
        "prompt_version": prompt_version,
    }
    if values["start_time"] and values["end_time"] and values["end_time"] < values["start_time"]:
        raise FieldError(f"body.endTime must not be before body.startTime ({body.get('startTime')})")
    if observation_type == ObservationType.EVENT and values["start_time"] and not values["end_time"]:
        values["end_time"] = values["start_time"]
    return values


def _observation_type(event_type: str, body: dict) -> tuple[str | None, bool]:
    """(observation type, is a create) for an observation event type, or FieldError."""
    kind, _, action = event_type.rpartition("-")
    if action not in ("create", "update") or (kind not in TYPED and kind != "observation"):
        raise FieldError(f"type {event_type!r} is not a known ingestion event type")
    if kind == "observation":
        raw = body.get("type")
        if raw is None and action == "update":
            return None, False
        if not isinstance(raw, str) or raw.upper() not in ObservationType.values:
            raise FieldError(f"body.type must be one of {ObservationType.values}, got {raw!r}")
        return raw.upper(), action == "create"
    return TYPED[kind], action == "create"


def events_in_order(batch: list, result: BatchResult) -> list[tuple]:
    """(timestamp, index, event id, type, body, event) of the batch's well-formed events, oldest first (so the
    last of repeated ids wins); each malformed one is its own error in `result`."""
    accepted: list[tuple] = []
    for index, event in enumerate(batch):
        event_id = event.get("id") if isinstance(event, dict) else None
        if not isinstance(event_id, str) or not event_id:
            result.fail(str(event_id or f"batch.{index}"), f"batch.{index}.id is required and must be a string")
            continue
        try:
            event_type = event.get("type")
            body = event.get("body")
            if not isinstance(event_type, str):
                raise FieldError("type is required")
            if not isinstance(body, dict):
                raise FieldError("body is required and must be an object")
            event["_timestamp"] = parse_timestamp(event.get("timestamp"), "timestamp")
            accepted.append((event["_timestamp"], index, event_id, event_type, body, event))
        except DomainError as error:
            result.fail(event_id, f"batch.{index}: {describe(error)}")
    accepted.sort(key=lambda item: (item[0] is None, item[0] or EPOCH, item[1]))
    return accepted


def ingest_batch(*, project, batch: list) -> BatchResult:
    """Map, merge and store every good event of the batch in one transaction; report each one.

    Requests authenticated by the public key alone (browsers) never come here: the browser policy serves them.
    """
    result = BatchResult()
    traces, observations = RowSet(), RowSet()
    handled: dict[str, list[dict]] = {}
    seen: set[str] = set()
    for timestamp, index, event_id, event_type, body, event in events_in_order(batch, result):
        if event_id in seen:
            result.ok(event_id)
            continue
        try:
            if event_type == "trace-create":
                traces.add(_object_id(body, required=False), _trace_values(body), {"timestamp": timestamp})
            elif event_type == "sdk-log":
                logger.info("sdk-log from project %s: %s", project.pk, body.get("log"))
            elif ingestion_handler(event_type) is not None:
                handled.setdefault(event_type, []).append(event)
                continue
            else:
                observation_type, is_create = _observation_type(event_type, body)
                values = _observation_values(body, observation_type if is_create else None)
                fallback = {"start_time": timestamp, "type": observation_type}
                observations.add(_object_id(body, required=not is_create), values, fallback)
        except DomainError as error:
            result.fail(event_id, f"batch.{index}: {describe(error)}")
            continue
        seen.add(event_id)
        result.ok(event_id)

    def run_handlers() -> dict[str, dict[str, str]]:
        return {
            event_type: ingestion_handler(event_type)(project=project, events=events) or {}
            for event_type, events in handled.items()
        }

    rejected = write(project_id=project.pk, traces=traces, observations=observations, also=run_handlers)
    for event_type, events in handled.items():
        for event in events:
            if event["id"] in rejected.get(event_type, {}):
                result.fail(event["id"], rejected[event_type][event["id"]])
            else:
                result.ok(event["id"])
    return result
