"""What the gateway refuses, each in the provider's own error shape, and how it authenticates and limits keys."""

import base64
from datetime import timedelta
from decimal import Decimal

import anthropic
import httpx
import openai
import pytest

from aistrale.llm.models import LlmAdapter
from aistrale.tenancy.services import api_key_create, api_key_revoke
from observability.gateway.services import gateway_key_limit_set
from observability.gateway.tracing import gateway_traces_flush
from observability.models import Observation
from tests.gateway.factories import connection_to, make_route

pytestmark = pytest.mark.django_db(transaction=True)

ASK = [{"role": "user", "content": "hello"}]


@pytest.fixture
def routed(project, fake_provider):
    """`support-default` (OpenAI shape) and `claude-default` (Anthropic shape) to the fake provider."""
    make_route(project, "support-default", (connection_to(project, fake_provider), "gpt-4o-mini"))
    anthropic_connection = connection_to(project, fake_provider, adapter=LlmAdapter.ANTHROPIC)
    make_route(project, "claude-default", (anthropic_connection, "claude-3-5-haiku-20241022"))


def post(live_server, path, body, headers):
    return httpx.post(f"{live_server.url}/api/v1/{path}", json=body, headers=headers)


def test_unknown_alias_is_404_in_both_shapes(openai_client, anthropic_client, routed):
    with pytest.raises(openai.NotFoundError) as openai_raised:
        openai_client.chat.completions.create(model="no-such-alias", messages=ASK)
    with pytest.raises(anthropic.NotFoundError) as anthropic_raised:
        anthropic_client.messages.create(model="no-such-alias", max_tokens=5, messages=ASK)

    assert openai_raised.value.body == {
        "message": "The model 'no-such-alias' does not exist: no gateway route of this project has that alias",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }
    assert anthropic_raised.value.body["type"] == "error"
    assert anthropic_raised.value.body["error"]["type"] == "not_found_error"
    assert "'no-such-alias'" in anthropic_raised.value.body["error"]["message"]


def test_an_alias_of_the_other_shape_is_refused(openai_client, routed):
    with pytest.raises(openai.BadRequestError) as raised:
        openai_client.chat.completions.create(model="claude-default", messages=ASK)

    assert raised.value.body["param"] == "model"
    assert "do not speak the chat.completions API" in raised.value.body["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": ASK}, "model"),
        ({"model": "support-default"}, "messages"),
        ({"model": "support-default", "messages": []}, "messages"),
        ({"model": "support-default", "messages": ["hi"]}, "messages.0.role"),
        ({"model": "support-default", "messages": ASK, "stream": "yes"}, "stream"),
    ],
)
def test_bad_openai_bodies_name_the_field(live_server, key_pair, routed, fake_provider, body, param):
    response = post(live_server, "chat/completions", body, {"Authorization": f"Bearer {key_pair[1]}"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    assert error["message"].startswith(param.split(".")[0])
    assert fake_provider.requests == []


def test_bad_anthropic_bodies_name_the_field(anthropic_client, routed, fake_provider):
    with pytest.raises(anthropic.BadRequestError) as no_max_tokens:
        anthropic_client.post("/v1/messages", body={"model": "claude-default", "messages": ASK}, cast_to=object)
    system_message = [{"role": "system", "content": "x"}, *ASK]
    with pytest.raises(anthropic.BadRequestError) as system_in_messages:
        anthropic_client.messages.create(model="claude-default", max_tokens=5, messages=system_message)

    assert no_max_tokens.value.body["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens: required, a whole number of at least 1",
    }
    assert system_in_messages.value.body["error"]["message"].startswith("messages.0.role")
    assert fake_provider.requests == []


def test_a_body_that_is_not_json_is_refused(live_server, key_pair, routed):
    response = httpx.post(
        f"{live_server.url}/api/v1/chat/completions",
        content=b"{not json",
        headers={"Authorization": f"Bearer {key_pair[1]}", "Content-Type": "application/json"},
    )

    assert response.status_code == 400 and response.json()["error"]["param"] == "body"


def test_missing_and_wrong_keys_are_401_in_both_shapes(live_server, routed, fake_provider):
    missing = post(live_server, "chat/completions", {"model": "support-default", "messages": ASK}, {})
    wrong = openai.OpenAI(base_url=f"{live_server.url}/api/v1", api_key="sk-lf-wrong", max_retries=0)
    anthropic_missing = post(live_server, "messages", {"model": "claude-default", "max_tokens": 5, "messages": ASK}, {})

    with pytest.raises(openai.AuthenticationError) as raised:
        wrong.chat.completions.create(model="support-default", messages=ASK)

    assert missing.status_code == 401 and missing.json()["error"]["code"] == "invalid_api_key"
    assert "Missing API key" in missing.json()["error"]["message"]
    assert raised.value.body["message"] == "Invalid API key: unknown or revoked key, or wrong secret"
    assert anthropic_missing.status_code == 401
    assert anthropic_missing.json()["error"]["type"] == "authentication_error"
    assert fake_provider.requests == []


def test_basic_and_x_api_key_authenticate_a_revoked_key_does_not(live_server, project, key_pair, routed):
    basic = base64.b64encode(f"{key_pair[0]}:{key_pair[1]}".encode()).decode()
    body = {"model": "support-default", "messages": ASK}

    assert post(live_server, "chat/completions", body, {"Authorization": f"Basic {basic}"}).status_code == 200
    assert post(live_server, "chat/completions", body, {"x-api-key": key_pair[1]}).status_code == 200
    api_key, secret = api_key_create(project=project, note="soon revoked")
    assert post(live_server, "chat/completions", body, {"Authorization": f"Bearer {secret}"}).status_code == 200
    api_key_revoke(api_key=api_key)
    assert post(live_server, "chat/completions", body, {"Authorization": f"Bearer {secret}"}).status_code == 401


def test_another_projects_key_does_not_reach_this_projects_routes(live_server, other_project, routed):
    _, other_secret = api_key_create(project=other_project, note="other")

    response = post(
        live_server,
        "chat/completions",
        {"model": "support-default", "messages": ASK},
        {"Authorization": f"Bearer {other_secret}"},
    )

    assert response.status_code == 404 and response.json()["error"]["code"] == "model_not_found"


def test_only_post_is_allowed(live_server, key_pair):
    response = httpx.get(f"{live_server.url}/api/v1/messages", headers={"x-api-key": key_pair[1]})

    assert (response.status_code, response.headers["allow"]) == (405, "POST")
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_requests_per_minute_limit_answers_429_with_retry_after(openai_client, project, routed, fixed_clock):
    gateway_key_limit_set(api_key=project.api_keys.get(), requests_per_minute=2, spend_per_day=None)

    for _ in range(2):
        openai_client.chat.completions.create(model="support-default", messages=ASK)
    with pytest.raises(openai.RateLimitError) as raised:
        openai_client.chat.completions.create(model="support-default", messages=ASK)

    assert raised.value.response.headers["retry-after"] == "50"
    assert raised.value.body["message"] == "Rate limit reached: 2 requests per minute for this key"
    assert gateway_traces_flush()
    assert Observation.objects.count() == 2


def test_spend_per_day_limit_counts_stored_and_new_spend(anthropic_client, project, routed, model_prices, fixed_clock):
    gateway_key_limit_set(api_key=project.api_keys.get(), requests_per_minute=None, spend_per_day=Decimal("0.00001"))

    anthropic_client.messages.create(model="claude-default", max_tokens=5, messages=ASK)
    assert gateway_traces_flush()
    with pytest.raises(anthropic.RateLimitError) as raised:
        anthropic_client.messages.create(model="claude-default", max_tokens=5, messages=ASK)

    spent = Observation.objects.get().total_cost
    assert spent > Decimal("0.00001")
    assert raised.value.body["error"]["type"] == "rate_limit_error"
    assert raised.value.body["error"]["message"].startswith("Spend limit reached")
    midnight = fixed_clock.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    assert raised.value.response.headers["retry-after"] == str(int((midnight - fixed_clock).total_seconds()))
