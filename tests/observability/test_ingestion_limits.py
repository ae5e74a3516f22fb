"""The input limits at ingestion: each value that could break a read is its own event's or span's error.

Batch ingestion answers 207 with the event in `errors` (400, naming the field) and its neighbours
stored; OTLP answers a partial success naming the span and the field, the other spans stored; and
whatever was stored reads back.
"""

import json

import pytest
from google.rpc import code_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from evals.models import Score
from observability.models import Observation, Trace
from tests.observability.factories import (
    EVENT_TIME,
    OTLP_START,
    OTLP_URL,
    ingestion_event,
    otlp_failure,
    otlp_request,
    otlp_span,
    post_batch,
)

DEEP = json.loads("[" * 300 + "]" * 300)


def errors_of(response) -> dict[str, dict]:
    assert response.status_code == 207, response.content
    return {error["id"]: error for error in response.json()["errors"]}


REFUSED_EVENTS = [
    ("deep-input", "span-create", {"id": "o", "input": DEEP}, "body.input is nested deeper than 100"),
    ("deep-params", "generation-create", {"id": "o", "modelParameters": {"a": DEEP}}, "body.modelParameters"),
    ("offset", "trace-create", {"id": "t", "timestamp": "9999-12-31T23:59:59-05:00"}, "body.timestamp must lie"),
    ("early", "span-create", {"id": "o", "startTime": "1969-12-31T23:59:59Z"}, "body.startTime must lie"),
    ("feb-30", "span-create", {"id": "o", "endTime": "2026-02-30T00:00:00Z"}, "body.endTime must be an ISO"),
    ("huge-cost", "generation-create", {"id": "o", "costDetails": {"input": 1e300}}, "body.costDetails.input"),
    ("legacy-cost", "generation-create", {"id": "o", "usage": {"totalCost": 1e300}}, "body.usage.total"),
    ("minus-cost", "generation-create", {"id": "o", "costDetails": {"total": -1}}, "body.costDetails.total"),
    ("text-cost", "generation-create", {"id": "o", "costDetails": {"total": "1"}}, "body.costDetails.total"),
    ("minus-usage", "generation-create", {"id": "o", "usageDetails": {"input": -5}}, "body.usageDetails.input"),
    ("fraction", "generation-create", {"id": "o", "usageDetails": {"input": 1.5}}, "body.usageDetails.input"),
    ("too-big", "generation-create", {"id": "o", "usageDetails": {"input": 2**63}}, "body.usageDetails.input"),
    ("text-usage", "generation-create", {"id": "o", "usageDetails": {"input": "5"}}, "body.usageDetails.input"),
    (
        "overflowing-sum",
        "generation-create",
        {"id": "o", "usageDetails": {"input": 2**63 - 1, "output": 1}},
        "body.usageDetails adds up to more than",
    ),
    (
        "detail",
        "generation-create",
        {"id": "o", "usageDetails": {"prompt_tokens": 5, "prompt_tokens_details": {"cached": -1}}},
        "body.usageDetails.prompt_tokens_details.cached",
    ),
    ("long-name", "trace-create", {"id": "t", "name": "n" * 1001}, "body.name is longer than 1000 characters"),
    ("long-env", "span-create", {"id": "o", "environment": "e" * 256}, "body.environment is longer than 255"),
    ("long-parent", "span-create", {"id": "o", "parentObservationId": "p" * 256}, "body.parentObservationId"),
    ("newline-id", "trace-create", {"id": "t\n1"}, "body.id must not contain a line break"),
    ("newline-session", "trace-create", {"id": "t", "sessionId": "s\n"}, "body.sessionId must not contain a line"),
    ("newline-trace", "span-create", {"id": "o", "traceId": "t\n"}, "body.traceId must not contain a line break"),
    ("nul-user", "trace-create", {"id": "t", "userId": "a\x00b"}, "body.userId must not contain a NUL"),
    ("nul-status", "span-create", {"id": "o", "statusMessage": "\x00"}, "body.statusMessage must not contain"),
    (
        "backwards",
        "span-create",
        {"id": "o", "startTime": "2026-11-23T10:00:02Z", "endTime": "2026-11-23T10:00:01Z"},
        "body.endTime must not be before body.startTime",
    ),
    (
        "score-feb-30",
        "score-create",
        {"traceId": "t", "name": "q", "value": 1, "timestamp": "2026-02-30T00:00:00Z"},
        "timestamp",
    ),
    (
        "score-offset",
        "score-create",
        {"traceId": "t", "name": "q", "value": 1, "timestamp": "9999-12-31T23:59:59-05:00"},
        "timestamp: ",
    ),
    ("score-name", "score-create", {"traceId": "t", "name": "q" * 1001, "value": 1}, "name: is longer than 1000"),
    ("score-id", "score-create", {"traceId": "t" * 256, "name": "q", "value": 1}, "traceId: is longer than 255"),
    ("score-nul", "score-create", {"traceId": "t", "name": "q", "value": "a\x00"}, "value: must not contain a NUL"),
    ("score-meta", "score-create", {"traceId": "t", "name": "q", "value": 1, "metadata": DEEP}, "metadata: is nested"),
    (
        "score-meta-nul",
        "score-create",
        {"traceId": "t", "name": "q", "value": 1, "metadata": {"a": "\x00"}},
        "metadata: must not contain a NUL",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event_id", "event_type", "body", "message"), REFUSED_EVENTS, ids=[c[0] for c in REFUSED_EVENTS]
)
def test_a_value_past_a_limit_is_its_events_error_and_the_neighbours_are_stored(
    api_client, project, event_id, event_type, body, message
):
    response = post_batch(
        api_client,
        ingestion_event("before", "trace-create", {"id": "good-trace", "name": "kept"}),
        ingestion_event(event_id, event_type, body),
        ingestion_event("after", "span-create", {"id": "good-span", "traceId": "good-trace", "startTime": EVENT_TIME}),
        ingestion_event(
            "score", "score-create", {"id": "good-score", "traceId": "good-trace", "name": "q", "value": 1}
        ),
    )
    errors = errors_of(response)
    assert set(errors) == {event_id}
    assert errors[event_id]["status"] == 400 and message in errors[event_id]["message"], errors[event_id]
    assert {s["id"] for s in response.json()["successes"]} == {"before", "after", "score"}
    assert Trace.objects.get(project=project, id="good-trace").name == "kept"
    assert list(Observation.objects.filter(project=project).values_list("id", flat=True)) == ["good-span"]
    assert list(Score.objects.filter(project=project).values_list("id", flat=True)) == ["good-score"]
    for path in ("/api/public/traces", "/api/public/observations", "/api/public/traces/good-trace"):
        assert api_client.get(path).status_code == 200


@pytest.mark.django_db
def test_values_at_the_limits_are_accepted_and_read_back(api_client, project):
    at_depth = json.loads("[" * 100 + "]" * 100)
    response = post_batch(
        api_client,
        ingestion_event(
            "edge",
            "generation-create",
            {
                "id": "edge",
                "name": "n" * 1000,
                "input": at_depth,
                "startTime": "9999-12-29T23:00:00-01:00",
                "usageDetails": {"input": 2**62, "output": 2**62 - 1, "cached": None},
                "costDetails": {"total": 999_999_999_999.5, "input": None},
            },
        ),
    )
    assert errors_of(response) == {}
    row = Observation.objects.get(project=project, id="edge")
    assert row.total_tokens == 2**63 - 1 and row.start_time.isoformat() == "9999-12-30T00:00:00+00:00"
    assert api_client.get("/api/public/observations/edge").status_code == 200


@pytest.mark.django_db
def test_a_computed_cost_past_the_money_columns_is_left_unpriced(api_client, project, model_prices):
    response = post_batch(
        api_client,
        ingestion_event("e", "generation-create", {"id": "g", "model": "gpt-4o", "usageDetails": {"input": 2**62}}),
    )
    assert errors_of(response) == {}
    row = Observation.objects.get(project=project, id="g")
    assert row.total_tokens == 2**62 and row.total_cost is None
    assert api_client.get("/api/public/observations/g").status_code == 200


SPAN = "00f067aa0ba902b7"
REFUSED_SPANS = [
    ({"end": 1000}, "endTimeUnixNano must not be before startTimeUnixNano"),
    ({"attributes": {"langfuse.observation.input": json.dumps(DEEP)}}, "input is nested deeper than 100"),
    ({"attributes": {"langfuse.trace.metadata": json.dumps({"a": DEEP})}}, "traceMetadata is nested"),
    ({"attributes": {"gen_ai.usage.input_tokens": -3}}, "gen_ai.usage.input_tokens must be from 0"),
    ({"attributes": {"gen_ai.usage.output_tokens": 2.5}}, "gen_ai.usage.output_tokens must be a whole number"),
    ({"attributes": {"gen_ai.usage.output_tokens": "many"}}, "gen_ai.usage.output_tokens must be a whole number"),
    ({"attributes": {"gen_ai.usage.cost": 1e300}}, "gen_ai.usage.cost must be a number from 0"),
    (
        {"attributes": {"langfuse.observation.cost_details": json.dumps({"input": -1})}},
        "langfuse.observation.cost_details.input",
    ),
    (
        {"attributes": {"langfuse.observation.usage_details": json.dumps({"input": 2**63})}},
        "langfuse.observation.usage_details.input",
    ),
    ({"attributes": {"session.id": "s" * 1001}}, "sessionId is longer than 1000 characters"),
    ({"attributes": {"langfuse.environment": "e" * 256}}, "environment is longer than 255"),
    ({"attributes": {"user.id": "a\x00b"}}, "userId must not contain a NUL"),
    ({"attributes": {"session.id": "a\nb"}}, "sessionId must not contain a line break"),
    ({"name": "n" * 1001}, "name is longer than 1000 characters"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "message"), REFUSED_SPANS, ids=[m for _, m in REFUSED_SPANS])
def test_a_span_past_a_limit_is_rejected_in_the_partial_success(api_client, project, change, message):
    bad = otlp_span(
        SPAN,
        change.get("name", "s"),
        attributes=change.get("attributes"),
        start=OTLP_START,
        end=OTLP_START - change["end"] if "end" in change else OTLP_START + 1,
    )
    body = otlp_request(bad, otlp_span("11f067aa0ba902b7", "kept"))
    response = api_client.post(OTLP_URL, body, content_type="application/x-protobuf")
    assert response.status_code == 200
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 1 and f"span {SPAN}" in partial.error_message
    assert message in partial.error_message, partial.error_message
    assert list(Observation.objects.filter(project=project).values_list("id", flat=True)) == ["11f067aa0ba902b7"]
    assert api_client.get("/api/public/traces").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "message"),
    [
        (1e30, "startTimeUnixNano must lie between"),
        ("1" + "0" * 30, "startTimeUnixNano must lie between"),
        ("soon", "startTimeUnixNano must be a whole number"),
        (-5, "startTimeUnixNano must lie between"),
    ],
)
def test_an_otlp_json_start_time_out_of_range_rejects_that_span(api_client, project, start, message):
    def json_span(span_id, start_time):
        return {
            "traceId": "0af7651916cd43dd8448eb211c80319c",
            "spanId": span_id,
            "name": "s",
            "startTimeUnixNano": start_time,
            "endTimeUnixNano": "1763892000123456789",
            "events": [{"name": "e", "timeUnixNano": "1763892000123456789"}],
        }

    payload = {
        "resourceSpans": [
            {"scopeSpans": [{"spans": [json_span(SPAN, start), json_span("11f067aa0ba902b7", "1763892000000000000")]}]}
        ]
    }
    response = api_client.post(OTLP_URL, payload, format="json")
    assert response.status_code == 200, response.content
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == 1 and message in partial["errorMessage"] and SPAN in partial["errorMessage"]
    assert list(Observation.objects.filter(project=project).values_list("id", flat=True)) == ["11f067aa0ba902b7"]
    assert api_client.get("/api/public/observations/11f067aa0ba902b7").status_code == 200


@pytest.mark.django_db
def test_an_event_time_out_of_range_rejects_its_span(api_client, project):
    payload = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "0af7651916cd43dd8448eb211c80319c",
                                "spanId": SPAN,
                                "startTimeUnixNano": "1763892000123456789",
                                "events": [{"name": "e", "timeUnixNano": 1e30}],
                            }
                        ]
                    }
                ]
            }
        ]
    }
    response = api_client.post(OTLP_URL, payload, format="json")
    assert "events.0.timeUnixNano" in response.json()["partialSuccess"]["errorMessage"]
    assert not Observation.objects.filter(project=project).exists()


@pytest.mark.django_db
def test_spans_past_the_cap_answer_413_naming_it_in_the_requests_encoding(api_client, project, settings):
    settings.AISTRALE_MAX_SPANS_PER_REQUEST = 2
    spans = [otlp_span(f"{index:02x}f067aa0ba902b7") for index in range(1, 4)]
    response = api_client.post(OTLP_URL, otlp_request(*spans), content_type="application/x-protobuf")
    assert response.status_code == 413
    code, message = otlp_failure(response)
    assert code == code_pb2.INVALID_ARGUMENT
    assert "3 spans" in message and "2 allowed" in message and "AISTRALE_MAX_SPANS_PER_REQUEST" in message
    payload = {"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": str(i)} for i in range(3)]}]}]}
    response = api_client.post(OTLP_URL, payload, format="json")
    assert response.status_code == 413 and "AISTRALE_MAX_SPANS_PER_REQUEST" in otlp_failure(response)[1]
    assert not Observation.objects.filter(project=project).exists()
    response = api_client.post(OTLP_URL, otlp_request(*spans[:2]), content_type="application/x-protobuf")
    assert response.status_code == 200 and Observation.objects.filter(project=project).count() == 2


@pytest.mark.django_db
def test_events_past_the_cap_answer_413_naming_it(api_client, project, settings):
    settings.AISTRALE_MAX_EVENTS_PER_BATCH = 2
    events = [ingestion_event(f"e{index}", "trace-create", {"id": f"t{index}"}) for index in range(3)]
    response = post_batch(api_client, *events)
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "PayloadTooLargeError"
    assert "3 events" in body["message"] and "2 allowed" in body["message"]
    assert "AISTRALE_MAX_EVENTS_PER_BATCH" in body["message"]
    assert not Trace.objects.filter(project=project).exists()
    assert errors_of(post_batch(api_client, *events[:2])) == {}
