"""POST /api/public/ingestion: the Langfuse batch format."""

from decimal import Decimal

import pytest
from django.db import OperationalError

from aistrale.tenancy.models import ApiKey
from aistrale.tenancy.services import api_key_revoke
from evals.models import Score
from observability.ingestion.writer import is_transient
from observability.models import Observation, Session, Trace
from tests.observability.factories import EVENT_TIME, INGESTION_URL, ingestion_event, post_batch

T0 = EVENT_TIME
T1 = "2026-11-23T10:00:01.000000Z"
T2 = "2026-11-23T10:00:02.500000Z"


@pytest.mark.django_db
def test_trace_and_nested_observations_are_stored(api_client, project):
    response = post_batch(
        api_client,
        ingestion_event(
            "e1",
            "trace-create",
            {
                "id": "t1",
                "name": "chat",
                "userId": "u1",
                "sessionId": "s1",
                "tags": ["a", "b"],
                "metadata": {"k": 1},
                "input": {"q": "hi"},
                "release": "r1",
                "public": True,
                "timestamp": T0,
            },
        ),
        ingestion_event(
            "e2", "span-create", {"id": "o1", "traceId": "t1", "name": "root", "startTime": T0, "endTime": T2}
        ),
        ingestion_event(
            "e3",
            "generation-create",
            {
                "id": "o2",
                "traceId": "t1",
                "parentObservationId": "o1",
                "name": "llm",
                "startTime": T1,
                "endTime": T2,
                "model": "gpt-4o",
                "modelParameters": {"temperature": 0.2},
                "usageDetails": {"input": 1000, "output": 100},
                "promptName": "greet",
                "promptVersion": 3,
            },
        ),
        ingestion_event(
            "e4", "event-create", {"id": "o3", "traceId": "t1", "parentObservationId": "o1", "startTime": T1}
        ),
        ingestion_event("e5", "agent-create", {"id": "o4", "traceId": "t1", "startTime": T1}),
        ingestion_event("e6", "sdk-log", {"log": "hello"}),
    )
    assert response.status_code == 207, response.content
    body = response.json()
    assert body["errors"] == []
    assert sorted(s["id"] for s in body["successes"]) == ["e1", "e2", "e3", "e4", "e5", "e6"]
    assert {s["status"] for s in body["successes"]} == {201}

    trace = Trace.objects.get(project=project, id="t1")
    assert (trace.name, trace.user_id, trace.session_id, trace.release) == ("chat", "u1", "s1", "r1")
    assert trace.tags == ["a", "b"] and trace.metadata == {"k": 1} and trace.input == {"q": "hi"}
    assert trace.public is True and trace.environment == "default"
    assert trace.timestamp.isoformat() == "2026-11-23T10:00:00.123456+00:00"
    assert Session.objects.filter(project=project, id="s1").exists()

    generation = Observation.objects.get(project=project, id="o2")
    assert generation.type == "GENERATION" and generation.parent_observation_id == "o1"
    assert generation.usage_details == {"input": 1000, "output": 100, "total": 1100}
    assert (generation.input_tokens, generation.output_tokens, generation.total_tokens) == (1000, 100, 1100)
    assert generation.cost_details == {"input": 0.0025, "output": 0.001, "total": 0.0035}
    assert generation.total_cost == Decimal("0.0035")
    assert generation.internal_model_id
    assert generation.model_parameters == {"temperature": 0.2}
    assert (generation.prompt_name, generation.prompt_version) == ("greet", 3)
    event_row = Observation.objects.get(project=project, id="o3")
    assert event_row.type == "EVENT" and event_row.end_time == event_row.start_time
    assert Observation.objects.get(project=project, id="o4").type == "AGENT"


@pytest.mark.django_db
def test_update_before_create_merges_in_any_order(api_client, project):
    post_batch(
        api_client,
        ingestion_event(
            "u1", "generation-update", {"id": "g1", "output": "done", "endTime": T2, "usageDetails": {"input": 10}}, T2
        ),
    )
    row = Observation.objects.get(project=project, id="g1")
    assert row.output == "done" and row.total_cost is None
    post_batch(
        api_client,
        ingestion_event(
            "c1", "generation-create", {"id": "g1", "traceId": "t9", "name": "llm", "startTime": T0, "model": "gpt-4o"}
        ),
    )
    row.refresh_from_db()
    assert (row.name, row.output, row.type, row.trace_id) == ("llm", "done", "GENERATION", "t9")
    assert row.start_time.isoformat() == "2026-11-23T10:00:00.123456+00:00"
    assert row.end_time.isoformat() == "2026-11-23T10:00:02.500000+00:00"
    assert row.cost_details == {"input": 0.000025, "total": 0.000025}, "cost once model and usage are both known"
    assert Trace.objects.filter(project=project, id="t9").exists(), "an observation implies its trace"

    post_batch(api_client, ingestion_event("u2", "span-update", {"id": "g1", "metadata": {"x": 1}}))
    post_batch(api_client, ingestion_event("u3", "span-update", {"id": "g1", "metadata": {"y": 2}, "name": None}))
    row.refresh_from_db()
    assert row.metadata == {"x": 1, "y": 2} and row.name == "llm" and row.type == "GENERATION"


@pytest.mark.django_db
def test_metadata_merges_top_level_keys_and_keeps_nulls_on_every_database(api_client, project):
    stored = {"a": 1, "nested": {"x": 1}, "keep": True, "list": [1, {"k": "v"}], 'odd "key".x': "s"}
    post_batch(api_client, ingestion_event("m1", "span-create", {"id": "s1", "traceId": "t1", "metadata": stored}))
    update = {"a": None, "nested": {"y": 2}, "new": "é", 'odd "key".x': 2.5}
    post_batch(api_client, ingestion_event("m2", "span-update", {"id": "s1", "metadata": update}))
    row = Observation.objects.get(project=project, id="s1")
    assert row.metadata == {"keep": True, "list": [1, {"k": "v"}], **update}


@pytest.mark.django_db
def test_trace_updates_keep_stored_values(api_client, project):
    post_batch(
        api_client, ingestion_event("a", "trace-create", {"id": "t1", "name": "n", "userId": "u", "tags": ["x"]})
    )
    post_batch(
        api_client, ingestion_event("b", "trace-create", {"id": "t1", "output": {"ok": True}, "metadata": {"m": 1}})
    )
    post_batch(
        api_client, ingestion_event("c", "trace-create", {"id": "t1", "metadata": {"n": 2}, "environment": "prod"})
    )
    trace = Trace.objects.get(project=project, id="t1")
    assert (trace.name, trace.user_id, trace.tags, trace.output) == ("n", "u", ["x"], {"ok": True})
    assert trace.metadata == {"m": 1, "n": 2} and trace.environment == "prod"


@pytest.mark.django_db
def test_retried_events_store_one_row(api_client, project):
    batch = [
        ingestion_event("e1", "trace-create", {"id": "t1", "name": "n"}),
        ingestion_event("e2", "span-create", {"id": "s1", "traceId": "t1", "startTime": T0}),
    ]
    for _ in range(2):
        response = post_batch(api_client, *batch, *batch)
        assert response.status_code == 207 and response.json()["errors"] == []
    assert Trace.objects.filter(project=project).count() == 1
    assert Observation.objects.filter(project=project).count() == 1


@pytest.mark.django_db
def test_malformed_events_are_reported_and_good_ones_stored(api_client, project):
    response = post_batch(
        api_client,
        ingestion_event("good", "trace-create", {"id": "t1"}),
        {"type": "trace-create", "body": {"id": "t2"}},
        ingestion_event("bad-type", "nonsense-create", {"id": "x"}),
        ingestion_event("bad-time", "span-create", {"id": "s1", "startTime": "yesterday"}),
        ingestion_event("bad-level", "span-create", {"id": "s2", "level": "LOUD"}),
        ingestion_event("no-body", "span-create", None),
        ingestion_event("update-no-id", "span-update", {"name": "x"}),
        ingestion_event("bad-usage", "generation-create", {"id": "g", "usage": 5}),
        ingestion_event("bad-score", "score-create", {"id": "sc", "traceId": "t1"}),
        ingestion_event("good-score", "score-create", {"id": "sc2", "traceId": "t1", "name": "q", "value": 0.5}),
        {"id": "bad-stamp", "type": "trace-create", "timestamp": "nope", "body": {"id": "t3"}},
    )
    assert response.status_code == 207
    body = response.json()
    errors = {error["id"]: error for error in body["errors"]}
    assert sorted(s["id"] for s in body["successes"]) == ["good", "good-score"]
    assert set(errors) == {
        "batch.1",
        "bad-type",
        "bad-time",
        "bad-level",
        "no-body",
        "update-no-id",
        "bad-usage",
        "bad-score",
        "bad-stamp",
    }
    assert all(error["status"] == 400 for error in errors.values())
    assert "startTime" in errors["bad-time"]["message"]
    assert "level" in errors["bad-level"]["message"]
    assert "body" in errors["no-body"]["message"]
    assert "body.id" in errors["update-no-id"]["message"]
    assert "name" in errors["bad-score"]["message"]
    assert "timestamp" in errors["bad-stamp"]["message"]
    assert list(Trace.objects.filter(project=project).values_list("id", flat=True)) == ["t1"]
    assert Score.objects.get(project=project, id="sc2").value == 0.5


@pytest.mark.django_db
def test_provided_cost_wins_over_calculated(api_client, project):
    post_batch(
        api_client,
        ingestion_event(
            "e",
            "generation-create",
            {"id": "g", "model": "gpt-4o", "usageDetails": {"input": 10}, "costDetails": {"input": 1.5}},
        ),
        ingestion_event(
            "f",
            "generation-create",
            {"id": "h", "model": "gpt-4o", "usage": {"input": 3, "output": 4, "total": 7, "totalCost": 0.5}},
        ),
        ingestion_event(
            "g",
            "generation-create",
            {
                "id": "i",
                "model": "gpt-4o",
                "usageDetails": {
                    "prompt_tokens": 5,
                    "completion_tokens": 2,
                    "total_tokens": 7,
                    "prompt_tokens_details": {"cached_tokens": 2},
                },
            },
        ),
    )
    row = Observation.objects.get(project=project, id="g")
    assert row.provided_cost_details == {"input": 1.5, "total": 1.5}
    assert row.cost_details == {"input": 1.5, "total": 1.5} and row.total_cost == Decimal("1.5")
    legacy = Observation.objects.get(project=project, id="h")
    assert legacy.usage_details == {"input": 3, "output": 4, "total": 7} and legacy.total_cost == Decimal("0.5")
    openai = Observation.objects.get(project=project, id="i")
    assert openai.usage_details == {"input": 3, "output": 2, "total": 7, "input_cached_tokens": 2}
    assert openai.cost_details["input_cached_tokens"] == pytest.approx(2 * 1.25e-6)


@pytest.mark.django_db
def test_request_errors(api_client, client):
    assert client.post(INGESTION_URL, {"batch": []}, content_type="application/json").status_code == 401
    response = api_client.post(INGESTION_URL, b"{nope", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["message"]
    response = api_client.post(INGESTION_URL, b"batch=1", content_type="text/plain")
    assert response.status_code == 415 and response.json()["error"] == "UnsupportedMediaTypeError"
    response = api_client.post(INGESTION_URL, {"events": []}, format="json")
    assert response.status_code == 400 and "batch" in response.json()["message"]


@pytest.mark.django_db
def test_oversize_body_is_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client.post(
        INGESTION_URL,
        {"batch": [ingestion_event("e", "trace-create", {"id": "t", "input": "x" * 2000})]},
        format="json",
    )
    assert response.status_code == 413 and response.json()["error"] == "PayloadTooLargeError"


@pytest.mark.django_db
def test_events_land_in_the_keys_project_only(api_client, other_client, project, other_project):
    post_batch(api_client, ingestion_event("e", "trace-create", {"id": "shared"}))
    post_batch(other_client, ingestion_event("e", "trace-create", {"id": "shared", "name": "other"}))
    assert Trace.objects.get(project=project, id="shared").name is None
    assert Trace.objects.get(project=other_project, id="shared").name == "other"


@pytest.mark.django_db
def test_batch_writes_a_bounded_number_of_queries(api_client, django_assert_max_num_queries):
    batch = [ingestion_event("t", "trace-create", {"id": "t1", "sessionId": "s"})]
    batch += [
        ingestion_event(
            f"g{i}",
            "generation-create",
            {"id": f"g{i}", "traceId": "t1", "model": "gpt-4o", "usageDetails": {"input": i}},
        )
        for i in range(50)
    ]
    post_batch(api_client, *batch[:2])
    with django_assert_max_num_queries(12):
        response = post_batch(api_client, *batch)
    assert response.status_code == 207 and len(response.json()["successes"]) == 51


@pytest.mark.django_db
def test_values_a_database_cannot_hold_do_not_sink_the_request(api_client, project):
    response = post_batch(
        api_client,
        ingestion_event("e1", "span-create", {"id": "s1", "name": "a\x00b"}),
        ingestion_event("e2", "generation-create", {"id": "g1", "usageDetails": {"input": 10**30, "output": 2}}),
        ingestion_event("e3", "generation-create", {"id": "g2", "promptVersion": 10**12}),
        ingestion_event("e4", "trace-create", {"id": "t" * 300}),
        ingestion_event("e5", "span-create", {"id": "s2", "input": {"t": "x\x00y", "escaped": "\\u0000"}}),
    )
    assert response.status_code == 207
    errors = {error["id"]: error["message"] for error in response.json()["errors"]}
    assert set(errors) == {"e1", "e2", "e3", "e4"}
    assert "body.name must not contain a NUL" in errors["e1"] and "body.usageDetails.input" in errors["e2"]
    assert not Observation.objects.filter(project=project, id__in=["s1", "g1"]).exists()
    assert Observation.objects.get(project=project, id="s2").input == {"t": "xy", "escaped": "\\u0000"}, (
        "JSON keeps everything but the NUL character PostgreSQL cannot hold"
    )


@pytest.mark.django_db
def test_a_revoked_key_is_refused_on_the_next_batch(api_client, key_pair):
    assert post_batch(api_client, ingestion_event("e", "trace-create", {"id": "t"})).status_code == 207
    api_key_revoke(api_key=ApiKey.objects.get(public_key=key_pair[0]))
    response = post_batch(api_client, ingestion_event("e2", "trace-create", {"id": "t2"}))
    assert response.status_code == 401
    assert response.json()["error"] == "UnauthorizedError"
    assert Trace.objects.filter(id="t").exists() and not Trace.objects.filter(id="t2").exists()


def test_transient_database_errors_are_recognised():
    assert is_transient(OperationalError("database is locked"))
    assert not is_transient(OperationalError("no such table: x"))
