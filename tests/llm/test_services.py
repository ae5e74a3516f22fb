"""Connection upsert and delete: Langfuse's rules, secrets kept out of audit events, deletion handlers."""

import json

import pytest

from aistrale.errors import DomainError
from aistrale.llm import extensions
from aistrale.llm.selectors import (
    llm_connection_get,
    llm_connection_list,
    llm_connection_public,
    secret_display,
)
from aistrale.llm.services import llm_connection_delete, llm_connection_upsert
from aistrale.tenancy.models import AuditEvent

pytestmark = pytest.mark.django_db

SECRET = "sk-live-abcdefghijklmnop-9876"


def upsert(project, **fields):
    values = {"provider": "openai", "adapter": "openai", "secret_key": SECRET, **fields}
    return llm_connection_upsert(project=project, **values)


def test_upsert_creates_then_replaces_on_the_provider_name(project):
    connection, created = upsert(project, custom_models=["gpt-x"], extra_headers={"X-Team": "evals"})
    assert created
    again, created_again = upsert(
        project, secret_key=None, base_url="https://gateway.example.com/v1", with_default_models=False
    )
    assert not created_again and again.pk == connection.pk and again.id == connection.id
    stored = llm_connection_get(project=project, provider="openai")
    assert stored.secret_key == SECRET
    assert json.loads(stored.extra_headers) == {"X-Team": "evals"}
    assert (stored.base_url, stored.custom_models, stored.with_default_models) == (
        "https://gateway.example.com/v1",
        [],
        False,
    )
    assert [event.action for event in AuditEvent.objects.order_by("pk")] == [
        "llm_connection.created",
        "llm_connection.updated",
    ]


def test_audit_events_hold_no_secret(project):
    upsert(project, extra_headers={"X-Secret-Header": "header-value-123"})
    upsert(project, secret_key="sk-rotated-zyxwvutsrq-5555")
    connection = llm_connection_get(project=project, provider="openai")
    llm_connection_delete(project=project, connection_id=connection.id)
    dumped = json.dumps([[event.before, event.after] for event in AuditEvent.objects.all()])
    for secret in (SECRET, "sk-rotated-zyxwvutsrq-5555", "header-value-123"):
        assert secret not in dumped
    assert "X-Secret-Header" in dumped and "...9876" in dumped


def test_empty_headers_remove_them(project):
    upsert(project, extra_headers={"X-Team": "evals"})
    connection, _ = upsert(project, extra_headers={})
    assert connection.extra_headers is None
    assert llm_connection_public(connection)["extraHeaderKeys"] == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"provider": ""}, "provider", "non-empty"),
        ({"provider": "x" * 256}, "provider", "longer than 255"),
        ({"adapter": "cohere"}, "adapter", "must be one of"),
        ({"adapter": "bedrock"}, "adapter", "not supported yet"),
        ({"adapter": "google-vertex-ai"}, "adapter", "not supported yet"),
        ({"adapter": "google-ai-studio"}, "adapter", "not supported yet"),
        ({"secret_key": ""}, "secret_key", "non-empty"),
        ({"secret_key": None}, "secret_key", "non-empty"),
        ({"secret_key": "sk\nInjected: 1"}, "secret_key", "line breaks"),
        ({"base_url": "ftp://example.com"}, "base_url", "http(s) URL"),
        ({"base_url": "not a url"}, "base_url", "http(s) URL"),
        ({"adapter": "azure"}, "base_url", "endpoint URL"),
        ({"custom_models": "gpt-4"}, "custom_models", "list"),
        ({"custom_models": ["a", ""]}, "custom_models.1", "non-empty"),
        ({"custom_models": ["a", "a"]}, "custom_models.1", "listed twice"),
        ({"custom_models": ["m"] * 1001}, "custom_models", "at most 1000"),
        ({"with_default_models": "yes"}, "with_default_models", "true or false"),
        ({"extra_headers": ["X-A"]}, "extra_headers", "object"),
        ({"extra_headers": {"Bad Header": "v"}}, "extra_headers", "not a valid HTTP header name"),
        ({"extra_headers": {"X-A": "v\r\nX-B: w"}}, "extra_headers", "without line breaks"),
        ({"extra_headers": {"X-A": 1}}, "extra_headers", "must be a string"),
        ({"extra_headers": {"X-A": "1", "x-a": "2"}}, "extra_headers", "twice"),
        ({"config": {"region": "us-east-1"}}, "config.region", "take only useResponsesApi"),
        ({"config": {"useResponsesApi": "yes"}}, "config.useResponsesApi", "must be a bool"),
        ({"config": {"useResponsesApi": True}}, "config", "not supported yet"),
        ({"adapter": "anthropic", "config": {"x": 1}}, "config", "take no config"),
    ],
)
def test_bad_input_is_refused_naming_the_field(project, fields, field, message):
    with pytest.raises(DomainError) as error:
        upsert(project, **fields)
    assert error.value.field == field and error.value.status == 400
    assert message in error.value.message
    assert not llm_connection_list(project=project).exists()


def test_a_new_connection_needs_a_key_but_an_update_keeps_it(project):
    with pytest.raises(DomainError, match="non-empty"):
        upsert(project, secret_key=None)
    upsert(project)
    connection, _ = upsert(project, secret_key=None)
    assert connection.secret_key == SECRET


def test_azure_takes_its_api_version(project):
    connection, _ = upsert(
        project, adapter="azure", base_url="https://acme.openai.azure.com", config={"apiVersion": "2024-10-21"}
    )
    assert connection.config == {"apiVersion": "2024-10-21"}


def test_connections_are_per_project(project, other_project):
    upsert(project)
    upsert(other_project, secret_key="sk-other-project-key-0000")
    assert llm_connection_get(project=project, provider="openai").secret_key == SECRET
    assert llm_connection_list(project=other_project).count() == 1
    connection_id = llm_connection_get(project=project, provider="openai").id
    with pytest.raises(DomainError) as error:
        llm_connection_delete(project=other_project, connection_id=connection_id)
    assert error.value.status == 404
    assert llm_connection_list(project=project).count() == 1


def test_a_missing_connection_is_named(project):
    with pytest.raises(DomainError) as error:
        llm_connection_get(project=project, provider="gone")
    assert "'gone'" in error.value.message and error.value.status == 404


def test_delete_runs_the_deletion_handlers_first(project, monkeypatch):
    seen = []
    monkeypatch.setattr(extensions, "_deletion_handlers", [])
    extensions.register_connection_deletion_handler(
        lambda *, connection: seen.append((connection.provider, llm_connection_list(project=project).count()))
    )
    connection, _ = upsert(project)
    llm_connection_delete(project=project, connection_id=connection.id)
    assert seen == [("openai", 1)]
    assert not llm_connection_list(project=project).exists()
    assert AuditEvent.objects.filter(action="llm_connection.deleted", object_id=connection.id).exists()


def test_a_failing_deletion_handler_keeps_the_connection(project, monkeypatch):
    def refuse(*, connection):
        raise DomainError("rules still use it", status=409)

    monkeypatch.setattr(extensions, "_deletion_handlers", [refuse])
    connection, _ = upsert(project)
    with pytest.raises(DomainError):
        llm_connection_delete(project=project, connection_id=connection.id)
    assert llm_connection_list(project=project).count() == 1


@pytest.mark.parametrize(("secret", "shown"), [("sk-abcdefghijkl-wxyz", "...wxyz"), ("short-key", "..."), ("", "...")])
def test_the_key_is_shown_masked(secret, shown):
    assert secret_display(secret) == shown
