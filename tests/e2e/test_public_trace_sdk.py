"""A trace the real SDK marks public (`set_trace_as_public`) opens by its link without login, until made private."""

import time

import pytest
import requests
from langfuse import Langfuse
from langfuse._client.resource_manager import LangfuseResourceManager

from observability.models import Trace
from observability.public.links import trace_public_path

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tracing_client(live_server, key_pair):
    public_key, secret_key = key_pair
    client = Langfuse(public_key=public_key, secret_key=secret_key, base_url=live_server.url)
    yield client
    client.shutdown()
    LangfuseResourceManager._instances.pop(public_key, None)


def stored_trace(trace_id: str, timeout: float = 10.0) -> Trace:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        trace = Trace.objects.filter(id=trace_id, public=True).first()
        if trace is not None:
            return trace
        time.sleep(0.1)
    raise AssertionError(f"trace {trace_id} was not stored as public in time")


def test_a_trace_the_sdk_made_public_reads_by_its_link(tracing_client, live_server):
    with tracing_client.start_as_current_observation(name="shared-by-sdk", input={"q": "where is my order?"}) as span:
        span.set_trace_as_public()
        span.update(output="on its way")
        trace_id = span.trace_id
    tracing_client.flush()
    trace = stored_trace(trace_id)
    url = live_server.url + trace_public_path(trace)
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert "where is my order?" in response.text and "on its way" in response.text
    Trace.objects.filter(pk=trace.pk).update(public=False)
    assert requests.get(url, timeout=10).status_code == 404
