"""Property: whatever ingestion accepts reads back through every read endpoint with a 200.

Hypothesis generates batch events (trace, span/generation/event create and update, score-create)
and OTLP spans with arbitrary values, times, usage, costs and attributes, including values past the
limits. Each request must answer without a server error, and afterwards every list and detail read
of the project must answer 200. Examples accumulate in one database, so a value that poisons a later
read is caught too. Derandomized, no example database: the same examples on every run.
"""

import json
from datetime import datetime, timedelta
from datetime import timezone as fixed_offset
from urllib.parse import quote

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observability.models import Observation, Session, Trace
from tests.observability.factories import OTLP_URL, otlp_request, otlp_span

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=timedelta(seconds=10),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIST_READS = (
    "/api/public/traces",
    "/api/public/traces?fields=core,io,scores,observations,metrics",
    "/api/public/observations",
    "/api/public/v2/observations",
    "/api/public/v2/observations?fields=core,basic,time,io,metadata,model,usage,prompt,metrics,trace_context",
    "/api/public/sessions",
)

texts = st.text(max_size=12) | st.sampled_from(["", "a\x00b", "x" * 1001, "e" * 256, "gpt-4o", "s1"])
ids = st.sampled_from(["a", "b", "c", "x" * 256, "s\x00", ""]) | st.none()
deep = st.integers(min_value=95, max_value=105).map(lambda depth: json.loads("[" * depth + "]" * depth))
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=8,
)
json_values = json_values | deep
offsets = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)).map(
    lambda delta: fixed_offset(timedelta(minutes=delta // timedelta(minutes=1)))
)
timestamps = (
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=offsets).map(
        datetime.isoformat
    )
    | st.sampled_from(["2026-02-30T00:00:00Z", "9999-12-31T23:59:59-05:00", "1970-01-01T00:00:00Z", "soon"])
    | st.none()
)
numbers = (
    st.integers(min_value=-10, max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([None, "5", 2**63 - 1, 1e300])
)
usage = st.dictionaries(st.sampled_from(["input", "output", "total", "cached", "prompt_tokens"]), numbers, max_size=3)
costs = st.dictionaries(st.sampled_from(["input", "output", "total"]), numbers, max_size=2)


def _body(draw_keys: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional=draw_keys)


trace_bodies = _body(
    {
        "id": ids,
        "name": texts,
        "timestamp": timestamps,
        "userId": texts,
        "sessionId": ids,
        "release": texts,
        "environment": texts,
        "input": json_values,
        "output": json_values,
        "metadata": json_values,
        "tags": st.lists(texts, max_size=3),
        "public": st.booleans(),
    }
)
observation_bodies = _body(
    {
        "id": ids,
        "traceId": ids,
        "parentObservationId": ids,
        "name": texts,
        "startTime": timestamps,
        "endTime": timestamps,
        "completionStartTime": timestamps,
        "input": json_values,
        "output": json_values,
        "metadata": json_values,
        "level": st.sampled_from(["DEBUG", "DEFAULT", "WARNING", "ERROR"]),
        "statusMessage": texts,
        "model": st.sampled_from(["gpt-4o", "gpt-4o-mini", "unknown"]) | texts,
        "modelParameters": st.dictionaries(texts, json_values, max_size=2),
        "usageDetails": usage,
        "costDetails": costs,
        "usage": usage,
        "promptName": texts,
        "promptVersion": st.integers(min_value=-1, max_value=2**31),
    }
)
score_bodies = _body(
    {
        "id": ids,
        "traceId": ids,
        "sessionId": ids,
        "name": texts,
        "value": numbers | texts,
        "timestamp": timestamps,
        "comment": texts,
        "metadata": json_values,
        "dataType": st.sampled_from(["NUMERIC", "CATEGORICAL", "BOOLEAN"]),
    }
)
events = st.one_of(
    st.tuples(st.just("trace-create"), trace_bodies),
    st.tuples(
        st.sampled_from(["span-create", "span-update", "generation-create", "generation-update", "event-create"]),
        observation_bodies,
    ),
    st.tuples(st.just("score-create"), score_bodies),
)
batches = st.lists(st.tuples(events, timestamps), min_size=1, max_size=5)


def assert_every_read_answers(client, project, since) -> None:
    """Every list read, and the detail read of each trace, observation and session written since `since`."""
    for path in LIST_READS:
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:500])
    written = [
        ("traces", Trace.objects.filter(project=project, updated_at__gte=since)),
        ("observations", Observation.objects.filter(project=project, updated_at__gte=since)),
        ("sessions", Session.objects.filter(project=project, created_at__gte=since)),
    ]
    for kind, rows in written:
        for object_id in rows.values_list("id", flat=True):
            response = client.get(f"/api/public/{kind}/{quote(object_id, safe='')}")
            assert response.status_code == 200, (kind, object_id, response.content[:500])


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(batch=batches)
def test_whatever_batch_ingestion_accepts_reads_back(api_client, project, model_prices, batch):
    payload = [
        {"id": f"event-{index}", "type": event_type, "timestamp": timestamp, "body": body}
        for index, ((event_type, body), timestamp) in enumerate(batch)
    ]
    since = timezone.now()
    response = api_client.post("/api/public/ingestion", {"batch": payload}, format="json")
    assert response.status_code == 207, response.content[:500]
    answered = response.json()
    assert len(answered["successes"]) + len(answered["errors"]) == len(payload)
    assert all(error["status"] == 400 and error["message"] for error in answered["errors"])
    assert_every_read_answers(api_client, project, since)


attribute_keys = (
    st.sampled_from(
        [
            "langfuse.observation.type",
            "langfuse.observation.input",
            "langfuse.observation.output",
            "langfuse.observation.metadata",
            "langfuse.observation.usage_details",
            "langfuse.observation.cost_details",
            "langfuse.observation.completion_start_time",
            "langfuse.observation.model.name",
            "langfuse.observation.prompt.version",
            "langfuse.trace.name",
            "langfuse.trace.input",
            "langfuse.trace.metadata",
            "langfuse.trace.tags",
            "langfuse.environment",
            "session.id",
            "user.id",
            "gen_ai.request.model",
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.cost",
            "gen_ai.usage.cache_read",
            "gen_ai.prompt.0.content",
            "input.value",
            "metadata",
        ]
    )
    | texts
)
attribute_values = (
    texts
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.booleans()
    | json_values.map(json.dumps)
    | st.lists(st.integers(min_value=-5, max_value=5), max_size=3)
)
nanos = st.integers(min_value=0, max_value=2**64 - 1) | st.integers(
    min_value=1_700_000_000 * 10**9, max_value=1_800_000_000 * 10**9
)
spans = st.fixed_dictionaries(
    {
        "span_id": st.sampled_from(["00f067aa0ba902b7", "11f067aa0ba902b7", "22f067aa0ba902b7", "0000000000000000"]),
        "parent": st.sampled_from([b"", bytes.fromhex("00f067aa0ba902b7")]),
        "trace_id": st.sampled_from([bytes.fromhex("0af7651916cd43dd8448eb211c80319c"), bytes(16), b"\x01" * 16]),
        "name": texts,
        "start": nanos,
        "end": nanos,
        "attributes": st.dictionaries(attribute_keys, attribute_values, max_size=5),
    }
)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(exported=st.lists(spans, min_size=1, max_size=4))
def test_whatever_otlp_accepts_reads_back(api_client, project, model_prices, exported):
    body = otlp_request(*[otlp_span(**arguments) for arguments in exported])
    since = timezone.now()
    response = api_client.post(OTLP_URL, body, content_type="application/x-protobuf")
    assert response.status_code == 200, response.content[:500]
    assert_every_read_answers(api_client, project, since)
