"""schemathesis over our own schema and over the Langfuse reference (the operations we implement), with a real key.

Requests go to the WSGI application gunicorn serves (aistrale.wsgi), in process, so the test's database
transaction holds the seeded data. Bounded: a few derandomized examples per operation, no shrinking.
"""

import base64
import hashlib
from pathlib import Path
from urllib.parse import urlparse

import pytest
import schemathesis
import yaml
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aistrale.tenancy.models import ApiKey
from aistrale.wsgi import application

REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "langfuse-openapi.yml"
EXAMPLES = 5
SEEDED = {
    "trace_id": "fuzz-trace",
    "traceId": "fuzz-trace",
    "observation_id": "fuzz-generation",
    "observationId": "fuzz-generation",
    "session_id": "fuzz-session",
    "sessionId": "fuzz-session",
    "name": "fuzz-prompt",
    "promptName": "fuzz-prompt",
    "version": 1,
    "score_id": "fuzz-score",
    "scoreId": "fuzz-score",
}
OWN_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The reference documents no 411/413/415/503, which we answer too: there only the body shapes are compared.
REFERENCE_CHECKS = [not_a_server_error, response_schema_conformance]

own_schema = schemathesis.openapi.from_wsgi("/api/public/openapi.json", application)


def _reference_schema():
    raw = yaml.load(REFERENCE.read_text(), Loader=yaml.CSafeLoader)
    ours = {(operation.method.lower(), _normalized(operation.path)) for operation in _operations(own_schema)}
    paths = {
        path: {method: operation for method, operation in item.items() if (method, _normalized(path)) in ours}
        for path, item in raw["paths"].items()
    }
    raw["paths"] = {path: item for path, item in paths.items() if item}
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = application
    return schema


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def _normalized(path: str) -> str:
    return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))


reference_schema = _reference_schema()


def params(schema) -> list:
    return [
        pytest.param(operation, id=f"{operation.method.upper()} {operation.path}") for operation in _operations(schema)
    ]


@pytest.fixture
def seeded_key(db, key_pair):
    """A real key of a project holding a trace with a generation and a score, two prompts and a model."""
    public_key, secret_key = key_pair
    auth = {"Authorization": "Basic " + base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()}
    seeds = [
        (
            "post",
            "/api/public/ingestion",
            {
                "batch": [
                    {
                        "id": "e1",
                        "type": "trace-create",
                        "timestamp": "2026-01-02T03:04:05.000Z",
                        "body": {
                            "id": "fuzz-trace",
                            "name": "chat",
                            "sessionId": "fuzz-session",
                            "userId": "user-1",
                            "input": {"question": "hi"},
                            "tags": ["fuzz"],
                        },
                    },
                    {
                        "id": "e2",
                        "type": "generation-create",
                        "timestamp": "2026-01-02T03:04:05.000Z",
                        "body": {
                            "id": "fuzz-generation",
                            "traceId": "fuzz-trace",
                            "name": "llm",
                            "model": "gpt-4o",
                            "startTime": "2026-01-02T03:04:05.000Z",
                            "endTime": "2026-01-02T03:04:06.500Z",
                            "usageDetails": {"input": 10, "output": 5},
                        },
                    },
                    {
                        "id": "e3",
                        "type": "score-create",
                        "timestamp": "2026-01-02T03:04:07.000Z",
                        "body": {"id": "fuzz-score", "traceId": "fuzz-trace", "name": "quality", "value": 0.9},
                    },
                ]
            },
            207,
        ),
        (
            "post",
            "/api/public/v2/prompts",
            {"name": "fuzz-prompt", "prompt": "Hi {{name}}", "labels": ["production"]},
            200,
        ),
        (
            "post",
            "/api/public/v2/prompts",
            {"name": "fuzz-chat", "type": "chat", "prompt": [{"role": "system", "content": "Be brief"}]},
            200,
        ),
        (
            "post",
            "/api/public/score-configs",
            {"name": "fuzz-config", "dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
            200,
        ),
        (
            "post",
            "/api/public/models",
            {"modelName": "fuzz-model", "matchPattern": "(?i)^fuzz-model$", "unit": "TOKENS", "inputPrice": 0.001},
            200,
        ),
        (
            "post",
            "/api/public/v2/evaluation-rules",
            {"name": "fuzz-rule", "enabled": False, "evaluatorAssignments": []},
            200,
        ),
    ]
    client = Client()
    created = {}
    for method, path, body, status in seeds:
        response = getattr(client, method)(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=auth["Authorization"]
        )
        assert response.status_code == status, (path, response.content)
        created[path] = response.json()
    model_id = created["/api/public/models"]["id"]
    config_id = created["/api/public/score-configs"]["id"]
    return auth, {
        **SEEDED,
        "model_id": model_id,
        "id": model_id,
        "config_id": config_id,
        "configId": config_id,
        "rule_id": created["/api/public/v2/evaluation-rules"]["id"],
        **seeded_media(client, auth),
        **seeded_comment(client, auth, public_key),
        **seeded_queue(client, auth),
        **seeded_llm_connection(client, auth),
        **seeded_evaluator(client, auth),
        **seeded_dataset(client, auth),
        **seeded_dashboard(client, auth),
    }


def seeded_media(client, auth) -> dict:
    """An image stored through the media API: its id, and a download URL's token."""
    content = b"fuzz image bytes"
    sha256 = base64.b64encode(hashlib.sha256(content).digest()).decode()
    announcement = {"contentType": "image/png", "contentLength": len(content), "sha256Hash": sha256}
    response = client.post(
        "/api/public/media",
        {**announcement, "traceId": "fuzz-trace", "field": "input"},
        content_type="application/json",
        HTTP_AUTHORIZATION=auth["Authorization"],
    )
    body = response.json()
    assert client.put(urlparse(body["uploadUrl"]).path, content, content_type="image/png").status_code == 200
    media = client.get(f"/api/public/media/{body['mediaId']}", HTTP_AUTHORIZATION=auth["Authorization"]).json()
    return {"media_id": body["mediaId"], "mediaId": body["mediaId"], "token": media["url"].rsplit("/", 1)[1]}


def seeded_comment(client, auth, public_key: str) -> dict:
    """A comment on the seeded trace: its id."""
    comment = client.post(
        "/api/public/comments",
        {"projectId": key_pair_project(public_key), "objectType": "TRACE", "objectId": "fuzz-trace", "content": "hi"},
        content_type="application/json",
        HTTP_AUTHORIZATION=auth["Authorization"],
    )
    assert comment.status_code == 200, comment.content
    comment_id = comment.json()["id"]
    return {"comment_id": comment_id, "commentId": comment_id}


def key_pair_project(public_key: str) -> str:
    return ApiKey.objects.get(public_key=public_key).project_id


def seeded_queue(client, auth) -> dict:
    """An annotation queue holding the seeded trace: the ids of both."""
    queues = "/api/public/annotation-queues"
    headers = {"content_type": "application/json", "HTTP_AUTHORIZATION": auth["Authorization"]}
    queue_id = client.post(queues, {"name": "fuzz-queue", "scoreConfigIds": []}, **headers).json()["id"]
    item = {"objectId": "fuzz-trace", "objectType": "TRACE"}
    item_id = client.post(f"{queues}/{queue_id}/items", item, **headers).json()["id"]
    return {"queue_id": queue_id, "queueId": queue_id, "item_id": item_id, "itemId": item_id}


def seeded_llm_connection(client, auth) -> dict:
    """An LLM connection of the project: its id."""
    body = {"provider": "fuzz-openai", "adapter": "openai", "secretKey": "sk-fuzz-0123456789"}
    response = client.put(
        "/api/public/llm-connections", body, content_type="application/json", HTTP_AUTHORIZATION=auth["Authorization"]
    )
    assert response.status_code == 200, response.content
    return {"connection_id": response.json()["id"]}


def seeded_evaluator(client, auth) -> dict:
    """An LLM-as-a-judge evaluator on the seeded LLM connection (no call is made through it): its id."""
    evaluator = {
        "name": "fuzz-judge",
        "prompt": "Is {{output}} right?",
        "modelConfig": {"provider": "fuzz-openai", "model": "fuzz-model"},
        "outputDefinition": {"dataType": "BOOLEAN"},
    }
    response = client.post(
        "/api/public/v2/evaluators",
        evaluator,
        content_type="application/json",
        HTTP_AUTHORIZATION=auth["Authorization"],
    )
    assert response.status_code == 201, response.content
    return {"evaluator_id": response.json()["id"]}


def seeded_dataset(client, auth) -> dict:
    """A dataset with an item that a run ran on the seeded trace: their names and ids."""
    headers = {"content_type": "application/json", "HTTP_AUTHORIZATION": auth["Authorization"]}
    client.post("/api/public/v2/datasets", {"name": "fuzz-dataset"}, **headers)
    client.post("/api/public/dataset-items", {"datasetName": "fuzz-dataset", "id": "fuzz-item", "input": 1}, **headers)
    run_item = {"runName": "fuzz-run", "datasetItemId": "fuzz-item", "traceId": "fuzz-trace"}
    assert client.post("/api/public/dataset-run-items", run_item, **headers).status_code == 200
    return {
        "dataset_name": "fuzz-dataset",
        "datasetName": "fuzz-dataset",
        "run_name": "fuzz-run",
        "runName": "fuzz-run",
        "dataset_item_id": "fuzz-item",
    }


def seeded_dashboard(client, auth) -> dict:
    """A dashboard with one placement, and a dashboard widget: their ids."""
    headers = {"content_type": "application/json", "HTTP_AUTHORIZATION": auth["Authorization"]}
    body = {"name": "fuzz-dashboard", "definition": {"widgets": [{"id": "fuzz-tile", "presetId": "trace_volume"}]}}
    response = client.post("/api/public/unstable/dashboards", body, **headers)
    assert response.status_code == 200, response.content
    dashboard_id = response.json()["id"]
    widget = {
        "name": "fuzz-widget",
        "view": "observations",
        "dimensions": [{"field": "name"}],
        "metrics": [{"measure": "totalCost", "agg": "sum"}],
        "filters": [],
        "chartType": "VERTICAL_BAR",
    }
    response = client.post("/api/public/unstable/dashboard-widgets", widget, **headers)
    assert response.status_code == 200, response.content
    widget_id = response.json()["id"]
    return {
        "dashboard_id": dashboard_id,
        "dashboardId": dashboard_id,
        "placement_id": "fuzz-tile",
        "placementId": "fuzz-tile",
        "widget_id": widget_id,
        "widgetId": widget_id,
    }


@pytest.fixture
def key(seeded_key):
    """The seeded key's header; the WSGI app keeps the test's connection (and transaction) across requests,
    as Django's test client arranges for itself."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield seeded_key
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def fuzz(operation, key, checks: list) -> None:
    """Run bounded positive and negative examples (and the seeded ids) against the app; fail listing each."""
    headers, ids = key
    seeded = {parameter.name: ids[parameter.name] for parameter in operation.path_parameters}
    strategies = [operation.as_strategy(mode) for mode in schemathesis.GenerationMode]
    if seeded:
        strategies.append(operation.as_strategy(path_parameters=seeded))
    failures = []

    @hypothesis_settings(
        max_examples=EXAMPLES * len(strategies),
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def run(case):
        try:
            case.call_and_validate(headers=headers, checks=checks)
        except (AssertionError, FailureGroup) as failure:
            failures.append(f"{case.as_curl_command(headers=headers)}\n{failure}")

    run()
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("operation", params(own_schema))
def test_own_schema(operation, key):
    fuzz(operation, key, OWN_CHECKS)


@pytest.mark.parametrize("operation", params(reference_schema))
def test_langfuse_reference(operation, key):
    fuzz(operation, key, REFERENCE_CHECKS)


def test_a_response_that_breaks_the_schema_fails_the_run(key):
    raw = Client().get("/api/public/openapi.json").json()
    raw["components"]["schemas"]["Health"]["properties"]["status"] = {"type": "integer"}
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = application
    with pytest.raises(AssertionError, match="Response violates schema"):
        fuzz(schema["/api/public/health"]["GET"], key, OWN_CHECKS)
