"""GET/DELETE /api/public/traces, observations (v1 and v2) and sessions."""

from datetime import timedelta
from decimal import Decimal

import orjson
import pytest

from aistrale.tenancy.models import AuditEvent
from evals.models import Score
from observability.models import Observation, Trace
from tests.clients import make_client
from tests.isolation import assert_absent_from_other_project_list, assert_not_found_for_other_project
from tests.observability.factories import T0, make_llm_trace, make_observation, make_trace
from tests.query_counts import FEW_ROWS, MORE_ROWS, assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db


# Traces: list


def test_trace_list_shape_metrics_and_meta(api_client, project, score_loader):
    make_llm_trace(project, "t1", name="chat", user_id="u1", session_id="s1", tags=["prod"], input={"q": 1})
    score_loader["t1"] = [{"id": "score-1", "name": "quality", "value": 1.0}]
    response = api_client.get("/api/public/traces")
    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"page": 1, "limit": 50, "totalItems": 1, "totalPages": 1}
    [trace] = body["data"]
    assert trace["id"] == "t1"
    assert trace["timestamp"] == "2025-01-15T12:00:00.123456Z"
    assert trace["name"] == "chat"
    assert (trace["userId"], trace["sessionId"], trace["tags"]) == ("u1", "s1", ["prod"])
    assert trace["environment"] == "default"
    assert trace["input"] == {"q": 1}
    assert trace["latency"] == pytest.approx(2.5)
    assert trace["totalCost"] == pytest.approx(0.0006)
    assert trace["observations"] == ["t1-root", "t1-ret", "t1-gen"]
    assert trace["scores"] == ["score-1"]
    assert trace["htmlPath"].startswith("/admin/observability/trace/")


def test_trace_list_paginates_newest_first(api_client, project):
    for index in range(5):
        make_trace(project, f"t{index}", at=T0 + timedelta(minutes=index))
    body = api_client.get("/api/public/traces", {"limit": 2, "page": 2}).json()
    assert [row["id"] for row in body["data"]] == ["t2", "t1"]
    assert body["meta"] == {"page": 2, "limit": 2, "totalItems": 5, "totalPages": 3}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["data"]]


def test_trace_list_filters(api_client, project):
    make_trace(project, "a", name="chat", user_id="u1", session_id="s1", tags=["prod", "vip"], release="r1")
    make_trace(project, "b", name="chat", user_id="u2", tags=["prod"], version="v2", environment="staging")
    make_trace(project, "c", name="search", at=T0 + timedelta(hours=1), tags=["vip"])
    get = api_client.get
    assert ids(get("/api/public/traces", {"userId": "u1"})) == ["a"]
    assert ids(get("/api/public/traces", {"name": "search"})) == ["c"]
    assert ids(get("/api/public/traces", {"sessionId": "s1"})) == ["a"]
    assert sorted(ids(get("/api/public/traces", {"tags": "prod"}))) == ["a", "b"]
    assert ids(get("/api/public/traces?tags=prod&tags=vip")) == ["a"]
    assert ids(get("/api/public/traces", {"tags": "missing"})) == []
    assert ids(get("/api/public/traces", {"release": "r1"})) == ["a"]
    assert ids(get("/api/public/traces", {"version": "v2"})) == ["b"]
    assert ids(get("/api/public/traces", {"environment": "staging"})) == ["b"]
    assert sorted(ids(get("/api/public/traces?environment=staging&environment=default"))) == ["a", "b", "c"]
    assert ids(get("/api/public/traces", {"fromTimestamp": "2025-01-15T12:30:00Z"})) == ["c"]
    assert sorted(ids(get("/api/public/traces", {"toTimestamp": "2025-01-15T12:30:00.000Z"}))) == ["a", "b"]


def test_trace_list_order_by(api_client, project):
    make_trace(project, "b", name="beta", at=T0)
    make_trace(project, "a", name="alpha", at=T0 + timedelta(seconds=1))
    make_trace(project, "c", name="gamma", at=T0 - timedelta(seconds=1))
    assert ids(api_client.get("/api/public/traces", {"orderBy": "timestamp.asc"})) == ["c", "b", "a"]
    assert ids(api_client.get("/api/public/traces", {"orderBy": "name.desc"})) == ["c", "b", "a"]
    assert ids(api_client.get("/api/public/traces", {"orderBy": "id.asc"})) == ["a", "b", "c"]


def test_trace_list_field_groups(api_client, project):
    make_llm_trace(project, "t1", input={"big": "x"})
    [trace] = api_client.get("/api/public/traces", {"fields": "core"}).json()["data"]
    assert trace["latency"] == -1 and trace["totalCost"] == -1
    assert trace["observations"] == [] and trace["scores"] == []
    assert (trace["input"], trace["output"], trace["metadata"]) == (None, None, None)
    [trace] = api_client.get("/api/public/traces", {"fields": "core,io,metrics"}).json()["data"]
    assert trace["input"] == {"big": "x"} and trace["latency"] == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"fromTimestamp": "yesterday"}, "fromTimestamp"),
        ({"toTimestamp": "2025-13-01"}, "toTimestamp"),
        ({"orderBy": "cost.desc"}, "orderBy"),
        ({"orderBy": "timestamp.sideways"}, "orderBy"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"page": "0"}, "page"),
        ({"fields": "core,everything"}, "fields"),
        ({"filter": "not json"}, "filter"),
        ({"filter": '{"column": "name"}'}, "filter"),
        ({"filter": '[{"type": "string", "column": "colour", "operator": "=", "value": "x"}]'}, "filter[0].column"),
        ({"filter": '[{"type": "string", "column": "name", "operator": ">", "value": "x"}]'}, "filter[0].operator"),
        ({"filter": '[{"type": "number", "column": "totalCost", "operator": ">", "value": "x"}]'}, "filter[0].value"),
        ({"filter": '[{"type": "datetime", "column": "timestamp", "operator": ">", "value": "x"}]'}, "filter[0].value"),
        (
            {"filter": '[{"type": "stringObject", "column": "metadata", "operator": "=", "value": "x"}]'},
            "filter[0].key",
        ),
    ],
)
def test_trace_list_bad_parameters_are_400_naming_the_field(api_client, params, field):
    response = api_client.get("/api/public/traces", params)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "InvalidRequestError"
    assert field in response.json()["message"]


def structured(client, url, *conditions, **params):
    return ids(client.get(url, {"filter": orjson.dumps(list(conditions)).decode(), **params}))


def test_trace_list_structured_filter(api_client, project):
    make_llm_trace(project, "a", name="chat", user_id="u1", tags=["prod", "vip"], metadata={"tier": "gold"})
    make_trace(project, "b", name="chat-v2", user_id="u2", tags=["prod"], metadata={"tier": "free"}, bookmarked=True)
    make_trace(project, "c", name="search", at=T0 + timedelta(hours=1))
    url = "/api/public/traces"

    def condition(type_, column, operator, value=None, **extra):
        return {"type": type_, "column": column, "operator": operator, "value": value, **extra}

    assert structured(api_client, url, condition("arrayOptions", "tags", "all of", ["prod", "vip"])) == ["a"]
    assert structured(
        api_client, url, condition("arrayOptions", "tags", "any of", ["vip", "prod"]), orderBy="id.asc"
    ) == [
        "a",
        "b",
    ]
    assert structured(api_client, url, condition("arrayOptions", "tags", "none of", ["prod"])) == ["c"]
    assert structured(api_client, url, condition("stringObject", "metadata", "=", "gold", key="tier")) == ["a"]
    assert structured(api_client, url, condition("string", "name", "starts with", "chat"), orderBy="id.desc") == [
        "b",
        "a",
    ]
    assert structured(api_client, url, condition("string", "name", "does not contain", "chat")) == ["c"]
    assert structured(api_client, url, condition("stringOptions", "userId", "any of", ["u2"])) == ["b"]
    assert structured(api_client, url, condition("datetime", "timestamp", ">=", "2025-01-15T12:30:00Z")) == ["c"]
    assert structured(api_client, url, condition("number", "totalCost", ">", 0.0001)) == ["a"]
    assert structured(api_client, url, condition("number", "latency", ">=", 2)) == ["a"]
    assert structured(api_client, url, condition("boolean", "bookmarked", "=", True)) == ["b"]
    assert structured(api_client, url, condition("null", "userId", "is null")) == ["c"]
    assert structured(api_client, url, condition("string", "name", "=", "search"), userId="u1") == ["c"]


def test_observation_structured_filter(api_client, project):
    make_llm_trace(project, "t1", user_id="u1", tags=["prod"])
    make_llm_trace(project, "t2", user_id="u2")
    Observation.objects.filter(id="t2-gen").update(metadata={"step": "final"})
    for url in ("/api/public/observations", "/api/public/v2/observations"):

        def only(*conditions, url=url):
            return sorted(structured(api_client, url, *conditions))

        generation = {"type": "string", "column": "type", "operator": "=", "value": "GENERATION"}
        assert only(generation) == ["t1-gen", "t2-gen"]
        assert only(generation, {"type": "string", "column": "userId", "operator": "=", "value": "u1"}) == ["t1-gen"]
        assert only({"type": "arrayOptions", "column": "traceTags", "operator": "any of", "value": ["prod"]}) == [
            "t1-gen",
            "t1-ret",
            "t1-root",
        ]
        assert only({"type": "number", "column": "latency", "operator": ">", "value": 2}) == ["t1-root", "t2-root"]
        assert only({"type": "number", "column": "timeToFirstToken", "operator": "<", "value": 0.5}) == [
            "t1-gen",
            "t2-gen",
        ]
        assert only({"type": "boolean", "column": "isRootObservation", "operator": "=", "value": True}) == [
            "t1-root",
            "t2-root",
        ]
        assert only(
            {"type": "stringObject", "column": "metadata", "key": "step", "operator": "=", "value": "final"}
        ) == ["t2-gen"]
        assert only({"type": "string", "column": "input", "operator": "matches", "value": "HI"}) == ["t1-gen", "t2-gen"]
        response = api_client.get(url, {"filter": '[{"type": "string", "column": "colour", "operator": "="}]'})
        assert response.status_code == 400 and "filter[0].column" in response.json()["message"]


def scored_llm_trace(project, index):
    """Trace t{index}: three observations, a score, a user and a session of its own."""
    trace_id = f"t{index}"
    make_llm_trace(
        project, trace_id, at=T0 + timedelta(seconds=index), tags=["prod"], user_id="u1", session_id=f"s{index}"
    )
    Score.objects.create(project=project, id=f"score-{trace_id}", trace_id=trace_id, name="q", value=1, timestamp=T0)


@pytest.mark.parametrize(
    "params",
    [
        {"tags": "prod", "limit": 100},
        {"limit": 100, "fields": "core,io,scores,observations,metrics"},
        {"limit": 100, "userId": "u1", "orderBy": "timestamp.asc"},
    ],
)
def test_trace_list_query_count_does_not_grow_with_rows(api_client, project, params):
    traces = rows_of(lambda index: scored_llm_trace(project, index))
    assert assert_queries_constant(lambda: api_client.get("/api/public/traces", params), traces) <= 6
    assert len(api_client.get("/api/public/traces", params).json()["data"]) == FEW_ROWS + MORE_ROWS


def test_trace_detail_query_count_does_not_grow_with_observations_and_scores(api_client, project):
    make_trace(project, "t1")

    def observation_and_score(index):
        make_observation(project, f"o{index}", "t1", type="GENERATION", model="gpt-4o", total_cost=Decimal("0.01"))
        Score.objects.create(project=project, id=f"score-{index}", trace_id="t1", name="q", value=1, timestamp=T0)

    assert_queries_constant(lambda: api_client.get("/api/public/traces/t1"), rows_of(observation_and_score))
    body = api_client.get("/api/public/traces/t1").json()
    assert len(body["observations"]) == len(body["scores"]) == FEW_ROWS + MORE_ROWS


def test_trace_list_isolation(api_client, other_client, project):
    make_trace(project, "mine")
    assert_absent_from_other_project_list(other_client, "/api/public/traces", "mine")


# Traces: detail and delete


def test_trace_detail_has_observations_scores_and_metrics(api_client, project, score_loader):
    make_llm_trace(project, "t1", name="chat", metadata={"k": "v"}, output="done")
    score_loader["t1"] = [{"id": "score-1", "name": "quality", "value": 0.9, "dataType": "NUMERIC"}]
    response = api_client.get("/api/public/traces/t1")
    assert response.status_code == 200
    trace = response.json()
    assert (trace["id"], trace["name"], trace["metadata"], trace["output"]) == ("t1", "chat", {"k": "v"}, "done")
    assert trace["latency"] == pytest.approx(2.5)
    assert trace["totalCost"] == pytest.approx(0.0006)
    assert trace["scores"] == [{"id": "score-1", "name": "quality", "value": 0.9, "dataType": "NUMERIC"}]
    assert [o["id"] for o in trace["observations"]] == ["t1-root", "t1-ret", "t1-gen"]
    generation = trace["observations"][2]
    assert generation["type"] == "GENERATION"
    assert generation["parentObservationId"] == "t1-root"
    assert generation["model"] == "gpt-4o"
    assert generation["usageDetails"] == {"input": 120, "output": 30, "total": 150}
    assert generation["costDetails"] == {"input": 0.0003, "output": 0.0003, "total": 0.0006}
    assert generation["usage"] == {
        "input": 120,
        "output": 30,
        "total": 150,
        "unit": "TOKENS",
        "inputCost": 0.0003,
        "outputCost": 0.0003,
        "totalCost": 0.0006,
    }
    assert generation["calculatedTotalCost"] == pytest.approx(0.0006)
    assert generation["latency"] == pytest.approx(1.5)
    assert generation["timeToFirstToken"] == pytest.approx(0.3)
    assert generation["startTime"] == "2025-01-15T12:00:00.723456Z"
    assert generation["input"] == [{"role": "user", "content": "hi"}]


def test_trace_without_observations_has_no_latency(api_client, project):
    make_trace(project, "bare")
    trace = api_client.get("/api/public/traces/bare").json()
    assert trace["latency"] is None and trace["totalCost"] == 0 and trace["observations"] == []


def test_unknown_trace_is_404(api_client):
    response = api_client.get("/api/public/traces/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "LangfuseNotFoundError"
    assert "nope" in response.json()["message"]


def test_trace_detail_and_delete_isolation(other_client, project):
    make_llm_trace(project, "mine")
    assert_not_found_for_other_project(other_client, "get", "/api/public/traces/mine")
    assert_not_found_for_other_project(other_client, "delete", "/api/public/traces/mine")
    response = other_client.delete("/api/public/traces", {"traceIds": ["mine"]}, format="json")
    assert response.status_code == 200
    assert Trace.objects.filter(project=project, id="mine").exists()
    assert Observation.objects.filter(project=project, trace_id="mine").count() == 3


def test_delete_trace_removes_its_observations_and_scores_and_is_audited(api_client, project):
    from django.utils import timezone

    make_llm_trace(project, "t1")
    make_llm_trace(project, "t2")
    for trace_id in ("t1", "t2"):
        Score.objects.create(project=project, id=f"s-{trace_id}", trace_id=trace_id, name="q", timestamp=timezone.now())
    response = api_client.delete("/api/public/traces/t1")
    assert response.status_code == 200
    assert response.json() == {"message": "Trace deleted successfully"}
    assert not Trace.objects.filter(id="t1").exists()
    assert not Observation.objects.filter(trace_id="t1").exists()
    assert Observation.objects.filter(trace_id="t2").count() == 3
    assert list(Score.objects.values_list("id", flat=True)) == ["s-t2"]
    assert AuditEvent.objects.filter(action="trace.deleted", object_id="t1", project=project).exists()
    assert api_client.get("/api/public/traces/t1").status_code == 404
    assert api_client.delete("/api/public/traces/t1").status_code == 404


def test_bulk_delete(api_client, project):
    for trace_id in ("a", "b", "c"):
        make_llm_trace(project, trace_id)
    response = api_client.delete("/api/public/traces", {"traceIds": ["a", "b", "unknown"]}, format="json")
    assert response.status_code == 200
    assert response.json()["message"] == "Deleted 2 of 3 traces"
    assert list(Trace.objects.values_list("id", flat=True)) == ["c"]
    assert set(Observation.objects.values_list("trace_id", flat=True)) == {"c"}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"traceIds": []},
        {"traceIds": "a"},
        {"traceIds": [1, 2]},
        ["a"],
        {"traceIds": ["a\x00b"]},
        {"traceIds": [f"t{index}" for index in range(1001)]},
    ],
)
def test_bulk_delete_bad_body_is_400(api_client, project, body):
    make_llm_trace(project, "a")
    response = api_client.delete("/api/public/traces", body, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("traceIds"), response.json()
    assert Trace.objects.filter(project=project, id="a").exists()


def test_trace_deletes_are_audited_with_the_api_key(api_client, project, key_pair):
    for trace_id in ("a", "b", "c"):
        make_llm_trace(project, trace_id)
    assert api_client.delete("/api/public/traces", {"traceIds": ["a", "b"]}, format="json").status_code == 200
    assert api_client.delete("/api/public/traces/c").status_code == 200
    events = AuditEvent.objects.filter(project=project, action="trace.deleted")
    assert sorted((event.object_id, event.actor_label) for event in events) == [
        ("2 traces", f"API key {key_pair[0]}"),
        ("c", f"API key {key_pair[0]}"),
    ]
    assert sorted(events.get(object_id="2 traces").before["traceIds"]) == ["a", "b"]


# Observations v1


def test_observation_list_filters_and_meta(api_client, project):
    make_llm_trace(project, "t1", user_id="u1")
    make_llm_trace(project, "t2", at=T0 + timedelta(hours=1), user_id="u2", environment="staging")
    Observation.objects.filter(id="t2-ret").update(level="ERROR", environment="staging", version="v9")
    get = api_client.get
    body = get("/api/public/observations", {"limit": 4}).json()
    assert body["meta"] == {"page": 1, "limit": 4, "totalItems": 6, "totalPages": 2}
    assert [row["id"] for row in body["data"]] == ["t2-gen", "t2-ret", "t2-root", "t1-gen"]
    assert ids(get("/api/public/observations", {"type": "GENERATION", "traceId": "t1"})) == ["t1-gen"]
    assert ids(get("/api/public/observations", {"level": "ERROR"})) == ["t2-ret"]
    assert ids(get("/api/public/observations", {"name": "search", "userId": "u1"})) == ["t1-ret"]
    assert ids(get("/api/public/observations", {"parentObservationId": "t1-root", "type": "RETRIEVER"})) == ["t1-ret"]
    assert ids(get("/api/public/observations", {"environment": "staging"})) == ["t2-ret"]
    assert ids(get("/api/public/observations", {"version": "v9"})) == ["t2-ret"]
    assert ids(get("/api/public/observations", {"toStartTime": "2025-01-15T12:00:00.5Z"})) == ["t1-ret", "t1-root"]
    assert len(ids(get("/api/public/observations", {"fromStartTime": "2025-01-15T13:00:00Z"}))) == 3


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/public/observations", {"limit": 100}),
        ("/api/public/observations", {"limit": 100, "userId": "u1"}),
        ("/api/public/v2/observations", {"limit": 100, "fields": "basic,prompt,trace_context"}),
    ],
)
def test_observation_lists_query_count_does_not_grow_with_rows(api_client, project, url, params):
    traces = rows_of(lambda index: scored_llm_trace(project, index))
    assert assert_queries_constant(lambda: api_client.get(url, params), traces) <= 5
    assert len(ids(api_client.get(url, params))) == 3 * (FEW_ROWS + MORE_ROWS)


def test_observation_detail_with_prompt_link(api_client, project):
    from prompts.models import Prompt, PromptVersion

    prompt = Prompt.objects.create(project=project, name="qa")
    version = PromptVersion.objects.create(project=project, prompt=prompt, version=3, content="Answer {{q}}")
    make_llm_trace(project, "t1")
    Observation.objects.filter(id="t1-gen").update(prompt_name="qa", prompt_version=3)
    response = api_client.get("/api/public/observations/t1-gen")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["traceId"], body["type"]) == ("t1-gen", "t1", "GENERATION")
    assert (body["promptName"], body["promptVersion"], body["promptId"]) == ("qa", 3, version.id)
    assert body["endTime"] == "2025-01-15T12:00:02.223456Z"
    assert api_client.get("/api/public/observations/missing").status_code == 404


def test_observation_prices_come_from_the_matched_price_row(api_client, project):
    from observability.models import ModelDefinition, PricingTier

    model = ModelDefinition.objects.create(project=project, model_name="my-gpt", match_pattern="(?i)^my-gpt$")
    PricingTier.objects.create(model=model, name="Standard", is_default=True, prices={"input": 2.5e-6, "output": 1e-5})
    make_llm_trace(project, "t1")
    Observation.objects.filter(id="t1-gen").update(internal_model_id=model.id)
    body = api_client.get("/api/public/observations/t1-gen").json()
    assert (body["modelId"], body["inputPrice"], body["outputPrice"], body["totalPrice"]) == (
        model.id,
        2.5e-6,
        1e-5,
        None,
    )
    params = {"traceId": "t1", "type": "GENERATION", "fields": "model"}
    [row] = api_client.get("/api/public/v2/observations", params).json()["data"]
    assert (row["modelId"], row["inputPrice"], row["outputPrice"]) == (model.id, "0.0000025", "0.00001")


def test_observation_isolation(other_client, project):
    make_llm_trace(project, "t1")
    assert_not_found_for_other_project(other_client, "get", "/api/public/observations/t1-gen")
    assert_absent_from_other_project_list(other_client, "/api/public/observations", "t1-gen")
    assert_absent_from_other_project_list(other_client, "/api/public/v2/observations", "t1-gen")


# Observations v2


def test_v2_default_groups_are_core_and_basic(api_client, project):
    make_llm_trace(project, "t1", user_id="u1", session_id="s1")
    response = api_client.get("/api/public/v2/observations", {"traceId": "t1", "type": "GENERATION"})
    assert response.status_code == 200
    [row] = response.json()["data"]
    assert response.json()["meta"] == {"cursor": None}
    assert row["id"] == "t1-gen" and row["projectId"] == project.id
    assert (row["userId"], row["sessionId"], row["isRootObservation"]) == ("u1", "s1", False)
    assert row["name"] == "answer" and row["level"] == "DEFAULT"
    assert "input" not in row and "usageDetails" not in row


def test_v2_field_groups(api_client, project):
    make_llm_trace(project, "t1", name="chat", tags=["prod"], release="r1")
    Observation.objects.filter(id="t1-gen").update(metadata={"long": "y" * 300, "keep": "z" * 300, "n": 1})
    params = {"traceId": "t1", "type": "GENERATION", "expandMetadata": "keep"}
    params["fields"] = "io,metadata,model,usage,prompt,metrics,trace_context,time"
    [row] = api_client.get("/api/public/v2/observations", params).json()["data"]
    assert row["input"] == '[{"role":"user","content":"hi"}]'
    assert row["output"] == '{"role":"assistant","content":"hello"}'
    assert row["metadata"]["long"] == "y" * 200 + "..."
    assert row["metadata"]["keep"] == "z" * 300 and row["metadata"]["n"] == 1
    assert row["providedModelName"] == "gpt-4o"
    assert row["usageDetails"]["total"] == 150 and row["totalCost"] == pytest.approx(0.0006)
    assert row["latency"] == pytest.approx(1.5) and row["timeToFirstToken"] == pytest.approx(0.3)
    assert (row["traceName"], row["tags"], row["release"]) == ("chat", ["prod"], "r1")
    assert row["completionStartTime"] == "2025-01-15T12:00:01.023456Z"
    assert "userId" not in row


def test_v2_cursor_walks_every_row_once(api_client, project):
    make_trace(project, "t1")
    for index in range(7):
        make_observation(project, f"o{index}", "t1", start=T0 + timedelta(seconds=index // 3))
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api_client.get("/api/public/v2/observations", params).json()
        seen += [row["id"] for row in body["data"]]
        cursor = body["meta"].get("cursor")
        if not cursor:
            break
    assert sorted(seen) == [f"o{index}" for index in range(7)]
    assert len(seen) == 7


def test_v2_filters(api_client, project):
    make_llm_trace(project, "t1", session_id="s1")
    make_llm_trace(project, "t2", session_id="s2")
    get = api_client.get
    assert sorted(ids(get("/api/public/v2/observations", {"sessionId": "s1"}))) == ["t1-gen", "t1-ret", "t1-root"]
    assert sorted(ids(get("/api/public/v2/observations", {"isRootObservation": "true"}))) == ["t1-root", "t2-root"]
    assert sorted(ids(get("/api/public/v2/observations?parentObservationId="))) == ["t1-root", "t2-root"]
    assert ids(get("/api/public/v2/observations", {"parentObservationId": "t2-root", "type": "RETRIEVER"})) == [
        "t2-ret"
    ]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/public/observations", {"type": "BANANA"}, "type"),
        ("/api/public/observations", {"level": "LOUD"}, "level"),
        ("/api/public/observations", {"fromStartTime": "x"}, "fromStartTime"),
        ("/api/public/v2/observations", {"cursor": "not-a-cursor"}, "cursor"),
        ("/api/public/v2/observations", {"fields": "core,secrets"}, "fields"),
        ("/api/public/v2/observations", {"parseIoAsJson": "true"}, "parseIoAsJson"),
        ("/api/public/v2/observations", {"limit": "1001"}, "limit"),
        ("/api/public/v2/observations", {"toStartTime": "soon"}, "toStartTime"),
        ("/api/public/v2/observations", {"parseIoAsJson": "maybe"}, "parseIoAsJson"),
        ("/api/public/v2/observations", {"limit": "0"}, "limit"),
        ("/api/public/v2/observations", {"limit": "ten"}, "limit"),
        ("/api/public/traces/t1", {"fields": "core,secrets"}, "fields"),
    ],
)
def test_observation_lists_reject_bad_parameters(api_client, project, url, params, field):
    make_llm_trace(project, "t1")
    response = api_client.get(url, params)
    assert response.status_code == 400
    assert response.json()["message"].startswith(field), response.json()


# Sessions


def test_session_list_and_detail(api_client, project):
    make_trace(project, "t1", session_id="s1", at=T0)
    make_trace(project, "t2", session_id="s1", at=T0 + timedelta(minutes=5), input="second")
    make_trace(project, "t3", session_id="s2", at=T0 + timedelta(hours=1), environment="staging")
    make_trace(project, "t4")
    body = api_client.get("/api/public/sessions").json()
    assert body["meta"]["totalItems"] == 2
    assert body["data"] == [
        {"id": "s2", "createdAt": "2025-01-15T13:00:00.123456Z", "projectId": project.id, "environment": "staging"},
        {"id": "s1", "createdAt": "2025-01-15T12:00:00.123456Z", "projectId": project.id, "environment": "default"},
    ]
    assert ids(api_client.get("/api/public/sessions", {"fromTimestamp": "2025-01-15T12:30:00Z"})) == ["s2"]
    assert ids(api_client.get("/api/public/sessions", {"toTimestamp": "2025-01-15T12:30:00Z"})) == ["s1"]
    assert ids(api_client.get("/api/public/sessions", {"environment": "staging"})) == ["s2"]
    detail = api_client.get("/api/public/sessions/s1").json()
    assert detail["id"] == "s1" and detail["projectId"] == project.id
    assert [trace["id"] for trace in detail["traces"]] == ["t1", "t2"]
    assert detail["traces"][1]["input"] == "second"


def test_session_list_query_count_does_not_grow_with_rows(api_client, project):
    sessions = rows_of(lambda index: scored_llm_trace(project, index))
    assert assert_queries_constant(lambda: api_client.get("/api/public/sessions"), sessions) <= 4
    assert len(ids(api_client.get("/api/public/sessions"))) == FEW_ROWS + MORE_ROWS


def test_session_detail_query_count_does_not_grow_with_traces(api_client, project):
    traces = rows_of(lambda index: make_llm_trace(project, f"t{index}", session_id="s1"))
    assert_queries_constant(lambda: api_client.get("/api/public/sessions/s1"), traces)
    assert len(api_client.get("/api/public/sessions/s1").json()["traces"]) == FEW_ROWS + MORE_ROWS


def test_session_errors_and_isolation(api_client, other_client, project):
    for index in range(20):
        make_trace(project, f"t{index}", session_id=f"s{index % 7}")
    assert len(ids(api_client.get("/api/public/sessions"))) == 7
    assert api_client.get("/api/public/sessions/unknown").status_code == 404
    assert api_client.get("/api/public/sessions", {"fromTimestamp": "nope"}).status_code == 400
    assert_not_found_for_other_project(other_client, "get", "/api/public/sessions/s1")
    assert_absent_from_other_project_list(other_client, "/api/public/sessions", "s1")


def test_read_endpoints_need_the_secret_key(key_pair, project):
    make_trace(project, "t1")
    public_only = make_client(key_pair[0])
    for url in ("/api/public/traces", "/api/public/traces/t1", "/api/public/observations", "/api/public/sessions"):
        assert public_only.get(url).status_code in (401, 403), url


def test_v2_empty_parameters_keep_their_defaults(api_client, project):
    make_llm_trace(project, "t1")
    body = api_client.get("/api/public/v2/observations", {"limit": "", "fields": "", "cursor": ""}).json()
    assert len(body["data"]) == 3 and "name" in body["data"][0] and "input" not in body["data"][0]
    expanded = api_client.get("/api/public/v2/observations", {"fields": "metadata", "expandMetadata": "k,j"})
    assert expanded.status_code == 200 and "metadata" in expanded.json()["data"][0]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/public/traces", "fromTimestamp"),
        ("/api/public/sessions", "toTimestamp"),
        ("/api/public/observations", "fromStartTime"),
        ("/api/public/v2/observations", "toStartTime"),
    ],
)
@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_timestamps_beyond_the_stored_range_are_400(api_client, url, param, value):
    response = api_client.get(url, {param: value})
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(param)
    assert api_client.get(url, {param: "2025-01-15T12:00:00-05:00"}).status_code == 200
