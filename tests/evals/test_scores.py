"""Scores: POST /api/public/scores (single and SDK v5 batches), score-create ingestion and the trace loader."""

import pytest

from evals.models import Score
from observability.extensions import score_map_by_trace
from tests.evals.factories import SCORES_URL, score_body


@pytest.mark.django_db
def test_single_score_create_and_upsert(api_client, project):
    response = api_client.post(
        SCORES_URL, {"id": "s1", "traceId": "t1", "name": "accuracy", "value": 0.5}, format="json"
    )
    assert response.status_code == 200 and response.json() == {"id": "s1"}
    response = api_client.post(
        SCORES_URL, {"id": "s1", "traceId": "t1", "name": "accuracy", "value": 0.75, "comment": "re-run"}, format="json"
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
    response = api_client.post(SCORES_URL, batch, format="json")
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
    response = api_client.post(SCORES_URL, batch, format="json")
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
    response = api_client.post(SCORES_URL, body, format="json")
    assert response.status_code == 400 and field in response.json()["message"], response.json()


@pytest.mark.django_db
def test_scores_are_project_scoped_and_loaded_for_traces(api_client, other_client, project, other_project):
    api_client.post(SCORES_URL, {"id": "s", "traceId": "t1", "name": "q", "value": 1}, format="json")
    other_client.post(SCORES_URL, {"id": "s", "traceId": "t1", "name": "q", "value": 9}, format="json")
    loaded = score_map_by_trace(project=project, trace_ids=["t1", "t2"])
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


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


BEYOND_LIMITS = [
    ({"name": "n" * 1001}, "name"),
    ({"traceId": "t" * 256}, "traceId"),
    ({"sessionId": "s" * 1001}, "sessionId"),
    ({"id": "i" * 256}, "id"),
    ({"environment": "e" * 256}, "environment"),
    ({"configId": "c" * 256}, "configId"),
    ({"comment": "bad\x00comment"}, "comment"),
    ({"name": "na\x00me"}, "name"),
    ({"value": "calm\x00", "dataType": "CATEGORICAL"}, "value"),
    ({"metadata": {"note": "nul\x00inside"}}, "metadata"),
    ({"metadata": nested(150)}, "metadata"),
    ({"timestamp": "2026-02-30T10:00:00Z"}, "timestamp"),
    ({"timestamp": "9999-12-31T23:59:59-05:00"}, "timestamp"),
    ({"timestamp": "1969-12-31T23:59:59Z"}, "timestamp"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "field"), BEYOND_LIMITS)
def test_values_beyond_the_limits_are_400_naming_the_field(api_client, project, fields, field):
    response = api_client.post(SCORES_URL, score_body(**fields), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(f"{field}:"), response.json()
    assert not Score.objects.filter(project=project).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "field"), BEYOND_LIMITS)
def test_the_list_and_ingestion_paths_refuse_the_same_values(api_client, project, fields, field):
    response = api_client.post(
        SCORES_URL, [score_body(id="good"), score_body(**{"id": "bad", **fields})], format="json"
    )
    assert response.status_code == 207, response.content
    assert len(response.json()["errors"]) == 1
    assert response.json()["errors"][0]["message"].startswith(f"scores.1: {field}:")
    events = [
        {"id": "e-good", "type": "score-create", "timestamp": "2026-01-01T00:00:00Z", "body": score_body(id="g2")},
        {"id": "e-bad", "type": "score-create", "timestamp": "2026-01-01T00:00:00Z", "body": score_body(**fields)},
    ]
    body = api_client.post("/api/public/ingestion", {"batch": events}, format="json").json()
    assert body["successes"] == [{"id": "e-good", "status": 201}]
    assert [error["id"] for error in body["errors"]] == ["e-bad"]
    assert field in body["errors"][0]["message"]
    assert set(Score.objects.filter(project=project).values_list("id", flat=True)) == {"good", "g2"}


@pytest.mark.django_db
def test_a_refused_year_10000_timestamp_leaves_the_project_readable(api_client, project):
    event = {"id": "e", "type": "trace-create", "timestamp": "2026-01-01T00:00:00Z", "body": {"id": "t1"}}
    assert api_client.post("/api/public/ingestion", {"batch": [event]}, format="json").status_code == 207
    response = api_client.post(SCORES_URL, score_body(timestamp="9999-12-31T23:59:59-05:00"), format="json")
    assert response.status_code == 400
    assert api_client.post(SCORES_URL, score_body(id="ok"), format="json").status_code == 200
    for path in ("/api/public/traces", "/api/public/traces/t1"):
        response = api_client.get(path)
        assert response.status_code == 200, (path, response.content)
    assert [score["id"] for score in api_client.get("/api/public/traces/t1").json()["scores"]] == ["ok"]


@pytest.mark.django_db
def test_score_writes_are_project_scoped(api_client, other_client, project, other_project):
    api_client.post(SCORES_URL, score_body(id="mine", value=1), format="json")
    assert other_client.post(SCORES_URL, score_body(id="mine", value=5), format="json").status_code == 200
    assert Score.objects.get(project=project, id="mine").value == 1
    assert Score.objects.get(project=other_project, id="mine").value == 5
