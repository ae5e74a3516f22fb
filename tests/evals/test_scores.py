"""Scores: POST /api/public/scores (single and SDK v5 batches), score-create ingestion and the trace loader."""

import pytest

from evals.models import Score
from observability.extensions import scores_for_traces

URL = "/api/public/scores"


@pytest.mark.django_db
def test_single_score_create_and_upsert(api_client, project):
    response = api_client.post(URL, {"id": "s1", "traceId": "t1", "name": "accuracy", "value": 0.5}, format="json")
    assert response.status_code == 200 and response.json() == {"id": "s1"}
    response = api_client.post(
        URL, {"id": "s1", "traceId": "t1", "name": "accuracy", "value": 0.75, "comment": "re-run"}, format="json"
    )
    assert response.status_code == 200
    score = Score.objects.get(project=project, id="s1")
    assert (score.value, score.comment, score.data_type, score.source) == (0.75, "re-run", "NUMERIC", "API")
    assert score.environment == "default"


@pytest.mark.django_db
def test_batch_of_scores_as_sdk_v5_sends(api_client, project):
    batch = [
        {"id": "a", "traceId": "t1", "name": "ok", "value": 1.0, "dataType": "BOOLEAN"},
        {"id": "b", "sessionId": "s1", "name": "tone", "value": "calm"},
        {"id": "c", "traceId": "t1", "observationId": "o1", "name": "n", "value": 2, "metadata": {"m": [1]}},
    ]
    response = api_client.post(URL, batch, format="json")
    assert response.status_code == 202 and response.json() == {"message": "Accepted"}
    assert Score.objects.get(project=project, id="a").string_value == "True"
    assert Score.objects.get(project=project, id="b").data_type == "CATEGORICAL"
    assert Score.objects.get(project=project, id="c").metadata == {"m": [1]}


@pytest.mark.django_db
def test_partially_bad_batch_is_207(api_client, project):
    batch = [
        {"id": "good", "traceId": "t1", "name": "ok", "value": 1},
        {"id": "bad", "traceId": "t1", "name": "ok", "value": 2, "dataType": "BOOLEAN"},
    ]
    response = api_client.post(URL, batch, format="json")
    assert response.status_code == 207
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    assert "scores.1" in body["errors"][0]["message"] and "BOOLEAN" in body["errors"][0]["message"]
    assert list(Score.objects.filter(project=project).values_list("id", flat=True)) == ["good"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"traceId": "t", "value": 1}, "name"),
        ({"traceId": "t", "name": "x"}, "value"),
        ({"name": "x", "value": 1}, "traceId"),
        ({"traceId": "t", "name": "x", "value": "high", "dataType": "NUMERIC"}, "value"),
        ({"traceId": "t", "name": "x", "value": 1, "dataType": "FUZZY"}, "dataType"),
        ({"traceId": "t", "name": "x", "value": 1, "source": "EVAL"}, "source"),
        ({"observationId": "o", "sessionId": "s", "name": "x", "value": 1}, "observationId"),
        ({"traceId": "t", "name": "x", "value": 1, "timestamp": "later"}, "timestamp"),
    ],
)
def test_invalid_scores_name_the_field(api_client, body, field):
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 400 and field in response.json()["message"], response.json()


@pytest.mark.django_db
def test_scores_are_project_scoped_and_loaded_for_traces(api_client, other_client, project, other_project):
    api_client.post(URL, {"id": "s", "traceId": "t1", "name": "q", "value": 1}, format="json")
    other_client.post(URL, {"id": "s", "traceId": "t1", "name": "q", "value": 9}, format="json")
    loaded = scores_for_traces(project=project, trace_ids=["t1", "t2"])
    assert list(loaded) == ["t1"] and [row["value"] for row in loaded["t1"]] == [1.0]
    row = loaded["t1"][0]
    assert {"id", "traceId", "name", "value", "source", "dataType", "timestamp", "environment"} <= set(row)
    assert Score.objects.get(project=other_project, id="s").value == 9


@pytest.mark.django_db
def test_score_create_ingestion_event_is_idempotent(api_client, project):
    event = {
        "id": "e1",
        "type": "score-create",
        "timestamp": "2026-11-23T10:00:00Z",
        "body": {"id": "sc", "traceId": "t", "name": "q", "value": 0.1},
    }
    for _ in range(2):
        response = api_client.post("/api/public/ingestion", {"batch": [event]}, format="json")
        assert response.status_code == 207 and response.json()["successes"] == [{"id": "e1", "status": 201}]
    score = Score.objects.get(project=project, id="sc")
    assert score.timestamp.isoformat() == "2026-11-23T10:00:00+00:00"
