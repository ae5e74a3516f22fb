"""Trace attributes set on any span win over values derived from the root span, in any arrival order.

The root span's name, input and output and the resource's service.version only fill a trace column
no explicit value (langfuse.trace.*, a trace-create event) was written to: in one request, across
requests, from OTLP and from batch ingestion.
"""

import itertools
import json

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from observability.models import Trace
from observability.models.traces import DerivedField
from tests.observability.factories import (
    OTLP_TRACE_ID,
    OTLP_URL,
    ingestion_event,
    otlp_request,
    otlp_span,
    post_batch,
)

ROOT_ID, CHILD_ID, GRANDCHILD_ID = "a1f067aa0ba902b7", "b2f067aa0ba902b7", "c3f067aa0ba902b7"


def root(**attributes):
    return otlp_span(ROOT_ID, "root-function", attributes={"langfuse.observation.input": '{"q": 1}', **attributes})


def child(**attributes):
    return otlp_span(CHILD_ID, "nested-function", parent=bytes.fromhex(ROOT_ID), attributes=attributes)


def explicit_child():
    return child(
        **{
            "langfuse.trace.name": "explicit-name",
            "user.id": "u-nested",
            "session.id": "s-nested",
            "langfuse.trace.tags": json.dumps(["nested"]),
            "langfuse.trace.metadata.team": json.dumps("core"),
            "langfuse.trace.public": True,
            "langfuse.release": "r-nested",
            "langfuse.version": "v-nested",
            "langfuse.trace.input": '{"explicit": true}',
        }
    )


def post_otlp(client, *spans, resource=None):
    response = client.post(OTLP_URL, otlp_request(*spans, resource=resource), content_type="application/x-protobuf")
    assert response.status_code == 200, response.content


def stored(project) -> Trace:
    return Trace.objects.get(project=project, id=OTLP_TRACE_ID.hex())


def assert_explicit(trace: Trace) -> None:
    assert (trace.name, trace.user_id, trace.session_id) == ("explicit-name", "u-nested", "s-nested")
    assert (trace.tags, trace.metadata, trace.public) == (["nested"], {"team": "core"}, True)
    assert (trace.release, trace.version, trace.input) == ("r-nested", "v-nested", {"explicit": True})
    assert trace.output is None
    assert trace.derived_fields == 0


@pytest.mark.django_db
@pytest.mark.parametrize("root_first", [True, False], ids=["root-first", "nested-first"])
def test_nested_trace_attributes_win_in_one_request(api_client, project, root_first):
    spans = [root(), explicit_child()]
    post_otlp(api_client, *(spans if root_first else spans[::-1]), resource={"service.version": "svc-1"})
    assert_explicit(stored(project))


@pytest.mark.django_db
@pytest.mark.parametrize("root_first", [True, False], ids=["root-first", "nested-first"])
def test_nested_trace_attributes_win_across_requests(api_client, project, root_first):
    spans = [root(), explicit_child()]
    for span in spans if root_first else spans[::-1]:
        post_otlp(api_client, span, resource={"service.version": "svc-1"})
    assert_explicit(stored(project))


@pytest.mark.django_db
def test_root_values_are_the_fallback_when_nothing_is_explicit(api_client, project):
    post_otlp(api_client, child(), resource={"service.version": "svc-1"})
    trace = stored(project)
    assert (trace.name, trace.release, trace.input) == (None, "svc-1", None)
    assert trace.derived_fields == DerivedField.RELEASE

    post_otlp(api_client, root(), resource={"service.version": "svc-1"})
    trace = stored(project)
    assert (trace.name, trace.release, trace.input) == ("root-function", "svc-1", {"q": 1})
    assert trace.derived_fields == DerivedField.NAME | DerivedField.RELEASE | DerivedField.INPUT


@pytest.mark.django_db
def test_a_later_derived_value_replaces_an_earlier_derived_one(api_client, project):
    post_otlp(api_client, otlp_span(ROOT_ID, "first-name"))
    post_otlp(api_client, otlp_span(ROOT_ID, "renamed"))
    assert stored(project).name == "renamed"


@pytest.mark.django_db
def test_the_latest_explicit_name_wins_and_the_root_name_never_returns(api_client, project):
    post_otlp(api_client, child(**{"langfuse.trace.name": "first"}))
    post_otlp(api_client, root())
    post_otlp(
        api_client,
        otlp_span(
            GRANDCHILD_ID, "deeper", parent=bytes.fromhex(CHILD_ID), attributes={"langfuse.trace.name": "second"}
        ),
    )
    post_otlp(api_client, root())
    trace = stored(project)
    assert trace.name == "second" and trace.input == {"q": 1}
    assert trace.derived_fields == DerivedField.INPUT


@pytest.mark.django_db
def test_root_span_own_trace_name_is_explicit(api_client, project):
    post_otlp(api_client, root(**{"langfuse.trace.name": "set-on-root"}))
    post_otlp(api_client, otlp_span(ROOT_ID, "root-again"))
    assert stored(project).name == "set-on-root"


@pytest.mark.django_db
def test_every_arrival_order_of_three_spans_in_separate_requests(api_client, project):
    spans = {
        "root": root(),
        "child": child(**{"langfuse.trace.name": "explicit-name", "user.id": "u"}),
        "other": otlp_span(GRANDCHILD_ID, "sibling", parent=bytes.fromhex(ROOT_ID)),
    }
    for order in itertools.permutations(spans):
        Trace.objects.filter(project=project).delete()
        for key in order:
            post_otlp(api_client, spans[key])
        trace = stored(project)
        assert (trace.name, trace.user_id, trace.input) == ("explicit-name", "u", {"q": 1}), order


@pytest.mark.django_db
@pytest.mark.parametrize("batch_first", [True, False], ids=["trace-create-first", "otlp-root-first"])
def test_batch_trace_create_beats_a_derived_root_name(api_client, project, batch_first):
    trace_create = ingestion_event(
        "e1", "trace-create", {"id": OTLP_TRACE_ID.hex(), "name": "from-batch", "input": {"batch": 1}}
    )

    def send_batch():
        response = post_batch(api_client, trace_create)
        assert response.status_code == 207 and not response.json()["errors"], response.content

    if batch_first:
        send_batch()
        post_otlp(api_client, root())
    else:
        post_otlp(api_client, root())
        send_batch()
    trace = stored(project)
    assert (trace.name, trace.input, trace.derived_fields) == ("from-batch", {"batch": 1}, 0)


@pytest.mark.django_db
def test_batch_trace_create_in_any_event_order(api_client, project):
    """Batch events carry only explicit values: the later trace-create's fields win, unset ones are kept."""
    first = ingestion_event("e1", "trace-create", {"id": "t1", "name": "a", "userId": "u"}, "2026-01-01T00:00:01Z")
    second = ingestion_event("e2", "trace-create", {"id": "t1", "name": "b"}, "2026-01-01T00:00:02Z")
    response = post_batch(api_client, second, first)
    assert response.status_code == 207 and not response.json()["errors"]
    trace = Trace.objects.get(project=project, id="t1")
    assert (trace.name, trace.user_id, trace.derived_fields) == ("b", "u", 0)


@pytest.mark.django_db
def test_explicit_name_that_breaks_a_limit_rejects_the_span(api_client, project):
    body = otlp_request(child(**{"langfuse.trace.name": "x" * 1001}), root())
    response = api_client.post(OTLP_URL, body, content_type="application/x-protobuf")
    assert response.status_code == 200
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 1 and "traceName" in partial.error_message
    assert stored(project).name == "root-function"
