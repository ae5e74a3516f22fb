"""Score writes: the rules and limits of a score, and the upsert by (project, id)."""

import uuid

import orjson
from django.db import transaction
from django.utils import timezone

from aistrale.errors import DomainError
from aistrale.limits import column_length, float_check, json_depth_check, text_check, timestamp_check
from aistrale.tenancy.services import audit_record
from evals.models import DEFAULT_ENVIRONMENT, Score, ScoreConfig, ScoreDataType, ScoreSource

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
    "author_user",
    "updated_at",
]
STRING_TYPES = frozenset({ScoreDataType.CATEGORICAL, ScoreDataType.TEXT, ScoreDataType.CORRECTION})
PUBLIC_SOURCES = (ScoreSource.API, ScoreSource.ANNOTATION)
TEXT_MAX_LENGTH = 500
CORRECTION_NAME = "output"


def _typed_value(*, value, data_type: str) -> tuple[float | None, str | None]:
    """(value, string_value) of a score of this data type."""
    if data_type in STRING_TYPES:
        if not isinstance(value, str):
            raise DomainError(f"must be a string for {data_type} scores", field="value")
        text_check(value, field="value")
        if data_type == ScoreDataType.TEXT and not 1 <= len(value) <= TEXT_MAX_LENGTH:
            raise DomainError(f"TEXT scores hold 1 to {TEXT_MAX_LENGTH} characters, got {len(value)}", field="value")
        return None, value
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


def _subject_check(texts: dict, data_type: str) -> None:
    """Exactly one subject: a trace (optionally one of its observations), a session or a dataset run."""
    subjects = [field for field in ("trace_id", "session_id", "dataset_run_id") if texts[field]]
    if not subjects:
        raise DomainError("one of traceId, sessionId or datasetRunId is required", field="trace_id")
    if texts["observation_id"] and not texts["trace_id"]:
        raise DomainError("needs traceId: an observation is scored within its trace", field="observation_id")
    if len(subjects) > 1:
        raise DomainError(
            "give exactly one of traceId (with an optional observationId), sessionId or datasetRunId",
            field=subjects[1],
        )
    if data_type == ScoreDataType.CORRECTION and subjects[0] != "trace_id":
        raise DomainError(
            "CORRECTION scores correct a trace or observation output, not a session or dataset run", field=subjects[0]
        )


def _config_rules(*, config: ScoreConfig | None, config_id: str, value, data_type: str | None) -> str:
    """The data type of a score naming this config, once the config allows the score; else DomainError."""
    if config is None:
        raise DomainError(f"{config_id!r} does not match a score config in this project", field="config_id")
    if data_type is not None and data_type != config.data_type:
        raise DomainError(
            f"config {config.name!r} is {config.data_type}, so the score must be too, got {data_type}",
            field="data_type",
        )
    if config.is_archived:
        raise DomainError(
            f"config {config.name!r} is archived and takes no new scores; restore it first", field="config_id"
        )
    if config.data_type == ScoreDataType.NUMERIC and isinstance(value, (int, float)) and not isinstance(value, bool):
        if config.min_value is not None and value < config.min_value:
            raise DomainError(
                f"{value:g} is below the minimum {config.min_value:g} of config {config.name!r}", field="value"
            )
        if config.max_value is not None and value > config.max_value:
            raise DomainError(
                f"{value:g} exceeds the maximum {config.max_value:g} of config {config.name!r}", field="value"
            )
    if config.data_type == ScoreDataType.CATEGORICAL and isinstance(value, str):
        labels = [category["label"] for category in config.categories or []]
        if value not in labels:
            raise DomainError(
                f"{value!r} is not a category of config {config.name!r} (one of {', '.join(map(repr, labels))})",
                field="value",
            )
    return config.data_type


def _config_get(project, config_id: str) -> ScoreConfig | None:
    return ScoreConfig.objects.filter(project=project, id=config_id).first()


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
    author_user=None,
    default_timestamp=None,
    allowed_sources=None,
    configs: dict[str, ScoreConfig] | None = None,
) -> Score:
    """An unsaved Score once its rules and limits hold, or DomainError naming the field.

    A score naming a config takes the config's name and data type and must fit its range or categories;
    `configs` ({id: config}) spares the lookup when a batch loaded them at once. ANNOTATION scores name a
    config (CORRECTION scores excepted); CORRECTION scores are named "output", as in Langfuse.
    """
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
    source = source or ScoreSource.API
    allowed = list(allowed_sources or ScoreSource.values)
    if source not in allowed:
        raise DomainError(f"must be one of {allowed}, got {source!r}", field="source")
    if texts["config_id"]:
        config = configs.get(texts["config_id"]) if configs is not None else _config_get(project, texts["config_id"])
        data_type = _config_rules(config=config, config_id=texts["config_id"], value=value, data_type=data_type)
        texts["name"] = config.name
    elif source == ScoreSource.ANNOTATION and data_type != ScoreDataType.CORRECTION:
        raise DomainError("is required when source is ANNOTATION (except for CORRECTION scores)", field="config_id")
    if data_type is None:
        data_type = ScoreDataType.CATEGORICAL if isinstance(value, str) else ScoreDataType.NUMERIC
    if data_type == ScoreDataType.CORRECTION:
        texts["name"] = CORRECTION_NAME
    number, string_value = _typed_value(value=value, data_type=data_type)
    if texts["config_id"] and data_type == ScoreDataType.CATEGORICAL:
        number = next(float(c["value"]) for c in config.categories if c["label"] == string_value)
    _subject_check(texts, data_type)
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
        author_user=author_user,
        timestamp=timestamp or default_timestamp or timezone.now(),
    )


@transaction.atomic(savepoint=False)
def score_upsert_many(*, scores: list[Score]) -> None:
    """Insert or replace scores by (project, id) in one statement; the last of a repeated id wins.

    Inside a caller's transaction it joins it (no savepoint: an error rolls back the caller's whole block)."""
    latest = {(score.project_id, score.id): score for score in scores}
    now = timezone.now()
    for score in latest.values():
        score.created_at = score.created_at or now
        score.updated_at = now
    Score.objects.bulk_create(
        latest.values(), update_conflicts=True, unique_fields=["project", "id"], update_fields=UPDATE_FIELDS
    )


def score_delete(*, project, score_id: str) -> bool:
    """Delete one score by id; False when the project holds none of that id."""
    return score_delete_many(project=project, score_ids=[score_id]) > 0


@transaction.atomic
def score_delete_many(*, project, score_ids: list[str]) -> int:
    """Delete these scores of the project (ids it does not hold are ignored); the number deleted."""
    deleted, _ = Score.objects.filter(project=project, id__in=score_ids).delete()
    if deleted:
        audit_record(
            action="score.deleted",
            object_type="Score",
            object_id=",".join(sorted(set(score_ids)))[:255],
            project=project,
        )
    return deleted


def score_delete_for_traces(*, project, trace_ids: list[str]) -> int:
    """Delete the scores of these traces (called when the traces are deleted)."""
    deleted, _ = Score.objects.filter(project=project, trace_id__in=trace_ids).delete()
    return deleted
