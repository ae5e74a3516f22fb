"""POST /api/public/otel/v1/traces: OTLP/HTTP protobuf and JSON, gzip, partial success, errors."""

import gzip
import json

import pytest
from google.rpc import code_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from observability.models import Observation, Trace
from tests.observability.factories import OTLP_START, OTLP_TRACE_ID, OTLP_URL, otlp_failure, otlp_request, otlp_span


def post(client, body, content_type="application/x-protobuf", **headers):
    return client.post(OTLP_URL, body, content_type=content_type, **headers)


@pytest.mark.django_db
def test_langfuse_attributes_map_and_unknown_ones_are_kept(api_client, project, model_prices):
    root = otlp_span(
        "00f067aa0ba902b7",
        "handler",
        attributes={
            "langfuse.observation.type": "agent",
            "langfuse.observation.input": json.dumps({"q": "hi"}),
            "langfuse.observation.output": "plain text",
            "langfuse.trace.name": "support",
            "user.id": "u1",
            "session.id": "s1",
            "langfuse.trace.tags": json.dumps(["a", "b"]),
            "langfuse.trace.public": True,
            "langfuse.trace.metadata.team": json.dumps("core"),
            "langfuse.environment": "production",
            "langfuse.release": "v1",
            "langfuse.version": "3",
            "http.route": "/chat",
        },
    )
    generation = otlp_span(
        "11f067aa0ba902b7",
        "llm",
        parent=bytes.fromhex("00f067aa0ba902b7"),
        attributes={
            "langfuse.observation.type": "generation",
            "langfuse.observation.model.name": "gpt-4o",
            "langfuse.observation.model.parameters": json.dumps({"temperature": 0}),
            "langfuse.observation.usage_details": json.dumps({"input": 10, "output": 5}),
            "langfuse.observation.completion_start_time": json.dumps("2025-11-23T10:00:00.500000Z"),
            "langfuse.observation.prompt.name": "p",
            "langfuse.observation.prompt.version": 2,
            "langfuse.observation.level": "WARNING",
            "langfuse.observation.status_message": "slow",
            "langfuse.observation.metadata.count": "3",
            "langfuse.observation.metadata.label": json.dumps("123"),
        },
    )
    response = post(api_client, otlp_request(root, generation))
    assert response.status_code == 200 and response["Content-Type"] == "application/x-protobuf"
    assert not ExportTraceServiceResponse.FromString(response.content).HasField("partial_success")

    trace = Trace.objects.get(project=project, id=OTLP_TRACE_ID.hex())
    assert (trace.name, trace.user_id, trace.session_id, trace.release) == ("support", "u1", "s1", "v1")
    assert trace.tags == ["a", "b"] and trace.public and trace.metadata == {"team": "core"}
    assert trace.environment == "production" and trace.input == {"q": "hi"} and trace.output == "plain text"
    assert trace.timestamp.isoformat() == "2025-11-23T10:00:00.123456+00:00"

    root_row = Observation.objects.get(project=project, id="00f067aa0ba902b7")
    assert root_row.type == "AGENT" and root_row.metadata["attributes"] == {"http.route": "/chat"}
    assert root_row.metadata["resourceAttributes"] == {"service.name": "svc"}
    assert root_row.version == "3"
    row = Observation.objects.get(project=project, id="11f067aa0ba902b7")
    assert row.parent_observation_id == "00f067aa0ba902b7" and row.trace_id == OTLP_TRACE_ID.hex()
    assert (row.type, row.model, row.level, row.status_message) == ("GENERATION", "gpt-4o", "WARNING", "slow")
    assert (row.prompt_name, row.prompt_version, row.model_parameters) == ("p", 2, {"temperature": 0})
    assert row.metadata["count"] == 3 and row.metadata["label"] == "123"
    assert row.completion_start_time.isoformat() == "2025-11-23T10:00:00.500000+00:00"
    assert row.total_cost is not None and row.usage_details["total"] == 15


@pytest.mark.django_db
def test_older_sdk_metadata_strings_decode_when_they_parse(api_client, project):
    """SDK 4.x sends string values raw: one that parses as JSON reads back decoded, as on Langfuse."""
    body = otlp_request(
        otlp_span(
            "22f067aa0ba902b7",
            attributes={
                "langfuse.observation.metadata.label": "123",
                "langfuse.observation.metadata.word": "hello",
                "langfuse.observation.metadata.obj": '{"a": 1}',
                "langfuse.observation.metadata.ratio": "0.5",
                "langfuse.observation.metadata.count": 4,
                "langfuse.observation.metadata.broken": '{"a": ',
            },
        ),
        scope=("langfuse-sdk", "4.18.0"),
    )
    assert post(api_client, body).status_code == 200
    metadata = Observation.objects.get(project=project).metadata
    assert (metadata["label"], metadata["word"], metadata["broken"]) == (123, "hello", '{"a": ')
    assert (metadata["obj"], metadata["ratio"], metadata["count"]) == ({"a": 1}, 0.5, 4)


@pytest.mark.django_db
def test_openinference_attributes(api_client, project):
    body = otlp_request(
        otlp_span(
            "33f067aa0ba902b7",
            "ChatCompletion",
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "claude-x",
                "input.value": json.dumps({"messages": []}),
                "input.mime_type": "application/json",
                "output.value": "hello",
                "llm.token_count.prompt": 12,
                "llm.token_count.completion": 3,
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "hi",
                "llm.invocation_parameters": json.dumps({"max_tokens": 5}),
                "metadata": json.dumps({"run": 1}),
                "tag.tags": ["x"],
            },
        ),
        scope=("openinference.instrumentation.openai", "0.1"),
    )
    assert post(api_client, body).status_code == 200
    row = Observation.objects.get(project=project)
    assert (row.type, row.model, row.input, row.output) == ("GENERATION", "claude-x", {"messages": []}, "hello")
    assert row.usage_details == {"input": 12, "output": 3, "total": 15}
    assert row.model_parameters == {"max_tokens": 5} and row.metadata["run"] == 1
    assert row.metadata["attributes"] == {
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "hi",
    }
    assert Trace.objects.get(project=project).tags == ["x"]


@pytest.mark.django_db
def test_legacy_gen_ai_prompt_attributes(api_client, project):
    body = otlp_request(
        otlp_span(
            "44f067aa0ba902b7",
            attributes={
                "gen_ai.request.model": "m",
                "gen_ai.prompt.0.role": "user",
                "gen_ai.prompt.0.content": "hi",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "yo",
                "gen_ai.usage.prompt_tokens": 4,
                "gen_ai.usage.completion_tokens": 2,
                "gen_ai.usage.cost": 0.25,
                "langfuse.observation.completion_start_time": "not a time",
            },
        ),
        scope=("opentelemetry.instrumentation.openai", "0.1"),
    )
    assert post(api_client, body).status_code == 200
    row = Observation.objects.get(project=project)
    assert row.input == [{"role": "user", "content": "hi"}] and row.output == [{"role": "assistant", "content": "yo"}]
    assert row.type == "GENERATION" and row.usage_details == {"input": 4, "output": 2, "total": 6}
    assert row.provided_cost_details == {"total": 0.25} and float(row.total_cost) == 0.25
    assert row.completion_start_time is None
    assert row.metadata["attributes"] == {"langfuse.observation.completion_start_time": "not a time"}


@pytest.mark.django_db
def test_json_encoding_and_partial_success(api_client, project):
    body = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                "scopeSpans": [
                    {
                        "scope": {"name": "x"},
                        "spans": [
                            {
                                "traceId": OTLP_TRACE_ID.hex(),
                                "spanId": "55f067aa0ba902b7",
                                "name": "ok",
                                "startTimeUnixNano": str(OTLP_START),
                                "endTimeUnixNano": str(OTLP_START + 1000),
                                "status": {"code": 2, "message": "boom"},
                                "attributes": [
                                    {"key": "n", "value": {"intValue": "7"}},
                                    {"key": "l", "value": {"arrayValue": {"values": [{"stringValue": "a"}]}}},
                                ],
                            },
                            {"traceId": "", "spanId": "66f067aa0ba902b7", "name": "bad"},
                        ],
                    }
                ],
            }
        ]
    }
    response = api_client.post(OTLP_URL, body, format="json")
    assert response.status_code == 200
    assert response.json()["partialSuccess"]["rejectedSpans"] == 1
    assert "traceId" in response.json()["partialSuccess"]["errorMessage"]
    row = Observation.objects.get(project=project)
    assert row.level == "ERROR" and row.status_message == "boom"
    assert row.metadata["attributes"] == {"n": 7, "l": ["a"]}


@pytest.mark.django_db
def test_protobuf_partial_success_and_gzip(api_client, project):
    body = otlp_request(otlp_span("77f067aa0ba902b7"), otlp_span("0000000000000000"))
    response = post(api_client, gzip.compress(body), HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 200
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 1 and "spanId" in partial.error_message
    assert list(Observation.objects.filter(project=project).values_list("id", flat=True)) == ["77f067aa0ba902b7"]


@pytest.mark.django_db
def test_repeated_export_is_idempotent(api_client, project):
    body = otlp_request(
        otlp_span("88f067aa0ba902b7"), otlp_span("99f067aa0ba902b7", parent=bytes.fromhex("88f067aa0ba902b7"))
    )
    for _ in range(3):
        assert post(api_client, body).status_code == 200
    assert Observation.objects.filter(project=project).count() == 2
    assert Trace.objects.filter(project=project).count() == 1


@pytest.mark.django_db
def test_request_errors_answer_a_status_in_the_requests_encoding(api_client, client, settings):
    response = post(api_client, b"\xff\xff\xff garbage")
    assert response.status_code == 400
    code, message = otlp_failure(response)
    assert code == code_pb2.INVALID_ARGUMENT and "protobuf" in message
    response = post(api_client, b"{bad", content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert otlp_failure(response)[0] == code_pb2.INVALID_ARGUMENT and "JSON" in otlp_failure(response)[1]
    response = post(api_client, b"x", content_type="text/plain")
    assert response.status_code == 415 and "Content-Type" in otlp_failure(response)[1]
    response = post(api_client, b"not gzip", HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 400 and "gzip" in otlp_failure(response)[1]
    response = post(api_client, b"x", HTTP_CONTENT_ENCODING="br")
    assert response.status_code == 415 and "Content-Encoding" in otlp_failure(response)[1]
    response = post(client, otlp_request(otlp_span("aaf067aa0ba902b7")))
    assert response.status_code == 401 and otlp_failure(response)[0] == code_pb2.UNAUTHENTICATED
    assert response["WWW-Authenticate"].startswith("Basic")
    response = api_client.post(OTLP_URL, {"resourceSpans": "no"}, format="json")
    assert response.status_code == 400 and "resourceSpans" in otlp_failure(response)[1]

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = post(api_client, otlp_request(otlp_span("bbf067aa0ba902b7", attributes={"x": "y" * 200_000})))
    assert response.status_code == 413 and "larger than" in otlp_failure(response)[1]
    bomb = gzip.compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    response = post(api_client, bomb, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 413 and "larger than" in otlp_failure(response)[1]


@pytest.mark.django_db
def test_spans_land_in_the_keys_project_only(api_client, other_client, project, other_project):
    body = otlp_request(otlp_span("ccf067aa0ba902b7"))
    post(api_client, body)
    post(other_client, body)
    assert Observation.objects.filter(project=project).count() == 1
    assert Observation.objects.filter(project=other_project).count() == 1


@pytest.mark.django_db
def test_export_writes_a_bounded_number_of_queries(api_client, django_assert_max_num_queries):
    spans = [
        otlp_span(f"{i + 1:016x}", attributes={"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": i})
        for i in range(100)
    ]
    with django_assert_max_num_queries(11):  # 10, and the rollup hours it marks
        assert post(api_client, otlp_request(*spans)).status_code == 200


@pytest.mark.django_db
def test_explicit_trace_io_of_sdk_v4_wins_over_the_root_span(api_client, project):
    root = otlp_span("dd0067aa0ba902b7", "root", attributes={"langfuse.observation.input": "span-in"})
    child = otlp_span(
        "ee0067aa0ba902b7",
        "child",
        parent=bytes.fromhex("dd0067aa0ba902b7"),
        attributes={"langfuse.trace.input": json.dumps({"trace": "in"}), "langfuse.trace.output": "done"},
    )
    assert post(api_client, otlp_request(root, child, scope=("langfuse-sdk", "4.18.0"))).status_code == 200
    trace = Trace.objects.get(project=project)
    assert (trace.name, trace.input, trace.output) == ("root", {"trace": "in"}, "done")


@pytest.mark.django_db
def test_vercel_ai_sdk_attributes(api_client, project):
    body = otlp_request(
        otlp_span(
            "ff0067aa0ba902b7",
            "ai.generateText.doGenerate",
            attributes={
                "ai.model.id": "gpt-4o",
                "ai.model.provider": "openai.chat",
                "ai.prompt.messages": json.dumps([{"role": "user", "content": "hi"}]),
                "ai.response.text": "hello",
                "ai.usage.promptTokens": 7,
                "ai.usage.completionTokens": 3,
            },
        ),
        scope=("ai", "4.0.0"),
    )
    assert post(api_client, body).status_code == 200
    row = Observation.objects.get(project=project)
    assert (row.type, row.model, row.input, row.output) == (
        "GENERATION",
        "gpt-4o",
        [{"role": "user", "content": "hi"}],
        "hello",
    )
    assert row.usage_details == {"input": 7, "output": 3, "total": 10}
    assert row.metadata["attributes"] == {"ai.model.provider": "openai.chat"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "damage,why",
    [
        (lambda body: body[:-8] + bytes([body[-8] ^ 1]) + body[-7:], "incorrect data check"),
        (lambda body: body[:-4] + (len(body) + 1).to_bytes(4, "little"), "incorrect length check"),
        (lambda body: body[:10], "truncated"),
        (lambda body: body[:-3], "truncated"),
    ],
    ids=["bad-crc", "bad-length", "header-only", "trailer-cut"],
)
def test_a_damaged_gzip_body_is_400_and_stores_nothing(api_client, damage, why):
    body = damage(gzip.compress(otlp_request(otlp_span("eef067aa0ba902b7"))))
    response = post(api_client, body, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 400
    assert why in otlp_failure(response)[1]
    assert not Observation.objects.exists()


@pytest.mark.django_db
def test_concatenated_gzip_members_are_one_body(api_client):
    body = otlp_request(otlp_span("fff067aa0ba902b7"))
    middle = len(body) // 2
    response = post(
        api_client, gzip.compress(body[:middle]) + gzip.compress(body[middle:]), HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 200
    assert Observation.objects.filter(id="fff067aa0ba902b7").exists()
