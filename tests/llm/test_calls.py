"""The call interface drives the real openai and anthropic SDKs against the local fake provider."""

import pytest

from aistrale.llm import calls
from aistrale.llm.models import LlmAdapter
from aistrale.llm.sink import CallTrace
from aistrale.llm.types import (
    LlmAuthError,
    LlmBadRequest,
    LlmNotSupported,
    LlmProviderDown,
    LlmRateLimited,
    LlmRequest,
    Tool,
)
from tests.fakes.provider import Reply
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db

ADAPTERS = [LlmAdapter.OPENAI, LlmAdapter.ANTHROPIC]
SCHEMA = {"type": "object", "properties": {"score": {"type": "number"}}, "required": ["score"]}


def trace(project):
    return CallTrace(project_id=project.pk, environment="aistrale-evaluation", name="test call")


def ask(text="hello", **fields):
    return LlmRequest(
        model="fake-model",
        messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": text}],
        **fields,
    )


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_completion_returns_text_usage_and_is_reported(project, fake_provider, reported, adapter):
    connection = make_connection(project, fake_provider, adapter=adapter, headers={"X-Team": "evals"})
    fake_provider.script(Reply(text="the answer", usage=(12, 3)))

    result = calls.complete(connection=connection, request=ask(parameters={"temperature": 0.2}), trace=trace(project))

    assert (result.text, result.usage.as_details()) == ("the answer", {"input": 12, "output": 3, "total": 15})
    assert result.latency_ms >= 0
    [sent] = fake_provider.requests
    assert sent.headers["x-team"] == "evals"
    assert sent.body["temperature"] == 0.2
    if adapter == LlmAdapter.ANTHROPIC:
        assert sent.body["system"] == "be brief"
        assert sent.headers["anthropic-version"]
    else:
        assert sent.body["messages"][0] == {"role": "system", "content": "be brief"}
    key_header = sent.headers.get("x-api-key") or sent.headers["authorization"]
    assert key_header.endswith("sk-test-secret-0123456789")
    [record] = reported
    assert (record.trace_id, record.observation_id) == (result.trace_id, result.observation_id)
    assert record.result is result and record.error is None
    assert record.target.environment == "aistrale-evaluation"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_response_schema_comes_back_parsed(project, fake_provider, reported, adapter):
    connection = make_connection(project, fake_provider, adapter=adapter)
    if adapter == LlmAdapter.ANTHROPIC:
        fake_provider.script(Reply(tool_call={"name": "respond", "arguments": {"score": 0.5}}))
    else:
        fake_provider.script(Reply(text='{"score": 0.5}'))

    result = calls.complete(connection=connection, request=ask(response_schema=SCHEMA), trace=trace(project))

    assert result.parsed == {"score": 0.5}
    sent = fake_provider.requests[0].body
    if adapter == LlmAdapter.ANTHROPIC:
        assert sent["tool_choice"] == {"type": "tool", "name": "respond"}
    else:
        assert sent["response_format"]["json_schema"]["schema"] == SCHEMA


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_tool_calls_come_back_with_their_arguments(project, fake_provider, reported, adapter):
    connection = make_connection(project, fake_provider, adapter=adapter)
    fake_provider.script(Reply(tool_call={"name": "lookup", "arguments": {"city": "Paris"}}))
    tool = Tool(name="lookup", parameters={"type": "object", "properties": {"city": {"type": "string"}}})

    result = calls.complete(connection=connection, request=ask(tools=[tool]), trace=trace(project))

    assert [(call["name"], call["arguments"]) for call in result.tool_calls] == [("lookup", {"city": "Paris"})]


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_429_and_5xx_are_retried_until_success(project, fake_provider, reported, adapter):
    connection = make_connection(project, fake_provider, adapter=adapter)
    fake_provider.script(Reply(status=429), Reply(status=503), Reply(text="finally"))

    result = calls.complete(connection=connection, request=ask(), trace=trace(project))

    assert result.text == "finally"
    assert len(fake_provider.requests) == 3


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(429, LlmRateLimited), (500, LlmProviderDown), (401, LlmAuthError), (400, LlmBadRequest)],
)
@pytest.mark.parametrize("adapter", ADAPTERS)
def test_failures_are_typed_and_reported(project, fake_provider, reported, adapter, status, error_type):
    connection = make_connection(project, fake_provider, adapter=adapter)
    fake_provider.script(*[Reply(status=status, error="nope")] * 3)

    with pytest.raises(error_type) as error:
        calls.complete(connection=connection, request=ask(), trace=trace(project))

    assert connection.provider in error.value.message
    retried = status in (429, 500)
    assert len(fake_provider.requests) == (3 if retried else 1)
    [record] = reported
    assert record.error is error.value and record.result is None


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_stream_yields_deltas_then_the_whole_result(project, fake_provider, reported, adapter):
    connection = make_connection(project, fake_provider, adapter=adapter)
    fake_provider.script(Reply(text="one two three four", chunks=4, usage=(7, 4)))

    stream = calls.stream(connection=connection, request=ask(), trace=trace(project))
    deltas = list(stream)

    assert len(deltas) == 4 and "".join(deltas) == "one two three four"
    assert stream.result.text == "one two three four"
    assert stream.result.usage.as_details() == {"input": 7, "output": 4, "total": 11}
    assert reported[0].result is stream.result


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_stream_cut_midway_raises_and_is_reported(project, fake_provider, reported, adapter):
    connection = make_connection(project, fake_provider, adapter=adapter)
    fake_provider.script(*[Reply(text="one two three four", chunks=4, cut_after=2)] * 3)

    stream = calls.stream(connection=connection, request=ask(), trace=trace(project))
    received = []
    with pytest.raises(LlmProviderDown):
        received.extend(stream)

    assert reported[0].error is not None
    assert stream.result is None


def test_embeddings_through_an_openai_compatible_connection(project, fake_provider, reported):
    connection = make_connection(project, fake_provider)
    fake_provider.embeddings.update({"cat": [1.0, 0.0], "dog": [0.0, 1.0]})

    embeddings = calls.embed(connection=connection, model="fake-embedding", texts=["cat", "dog"], trace=trace(project))

    assert embeddings.vectors == [[1.0, 0.0], [0.0, 1.0]]
    assert reported[0].kind == "embedding"


@pytest.mark.parametrize("adapter", [LlmAdapter.BEDROCK, LlmAdapter.GOOGLE_VERTEX_AI, LlmAdapter.GOOGLE_AI_STUDIO])
def test_unsupported_adapters_are_refused(project, fake_provider, reported, adapter):
    connection = make_connection(project, fake_provider, adapter=adapter)
    with pytest.raises(LlmNotSupported) as error:
        calls.complete(connection=connection, request=ask(), trace=trace(project))
    assert error.value.status == 400 and adapter in error.value.message
    assert fake_provider.requests == []


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_timed_out_call_is_retried_until_an_answer_comes_in_time(project, fake_provider, reported, adapter, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.3
    connection = make_connection(project, fake_provider, adapter=adapter, provider=f"slow-{adapter}")
    fake_provider.script(Reply(text="too late", delay=1.0), Reply(text="in time"))

    result = calls.complete(connection=connection, request=ask(), trace=trace(project))

    assert result.text == "in time"
    assert len(fake_provider.requests) == 2


def test_an_azure_connection_calls_its_deployment_with_the_api_key_header(project, fake_provider, reported):
    connection = make_connection(
        project,
        fake_provider,
        adapter=LlmAdapter.AZURE,
        base_url=fake_provider.base_url,
        config={"apiVersion": "2024-06-01"},
    )
    fake_provider.script(Reply(text="from azure", usage=(5, 2)))

    result = calls.complete(connection=connection, request=ask(), trace=trace(project))

    assert (result.text, result.usage.as_details()) == ("from azure", {"input": 5, "output": 2, "total": 7})
    [sent] = fake_provider.requests
    assert sent.path == "/openai/deployments/fake-model/chat/completions?api-version=2024-06-01"
    assert sent.headers["api-key"] == "sk-test-secret-0123456789"
    [record] = reported
    assert record.result is result
