"""Provider keys never leave the server, and a provider's refusal reaches an anthropic client in its own shape."""

import json

import anthropic
import httpx
import pytest
from django.core import serializers

from aistrale.llm.models import LlmAdapter
from observability.gateway.tracing import gateway_traces_flush
from observability.models import Observation, ObservationLevel, Trace
from tests.fakes.provider import Reply
from tests.gateway.factories import connection_to, make_route

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDER_SECRET = "sk-test-secret-0123456789"
ASK = [{"role": "user", "content": "hello gateway"}]


def test_an_anthropic_provider_refusal_passes_through_in_its_shape(
    anthropic_client, project, fake_provider, second_provider
):
    make_route(
        project,
        "claude-strict",
        (connection_to(project, fake_provider, adapter=LlmAdapter.ANTHROPIC, name="a"), "claude-haiku-4-5"),
        (connection_to(project, second_provider, adapter=LlmAdapter.ANTHROPIC, name="b"), "claude-haiku-4-5"),
    )
    fake_provider.script(Reply(status=400, error="prompt is too long: 300000 tokens > 200000 maximum"))

    with pytest.raises(anthropic.BadRequestError) as raised:
        anthropic_client.messages.create(model="claude-strict", max_tokens=10, messages=ASK)

    assert raised.value.body == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "prompt is too long: 300000 tokens > 200000 maximum"},
    }
    assert second_provider.requests == []
    assert gateway_traces_flush()
    generation = Observation.objects.get()
    assert generation.level == ObservationLevel.ERROR
    assert generation.status_message == "HTTP 400: prompt is too long: 300000 tokens > 200000 maximum"


@pytest.mark.parametrize("adapter", [LlmAdapter.OPENAI, LlmAdapter.ANTHROPIC])
def test_the_provider_key_is_in_no_answer_or_stored_trace(live_server, key_pair, project, fake_provider, adapter):
    make_route(project, "keyed", (connection_to(project, fake_provider, adapter=adapter), "m"))
    fake_provider.script(
        Reply(text="whole answer"), Reply(text="streamed answer", chunks=3), Reply(status=401, error="bad key")
    )
    url, body = (
        (f"{live_server.url}/api/v1/chat/completions", {"model": "keyed", "messages": ASK})
        if adapter == LlmAdapter.OPENAI
        else (f"{live_server.url}/api/v1/messages", {"model": "keyed", "max_tokens": 10, "messages": ASK})
    )
    headers = {"Authorization": f"Bearer {key_pair[1]}"}

    answers = [
        httpx.post(url, json=body, headers=headers),
        httpx.post(url, json={**body, "stream": True}, headers=headers),
        httpx.post(url, json=body, headers=headers),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 401]
    sent_keys = [sent.headers.get("authorization") or sent.headers.get("x-api-key") for sent in fake_provider.requests]
    assert all(PROVIDER_SECRET in sent for sent in sent_keys) and len(sent_keys) == 3
    for answer in answers:
        assert PROVIDER_SECRET not in answer.text
        assert not [name for name, value in answer.headers.items() if PROVIDER_SECRET in value]
    assert gateway_traces_flush()
    stored = json.dumps(json.loads(serializers.serialize("json", [*Trace.objects.all(), *Observation.objects.all()])))
    assert Trace.objects.count() == 3 and PROVIDER_SECRET not in stored
