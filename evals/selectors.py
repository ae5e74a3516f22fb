"""Score reads in the Langfuse public API shape."""

from evals.models import Score, ScoreDataType


def score_public(score: Score) -> dict:
    """A score in the Langfuse public API shape, every field present (null when unset); stringValue is null on
    numeric scores."""
    return {
        "id": score.id,
        "projectId": score.project_id,
        "traceId": score.trace_id,
        "sessionId": score.session_id,
        "observationId": score.observation_id,
        "datasetRunId": score.dataset_run_id,
        "name": score.name,
        "value": score.value if score.value is not None or score.data_type != ScoreDataType.CATEGORICAL else 0.0,
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


def score_map_by_trace(*, project, trace_ids: list[str]) -> dict[str, list[dict]]:
    """{trace id: [scores, oldest first]}: the score loader observability calls for trace reads."""
    grouped: dict[str, list[dict]] = {}
    for score in Score.objects.filter(project=project, trace_id__in=trace_ids).order_by("timestamp", "key"):
        grouped.setdefault(score.trace_id, []).append(score_public(score))
    return grouped
