"""Builders for feedback tests: comments made through the service, browser clients, score-create batches,
feedback scores, allowed origins."""

import datetime as dt
import itertools

from django.utils import timezone
from rest_framework.test import APIClient

from evals.models import Score, ScoreDataType
from feedback.models import FEEDBACK_MARKER_KEY, FEEDBACK_MARKER_VALUE
from feedback.services.comments import comment_create
from feedback.services.feedback_settings import feedback_settings_update

INGESTION_URL = "/api/public/ingestion"
ORIGIN = "https://app.example.com"
_ids = itertools.count()


def browser_client(public_key: str, *, origin: str | None = ORIGIN, address: str = "203.0.113.7") -> APIClient:
    """A client that authenticates as Langfuse's browser client does: `Bearer <public key>`."""
    client = APIClient(REMOTE_ADDR=address)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {public_key}"}
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    client.credentials(**headers)
    return client


def score_event(**body) -> dict:
    """A score-create event on trace t1 (thumbs down), with `body` fields changed."""
    number = next(_ids)
    return {
        "id": f"event-{number}",
        "type": "score-create",
        "timestamp": "2026-01-01T00:00:00Z",
        "body": {"id": f"score-{number}", "traceId": "t1", "name": "user-feedback", "value": 0, **body},
    }


def post_batch(client, *events, **extra):
    return client.post(INGESTION_URL, {"batch": list(events)}, format="json", **extra)


def allow_origins(project, *origins: str):
    return feedback_settings_update(project=project, allowed_origins=list(origins))


def feedback_score(project, *, trace_id="t1", value=1.0, data_type=ScoreDataType.BOOLEAN, comment=None, when=None):
    """A stored feedback score (as the browser path stores it)."""
    number = next(_ids)
    return Score.objects.create(
        project=project,
        id=f"feedback-{number}",
        trace_id=trace_id,
        name="user-feedback",
        value=value,
        data_type=data_type,
        comment=comment,
        metadata={FEEDBACK_MARKER_KEY: FEEDBACK_MARKER_VALUE},
        timestamp=when or timezone.now() - dt.timedelta(minutes=number % 50),
    )


def make_comment(project, object_id="t-1", *, object_type="TRACE", content="looks wrong", author=None):
    return comment_create(project=project, object_type=object_type, object_id=object_id, content=content, author=author)
