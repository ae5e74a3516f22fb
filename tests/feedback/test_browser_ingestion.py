"""POST /api/public/ingestion with the public key alone: what a browser may send, and what it may not."""

import os
import re
from importlib import import_module

import pytest
from django.db import OperationalError, connection

from aistrale.tenancy.services import api_key_create
from aistrale.urls import api_modules
from evals.models import Score
from feedback.models import FEEDBACK_MARKER_KEY, FEEDBACK_MARKER_VALUE
from observability import extensions
from tests.evals.factories import SCORES_URL, score_body
from tests.feedback.factories import INGESTION_URL, ORIGIN, browser_client, post_batch, score_event

pytestmark = pytest.mark.django_db


def test_a_score_with_the_public_key_is_accepted_and_stored_as_feedback(public_key, project, allowed):
    event = score_event(observationId="o1", comment="wrong refund amount", metadata={"page": "/chat"})

    response = post_batch(browser_client(public_key), event)

    assert response.status_code == 207
    assert response.json() == {"successes": [{"id": event["id"], "status": 201}], "errors": []}
    score = Score.objects.get(project=project, id=event["body"]["id"])
    assert (score.trace_id, score.observation_id, score.value, score.source) == ("t1", "o1", 0, "API")
    assert score.comment == "wrong refund amount"
    assert score.metadata == {"page": "/chat", FEEDBACK_MARKER_KEY: FEEDBACK_MARKER_VALUE}


def test_a_request_without_origin_is_not_a_page_and_needs_no_cors(public_key, project):
    response = post_batch(browser_client(public_key, origin=None), score_event())

    assert response.status_code == 207 and response.json()["errors"] == []
    assert "Access-Control-Allow-Origin" not in response


def test_every_event_but_score_create_is_that_events_403(public_key, project, allowed):
    trace = {"id": "e-trace", "type": "trace-create", "timestamp": "2026-01-01T00:00:00Z", "body": {"id": "t9"}}
    span = {"id": "e-span", "type": "span-create", "timestamp": "2026-01-01T00:00:00Z", "body": {"traceId": "t9"}}
    log = {"id": "e-log", "type": "sdk-log", "timestamp": "2026-01-01T00:00:00Z", "body": {"log": "hi"}}
    delete = {"id": "e-del", "type": "score-delete", "timestamp": "2026-01-01T00:00:00Z", "body": {"id": "x"}}
    score = score_event()

    response = post_batch(browser_client(public_key), trace, span, log, delete, score)

    body = response.json()
    assert response.status_code == 207
    assert body["successes"] == [{"id": score["id"], "status": 201}]
    errors = {error["id"]: error for error in body["errors"]}
    assert set(errors) == {"e-trace", "e-span", "e-log", "e-del"}
    assert {error["status"] for error in errors.values()} == {403}
    assert "'trace-create' needs the secret key" in errors["e-trace"]["message"]
    assert "may only send score-create events" in errors["e-span"]["message"]
    assert not project_traces(project)


def project_traces(project):
    from observability.models import Trace

    return list(Trace.objects.filter(project=project))


def _public_api_paths() -> list[str]:
    """Every routed /api/public/ path, its parameters filled in."""
    paths = []
    for module in api_modules:
        for pattern in import_module(module).urlpatterns:
            route = re.sub(r"<(?:\w+:)?\w+>", "x", str(pattern.pattern))
            paths.append("/api/public/" + route.lstrip("^").rstrip("$"))
    return paths


# No key at all: health and the schema, and the signed media URLs, whose token is their only credential.
OPEN_PATHS = {
    "/api/public/health",
    "/api/public/openapi.json",
    "/api/public/docs",
    "/api/public/media/upload/x",
    "/api/public/media/download/x",
}


@pytest.mark.parametrize("path", sorted(set(_public_api_paths()) - OPEN_PATHS))
def test_the_public_key_reads_nothing_and_writes_nowhere_else(public_key, project, allowed, api_client, path):
    api_client.post(SCORES_URL, score_body(), format="json")
    client = browser_client(public_key)

    for method in ("get", "post", "put", "patch", "delete"):
        if path == INGESTION_URL and method == "post":
            continue
        response = getattr(client, method)(path, score_body(), format="json")
        refused = (405,) if path == INGESTION_URL else (401, 403)  # the browser path itself only takes POST
        assert response.status_code in refused, (method, path, response.status_code, response.content)
        assert "t1" not in response.content.decode()


def test_the_public_key_never_overwrites_a_score_written_with_the_secret_key(public_key, project, allowed, api_client):
    assert api_client.post(SCORES_URL, score_body(id="server-score", value=0.9), format="json").status_code == 200
    event = score_event(id="server-score", value=0)

    response = post_batch(browser_client(public_key), event)

    [error] = response.json()["errors"]
    assert (error["id"], error["status"]) == (event["id"], 403)
    assert "a score with this id exists and was not written by browser feedback" in error["message"]
    stored = Score.objects.get(project=project, id="server-score")
    assert stored.value == 0.9 and stored.metadata is None


def test_a_browser_re_sends_its_own_feedback_with_a_comment(public_key, project, allowed):
    client = browser_client(public_key)
    post_batch(client, score_event(id="mine", value=1))

    response = post_batch(client, score_event(id="mine", value=0, comment="actually no"))

    assert response.json()["errors"] == []
    stored = Score.objects.get(project=project, id="mine")
    assert (stored.value, stored.comment) == (0, "actually no")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sessionId": "s1"}, "body.sessionId: browser feedback is on a trace or an observation, not on a session"),
        ({"traceId": None, "sessionId": "s1"}, "body.sessionId"),
        ({"traceId": None, "datasetRunId": "r1"}, "not on a dataset run"),
        ({"traceId": None}, "body.traceId: browser feedback needs the trace it rates"),
        ({"source": "ANNOTATION"}, "body.source: browser feedback has source API, got 'ANNOTATION'"),
        ({"metadata": ["a"]}, "body.metadata: must be an object for browser feedback"),
    ],
)
def test_what_browser_feedback_may_not_be_is_that_events_403(public_key, project, allowed, fields, message):
    event = score_event(**fields)

    [error] = post_batch(browser_client(public_key), event).json()["errors"]

    assert (error["id"], error["status"]) == (event["id"], 403)
    assert message in error["message"]
    assert not Score.objects.filter(project=project).exists()


def test_a_bad_score_is_still_the_score_handlers_400(public_key, project, allowed):
    event = score_event(value="not a number", dataType="BOOLEAN")

    [error] = post_batch(browser_client(public_key), event).json()["errors"]

    assert error["status"] == 400 and "value" in error["message"]


def test_the_score_lands_in_the_keys_project_only(public_key, project, other_project, allowed, other_client):
    assert other_client.post(SCORES_URL, score_body(id="theirs", value=0.5), format="json").status_code == 200

    response = post_batch(browser_client(public_key), score_event(id="theirs", value=1))

    assert response.json()["errors"] == []
    assert Score.objects.get(project=other_project, id="theirs").value == 0.5
    assert Score.objects.get(project=project, id="theirs").value == 1


def test_without_a_browser_policy_the_public_key_is_refused(public_key, project, allowed, monkeypatch):
    monkeypatch.setattr(extensions, "_browser_policies", [])

    response = post_batch(browser_client(public_key), score_event())

    assert response.status_code == 403
    assert not Score.objects.filter(project=project).exists()


def test_a_revoked_or_unknown_public_key_is_401(project, allowed):
    response = post_batch(browser_client("pk-lf-nobody"), score_event())

    assert response.status_code == 401
    assert "Access-Control-Allow-Origin" not in response


def test_a_second_key_of_the_project_shares_its_origins(project, allowed):
    api_key, _ = api_key_create(project=project, note="web")

    response = post_batch(browser_client(api_key.public_key), score_event())

    assert response.json()["errors"] == []
    assert response["Access-Control-Allow-Origin"] == ORIGIN


def test_a_type_another_app_opens_to_browsers_is_still_refused_by_the_feedback_policy(
    public_key, project, allowed, monkeypatch
):
    calls = []
    monkeypatch.setattr(extensions, "_ingestion_handlers", {**extensions._ingestion_handlers})
    monkeypatch.setattr(extensions, "_public_key_event_types", {*extensions._public_key_event_types})
    extensions.register_ingestion_handler("note-create", lambda **kwargs: calls.append(kwargs), public_key=True)
    event = {"id": "e-note", "type": "note-create", "timestamp": "2026-01-01T00:00:00Z", "body": {"text": "hi"}}

    [error] = post_batch(browser_client(public_key), event).json()["errors"]

    assert (error["id"], error["status"]) == ("e-note", 403)
    assert "browsers may only send feedback scores" in error["message"]
    assert calls == []


def test_a_score_id_repeated_in_one_batch_stores_the_latest_event(public_key, project, allowed):
    older = score_event(id="twice", value=1, comment="first")
    newer = score_event(id="twice", value=0, comment="second")
    older["timestamp"], newer["timestamp"] = "2026-01-01T00:00:02Z", "2026-01-01T00:00:03Z"

    response = post_batch(browser_client(public_key), newer, older)

    assert response.json()["errors"] == []
    assert {success["id"] for success in response.json()["successes"]} == {older["id"], newer["id"]}
    stored = Score.objects.get(project=project, id="twice")
    assert (stored.value, stored.comment) == (0, "second")


def test_a_body_the_serializer_would_convert_is_converted_as_the_scores_endpoint_does(public_key, project, allowed):
    event = score_event(id=42, name="  thumbs  ", timestamp="2026-02-03T04:05:06Z")

    response = post_batch(browser_client(public_key), event)

    assert response.json()["errors"] == []
    stored = Score.objects.get(project=project, id="42")
    assert (stored.name, stored.timestamp.isoformat()) == ("thumbs", "2026-02-03T04:05:06+00:00")


def test_a_batch_past_one_statements_parameters_is_stored_whole(public_key, project, allowed, monkeypatch):
    from feedback import ingestion

    monkeypatch.setattr(ingestion, "MAX_PARAMETERS", 100)  # five scores per statement
    events = [score_event(value=index % 2) for index in range(12)]

    response = post_batch(browser_client(public_key), *events)

    assert response.json()["errors"] == []
    assert Score.objects.filter(project=project).count() == len(events)


def test_in_a_mixed_batch_only_the_score_over_another_sources_is_refused(public_key, project, allowed, api_client):
    assert api_client.post(SCORES_URL, score_body(id="server-score", value=0.9), format="json").status_code == 200
    theirs, mine = score_event(id="server-score", value=0), score_event(id="fresh", value=1)

    response = post_batch(browser_client(public_key), theirs, mine)

    assert response.json()["successes"] == [{"id": mine["id"], "status": 201}]
    assert [error["id"] for error in response.json()["errors"]] == [theirs["id"]]
    assert Score.objects.get(project=project, id="server-score").value == 0.9
    assert Score.objects.get(project=project, id="fresh").value == 1


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a connection the server drops needs PostgreSQL (DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_feedback_sent_on_a_connection_the_server_dropped_is_stored_on_a_new_one(public_key, project, allowed):
    client = browser_client(public_key)
    assert post_batch(client, score_event()).json()["errors"] == []
    with pytest.raises(OperationalError), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    event = score_event()

    response = post_batch(client, event)

    assert response.json() == {"successes": [{"id": event["id"], "status": 201}], "errors": []}
    assert Score.objects.filter(project=project, id=event["body"]["id"]).exists()
