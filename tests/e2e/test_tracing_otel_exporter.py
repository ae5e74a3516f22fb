"""The OpenTelemetry SDK's OTLP/HTTP exporter with GenAI semantic-convention attributes, against a live server."""

import json
from decimal import Decimal

import pytest
import requests
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from observability.models import Observation, Trace
from tests.clients import basic_auth


@pytest.fixture
def tracer(live_server, key_pair, model_prices):
    exporter = OTLPSpanExporter(
        endpoint=f"{live_server.url}/api/public/otel/v1/traces",
        headers={"Authorization": basic_auth(*key_pair)},
        compression=Compression.Gzip,
    )
    provider = TracerProvider(
        resource=Resource.create({"service.name": "chat-api", "deployment.environment": "staging"})
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("my.instrumentation", "1.2.3")
    provider.shutdown()


@pytest.mark.django_db(transaction=True)
def test_genai_spans_map_onto_trace_and_generation(tracer, project, live_server, key_pair):
    with tracer.start_as_current_span(
        "invoke_agent support", attributes={"gen_ai.operation.name": "invoke_agent"}
    ) as root:
        root.set_attribute("session.id", "conv-1")
        root.set_attribute("user.id", "alice")
        root.set_attribute("custom.flag", True)
        with tracer.start_as_current_span("chat gpt-4o-mini") as llm:
            llm.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.system": "openai",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.request.temperature": 0.3,
                    "gen_ai.request.max_tokens": 256,
                    "gen_ai.usage.input_tokens": 2000,
                    "gen_ai.usage.output_tokens": 500,
                    "gen_ai.input.messages": json.dumps([{"role": "user", "content": "hello"}]),
                    "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": "hi!"}]),
                }
            )
        with tracer.start_as_current_span(
            "execute_tool lookup", attributes={"gen_ai.operation.name": "execute_tool"}
        ) as tool:
            tool.set_status(Status(StatusCode.ERROR, "lookup failed"))
        trace_id = format(root.get_span_context().trace_id, "032x")

    observations = {o.name: o for o in Observation.objects.filter(project=project, trace_id=trace_id)}
    assert set(observations) == {"invoke_agent support", "chat gpt-4o-mini", "execute_tool lookup"}
    agent = observations["invoke_agent support"]
    generation = observations["chat gpt-4o-mini"]
    tool = observations["execute_tool lookup"]
    assert agent.type == "AGENT" and agent.parent_observation_id is None
    assert generation.parent_observation_id == agent.id == format(root.get_span_context().span_id, "016x")
    assert generation.type == "GENERATION" and generation.model == "gpt-4o-mini"
    assert generation.model_parameters == {"temperature": 0.3, "max_tokens": 256}
    assert generation.usage_details == {"input": 2000, "output": 500, "total": 2500}
    assert generation.total_cost == Decimal("0.0006")  # 2000 * 0.15/M + 500 * 0.6/M
    assert generation.input == [{"role": "user", "content": "hello"}]
    assert generation.output == [{"role": "assistant", "content": "hi!"}]
    assert generation.metadata["attributes"]["gen_ai.system"] == "openai"
    assert generation.metadata["resourceAttributes"]["service.name"] == "chat-api"
    assert generation.metadata["scope"] == {"name": "my.instrumentation", "version": "1.2.3"}
    assert generation.environment == "staging"
    assert tool.type == "TOOL" and tool.level == "ERROR" and tool.status_message == "lookup failed"

    trace = Trace.objects.get(project=project, id=trace_id)
    assert (trace.name, trace.user_id, trace.session_id) == ("invoke_agent support", "alice", "conv-1")
    assert trace.timestamp == agent.start_time and trace.environment == "staging"
    assert agent.metadata["attributes"]["custom.flag"] is True

    response = requests.get(f"{live_server.url}/api/public/traces/{trace_id}", auth=key_pair, timeout=10)
    assert response.status_code == 200, response.text
    read = response.json()
    assert read["userId"] == "alice" and read["totalCost"] == pytest.approx(0.0006)
    assert {o["id"]: o["parentObservationId"] for o in read["observations"]}[generation.id] == agent.id
