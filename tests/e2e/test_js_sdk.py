"""The Langfuse JS/TS SDK, driven by node, against a gunicorn server started here.

`tests/e2e/js/traces.mjs` traces with `@langfuse/tracing` through `@langfuse/otel`'s LangfuseSpanProcessor on the
OpenTelemetry Node SDK. Its OTLP exporter posts JSON with `Transfer-Encoding: chunked` and no Content-Length
(checked by capturing its request), the case that once answered 200 and stored nothing; so every trace and
observation it created is read back here with the fields it sent. `prompts.mjs` fetches and compiles prompts with
`@langfuse/client`. The node modules are those `scripts/setup` installs with `npm ci` from the committed lock file.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from bench.server import VENV_BIN

JS_PROJECT = Path(__file__).resolve().parent / "js"

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="needs node (Node.js 20+) for the Langfuse JS SDK"),
    pytest.mark.skipif(shutil.which("gunicorn", path=str(VENV_BIN)) is None, reason="needs gunicorn"),
]


@pytest.fixture(scope="module", autouse=True)
def js_sdk_installed():
    if not (JS_PROJECT / "node_modules" / "@langfuse").is_dir():
        pytest.fail(f"the JS SDK is not installed in {JS_PROJECT}: run scripts/setup (npm ci)")


def run_node(server, script: str) -> dict:
    """Run a script of the JS project with the server's URL and keys; the JSON line it prints."""
    env = {
        **os.environ,
        "LANGFUSE_BASE_URL": server.url,
        "LANGFUSE_PUBLIC_KEY": server.public_key,
        "LANGFUSE_SECRET_KEY": server.secret_key,
    }
    completed = subprocess.run(
        ["node", script], cwd=JS_PROJECT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def read(server, path: str) -> dict:
    response = requests.get(f"{server.url}/api/public{path}", auth=(server.public_key, server.secret_key), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_every_trace_and_observation_sent_by_the_js_sdk_is_stored(gunicorn_server):
    ids = run_node(gunicorn_server, "traces.mjs")

    chat = read(gunicorn_server, f"/traces/{ids['chat']}")
    assert (chat["name"], chat["userId"], chat["sessionId"]) == ("js-chat", "ada", "js-session-1")
    assert (chat["tags"], chat["version"], chat["release"], chat["environment"]) == (
        ["e2e", "js"],  # sent as ["js", "e2e"]; read back sorted
        "v3",
        "r-42",
        "js-e2e",
    )
    assert chat["input"] == {"question": "What is OTLP?"}
    assert chat["output"] == {"answer": "A protocol."}
    assert chat["totalCost"] == pytest.approx(0.0021)
    observations = {observation["id"]: observation for observation in chat["observations"]}
    assert set(observations) == {ids["handleQuestion"], ids["lookupDocs"], ids["rank"], ids["answer"]}

    root = observations[ids["handleQuestion"]]
    assert (root["type"], root["name"], root["parentObservationId"]) == ("SPAN", "handle-question", None)
    assert root["input"] == {"question": "What is OTLP?"} and root["output"] == {"answer": "A protocol."}
    assert root["metadata"]["route"] == "/ask"
    lookup = observations[ids["lookupDocs"]]
    assert (lookup["type"], lookup["parentObservationId"]) == ("RETRIEVER", ids["handleQuestion"])
    assert lookup["input"] == {"query": "OTLP"} and lookup["output"] == [{"id": "doc-1"}, {"id": "doc-2"}]
    assert lookup["metadata"]["index"] == "docs"
    rank = observations[ids["rank"]]
    assert (rank["type"], rank["name"], rank["parentObservationId"]) == ("SPAN", "rank", ids["lookupDocs"])
    assert rank["input"] == {"candidates": 3} and rank["output"] == {"kept": 2}
    for observation in observations.values():
        assert (observation["traceId"], observation["environment"], observation["version"]) == (
            ids["chat"],
            "js-e2e",
            "v3",
        )
        assert observation["startTime"] <= observation["endTime"]
        assert observation["metadata"]["scope"]["name"] == "langfuse-sdk"

    answer = read(gunicorn_server, f"/observations/{ids['answer']}")
    assert (answer["type"], answer["name"], answer["parentObservationId"]) == (
        "GENERATION",
        "answer",
        ids["handleQuestion"],
    )
    assert answer["model"] == "gpt-4o-mini"
    assert answer["modelParameters"] == {"temperature": 0.2, "max_tokens": 64}
    assert answer["input"] == [{"role": "user", "content": "What is OTLP?"}]
    assert answer["output"] == {"role": "assistant", "content": "A protocol."}
    assert answer["usageDetails"] == {"input": 120, "output": 30, "total": 150}
    assert answer["costDetails"] == pytest.approx({"input": 0.0012, "output": 0.0009, "total": 0.0021})

    tool_trace = read(gunicorn_server, f"/traces/{ids['tool']}")
    assert (tool_trace["name"], tool_trace["environment"], tool_trace["release"]) == ("js-tool-call", "js-e2e", "r-42")
    assert tool_trace["input"] == {"city": "Oslo"} and tool_trace["output"] == {"celsius": -3}
    [tool] = tool_trace["observations"]
    assert (tool["id"], tool["type"], tool["parentObservationId"]) == (ids["toolCall"], "TOOL", None)
    assert (tool["level"], tool["statusMessage"]) == ("WARNING", "stale cache")

    listed = read(gunicorn_server, "/traces?sessionId=js-session-1")
    assert [trace["id"] for trace in listed["data"]] == [ids["chat"]]


def create_prompt(server, body: dict) -> None:
    response = requests.post(
        f"{server.url}/api/public/v2/prompts", json=body, auth=(server.public_key, server.secret_key), timeout=10
    )
    assert response.status_code in (200, 201), response.text


def test_js_client_fetches_and_compiles_prompts_created_through_the_api(gunicorn_server):
    create_prompt(gunicorn_server, {"name": "js-greeting", "type": "text", "prompt": "Hello {{name}}", "labels": []})
    create_prompt(
        gunicorn_server,
        {
            "name": "js-greeting",
            "type": "text",
            "prompt": "Hello {{name}} from {{place}}",
            "labels": ["production"],
            "tags": ["greeting"],
            "config": {"temperature": 0.1},
        },
    )
    support = [
        {"role": "system", "content": "You support {{product}}."},
        {"type": "placeholder", "name": "history"},
    ]
    create_prompt(gunicorn_server, {"name": "js-support", "type": "chat", "prompt": support, "labels": ["staging"]})

    seen = run_node(gunicorn_server, "prompts.mjs")

    assert seen["text"] == {
        "name": "js-greeting",
        "version": 2,
        "labels": ["production", "latest"],
        "tags": ["greeting"],
        "config": {"temperature": 0.1},
        "type": "text",
        "prompt": "Hello {{name}} from {{place}}",
        "compiled": "Hello Ada from Oslo",
    }
    assert (seen["firstText"]["version"], seen["firstText"]["compiled"]) == (1, "Hello Ada")
    assert seen["chat"]["version"] == 1 and seen["chat"]["type"] == "chat"
    assert seen["chat"]["labels"] == ["staging", "latest"]
    assert seen["chat"]["compiled"] == [
        {"role": "system", "content": "You support AISTRALE."},
        {"role": "user", "content": "It broke."},
    ]


def test_a_js_experiment_on_a_dataset_makes_a_run_with_its_items_and_scores(gunicorn_server):
    seen = run_node(gunicorn_server, "datasets.mjs")

    assert seen["items"] == ["js-France", "js-Italy"]
    run = read(gunicorn_server, "/datasets/js%2Fcapitals/runs/js-run")
    assert (run["name"], run["description"], run["datasetName"]) == ("js-run", "js experiment", "js/capitals")
    assert run["id"] == seen["experimentId"]
    assert sorted(item["datasetItemId"] for item in run["datasetRunItems"]) == ["js-France", "js-Italy"]
    assert sorted(item["traceId"] for item in run["datasetRunItems"]) == sorted(seen["traceIds"])
    run_scores = read(gunicorn_server, f"/v2/scores?datasetRunId={run['id']}")["data"]
    assert [(score["name"], score["value"]) for score in run_scores] == [("accuracy", 0.5)]
    item_scores = [read(gunicorn_server, f"/v2/scores?traceId={trace_id}")["data"] for trace_id in seen["traceIds"]]
    assert sorted(score["value"] for scores in item_scores for score in scores if score["name"] == "exact") == [0, 1]
