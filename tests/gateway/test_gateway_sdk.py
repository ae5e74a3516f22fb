"""The gateway driven by the real openai and anthropic SDKs, fake providers behind it."""

import anthropic
import httpx
import openai
import pytest

from aistrale.llm.models import LlmAdapter, LlmConnection
from observability.gateway.tracing import gateway_traces_flush
from observability.models import Observation, ObservationLevel, Trace
from tests.fakes.provider import Reply
from tests.gateway.factories import connection_to, make_route

pytestmark = pytest.mark.django_db(transaction=True)

ASK = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello gateway"}]


def generations(trace_id):
    """The trace's generations, once the trace writer has stored every call so far."""
    assert gateway_traces_flush()
    return list(Observation.objects.filter(trace_id=trace_id).order_by("start_time"))


def test_openai_completion_routes_the_alias_and_is_traced(openai_client, project, fake_provider, model_prices):
    make_route(project, "support-default", (connection_to(project, fake_provider), "gpt-4o-mini"))
    fake_provider.script(Reply(text="hi there", usage=(12, 3)))

    raw = openai_client.chat.completions.with_raw_response.create(
        model="support-default", messages=ASK, temperature=0.2, user="u-1"
    )
    answer = raw.parse()

    assert (answer.choices[0].message.content, answer.usage.prompt_tokens) == ("hi there", 12)
    [sent] = fake_provider.requests
    assert sent.body["model"] == "gpt-4o-mini" and sent.body["temperature"] == 0.2
    assert sent.headers["authorization"] == "Bearer sk-test-secret-0123456789"
    assert gateway_traces_flush()
    trace = Trace.objects.get(id=raw.headers["x-aistrale-trace-id"])
    assert (trace.name, trace.user_id, trace.input, trace.tags) == ("gateway support-default", "u-1", ASK, ["gateway"])
    assert trace.output == {"role": "assistant", "content": "hi there"}
    [generation] = generations(trace.id)
    assert generation.model == "gpt-4o-mini" and generation.model_parameters == {"temperature": 0.2}
    assert generation.usage_details == {"input": 12, "output": 3, "total": 15}
    assert generation.total_cost > 0 and generation.end_time >= generation.start_time
    gateway = generation.metadata["gateway"]
    assert (gateway["route"], gateway["attempt"], gateway["attempts"], gateway["status"]) == (
        "support-default",
        1,
        1,
        200,
    )


def test_openai_stream_passes_events_through_and_records_usage(openai_client, project, fake_provider):
    make_route(project, "fast", (connection_to(project, fake_provider), "fake-model"))
    fake_provider.script(Reply(text="one two three four", chunks=4, usage=(7, 4)))

    with openai_client.chat.completions.with_streaming_response.create(
        model="fast", messages=ASK, stream=True
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        chunks = list(response.parse())
        trace_id = response.headers["x-aistrale-trace-id"]

    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "one two three four"
    assert all(chunk.choices for chunk in chunks), "the usage event the client did not ask for is left out"
    assert fake_provider.requests[0].body["stream_options"] == {"include_usage": True}
    [generation] = generations(trace_id)
    assert generation.output == {"role": "assistant", "content": "one two three four"}
    assert generation.usage_details == {"input": 7, "output": 4, "total": 11}
    assert generation.completion_start_time is not None


def test_openai_stream_with_usage_asked_keeps_the_usage_event(openai_client, project, fake_provider):
    make_route(project, "fast", (connection_to(project, fake_provider), "fake-model"))
    fake_provider.script(Reply(text="abc", chunks=3, usage=(2, 3)))

    chunks = list(
        openai_client.chat.completions.create(
            model="fast", messages=ASK, stream=True, stream_options={"include_usage": True}
        )
    )

    assert chunks[-1].usage.total_tokens == 5 and chunks[-1].choices == []


def test_anthropic_messages_whole_and_streamed(anthropic_client, project, fake_provider):
    connection = connection_to(project, fake_provider, adapter=LlmAdapter.ANTHROPIC)
    make_route(project, "claude-default", (connection, "claude-3-5-haiku-20241022"))
    fake_provider.script(Reply(text="bonjour", usage=(9, 2)), Reply(text="streamed words here", chunks=3))

    raw = anthropic_client.messages.with_raw_response.create(
        model="claude-default", max_tokens=64, system="be brief", messages=[{"role": "user", "content": "hi"}]
    )
    message = raw.parse()
    with anthropic_client.messages.stream(
        model="claude-default", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        streamed = "".join(stream.text_stream)

    assert (message.content[0].text, message.usage.input_tokens, streamed) == ("bonjour", 9, "streamed words here")
    whole, sent_stream = fake_provider.requests
    assert whole.path == "/v1/messages" and whole.body["model"] == "claude-3-5-haiku-20241022"
    assert whole.headers["x-api-key"] == "sk-test-secret-0123456789" and whole.headers["anthropic-version"]
    assert sent_stream.body["stream"] is True
    assert gateway_traces_flush()
    trace = Trace.objects.get(id=raw.headers["x-aistrale-trace-id"])
    assert trace.input == {"system": "be brief", "messages": [{"role": "user", "content": "hi"}]}
    [generation] = generations(trace.id)
    assert generation.usage_details == {"input": 9, "output": 2, "total": 11}
    streamed_trace = Trace.objects.exclude(id=trace.id).get()
    [streamed_generation] = generations(streamed_trace.id)
    assert streamed_generation.output == {"role": "assistant", "content": "streamed words here"}
    assert streamed_generation.usage_details == {"input": 10, "output": 5, "total": 15}


def test_failover_to_the_next_connection_on_5xx(openai_client, project, failing_provider, fake_provider):
    make_route(
        project,
        "support-default",
        (connection_to(project, failing_provider, name="primary"), "gpt-4o-mini"),
        (connection_to(project, fake_provider, name="backup"), "gpt-4o"),
    )

    raw = openai_client.chat.completions.with_raw_response.create(model="support-default", messages=ASK)

    assert raw.parse().choices[0].message.content == "hello gateway"
    assert (raw.headers["x-aistrale-attempt"], raw.headers["x-aistrale-connection"]) == ("2", "backup")
    assert len(failing_provider.requests) == 1 and fake_provider.requests[0].body["model"] == "gpt-4o"
    failed, succeeded = generations(raw.headers["x-aistrale-trace-id"])
    assert (failed.level, failed.metadata["gateway"]["status"]) == (ObservationLevel.ERROR, 503)
    assert "upstream overloaded" in failed.status_message and failed.model == "gpt-4o-mini"
    assert (succeeded.level, succeeded.metadata["gateway"]["attempt"]) == (ObservationLevel.DEFAULT, 2)


def test_failover_on_429_and_timeout_then_the_last_answer_passes_through(
    openai_client, project, fake_provider, second_provider, failing_provider, settings
):
    settings.LLM_TIMEOUT_SECONDS = 1.0
    make_route(
        project,
        "chain",
        (connection_to(project, fake_provider, name="slow"), "m1"),
        (connection_to(project, second_provider, name="limited"), "m2"),
        (connection_to(project, failing_provider, name="down"), "m3"),
    )
    fake_provider.script(Reply(delay=4))
    second_provider.script(Reply(status=429, error="slow down"))

    with pytest.raises(openai.InternalServerError) as raised:
        openai_client.chat.completions.create(model="chain", messages=ASK)

    assert raised.value.status_code == 503 and "upstream overloaded" in raised.value.message
    attempts = generations(raised.value.response.headers["x-aistrale-trace-id"])
    assert [a.status_message.split(":")[0] for a in attempts] == ["timeout", "HTTP 429", "HTTP 503"]
    assert all(a.level == ObservationLevel.ERROR for a in attempts)


def test_every_attempt_refused_answers_502_in_openai_shape(live_server, key_pair, project):
    refused = LlmConnection.objects.create(
        project=project,
        id="closed",
        provider="closed",
        adapter="openai",
        secret_key="sk",
        base_url="http://127.0.0.1:9/v1",
    )
    make_route(project, "nowhere", (refused, "m"))

    response = httpx.post(
        f"{live_server.url}/api/v1/chat/completions",
        json={"model": "nowhere", "messages": ASK},
        headers={"Authorization": f"Bearer {key_pair[1]}"},
    )

    assert response.status_code == 502
    assert response.json()["error"]["message"].startswith("All 1 attempts failed; the last: connection failed")
    assert gateway_traces_flush()
    [generation] = Observation.objects.all()
    assert generation.level == ObservationLevel.ERROR


@pytest.mark.parametrize("shape", ["openai", "anthropic"])
def test_a_stream_cut_midway_reaches_the_client_and_the_trace(
    shape, openai_client, anthropic_client, project, fake_provider
):
    adapter = LlmAdapter.ANTHROPIC if shape == "anthropic" else LlmAdapter.OPENAI
    make_route(project, "cut", (connection_to(project, fake_provider, adapter=adapter), "m"))
    fake_provider.script(Reply(text="aaaa bbbb cccc dddd", chunks=4, cut_after=2))
    received = []

    with pytest.raises(openai.APIError if shape == "openai" else anthropic.APIStatusError) as raised:
        if shape == "openai":
            for chunk in openai_client.chat.completions.create(model="cut", messages=ASK, stream=True):
                received.append(chunk.choices[0].delta.content or "")
        else:
            with anthropic_client.messages.stream(model="cut", max_tokens=10, messages=ASK[1:]) as stream:
                received.extend(stream.text_stream)

    assert "stream broke off" in str(raised.value)
    assert "".join(received) == "aaaa bbbb "
    assert gateway_traces_flush()
    [generation] = Observation.objects.all()
    assert generation.level == ObservationLevel.ERROR and generation.status_message.startswith("stream interrupted")
    assert generation.output == {"role": "assistant", "content": "aaaa bbbb "}


def test_a_provider_refusal_passes_through_without_failover(openai_client, project, fake_provider, second_provider):
    make_route(
        project,
        "strict",
        (connection_to(project, fake_provider, name="a"), "m"),
        (connection_to(project, second_provider, name="b"), "m"),
    )
    fake_provider.script(Reply(status=400, error="temperature: must be at most 2"))

    with pytest.raises(openai.BadRequestError) as raised:
        openai_client.chat.completions.create(model="strict", messages=ASK, temperature=5)

    assert raised.value.body["message"] == "temperature: must be at most 2"
    assert second_provider.requests == []
    assert gateway_traces_flush()
    assert Observation.objects.get().status_message == "HTTP 400: temperature: must be at most 2"
