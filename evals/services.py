"""Score writes: the rules and limits of a score, and the upsert by (project, id)."""

import uuid

import orjson
from django.db import transaction
from django.utils import timezone

from aistrale.errors import DomainError
from aistrale.limits import column_length, float_check, json_depth_check, text_check, timestamp_check
from evals.models import DEFAULT_ENVIRONMENT, Score, ScoreDataType, ScoreSource

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


def _typed_value(*, value, data_type: str) -> tuple[float | None, str | None]:
    """(value, string_value) of a score of this data type."""
    if data_type in STRING_TYPES:
        if not isinstance(value, str):
            raise DomainError(f"must be a string for {data_type} scores", field="value")
        return None, text_check(value, field="value")
    if isinstance(value, str):
        raise DomainError(f"must be a number for {data_type} scores, got {value!r}", field="value")
    number = float_check(value, field="value")
    if data_type == ScoreDataType.BOOLEAN:
        if number not in (0.0, 1.0):
            raise DomainError("must be 0 or 1 for BOOLEAN scores", field="value")
        return number, "True" if number else "False"
    return number, None


def _metadata_check(metadata) -> None:
    json_depth_check(metadata, field="metadata")
    if metadata is not None and b"\\u0000" in orjson.dumps(metadata):
        raise DomainError("must not contain a NUL character", field="metadata")


def score_build(
    *,
    project,
    name: str,
    value,
    score_id: str | None = None,
    data_type: str | None = None,
    source: str | None = None,
    trace_id: str | None = None,
    observation_id: str | None = None,
    session_id: str | None = None,
    dataset_run_id: str | None = None,
    comment: str | None = None,
    metadata=None,
    config_id: str | None = None,
    environment: str | None = None,
    timestamp=None,
    queue_id: str | None = None,
    default_timestamp=None,
    allowed_sources=None,
) -> Score:
    """An unsaved Score once its rules and limits hold, or DomainError naming the field."""
    texts = {
        "id": score_id or None,
        "trace_id": trace_id or None,
        "observation_id": observation_id or None,
        "session_id": session_id or None,
        "dataset_run_id": dataset_run_id or None,
        "name": name,
        "config_id": config_id or None,
        "environment": environment or DEFAULT_ENVIRONMENT,
        "queue_id": queue_id or None,
        "comment": comment or None,
    }
    for field, text in texts.items():
        if text is not None:
            text_check(text, field=field, max_length=column_length(Score, field))
    if not name.strip():
        raise DomainError("must be a non-empty string", field="name")
    if data_type is None:
        data_type = ScoreDataType.CATEGORICAL if isinstance(value, str) else ScoreDataType.NUMERIC
    number, string_value = _typed_value(value=value, data_type=data_type)
    source = source or ScoreSource.API
    allowed = list(allowed_sources or ScoreSource.values)
    if source not in allowed:
        raise DomainError(f"must be one of {allowed}, got {source!r}", field="source")
    if not (texts["trace_id"] or texts["session_id"] or texts["dataset_run_id"]):
        raise DomainError("one of traceId, sessionId or datasetRunId is required", field="trace_id")
    if texts["observation_id"] and not texts["trace_id"]:
        raise DomainError("needs traceId", field="observation_id")
    _metadata_check(metadata)
    if timestamp is not None:
        timestamp = timestamp_check(timestamp, field="timestamp")
    return Score(
        project=project,
        **(texts | {"id": texts["id"] or str(uuid.uuid4())}),
        value=number,
        string_value=string_value,
        data_type=data_type,
        source=source,
        metadata=metadata,
        timestamp=timestamp or default_timestamp or timezone.now(),
    )


@transaction.atomic
def score_upsert_many(*, scores: list[Score]) -> None:
    """Insert or replace scores by (project, id) in one statement; the last of a repeated id wins."""
    latest = {(score.project_id, score.id): score for score in scores}
    now = timezone.now()
    for score in latest.values():
        score.created_at = score.created_at or now
        score.updated_at = now
    Score.objects.bulk_create(
        latest.values(), update_conflicts=True, unique_fields=["project", "id"], update_fields=UPDATE_FIELDS
    )


def score_delete_for_traces(*, project, trace_ids: list[str]) -> int:
    """Delete the scores of these traces (called when the traces are deleted)."""
    deleted, _ = Score.objects.filter(project=project, trace_id__in=trace_ids).delete()
    return deleted
