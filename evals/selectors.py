"""Score and score-config reads, and their Langfuse public API shapes (one function per shape)."""

import base64
import binascii

import orjson
from django.db.models import Q, QuerySet

from aistrale.api.json_filter import datetime_value
from aistrale.errors import DomainError
from aistrale.limits import MAX_COUNT
from evals.models import Score, ScoreConfig, ScoreDataType

V3_FIELD_GROUPS = ("core", "details", "subject", "annotation")


def _zero_when_unset(score: Score) -> float | None:
    """The numeric value on the wire: CATEGORICAL without a config and CORRECTION read 0, as in Langfuse."""
    if score.value is None and score.data_type in (ScoreDataType.CATEGORICAL, ScoreDataType.CORRECTION):
        return 0.0
    return score.value


def score_public(score: Score) -> dict:
    """A score as Score/ScoreV1 in the spec: GET /scores/{id}, /v2/scores, and the scores of trace reads."""
    return {
        "id": score.id,
        "projectId": score.project_id,
        "traceId": score.trace_id,
        "sessionId": score.session_id,
        "observationId": score.observation_id,
        "datasetRunId": score.dataset_run_id,
        "name": score.name,
        "value": _zero_when_unset(score),
        "source": score.source,
        "dataType": score.data_type,
        "timestamp": score.timestamp,
        "createdAt": score.created_at,
        "updatedAt": score.updated_at,
        "authorUserId": str(score.author_user_id) if score.author_user_id else None,
        "comment": score.comment,
        "metadata": score.metadata,
        "configId": score.config_id,
        "queueId": score.queue_id,
        "environment": score.environment,
        "stringValue": None if score.data_type == ScoreDataType.NUMERIC else score.string_value,
        "executionTraceId": None,
    }


def _v3_value(score: Score):
    if score.data_type == ScoreDataType.NUMERIC:
        return score.value
    if score.data_type == ScoreDataType.BOOLEAN:
        return score.value == 1.0
    return score.string_value


def score_subject(score: Score) -> dict:
    """What the score is on, as ScoreSubjectV3: kind trace, observation, session or experiment."""
    if score.observation_id:
        return {"kind": "observation", "id": score.observation_id, "traceId": score.trace_id}
    if score.trace_id:
        return {"kind": "trace", "id": score.trace_id}
    if score.session_id:
        return {"kind": "session", "id": score.session_id}
    return {"kind": "experiment", "id": score.dataset_run_id}


def score_v3(score: Score, *, project_id: str, groups: frozenset[str]) -> dict:
    """A score as ScoreV3: the core fields, a typed `value`, and the requested field groups."""
    body = {
        "id": score.id,
        "projectId": project_id,
        "name": score.name,
        "value": _v3_value(score),
        "dataType": score.data_type,
        "source": score.source,
        "timestamp": score.timestamp,
        "environment": score.environment,
        "createdAt": score.created_at,
        "updatedAt": score.updated_at,
    }
    if "details" in groups:
        body |= {"comment": score.comment, "configId": score.config_id, "metadata": score.metadata}
    if "subject" in groups:
        body["subject"] = score_subject(score)
    if "annotation" in groups:
        body |= {
            "authorUserId": str(score.author_user_id) if score.author_user_id else None,
            "queueId": score.queue_id,
        }
    return body


def score_config_public(config: ScoreConfig) -> dict:
    """A config as ScoreConfig in the spec."""
    return {
        "id": config.id,
        "name": config.name,
        "createdAt": config.created_at,
        "updatedAt": config.updated_at,
        "projectId": config.project_id,
        "dataType": config.data_type,
        "isArchived": config.is_archived,
        "minValue": config.min_value,
        "maxValue": config.max_value,
        "categories": config.categories,
        "description": config.description,
    }


def score_list(*, project) -> QuerySet[Score]:
    """The project's scores, newest first."""
    return Score.objects.filter(project=project).order_by("-timestamp", "-key")


def _cursor_encode(score: Score) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"t": score.timestamp.isoformat(), "k": score.key})).decode()


def score_page(queryset: QuerySet[Score], *, cursor: str | None, limit: int) -> tuple[list[Score], str | None]:
    """A page newest first and the cursor of the next page (None on the last page)."""
    queryset = queryset.order_by("-timestamp", "-key")
    if cursor:
        try:
            position = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
            at = datetime_value(position["t"], field="cursor")
            key = int(position["k"])
            if not 0 < key <= MAX_COUNT:
                raise ValueError(key)
        except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError, DomainError):
            raise DomainError("not a cursor returned by this endpoint", field="cursor") from None
        queryset = queryset.filter(Q(timestamp__lt=at) | Q(timestamp=at, key__lt=key))
    rows = list(queryset[: limit + 1])
    return rows[:limit], _cursor_encode(rows[limit - 1]) if len(rows) > limit else None


def score_get(*, project, score_id: str) -> Score | None:
    return Score.objects.filter(project=project, id=score_id).first()


def score_config_list(*, project) -> QuerySet[ScoreConfig]:
    """The project's configs, newest first."""
    return ScoreConfig.objects.filter(project=project).order_by("-created_at", "-key")


def score_config_get(*, project, config_id: str) -> ScoreConfig | None:
    return ScoreConfig.objects.filter(project=project, id=config_id).first()


def score_config_map(*, project, config_ids) -> dict[str, ScoreConfig]:
    """{id: config} of these ids in the project (one query; none when no ids are given)."""
    if not config_ids:
        return {}
    return {config.id: config for config in ScoreConfig.objects.filter(project=project, id__in=config_ids)}


def score_map_by_trace(*, project, trace_ids: list[str]) -> dict[str, list[dict]]:
    """{trace id: [scores, oldest first]}: the score loader observability calls for trace reads."""
    grouped: dict[str, list[dict]] = {}
    for score in Score.objects.filter(project=project, trace_id__in=trace_ids).order_by("timestamp", "key"):
        grouped.setdefault(score.trace_id, []).append(score_public(score))
    return grouped


def score_list_for_session(*, project, session_id: str) -> QuerySet[Score]:
    """Scores on the session itself, oldest first."""
    return Score.objects.filter(project=project, session_id=session_id).order_by("timestamp", "key")


def score_list_for_trace(*, project, trace_id: str) -> QuerySet[Score]:
    """Scores on the trace and on its observations, oldest first."""
    return Score.objects.filter(project=project, trace_id=trace_id).order_by("timestamp", "key")
