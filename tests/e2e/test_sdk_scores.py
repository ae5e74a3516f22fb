"""The real langfuse SDK's scores against a live server, read back through v2 and v3.

Runs under both SDK majors: 5.x posts score arrays to /api/public/scores and reads /v3/scores with
`api.scores`; 4.x sends score-create ingestion events and reads /v2/scores with `api.scores`, /v3 with
`api.scores_v3`. Where the installed SDK has no client for a read, the test reads over plain HTTP.
"""

import pytest
import requests
from langfuse import Langfuse
from langfuse._client.resource_manager import LangfuseResourceManager

from aistrale.tenancy.services import api_key_create
from evals.models import Score
from tests.background import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
SDK_5 = not hasattr(Langfuse(tracing_enabled=False, public_key="pk-probe", secret_key="sk").api, "scores_v3")
LangfuseResourceManager._instances.pop("pk-probe", None)


@pytest.fixture
def keys(project):
    api_key, secret_key = api_key_create(project=project, note="sdk scores e2e")
    return api_key.public_key, secret_key


@pytest.fixture
def client(live_server, keys):
    public_key, secret_key = keys
    langfuse = Langfuse(public_key=public_key, secret_key=secret_key, base_url=live_server.url, environment="e2e")
    yield langfuse
    langfuse.shutdown()
    LangfuseResourceManager._instances.pop(public_key, None)


@pytest.fixture
def http(live_server, keys):
    def get(path, **params):
        response = requests.get(f"{live_server.url}{path}", params=params, auth=keys, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    return get


def v2_scores(client, http, **params) -> list[dict]:
    """GET /v2/scores rows as dicts: through the 4.x client, over HTTP on 5.x (which has no v2 client)."""
    if SDK_5:
        return http("/api/public/v2/scores", **params)["data"]
    names = {"traceId": "trace_id", "sessionId": "session_id", "name": "name"}
    page = client.api.scores.get_many(**{names[key]: value for key, value in params.items()})
    return [row.dict(by_alias=True) for row in page.data]


def v3_scores(client, **params):
    """GET /v3/scores through whichever SDK client has it."""
    get_many = client.api.scores.get_many if SDK_5 else client.api.scores_v3.get_many_v3
    return get_many(**params).data


def test_create_score_with_a_config_and_score_the_current_span_and_trace(client, http, project):
    config = client.api.score_configs.create(name="correctness", data_type="NUMERIC", min_value=0, max_value=1)
    assert (config.name, config.min_value, config.max_value) == ("correctness", 0, 1)
    with client.start_as_current_observation(name="answer", as_type="span") as span:
        client.score_current_span(name="relevance", value=0.75, comment="on topic", score_id="span-score")
        client.score_current_trace(name="helpful", value=1, data_type="BOOLEAN", score_id="trace-score")
        trace_id, span_id = span.trace_id, span.id
    client.create_score(name="anything", value=0.5, trace_id=trace_id, config_id=config.id, score_id="cfg-score")
    client.create_score(name="tone", value="calm", data_type="CATEGORICAL", session_id="sess-1", score_id="sess-score")
    client.create_score(name="note", value="a remark", data_type="TEXT", trace_id=trace_id, score_id="text-score")
    client.flush()
    wait_for(lambda: Score.objects.filter(project=project).count() == 5)

    rows = {row["id"]: row for row in v2_scores(client, http, traceId=trace_id)}
    assert set(rows) == {"span-score", "trace-score", "cfg-score", "text-score"}
    assert (rows["span-score"]["observationId"], rows["span-score"]["value"]) == (span_id, 0.75)
    assert rows["span-score"]["comment"] == "on topic" and rows["span-score"]["environment"] == "e2e"
    assert (rows["trace-score"]["dataType"], rows["trace-score"]["stringValue"]) == ("BOOLEAN", "True")
    assert (rows["cfg-score"]["name"], rows["cfg-score"]["configId"]) == ("correctness", config.id)
    assert rows["text-score"]["stringValue"] == "a remark"
    [session_row] = v2_scores(client, http, sessionId="sess-1")
    assert (session_row["stringValue"], session_row["traceId"]) == ("calm", None)

    typed = {score.id: score for score in v3_scores(client, trace_id=trace_id, fields="details,subject")}
    assert typed["trace-score"].value is True and typed["span-score"].value == 0.75
    assert typed["span-score"].subject.kind == "observation" and typed["span-score"].subject.id == span_id
    assert typed["cfg-score"].config_id == config.id and typed["text-score"].value == "a remark"
    [session_score] = v3_scores(client, session_id="sess-1", fields="subject")
    assert (session_score.value, session_score.subject.kind) == ("calm", "session")


def test_a_resent_id_updates_the_score(client, http, project):
    client.create_score(name="q", value=0.1, trace_id="t-resend", score_id="again")
    client.flush()
    wait_for(lambda: Score.objects.filter(project=project, id="again").exists())
    client.create_score(name="q", value=0.9, trace_id="t-resend", score_id="again", comment="second")
    client.flush()
    wait_for(lambda: Score.objects.filter(project=project, id="again", value=0.9).exists())
    [row] = v2_scores(client, http, traceId="t-resend")
    assert (row["value"], row["comment"]) == (0.9, "second")


@pytest.mark.skipif(not SDK_5, reason="only the 5.x SDK client posts score arrays")
def test_sdk5_array_with_one_bad_score_is_207(client, project):
    from langfuse.api import CreateScoreRequest

    result = client.api.scores.create(
        request=[
            CreateScoreRequest(id="good", name="q", value=1, trace_id="t"),
            CreateScoreRequest(id="bad", name="q", value=2, trace_id="t", data_type="BOOLEAN"),
        ]
    )
    assert (result.accepted, result.rejected) == (1, 1)
    assert result.errors[0].message.startswith("scores.1: value: must be 0 or 1")
    assert list(Score.objects.filter(project=project).values_list("id", flat=True)) == ["good"]


def test_sdk_deletes_a_score(client, project):
    client.create_score(name="q", value=1, trace_id="t-del", score_id="gone")
    client.flush()
    wait_for(lambda: Score.objects.filter(project=project, id="gone").exists())
    scores_client = client.api.scores if SDK_5 else client.api.legacy.score_v1
    scores_client.delete("gone")
    assert not Score.objects.filter(project=project, id="gone").exists()
