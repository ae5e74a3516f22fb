"""Values come back as the SDK sent them: usage keys, flat model parameters, metadata values;
and the x-langfuse-ingestion-version header of the 5.x SDKs."""

import json
from decimal import Decimal

import pytest
from google.rpc import code_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from observability.models import Observation
from tests.observability.factories import (
    OTLP_URL,
    ingestion_event,
    otlp_failure,
    otlp_request,
    otlp_span,
    post_batch,
)


def post(client, body, **headers):
    return client.post(OTLP_URL, body, content_type="application/x-protobuf", **headers)


def generation(span_id="d4f067aa0ba902b7", model="gpt-4o", **attributes):
    return otlp_span(span_id, "llm", attributes={"langfuse.observation.model.name": model, **attributes})


def stored(project, observation_id="d4f067aa0ba902b7") -> Observation:
    return Observation.objects.get(project=project, id=observation_id)


@pytest.mark.django_db
def test_openai_usage_keys_are_stored_as_sent_and_priced(api_client, project, model_prices):
    usage = {"prompt_tokens": 10, "completion_tokens": 20}
    response = post(api_client, otlp_request(generation(**{"langfuse.observation.usage_details": json.dumps(usage)})))
    assert response.status_code == 200
    row = stored(project)
    assert row.usage_details == {"prompt_tokens": 10, "completion_tokens": 20, "total": 30}
    assert (row.input_tokens, row.output_tokens, row.total_tokens) == (10, 20, 30)
    assert row.cost_details == pytest.approx({"input": 10 * 2.5e-6, "output": 20 * 1e-5, "total": 2.25e-4})
    assert row.total_cost == Decimal("0.000225")


@pytest.mark.django_db
def test_a_sent_total_alias_is_the_total(api_client, project, model_prices):
    usage = {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 31}
    post(api_client, otlp_request(generation(**{"langfuse.observation.usage_details": json.dumps(usage)})))
    row = stored(project)
    assert row.usage_details == {**usage, "total": 31} and row.total_tokens == 31
    assert "total_tokens" not in row.cost_details and row.cost_details["total"] == pytest.approx(2.25e-4)


@pytest.mark.django_db
def test_anthropic_usage_keys_are_stored_as_sent_and_priced(api_client, project, model_prices):
    usage = {"input_tokens": 100, "output_tokens": 10, "cache_read_input_tokens": 1000}
    body = otlp_request(
        generation(model="claude-sonnet-4-20250514", **{"langfuse.observation.usage_details": json.dumps(usage)})
    )
    post(api_client, body)
    row = stored(project)
    assert row.usage_details == {**usage, "total": 1110}
    assert (row.input_tokens, row.output_tokens) == (1100, 10)
    assert row.cost_details == pytest.approx(
        {"input": 3e-4, "output": 1.5e-4, "input_cache_read": 3e-4, "total": 7.5e-4}
    )


@pytest.mark.django_db
def test_batch_usage_details_keep_their_keys(api_client, project, model_prices):
    body = {"id": "g1", "model": "gpt-4o", "usageDetails": {"prompt_tokens": 4, "completion_tokens": 1}}
    response = post_batch(api_client, ingestion_event("e1", "generation-create", body))
    assert response.status_code == 207 and not response.json()["errors"]
    row = Observation.objects.get(project=project, id="g1")
    assert row.usage_details == {"prompt_tokens": 4, "completion_tokens": 1, "total": 5}
    assert row.cost_details["input"] == pytest.approx(4 * 2.5e-6) and row.total_tokens == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("usage", "named"),
    [
        ({"prompt_tokens": "ten"}, "prompt_tokens"),
        ({"prompt_tokens": -1}, "prompt_tokens"),
        ({"completion_tokens": 1.5}, "completion_tokens"),
    ],
)
def test_bad_usage_values_reject_the_span_naming_the_key(api_client, project, usage, named):
    body = otlp_request(
        generation(**{"langfuse.observation.usage_details": json.dumps(usage)}), otlp_span("e5f067aa0ba902b7", "ok")
    )
    response = post(api_client, body)
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 1 and f"usage_details.{named}" in partial.error_message
    assert list(Observation.objects.values_list("id", flat=True)) == ["e5f067aa0ba902b7"]


@pytest.mark.django_db
def test_model_parameters_read_back_flat(api_client, project):
    parameters = {"stop": ["a", "b"], "temperature": 0.7, "max_tokens": 5, "stream": True, "tool": {"a": 1}, "x": None}
    post(api_client, otlp_request(generation(**{"langfuse.observation.model.parameters": json.dumps(parameters)})))
    assert stored(project).model_parameters == {
        "stop": '["a","b"]',
        "temperature": 0.7,
        "max_tokens": 5,
        "stream": "true",
        "tool": '{"a":1}',
        "x": "null",
    }
    response = api_client.get("/api/public/observations/d4f067aa0ba902b7")
    assert response.json()["modelParameters"]["stop"] == '["a","b"]'


@pytest.mark.django_db
def test_gen_ai_request_parameters_are_flat_too(api_client, project):
    attributes = {"gen_ai.request.model": "m", "gen_ai.request.stop_sequences": ["x"], "gen_ai.request.top_p": 0.9}
    post(api_client, otlp_request(otlp_span("d4f067aa0ba902b7", "chat", attributes=attributes)))
    assert stored(project).model_parameters == {"stop_sequences": '["x"]', "top_p": 0.9}


@pytest.mark.django_db
def test_non_object_model_parameters_are_kept_under_one_key(api_client, project):
    post(api_client, otlp_request(generation(**{"langfuse.observation.model.parameters": "[1, 2]"})))
    assert stored(project).model_parameters == {"parameters": "[1,2]"}


@pytest.mark.django_db
@pytest.mark.parametrize("scope", [("langfuse-sdk", "5.0.4"), ("langfuse-sdk", "4.18.0"), ("my-tracer", "1.0")])
def test_metadata_values_decode_when_they_parse_as_json(api_client, project, scope):
    attributes = {
        "langfuse.observation.metadata.encoded_string": json.dumps("0"),
        "langfuse.observation.metadata.raw_number": "0",
        "langfuse.observation.metadata.raw_text": "hello",
        "langfuse.observation.metadata.object": json.dumps({"a": [1]}),
        "langfuse.observation.metadata.truthy": "true",
        "langfuse.observation.metadata.not_json": "{oops",
        "langfuse.trace.metadata.tenant": json.dumps("acme"),
        "langfuse.trace.metadata.count": "0",
    }
    post(api_client, otlp_request(otlp_span("d4f067aa0ba902b7", "s", attributes=attributes), scope=scope))
    row = stored(project)
    assert {key: row.metadata[key] for key in attributes_keys(attributes, "observation")} == {
        "encoded_string": "0",
        "raw_number": 0,
        "raw_text": "hello",
        "object": {"a": [1]},
        "truthy": True,
        "not_json": "{oops",
    }
    trace = row.trace_id
    assert api_client.get(f"/api/public/traces/{trace}").json()["metadata"] == {"tenant": "acme", "count": 0}


def attributes_keys(attributes, domain):
    prefix = f"langfuse.{domain}.metadata."
    return [key.removeprefix(prefix) for key in attributes if key.startswith(prefix)]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["4", "3", "1", " 4", "4.0", "-1"])
def test_ingestion_versions_up_to_4_are_accepted(api_client, project, value):
    response = post(api_client, otlp_request(otlp_span("d4f067aa0ba902b7")), HTTP_X_LANGFUSE_INGESTION_VERSION=value)
    assert response.status_code == 200, response.content
    assert Observation.objects.filter(project=project).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["5", "10", "v4", "latest"])
def test_unknown_ingestion_versions_are_a_clear_400(api_client, project, value):
    response = post(api_client, otlp_request(otlp_span("d4f067aa0ba902b7")), HTTP_X_LANGFUSE_INGESTION_VERSION=value)
    assert response.status_code == 400
    code, message = otlp_failure(response)
    assert code == code_pb2.INVALID_ARGUMENT and "x-langfuse-ingestion-version" in message and value in message
    assert not Observation.objects.exists()
    json_response = api_client.post(
        OTLP_URL, {"resourceSpans": []}, format="json", HTTP_X_LANGFUSE_INGESTION_VERSION=value
    )
    assert json_response.status_code == 400 and "x-langfuse-ingestion-version" in otlp_failure(json_response)[1]


@pytest.mark.django_db
def test_batch_ingestion_ignores_the_ingestion_version(api_client, project):
    response = api_client.post(
        "/api/public/ingestion",
        {"batch": [ingestion_event("e1", "trace-create", {"id": "t1"})]},
        format="json",
        HTTP_X_LANGFUSE_INGESTION_VERSION="9",
    )
    assert response.status_code == 207 and not response.json()["errors"]
