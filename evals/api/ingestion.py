"""The score-create handler of batch ingestion, registered with observability at start-up."""

from evals.api.serializers import scores_from_bodies
from evals.services import score_upsert_many


def ingestion_score_events(*, project, events: list[dict]) -> dict[str, str]:
    """Store the valid score-create events; {event id: error message} for the ones rejected."""
    scores, errors = scores_from_bodies(
        project=project, bodies=[(event["id"], event.get("body"), event.get("_timestamp")) for event in events]
    )
    if scores:
        score_upsert_many(scores=scores)
    return errors
