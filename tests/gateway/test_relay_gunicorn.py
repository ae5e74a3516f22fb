"""Streams under gunicorn (gthread), where the relay loop writes to the caller's socket itself: events pass
through in both API shapes, the connection serves the next request, a cut reaches the client and the trace."""

import time

import anthropic
import httpx
import openai
import pytest

from bench.server import production_server
from tests.fakes.provider import FakeProvider, Reply

ASK = [{"role": "user", "content": "stream please"}]
ROUTES = """
from aistrale.llm.models import LlmConnection
from aistrale.tenancy.models import ApiKey
from observability.gateway.services import gateway_route_save
project = ApiKey.objects.get(public_key={public_key!r}).project
for adapter in ("openai", "anthropic"):
    connection = LlmConnection.objects.create(
        project=project, id=adapter, provider=adapter, adapter=adapter, secret_key="sk-fake", base_url={url!r}
    )
    gateway_route_save(route=None, project=project, alias=adapter, targets=[{{"connection": connection, "model": "m"}}])
"""


@pytest.fixture(scope="module")
def provider():
    with FakeProvider() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory, provider):
    database_url = f"sqlite:///{tmp_path_factory.mktemp('relay') / 'db.sqlite3'}"
    with production_server(database_url=database_url, workers=1, threads=4, worker_class="gthread") as running:
        running.manage("shell", "-c", ROUTES.format(public_key=running.public_key, url=provider.base_url))
        yield running


def generations(server, trace_id: str) -> list[dict]:
    """The trace's generations once the server's trace writer has stored them."""
    deadline = time.monotonic() + 15
    while True:
        found = httpx.get(
            f"{server.url}/api/public/observations",
            params={"traceId": trace_id},
            auth=(server.public_key, server.secret_key),
        ).json()["data"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_openai_streams_relayed_on_one_connection_then_traced(server, provider):
    provider.script(
        Reply(text="one two three four five six", chunks=6, chunk_interval=0.02),
        Reply(text="again", chunks=2, chunk_interval=0.02),
    )
    with openai.OpenAI(base_url=f"{server.url}/api/v1", api_key=server.secret_key, max_retries=0) as client:
        with client.chat.completions.with_streaming_response.create(
            model="openai", messages=ASK, stream=True
        ) as response:
            chunks = list(response.parse())
            trace_id = response.headers["x-aistrale-trace-id"]
        again = list(client.chat.completions.create(model="openai", messages=ASK, stream=True))

    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "one two three four five six"
    assert all(chunk.choices for chunk in chunks), "the usage event the client did not ask for is left out"
    assert "".join(chunk.choices[0].delta.content or "" for chunk in again) == "again"
    [generation] = generations(server, trace_id)
    assert generation["output"] == {"role": "assistant", "content": "one two three four five six"}
    assert generation["usageDetails"]["total"] == 15 and generation["level"] == "DEFAULT"


def test_anthropic_stream_relayed(server, provider):
    provider.script(Reply(text="aaaa bbbb cccc", chunks=3, chunk_interval=0.02))
    client = anthropic.Anthropic(base_url=f"{server.url}/api", api_key=server.secret_key, max_retries=0)
    with client, client.messages.stream(model="anthropic", max_tokens=10, messages=ASK) as stream:
        text = "".join(stream.text_stream)

    assert text == "aaaa bbbb cccc"


def test_a_cut_stream_reaches_the_client_and_the_trace(server, provider):
    provider.script(Reply(text="aaaa bbbb cccc dddd", chunks=4, chunk_interval=0.02, cut_after=2))
    received = []
    client = openai.OpenAI(base_url=f"{server.url}/api/v1", api_key=server.secret_key, max_retries=0)
    with (
        client,
        pytest.raises(openai.APIError) as raised,
        client.chat.completions.with_streaming_response.create(model="openai", messages=ASK, stream=True) as response,
    ):
        trace_id = response.headers["x-aistrale-trace-id"]
        for chunk in response.parse():
            received.append(chunk.choices[0].delta.content or "")

    assert "stream broke off" in str(raised.value)
    assert "".join(received) == "aaaa bbbb "
    [generation] = generations(server, trace_id)
    assert generation["level"] == "ERROR" and generation["statusMessage"].startswith("stream interrupted")
