"""Score, score-config and evaluator reads, and their Langfuse public API shapes (one function per shape)."""

import base64
import binascii
from collections.abc import Callable

import orjson
from django.db.models import Prefetch, Q, QuerySet

from aistrale.api.json_filter import datetime_value
from aistrale.errors import DomainError
from aistrale.limits import MAX_COUNT
from evals.models import Evaluator, EvaluatorVersion, Score, ScoreConfig, ScoreDataType, ScoreSource

V3_FIELD_GROUPS = ("core", "details", "subject", "annotation")


def _zero_when_unset(score: Score) -> float | None:
    """The numeric value on the wire: CATEGORICAL without a config and CORRECTION read 0, as in Langfuse."""
    if score.value is None and score.data_type in (ScoreDataType.CATEGORICAL, ScoreDataType.CORRECTION):
        return 0.0
    return score.value


def _execution_trace_id(score: Score) -> str | None:
    """The judge's own trace of an evaluator's score (kept in its metadata as judgeTraceId)."""
    if score.source != ScoreSource.EVAL or not isinstance(score.metadata, dict):
        return None
    return score.metadata.get("judgeTraceId")


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
        "executionTraceId": _execution_trace_id(score),
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


# Evaluators: reads of the project's evaluators and versions, and their public API shapes (SDK 5.x
# `langfuse.api.evaluators`: Evaluator_LlmAsJudge, EvaluatorVersion_LlmAsJudge).

RuleAssignmentLoader = Callable[..., dict[int, list[dict]]]
_rule_assignment_loaders: list[RuleAssignmentLoader] = []


def register_evaluator_rule_assignments(loader: RuleAssignmentLoader) -> None:
    """Evaluation rules add their {evaluator key: [EvaluationRuleAssignment]} loader here."""
    _rule_assignment_loaders.append(loader)


def evaluator_rule_assignments(*, evaluators: list[Evaluator]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {evaluator.key: [] for evaluator in evaluators}
    for loader in _rule_assignment_loaders:
        for key, assignments in loader(evaluators=evaluators).items():
            found.setdefault(key, []).extend(assignments)
    return found


def evaluator_list(*, project, types=None, include_archived: bool = False) -> QuerySet[Evaluator]:
    """The project's evaluators newest first, each with its versions (newest first) and creators loaded."""
    queryset = Evaluator.objects.filter(project=project)
    if types is not None:
        queryset = queryset.filter(type__in=types)
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    versions = EvaluatorVersion.objects.select_related("created_by").order_by("-version")
    return (
        queryset.select_related("created_by").prefetch_related(Prefetch("versions", queryset=versions)).order_by("-key")
    )


def evaluator_get(*, project, evaluator_id: str, types=None, include_archived: bool = False) -> Evaluator | None:
    return (
        evaluator_list(project=project, types=types, include_archived=include_archived).filter(id=evaluator_id).first()
    )


def evaluator_latest_version(evaluator: Evaluator) -> EvaluatorVersion:
    """The newest version (from the versions evaluator_list prefetched, else one query)."""
    return max(evaluator.versions.all(), key=lambda version: version.version)


def evaluator_version_list(*, evaluator: Evaluator) -> QuerySet[EvaluatorVersion]:
    return evaluator.versions.select_related("created_by").order_by("-version")


def _key_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        key = int(orjson.loads(base64.urlsafe_b64decode(cursor.encode()))["k"])
        if not 0 < key <= MAX_COUNT:
            raise ValueError(key)
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise DomainError("not a cursor returned by this endpoint", field="cursor") from None
    return key


def key_page(queryset: QuerySet, *, cursor: str | None, limit: int, key: str = "key") -> tuple[list, str | None]:
    """A page in descending `key` order and the opaque cursor of the next page (None on the last page)."""
    after = _key_cursor(cursor)
    if after is not None:
        queryset = queryset.filter(**{f"{key}__lt": after})
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    last = getattr(rows[limit - 1], key)
    return rows[:limit], base64.urlsafe_b64encode(orjson.dumps({"k": last})).decode()


def _creator(user) -> dict | None:
    if user is None:
        return None
    return {"id": str(user.pk), "name": user.get_full_name() or user.get_username()}


def output_definition_public(definition: dict) -> dict:
    """PublicEvaluatorOutputDefinition: categories as their labels, no internal score name."""
    public = {"dataType": definition["dataType"]}
    if definition["dataType"] == ScoreDataType.NUMERIC:
        public |= {"minValue": definition.get("minValue"), "maxValue": definition.get("maxValue")}
    if definition["dataType"] == ScoreDataType.CATEGORICAL:
        public["categories"] = [category["label"] for category in definition.get("categories") or []]
        public["shouldAllowMultipleMatches"] = bool(definition.get("shouldAllowMultipleMatches", False))
    public["scoreReasoningInstructions"] = definition.get("scoreReasoningInstructions")
    public["scoreValueInstructions"] = definition.get("scoreValueInstructions")
    return public


def evaluator_definition_public(version: EvaluatorVersion) -> dict:
    """The definition fields of a version as the public API flattens them (type, prompt, model, output)."""
    model = {"provider": version.model_provider, "model": version.model} if version.model_provider else None
    return {
        "type": version.evaluator.type,
        "prompt": version.prompt or [],
        "variables": version.variables,
        "variableMapping": version.variable_mapping or None,
        "modelConfig": model,
        "outputDefinition": output_definition_public(version.output_definition),
    }


def evaluator_version_public(version: EvaluatorVersion) -> dict:
    return {
        **evaluator_definition_public(version),
        "id": version.id,
        "version": version.version,
        "createdAt": version.created_at,
        "createdBy": _creator(version.created_by),
    }


def evaluator_public(evaluator: Evaluator, *, assignments: list[dict]) -> dict:
    latest = evaluator_latest_version(evaluator)
    return {
        "id": evaluator.id,
        "name": evaluator.name,
        "description": evaluator.description,
        "createdBy": _creator(evaluator.created_by),
        "status": evaluator.status,
        "pausedAt": evaluator.paused_at,
        "pausedReason": evaluator.paused_reason,
        "pausedMessage": evaluator.paused_message,
        "evaluationRuleAssignments": assignments,
        "createdAt": evaluator.created_at,
        "updatedAt": evaluator.updated_at,
        "versionId": latest.id,
        "version": latest.version,
        "versionCreatedAt": latest.created_at,
        "versionCreatedBy": _creator(latest.created_by),
        **evaluator_definition_public(latest),
    }
