"""The score-create and score-delete handlers of batch ingestion, registered with observability at start-up."""

from evals.api.serializers import scores_from_bodies
from evals.services import PUBLIC_SOURCES, score_delete_many, score_upsert_many


def ingestion_score_events(*, project, events: list[dict]) -> dict[str, str]:
    """Store the valid score-create events; {event id: error message} for the ones rejected."""
    scores, errors = scores_from_bodies(
        project=project,
        bodies=[(event["id"], event.get("body"), event.get("_timestamp")) for event in events],
        allowed_sources=PUBLIC_SOURCES,
    )
    if scores:
        score_upsert_many(scores=scores)
    return errors


def ingestion_score_delete_events(*, project, events: list[dict]) -> dict[str, str]:
    """Delete the scores score-delete events name (an id the project does not hold is a no-op, as in Langfuse)."""
    errors, score_ids = {}, []
    for event in events:
        score_id = event["body"].get("id")
        if isinstance(score_id, str) and score_id:
            score_ids.append(score_id)
        else:
            errors[event["id"]] = "body.id: is required and must be a non-empty string"
    if score_ids:
        score_delete_many(project=project, score_ids=score_ids)
    return errors
