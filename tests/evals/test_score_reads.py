"""Score reads: by id (v1, v2), the v2 and v3 lists with their filters, delete (API and batch), isolation."""

from datetime import UTC, datetime

import pytest

from evals.models import Score
from observability.models import Trace
from tests.evals.factories import make_config, make_score
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

V2 = "/api/public/v2/scores"
V3 = "/api/public/v3/scores"
SCORE_FIELDS = {
    "id",
    "traceId",
    "sessionId",
    "observationId",
    "datasetRunId",
    "name",
    "value",
    "stringValue",
    "source",
    "dataType",
    "timestamp",
    "createdAt",
    "updatedAt",
    "authorUserId",
    "comment",
    "metadata",
    "configId",
    "queueId",
    "projectId",
    "executionTraceId",
    "environment",
}


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 12, tzinfo=UTC)


@pytest.fixture
def scores(project):
    Trace.objects.create(project=project, id="t1", user_id="u1", tags=["a", "b"], timestamp=at(1))
    tone = make_config(
        project,
        name="tone",
        data_type="CATEGORICAL",
        categories=[{"label": "calm", "value": 1}, {"label": "x", "value": 2}],
    )
    return [
        make_score(project, score_id="n1", value=0.2, timestamp=at(1), metadata={"k": "v"}),
        make_score(project, score_id="n2", value=0.9, timestamp=at(2), environment="prod", observation_id="o1"),
        make_score(project, score_id="b1", name="ok", value=1, data_type="BOOLEAN", timestamp=at(3), trace_id="t2"),
        make_score(project, score_id="c1", value="calm", config_id=tone.id, timestamp=at(4)),
        make_score(
            project,
            score_id="s1",
            name="t",
            value="note",
            data_type="TEXT",
            trace_id=None,
            session_id="se",
            timestamp=at(5),
        ),
        make_score(project, score_id="r1", value=3, trace_id=None, dataset_run_id="run", timestamp=at(6)),
    ]


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["data"]]


def test_reads_by_id_carry_every_field(api_client, scores):
    for path in ("/api/public/scores/c1", "/api/public/v2/scores/c1"):
        body = api_client.get(path).json()
        assert set(body) == SCORE_FIELDS
        assert (body["value"], body["stringValue"], body["dataType"]) == (1.0, "calm", "CATEGORICAL")
    assert api_client.get("/api/public/v2/scores/missing").status_code == 404


def test_v2_list_pages_newest_first_with_trace_data(api_client, scores):
    body = api_client.get(V2, {"limit": 2}).json()
    assert [row["id"] for row in body["data"]] == ["r1", "s1"]
    assert body["meta"] == {"page": 1, "limit": 2, "totalItems": 6, "totalPages": 3}
    rows = {row["id"]: row for row in api_client.get(V2).json()["data"]}
    assert set(rows["n1"]) == SCORE_FIELDS | {"trace"}
    assert rows["n1"]["trace"] == {"userId": "u1", "tags": ["a", "b"], "environment": "default", "sessionId": None}
    assert rows["s1"]["trace"] is None
    assert "trace" not in api_client.get(V2, {"fields": "score"}).json()["data"][0]
    assert api_client.get(V2, {"limit": 101}).status_code == 400
    assert api_client.get(V2, {"fields": "nope"}).status_code == 400


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "ok"}, ["b1"]),
        ({"userId": "u1"}, ["c1", "n2", "n1"]),
        ({"traceTags": ["a", "b"]}, ["c1", "n2", "n1"]),
        ({"traceId": "t2"}, ["b1"]),
        ({"sessionId": "se"}, ["s1"]),
        ({"datasetRunId": "run"}, ["r1"]),
        ({"observationId": "o1,o9"}, ["n2"]),
        ({"scoreIds": "n1,b1"}, ["b1", "n1"]),
        ({"dataType": "TEXT"}, ["s1"]),
        ({"source": "API", "environment": "prod"}, ["n2"]),
        ({"operator": ">=", "value": "0.9", "dataType": "NUMERIC"}, ["r1", "n2"]),
        ({"operator": "!=", "value": "0.2", "dataType": "NUMERIC"}, ["r1", "n2"]),
        ({"fromTimestamp": "2026-03-02T12:00:00Z", "toTimestamp": "2026-03-04T12:00:00Z"}, ["b1", "n2"]),
        ({"configId": "none"}, []),
        ({"filter": '[{"type":"stringObject","column":"metadata","key":"k","operator":"=","value":"v"}]'}, ["n1"]),
        ({"filter": '[{"type":"number","column":"value","operator":">","value":1}]'}, ["r1"]),
    ],
)
def test_v2_filters(api_client, scores, params, expected):
    assert ids(api_client.get(V2, params)) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"operator": "~", "value": "1"}, "operator"),
        ({"operator": ">", "value": "x"}, "value"),
        ({"source": "EVIL"}, "source"),
        ({"fromTimestamp": "yesterday"}, "fromTimestamp"),
        ({"filter": '[{"type":"number","column":"nope","operator":">","value":1}]'}, "filter"),
    ],
)
def test_v2_bad_parameters_are_400_naming_them(api_client, scores, params, field):
    response = api_client.get(V2, params)
    assert response.status_code == 400 and field in response.json()["message"], response.json()


def test_v3_core_fields_typed_values_and_field_groups(api_client, project, scores):
    rows = {row["id"]: row for row in api_client.get(V3).json()["data"]}
    core = {
        "id",
        "projectId",
        "name",
        "value",
        "dataType",
        "source",
        "timestamp",
        "environment",
        "createdAt",
        "updatedAt",
    }
    assert set(rows["n1"]) == core and rows["n1"]["projectId"] == project.id
    assert (rows["n1"]["value"], rows["b1"]["value"], rows["c1"]["value"], rows["s1"]["value"]) == (
        0.2,
        True,
        "calm",
        "note",
    )
    full = {row["id"]: row for row in api_client.get(V3, {"fields": "details,subject,annotation"}).json()["data"]}
    assert set(full["n2"]) == core | {"comment", "configId", "metadata", "subject", "authorUserId", "queueId"}
    assert full["n2"]["subject"] == {"kind": "observation", "id": "o1", "traceId": "t1"}
    assert full["s1"]["subject"] == {"kind": "session", "id": "se"}
    assert full["r1"]["subject"] == {"kind": "experiment", "id": "run"}
    assert full["b1"]["subject"] == {"kind": "trace", "id": "t2"}


def test_v3_cursor_walks_every_score_once(api_client, scores):
    seen, cursor = [], None
    while True:
        body = api_client.get(V3, {"limit": 4, **({"cursor": cursor} if cursor else {})}).json()
        seen += [row["id"] for row in body["data"]]
        assert body["meta"]["limit"] == 4
        cursor = body["meta"].get("cursor")
        if not cursor:
            break
    assert seen == ["r1", "s1", "c1", "b1", "n2", "n1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "ok,t"}, ["s1", "b1"]),
        ({"dataType": "numeric", "valueMin": "0.5", "valueMax": "1"}, ["n2"]),
        ({"dataType": "BOOLEAN", "value": "true"}, ["b1"]),
        ({"dataType": "CATEGORICAL", "value": "calm"}, ["c1"]),
        ({"dataType": "NUMERIC", "value": "0.2,3"}, ["r1", "n1"]),
        ({"source": "api", "environment": "prod"}, ["n2"]),
        ({"traceId": "t1", "observationId": "o1"}, ["n2"]),
        ({"sessionId": "se"}, ["s1"]),
        ({"experimentId": "run"}, ["r1"]),
        ({"configId": "x"}, []),
        ({"queueId": "q"}, []),
        ({"authorUserId": "1"}, []),
        ({"id": "n1,c1"}, ["c1", "n1"]),
        ({"fromTimestamp": "2026-03-02T12:00:00Z", "toTimestamp": "2026-03-03T12:00:00Z"}, ["n2"]),
    ],
)
def test_v3_filters(api_client, scores, params, expected):
    assert ids(api_client.get(V3, params)) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fields": "core,trace"}, "fields: 'trace' is not one of"),
        ({"userId": "u1"}, "userId: is not supported on /v3/scores"),
        ({"traceTags": "a"}, "traceTags: is not supported"),
        ({"page": "2"}, "page: is not a parameter"),
        ({"value": "1"}, "value: needs a single dataType"),
        ({"dataType": "NUMERIC,BOOLEAN", "value": "1"}, "value: needs a single dataType"),
        ({"dataType": "BOOLEAN", "value": "yes"}, "value: BOOLEAN values are true or false"),
        ({"dataType": "NUMERIC", "value": "inf"}, "value: must be a finite number"),
        ({"dataType": "BOOLEAN", "valueMin": "0"}, "valueMin: needs dataType=NUMERIC"),
        ({"dataType": "FUZZY"}, "dataType: 'FUZZY' is not one of"),
        ({"observationId": "o1"}, "observationId: needs traceId"),
        ({"traceId": "t1", "sessionId": "se"}, "traceId: cannot be combined with sessionId"),
        ({"sessionId": "se", "experimentId": "run"}, "sessionId: cannot be combined with experimentId"),
        ({"cursor": "not-a-cursor"}, "cursor: not a cursor"),
        ({"limit": "101"}, "limit"),
        ({"toTimestamp": "soon"}, "toTimestamp"),
    ],
)
def test_v3_bad_parameters_are_400_naming_them(api_client, scores, params, message):
    response = api_client.get(V3, params)
    assert response.status_code == 400 and message in response.json()["message"], response.json()


def test_delete_by_id_and_by_batch_event(api_client, project, scores):
    assert api_client.delete("/api/public/scores/n1").status_code == 204
    assert api_client.delete("/api/public/scores/n1").status_code == 404
    events = [
        {"id": "d1", "type": "score-delete", "timestamp": "2026-03-07T00:00:00Z", "body": {"id": "n2"}},
        {"id": "d2", "type": "score-delete", "timestamp": "2026-03-07T00:00:00Z", "body": {"id": "never-was"}},
        {"id": "d3", "type": "score-delete", "timestamp": "2026-03-07T00:00:00Z", "body": {"id": ""}},
    ]
    body = api_client.post("/api/public/ingestion", {"batch": events}, format="json").json()
    assert sorted(s["id"] for s in body["successes"]) == ["d1", "d2"]
    assert [e["id"] for e in body["errors"]] == ["d3"] and "body.id" in body["errors"][0]["message"]
    assert not Score.objects.filter(project=project, id__in=["n1", "n2"]).exists()


def test_reads_and_deletes_are_project_scoped(api_client, other_client, other_project, scores):
    make_score(other_project, score_id="theirs")
    assert api_client.get("/api/public/scores/theirs").status_code == 404
    assert api_client.delete("/api/public/scores/theirs").status_code == 404
    event = {"id": "d", "type": "score-delete", "timestamp": "2026-03-07T00:00:00Z", "body": {"id": "theirs"}}
    api_client.post("/api/public/ingestion", {"batch": [event]}, format="json")
    assert Score.objects.filter(project=other_project, id="theirs").exists()
    assert "theirs" not in ids(api_client.get(V2)) + ids(api_client.get(V3))
    assert ids(other_client.get(V3)) == ["theirs"]
    assert other_client.get("/api/public/v2/scores/n1").status_code == 404


@pytest.mark.parametrize("path", [V2, V3, f"{V3}?fields=details,subject,annotation"])
def test_list_queries_do_not_grow(api_client, project, path):
    def make(index):
        Trace.objects.get_or_create(project=project, id=f"t{index}", defaults={"timestamp": at(1)})
        make_score(project, score_id=f"s{index}", trace_id=f"t{index}")

    assert_queries_constant(lambda: api_client.get(path), rows_of(make))


def test_trace_reads_embed_scores_in_the_one_score_shape(api_client, scores):
    embedded = api_client.get("/api/public/traces/t1").json()["scores"]
    assert {score["id"] for score in embedded} == {"n1", "n2", "c1"}
    for score in embedded:
        assert score == api_client.get(f"/api/public/v2/scores/{score['id']}").json()
