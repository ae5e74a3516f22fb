"""The LLM connections admin: added and edited through the services, keys never rendered, "Send a ping"."""

import json
import logging

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from aistrale.llm.models import LlmConnection
from aistrale.llm.services import llm_connection_upsert
from tests.fakes.provider import Reply
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

CONNECTIONS = "/admin/llm/llmconnection/"
SECRET = "sk-admin-never-rendered-0123-wxyz"
HEADER_VALUE = "header-value-never-rendered"


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def form(project, **fields):
    values = {
        "project": project.pk,
        "provider": "gateway",
        "adapter": "openai",
        "secret_key": SECRET,
        "base_url": "",
        "custom_models": "",
        "with_default_models": "on",
        "extra_headers": "",
        "config": "",
    }
    return {**values, **fields}


def stored(project, fake_provider, **fields):
    values = {
        "project": project,
        "provider": "gateway",
        "adapter": "openai",
        "secret_key": SECRET,
        "base_url": fake_provider.openai_url,
        "extra_headers": {"X-Team": HEADER_VALUE},
        **fields,
    }
    connection, _ = llm_connection_upsert(**values)
    return connection


def shown(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_owner_adds_a_connection_through_the_service(owner_client, project):
    headers = json.dumps({"X-Team": HEADER_VALUE})
    response = owner_client.post(
        f"{CONNECTIONS}add/", form(project, custom_models="llama-3\nmixtral\n", extra_headers=headers)
    )
    assert response.status_code == 302, response.content[:3000]
    connection = LlmConnection.objects.get(project=project)
    assert (connection.secret_key, connection.custom_models) == (SECRET, ["llama-3", "mixtral"])
    assert json.loads(connection.extra_headers) == {"X-Team": HEADER_VALUE} and connection.id


def test_pages_show_the_key_masked_and_the_headers_by_name_only(owner_client, project, fake_provider):
    connection = stored(project, fake_provider)
    pages = [
        owner_client.get(CONNECTIONS),
        owner_client.get(reverse("admin:llm_llmconnection_change", args=[connection.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert SECRET not in html and HEADER_VALUE not in html
        assert "...wxyz" in html and "X-Team" in html


def test_a_blank_key_and_blank_headers_keep_the_stored_ones(owner_client, project, fake_provider):
    connection = stored(project, fake_provider)
    url = reverse("admin:llm_llmconnection_change", args=[connection.pk])
    fields = form(project, secret_key="", base_url="https://gateway.example.com/v1", custom_models="m1")
    assert owner_client.post(url, fields).status_code == 302
    connection.refresh_from_db()
    assert connection.secret_key == SECRET and json.loads(connection.extra_headers) == {"X-Team": HEADER_VALUE}
    assert (connection.base_url, connection.custom_models) == ("https://gateway.example.com/v1", ["m1"])
    assert (
        owner_client.post(url, {**fields, "secret_key": "sk-replaced-key-000000", "extra_headers": "{}"}).status_code
        == 302
    )
    connection.refresh_from_db()
    assert connection.secret_key == "sk-replaced-key-000000" and connection.extra_headers is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"adapter": "bedrock"}, "adapter", "not supported yet"),
        ({"adapter": "google-ai-studio"}, "adapter", "not supported yet"),
        ({"secret_key": ""}, "secret_key", "non-empty"),
        ({"adapter": "azure"}, "base_url", "endpoint URL"),
        ({"extra_headers": '{"Bad Header": "v"}'}, "extra_headers", "not a valid HTTP header name"),
        ({"custom_models": "a\na"}, "custom_models", "listed twice"),
        ({"config": '{"region": "x"}'}, "config", "take only"),
    ],
)
def test_refused_input_shows_the_error_on_its_field_and_never_the_key(owner_client, project, fields, field, message):
    response = owner_client.post(f"{CONNECTIONS}add/", form(project, **fields))
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors[field])
    assert SECRET not in response.content.decode()
    assert not LlmConnection.objects.exists()


def test_adding_an_existing_provider_name_is_refused(owner_client, project, fake_provider):
    stored(project, fake_provider)
    response = owner_client.post(f"{CONNECTIONS}add/", form(project))
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors)
    assert LlmConnection.objects.count() == 1


def test_send_a_ping_shows_the_answer(owner_client, project, fake_provider):
    connection = stored(project, fake_provider, custom_models=["fake-model"])
    fake_provider.script(Reply(text="pong", usage=(9, 1)))
    response = owner_client.post(reverse("admin:llm_llmconnection_ping", args=[connection.pk]))
    assert response.status_code == 302
    [message] = shown(response)
    assert "gateway answered in" in message and "fake-model" in message and message.endswith(": pong")
    sent = fake_provider.requests[0]
    assert sent.body["model"] == "fake-model" and sent.headers["x-team"] == HEADER_VALUE


def test_a_failed_ping_shows_the_typed_error_without_the_key(owner_client, project, fake_provider, caplog):
    connection = stored(project, fake_provider)
    fake_provider.script(Reply(status=401, error="bad key"))
    caplog.set_level(logging.DEBUG)
    response = owner_client.post(reverse("admin:llm_llmconnection_ping", args=[connection.pk]), follow=True)
    html = response.content.decode()
    assert "failed (auth)" in html and "bad key" in html
    assert SECRET not in html and SECRET not in caplog.text and HEADER_VALUE not in caplog.text


def test_the_ping_action_on_the_changelist(owner_client, project, fake_provider):
    connection = stored(project, fake_provider)
    fake_provider.script(Reply(text="pong"))
    response = owner_client.post(CONNECTIONS, {"action": "ping", "_selected_action": [connection.pk]})
    assert any("answered in" in message for message in shown(response))
    assert fake_provider.requests[0].body["model"] == "gpt-4o-mini"


def test_members_see_but_neither_change_nor_ping(member_client, project, fake_provider):
    connection = stored(project, fake_provider)
    assert member_client.get(CONNECTIONS).status_code == 200
    assert member_client.post(reverse("admin:llm_llmconnection_ping", args=[connection.pk])).status_code == 404
    assert member_client.post(f"{CONNECTIONS}add/", form(project, provider="mine")).status_code == 403
    assert fake_provider.requests == []


def test_other_projects_connections_are_not_reachable(owner_client, other_project, fake_provider):
    theirs = stored(other_project, fake_provider)
    assert owner_client.get(CONNECTIONS).context["cl"].result_count == 0
    assert owner_client.post(reverse("admin:llm_llmconnection_ping", args=[theirs.pk])).status_code == 404
    assert fake_provider.requests == []


def test_deleting_goes_through_the_service(owner_client, project, fake_provider):
    connection = stored(project, fake_provider)
    url = reverse("admin:llm_llmconnection_delete", args=[connection.pk])
    assert owner_client.post(url, {"post": "yes"}).status_code == 302
    assert not LlmConnection.objects.exists()


def test_the_changelist_queries_do_not_grow(owner_client, project):
    def make(index):
        llm_connection_upsert(project=project, provider=f"p{index}", adapter="openai", secret_key=SECRET)

    assert_queries_constant(lambda: owner_client.get(CONNECTIONS), rows_of(make))
