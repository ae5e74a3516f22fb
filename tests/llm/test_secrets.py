"""Provider keys at rest and in motion: encrypted, rotatable with the connection still usable, never logged."""

import io
import json
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from aistrale.llm import calls
from aistrale.llm.models import LlmAdapter, LlmConnection
from aistrale.llm.services import llm_connection_ping, llm_connection_upsert
from aistrale.llm.sink import CallTrace
from aistrale.llm.types import LlmError, LlmRequest
from observability.models import Observation
from tests.fakes.provider import Reply

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
SECRET = "sk-rotate-me-0123456789-last"
HEADER_VALUE = "header-secret-after-rotation"


def stored_tokens(connection) -> tuple[str, str]:
    table = LlmConnection._meta.db_table
    with db.cursor() as cursor:
        cursor.execute(f"SELECT secret_key, extra_headers FROM {table} WHERE key = %s", [connection.pk])
        return cursor.fetchone()


def make(project, fake_provider, adapter=LlmAdapter.OPENAI, **fields):
    connection, _ = llm_connection_upsert(
        project=project,
        provider=f"fake-{adapter}",
        adapter=adapter,
        secret_key=SECRET,
        base_url=fake_provider.openai_url if adapter == LlmAdapter.OPENAI else fake_provider.base_url,
        extra_headers={"X-Team": HEADER_VALUE},
        **fields,
    )
    return connection


def test_rotation_re_encrypts_the_key_and_headers_and_the_connection_still_works(
    project, other_project, fake_provider, settings
):
    settings.AISTRALE_ENCRYPTION_KEYS = [OLD_KEY]
    connections = [make(owner, fake_provider) for owner in (project, other_project)]
    before = [stored_tokens(connection) for connection in connections]
    assert all(SECRET not in token and HEADER_VALUE not in headers for token, headers in before)

    settings.AISTRALE_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "llm.LlmConnection.secret_key: 2 re-encrypted" in out.getvalue()
    assert "llm.LlmConnection.extra_headers: 2 re-encrypted" in out.getvalue()

    settings.AISTRALE_ENCRYPTION_KEYS = [NEW_KEY]
    for connection, old in zip(connections, before, strict=True):
        token, headers = stored_tokens(connection)
        assert token != old[0] and Fernet(NEW_KEY.encode()).decrypt(token.encode()).decode() == SECRET
        assert json.loads(Fernet(NEW_KEY.encode()).decrypt(headers.encode())) == {"X-Team": HEADER_VALUE}
    reloaded = LlmConnection.objects.get(pk=connections[0].pk)
    fake_provider.script(Reply(text="pong"))
    result = llm_connection_ping(connection=reloaded, model="fake-model")
    assert result.text == "pong"
    sent = fake_provider.requests[-1]
    assert sent.headers["authorization"] == f"Bearer {SECRET}" and sent.headers["x-team"] == HEADER_VALUE


@pytest.mark.parametrize("adapter", [LlmAdapter.OPENAI, LlmAdapter.ANTHROPIC])
@pytest.mark.parametrize("status", [200, 400, 401, 429, 500])
def test_no_log_line_or_trace_holds_the_key_or_a_header_value(project, fake_provider, caplog, adapter, status):
    connection = make(project, fake_provider, adapter)
    fake_provider.script(*[Reply(status=status, error="refused by the fake")] * 3)
    caplog.set_level(logging.DEBUG)
    request = LlmRequest(model="fake-model", messages=[{"role": "user", "content": "hi"}])
    trace = CallTrace(project_id=project.pk, environment="aistrale-evaluation", name="secret check")

    try:
        calls.complete(connection=connection, request=request, trace=trace)
    except LlmError as error:
        assert SECRET not in error.message and status != 200
    traced = Observation.objects.get(project=project)
    records = [traced.status_message or "", json.dumps(traced.metadata), json.dumps(traced.input)]
    assert caplog.records, "the SDKs log at DEBUG: the check must see their lines"
    for text in [caplog.text, *records]:
        assert SECRET not in text and HEADER_VALUE not in text
