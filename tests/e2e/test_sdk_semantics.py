"""Langfuse semantics the SDKs rely on, with the installed SDK (5.x, or 4.x under .venv-sdk4) on a live server:
trace attributes set on a nested span win over the root's, values read back as sent, JSON answers
on every API path."""

from importlib.metadata import version

import pytest
import requests
from langfuse import Langfuse, propagate_attributes
from langfuse._client.resource_manager import LangfuseResourceManager

from observability.models import Observation, Trace
from tests.background import wait_for

SDK_MAJOR = int(version("langfuse").split(".")[0])
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server, key_pair, model_prices):
    public_key, secret_key = key_pair
    langfuse = Langfuse(public_key=public_key, secret_key=secret_key, base_url=live_server.url)
    yield langfuse
    langfuse.shutdown()
    LangfuseResourceManager._instances.pop(public_key, None)


def read_trace(live_server, key_pair, trace_id) -> dict:
    response = requests.get(f"{live_server.url}/api/public/traces/{trace_id}", auth=key_pair, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def stored_observations(project, count):
    wait_for(lambda: Observation.objects.filter(project=project).count() == count)


def test_nested_trace_name_wins_when_it_arrives_first(client, project, live_server, key_pair):
    with client.start_as_current_observation(name="root-function") as root:
        with (
            client.start_as_current_observation(name="nested-function"),
            propagate_attributes(trace_name="nested-name", user_id="u-nested"),
        ):
            pass
        client.flush()
        stored_observations(project, 1)
        trace_id = root.trace_id
        assert Trace.objects.get(project=project, id=trace_id).name == "nested-name"
    client.flush()
    stored_observations(project, 2)
    trace = read_trace(live_server, key_pair, trace_id)
    assert (trace["name"], trace["userId"]) == ("nested-name", "u-nested")


def test_nested_trace_name_wins_when_the_root_arrives_first(client, project, live_server, key_pair):
    with client.start_as_current_observation(name="root-function") as root:
        with (
            client.start_as_current_observation(name="nested-function", end_on_exit=False) as nested,
            propagate_attributes(trace_name="nested-name"),
        ):
            pass
        trace_id = root.trace_id
    client.flush()
    stored_observations(project, 1)
    assert Trace.objects.get(project=project, id=trace_id).name == "root-function"
    nested.end()
    client.flush()
    stored_observations(project, 2)
    assert read_trace(live_server, key_pair, trace_id)["name"] == "nested-name"


def test_nested_trace_name_wins_in_one_export(client, project, live_server, key_pair):
    with client.start_as_current_observation(name="root-function") as root:
        with (
            client.start_as_current_observation(name="nested-function"),
            propagate_attributes(trace_name="nested-name", tags=["nested"]),
        ):
            pass
        trace_id = root.trace_id
    client.flush()
    stored_observations(project, 2)
    trace = read_trace(live_server, key_pair, trace_id)
    assert (trace["name"], trace["tags"]) == ("nested-name", ["nested"])


def test_root_name_is_the_fallback(client, project, live_server, key_pair):
    with client.start_as_current_observation(name="root-function") as root:
        with client.start_as_current_observation(name="nested-function"):
            pass
        trace_id = root.trace_id
    client.flush()
    stored_observations(project, 2)
    assert read_trace(live_server, key_pair, trace_id)["name"] == "root-function"


def test_usage_keys_and_model_parameters_read_back_as_sent(client, project):
    with client.start_as_current_observation(as_type="generation", name="llm", model="gpt-4o") as generation:
        generation.update(
            usage_details={"prompt_tokens": 10, "completion_tokens": 20},
            model_parameters={"temperature": 0.2, "stop": ["a", "b"], "stream": False},
        )
        trace_id = generation.trace_id
    client.flush()
    stored_observations(project, 1)
    read = client.api.observations.get_many(trace_id=trace_id, fields="core,basic,usage,model")
    (observation,) = read.data
    assert observation.usage_details == {"prompt_tokens": 10, "completion_tokens": 20, "total": 30}
    assert observation.model_parameters == {"temperature": 0.2, "stop": '["a","b"]', "stream": "false"}
    assert observation.total_cost == pytest.approx(10 * 2.5e-6 + 20 * 10e-6)
    assert observation.cost_details == pytest.approx({"input": 2.5e-5, "output": 2e-4, "total": 2.25e-4})


def test_metadata_values_read_back_by_the_sdk_major_rule(client, project):
    """4.x sends strings raw (`0` decodes to 0); 5.x JSON-encodes every value ("0" stays a string)."""
    with client.start_as_current_observation(name="with-metadata") as span:
        span.update(metadata={"count": "0", "word": "hello", "number": 5, "nested": {"a": [1, 2]}})
        trace_id = span.trace_id
    client.flush()
    stored_observations(project, 1)
    (observation,) = client.api.observations.get_many(trace_id=trace_id, fields="core,basic,metadata").data
    metadata = observation.metadata
    assert metadata["count"] == (0 if SDK_MAJOR < 5 else "0")
    assert (metadata["word"], metadata["number"], metadata["nested"]) == ("hello", 5, {"a": [1, 2]})


def test_the_sdk_exporter_sends_an_ingestion_version_the_server_accepts(client, project, live_server, key_pair):
    with client.start_as_current_observation(name="versioned"):
        pass
    client.flush()
    stored_observations(project, 1)
    response = requests.post(
        f"{live_server.url}/api/public/otel/v1/traces",
        json={"resourceSpans": []},
        headers={"x-langfuse-ingestion-version": "5"},
        auth=key_pair,
        timeout=10,
    )
    assert response.status_code == 400 and "x-langfuse-ingestion-version" in response.json()["message"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_unknown_api_paths_answer_json_404(live_server, key_pair, method):
    for path in ("/api/public/no-such-endpoint", "/api/public/v9/things/1", "/api/elsewhere"):
        response = requests.request(
            method,
            f"{live_server.url}{path}",
            json={"name": "x"},
            auth=key_pair,
            cookies={"csrftoken": "x"},
            timeout=10,
        )
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["error"] == "LangfuseNotFoundError" and path in response.json()["message"]


def test_a_wrong_method_on_an_endpoint_answers_json_405(live_server, key_pair):
    for method, path in (("PUT", "/api/public/ingestion"), ("DELETE", "/api/public/otel/v1/traces")):
        response = requests.request(method, f"{live_server.url}{path}", json={}, auth=key_pair, timeout=10)
        assert response.status_code == 405, (method, path, response.text)
        assert response.headers["Content-Type"] == "application/json"
        assert method in response.json()["message"]
