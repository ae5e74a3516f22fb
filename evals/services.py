"""Score writes: parse Langfuse score bodies and upsert them by (project, id)."""

import math
import uuid
from dataclasses import dataclass

import orjson
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from aistrale.errors import DomainError
from aistrale.limits import column_length, json_depth_check, text_check, timestamp_check
from evals.models import DEFAULT_ENVIRONMENT, Score, ScoreDataType, ScoreSource
from observability.ingestion.values import JSON_NUL

UPDATE_FIELDS = [
    "trace_id",
    "observation_id",
    "session_id",
    "dataset_run_id",
    "name",
    "value",
    "string_value",
    "data_type",
    "source",
    "comment",
    "metadata",
    "config_id",
    "environment",
    "timestamp",
    "queue_id",
    "updated_at",
]
STRING_TYPES = frozenset({ScoreDataType.CATEGORICAL, ScoreDataType.TEXT, ScoreDataType.CORRECTION})


class ScoreError(ValueError):
    """A score body that cannot be stored; the message names the field."""


@dataclass(frozen=True)
class ScoreResult:
    """What a batch of score bodies came to: stored ids, and an error message per rejected index."""

    ids: list[str]
    errors: dict[int, str]


def _checked(check, value, key: str, **options):
    """A shared input limit (aistrale.limits) applied to a body value, broken as a ScoreError naming the key."""
    try:
        return check(value, field=key, **options)
    except DomainError as error:
        raise ScoreError(f"{key} {error.message}") from None


def _optional_string(body: dict, key: str, column: str | None = None) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ScoreError(f"{key} must be a string, got {type(value).__name__}")
    max_length = column_length(Score, column) if column else None
    return _checked(text_check, value, key, max_length=max_length) if value else None


def score_from_body(*, project, body, default_timestamp=None, allowed_sources=None) -> Score:
    """An unsaved Score from a CreateScoreRequest / ScoreBody, or ScoreError naming the field."""
    if not isinstance(body, dict):
        raise ScoreError("score must be a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScoreError("name is required and must be a non-empty string")
    _checked(text_check, name, "name", max_length=column_length(Score, "name"))
    if "value" not in body or body["value"] is None:
        raise ScoreError("value is required")
    value = body["value"]
    data_type = body.get("dataType")
    if data_type is None:
        data_type = ScoreDataType.CATEGORICAL if isinstance(value, str) else ScoreDataType.NUMERIC
    if data_type not in ScoreDataType.values:
        raise ScoreError(f"dataType must be one of {ScoreDataType.values}, got {data_type!r}")
    number, string_value = None, None
    if data_type in STRING_TYPES:
        if not isinstance(value, str):
            raise ScoreError(f"value must be a string for {data_type} scores")
        string_value = _checked(text_check, value, "value")
    else:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ScoreError(f"value must be a finite number for {data_type} scores, got {value!r}")
        number = float(value)
        if data_type == ScoreDataType.BOOLEAN:
            if number not in (0.0, 1.0):
                raise ScoreError("value must be 0 or 1 for BOOLEAN scores")
            string_value = "True" if number else "False"
    source = body.get("source") or ScoreSource.API
    if source not in (allowed_sources or ScoreSource.values):
        raise ScoreError(f"source must be one of {list(allowed_sources or ScoreSource.values)}, got {source!r}")
    trace_id = _optional_string(body, "traceId", "trace_id")
    observation_id = _optional_string(body, "observationId", "observation_id")
    session_id = _optional_string(body, "sessionId", "session_id")
    dataset_run_id = _optional_string(body, "datasetRunId", "dataset_run_id")
    if not (trace_id or session_id or dataset_run_id):
        raise ScoreError("one of traceId, sessionId or datasetRunId is required")
    if observation_id and not trace_id:
        raise ScoreError("observationId needs traceId")
    timestamp = body.get("timestamp")
    if timestamp is not None:
        try:
            parsed = parse_datetime(timestamp) if isinstance(timestamp, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise ScoreError(f"timestamp must be an ISO 8601 date-time, got {timestamp!r}")
        timestamp = _checked(timestamp_check, parsed, "timestamp")
    metadata = body.get("metadata")
    if isinstance(metadata, (dict, list)):
        _checked(json_depth_check, metadata, "metadata")
    if metadata is not None and JSON_NUL.search(orjson.dumps(metadata).decode()):
        raise ScoreError("metadata must not contain a NUL character")
    return Score(
        project=project,
        id=_optional_string(body, "id", "id") or str(uuid.uuid4()),
        trace_id=trace_id,
        observation_id=observation_id,
        session_id=session_id,
        dataset_run_id=dataset_run_id,
        name=name,
        value=number,
        string_value=string_value,
        data_type=data_type,
        source=source,
        comment=_optional_string(body, "comment"),
        metadata=metadata,
        config_id=_optional_string(body, "configId", "config_id"),
        environment=_optional_string(body, "environment", "environment") or DEFAULT_ENVIRONMENT,
        timestamp=timestamp or default_timestamp or timezone.now(),
        queue_id=_optional_string(body, "queueId", "queue_id"),
    )


def scores_upsert(*, scores: list[Score]) -> None:
    """Insert or replace scores by (project, id) in one statement; the last of a repeated id wins."""
    latest = {(score.project_id, score.id): score for score in scores}
    now = timezone.now()
    for score in latest.values():
        score.created_at = score.created_at or now
        score.updated_at = now
    Score.objects.bulk_create(
        latest.values(), update_conflicts=True, unique_fields=["project", "id"], update_fields=UPDATE_FIELDS
    )


def scores_create(*, project, bodies: list, allowed_sources=None, default_timestamp=None) -> ScoreResult:
    """Validate each body, store the good ones, and report the bad ones by index."""
    good, errors = [], {}
    for index, body in enumerate(bodies):
        try:
            good.append(
                score_from_body(
                    project=project,
                    body=body,
                    default_timestamp=default_timestamp,
                    allowed_sources=allowed_sources,
                )
            )
        except ScoreError as error:
            errors[index] = str(error)
    if good:
        scores_upsert(scores=good)
    return ScoreResult(ids=[score.id for score in good], errors=errors)


def ingestion_score_events(*, project, events: list[dict]) -> dict[str, str]:
    """The "score-create" ingestion handler: {event id: error message} for the events it rejected."""
    good, errors = [], {}
    for event in events:
        try:
            good.append(
                score_from_body(project=project, body=event.get("body"), default_timestamp=event.get("_timestamp"))
            )
        except ScoreError as error:
            errors[event["id"]] = str(error)
    if good:
        scores_upsert(scores=good)
    return errors


def scores_delete_for_traces(*, project, trace_ids: list[str]) -> int:
    """Delete the scores of these traces (called when the traces are deleted)."""
    deleted, _ = Score.objects.filter(project=project, trace_id__in=trace_ids).delete()
    return deleted
