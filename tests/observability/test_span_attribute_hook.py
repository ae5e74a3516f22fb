"""OTLP ingestion hands spans carrying a registered attribute prefix to its handlers, in the write transaction."""

import pytest

from observability import extensions
from observability.models import Observation
from tests.observability.factories import OTLP_URL, otlp_request, otlp_span

pytestmark = pytest.mark.django_db

ROOT_ID, CHILD_ID = "a1f067aa0ba902b7", "b2f067aa0ba902b7"


@pytest.fixture
def received(monkeypatch):
    calls = []

    def handler(*, project, spans):
        assert Observation.objects.filter(project=project, id__in=[span.span_id for span in spans]).count() == len(
            spans
        )
        calls.append((project, spans))

    monkeypatch.setattr(extensions, "_span_attribute_handlers", {"test.hook.": [handler]})
    return calls


def test_spans_with_the_prefix_reach_the_handler_after_their_rows_are_stored(api_client, project, received):
    spans = [
        otlp_span(ROOT_ID, "root", attributes={"test.hook.id": "run-1", "test.hook.n": 3, "other": "x"}),
        otlp_span(CHILD_ID, "child", parent=bytes.fromhex(ROOT_ID), attributes={"other": "y"}),
    ]
    response = api_client.post(OTLP_URL, otlp_request(*spans), content_type="application/x-protobuf")

    assert response.status_code == 200
    [(called_project, captured)] = received
    assert called_project == project
    [span] = captured
    assert (span.span_id, span.parent_span_id, span.name) == (ROOT_ID, None, "root")
    assert span.attributes == {"test.hook.id": "run-1", "test.hook.n": 3}
    assert span.start_time is not None
    stored = Observation.objects.get(id=ROOT_ID).metadata["attributes"]
    assert stored["test.hook.id"] == "run-1"


def test_rejected_spans_and_requests_without_the_prefix_call_nothing(api_client, received):
    bad = otlp_span("0000000000000000", "bad", attributes={"test.hook.id": "run-1"})
    plain = otlp_span(CHILD_ID, "plain", attributes={"other": "y"})
    response = api_client.post(OTLP_URL, otlp_request(bad, plain), content_type="application/x-protobuf")

    assert response.status_code == 200
    assert received == []
