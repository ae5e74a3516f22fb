"""The real `langfuse` SDK against a live server: prompt management end to end."""

import inspect
import json
import os
import shutil

import pytest
import requests
from langfuse import Langfuse
from langfuse.api.core.api_error import ApiError
from langfuse.api.prompts.client import PromptsClient

from aistrale.tenancy.models import Role
from aistrale.tenancy.services import api_key_create
from bench.server import VENV_BIN, production_server
from prompts.services import protected_label_set

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_langfuse(langfuse_for, project):
    """The SDK client of an admin-role key of `project`."""
    api_key, secret_key = api_key_create(project=project, role=Role.ADMIN, note="admin")
    return langfuse_for(api_key.public_key, secret_key)


def test_text_prompt_create_fetch_and_compile(langfuse):
    created = langfuse.create_prompt(
        name="support/greeting",
        prompt="Hello {{name}}, about {{topic}}: {{missing}}",
        labels=["production"],
        tags=["support"],
        config={"model": "gpt-4o", "temperature": 0.2},
        commit_message="first draft",
    )
    assert (created.name, created.version, created.labels) == ("support/greeting", 1, ["production", "latest"])
    fetched = langfuse.get_prompt("support/greeting", cache_ttl_seconds=0)
    assert fetched.version == 1
    assert fetched.config == {"model": "gpt-4o", "temperature": 0.2}
    assert fetched.tags == ["support"]
    assert fetched.commit_message == "first draft"
    assert fetched.variables == ["name", "topic", "missing"]
    assert fetched.compile(name="<Ann>", topic="billing") == "Hello <Ann>, about billing: {{missing}}"


def test_chat_prompt_with_placeholders(langfuse):
    langfuse.create_prompt(
        name="assistant",
        type="chat",
        prompt=[
            {"role": "system", "content": "You are a {{persona}}."},
            {"type": "placeholder", "name": "history"},
            {"role": "user", "content": "{{question}}"},
        ],
        labels=["production"],
    )
    prompt = langfuse.get_prompt("assistant", type="chat", cache_ttl_seconds=0)
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    assert prompt.compile(persona="pirate", question="Where is the gold?", history=history) == [
        {"role": "system", "content": "You are a pirate."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Where is the gold?"},
    ]


def test_fetch_by_label_and_version_and_label_moves_show_on_the_next_fetch(langfuse):
    langfuse.create_prompt(name="movable", prompt="version one", labels=["production"])
    langfuse.create_prompt(name="movable", prompt="version two", labels=["staging"])
    assert langfuse.get_prompt("movable", cache_ttl_seconds=0).prompt == "version one"
    assert langfuse.get_prompt("movable", label="staging", cache_ttl_seconds=0).version == 2
    assert langfuse.get_prompt("movable", label="latest", cache_ttl_seconds=0).version == 2
    assert langfuse.get_prompt("movable", version=1, cache_ttl_seconds=0).prompt == "version one"
    updated = langfuse.update_prompt(name="movable", version=2, new_labels=["production"])
    assert updated.labels == ["production", "staging", "latest"]
    assert langfuse.get_prompt("movable", cache_ttl_seconds=0).prompt == "version two"
    langfuse.update_prompt(name="movable", version=1, new_labels=["production"])
    assert langfuse.get_prompt("movable", cache_ttl_seconds=0).prompt == "version one"
    langfuse.create_prompt(name="movable", prompt="version three", labels=["production"])
    assert langfuse.get_prompt("movable", cache_ttl_seconds=0).prompt == "version three"


def test_missing_prompt_is_not_found(langfuse):
    with pytest.raises(ApiError) as error:
        langfuse.get_prompt("nowhere", cache_ttl_seconds=0, max_retries=0)
    assert error.value.status_code == 404
    assert "nowhere" in error.value.body["message"]
    fallback = langfuse.get_prompt("nowhere", cache_ttl_seconds=0, max_retries=0, fallback="Hi {{x}}")
    assert fallback.is_fallback


def test_protected_label_is_refused_for_a_member_key(langfuse, admin_langfuse, project):
    protected_label_set(project=project, name="production", protected=True, actor_role=Role.OWNER)
    with pytest.raises(ApiError) as error:
        langfuse.create_prompt(name="guarded", prompt="x", labels=["production"])
    assert error.value.status_code == 403
    assert "protected" in error.value.body["message"]
    langfuse.create_prompt(name="guarded", prompt="x", labels=["staging"])
    with pytest.raises(ApiError) as error:
        langfuse.update_prompt(name="guarded", version=1, new_labels=["production"])
    assert error.value.status_code == 403
    admin_langfuse.update_prompt(name="guarded", version=1, new_labels=["production"])
    assert langfuse.get_prompt("guarded", cache_ttl_seconds=0).labels == ["production", "staging", "latest"]


def test_composition_and_its_cycle_error(langfuse):
    langfuse.create_prompt(name="tone", prompt="Answer kindly.", labels=["production"])
    langfuse.create_prompt(
        name="composed",
        prompt="@@@langfusePrompt:name=tone|label=production@@@ Question: {{q}}",
        labels=["production"],
    )
    composed = langfuse.get_prompt("composed", cache_ttl_seconds=0)
    assert composed.compile(q="why?") == "Answer kindly. Question: why?"
    langfuse.create_prompt(name="tone", prompt="Answer briefly.", labels=["production"])
    assert langfuse.get_prompt("composed", cache_ttl_seconds=0).prompt == "Answer briefly. Question: {{q}}"

    langfuse.create_prompt(name="tone", prompt="@@@langfusePrompt:name=composed|label=production@@@", labels=["next"])
    langfuse.update_prompt(name="tone", version=3, new_labels=["production"])
    with pytest.raises(ApiError) as error:
        langfuse.get_prompt("composed", cache_ttl_seconds=0, max_retries=0)
    assert error.value.status_code == 400
    assert "circular prompt composition: composed v1 -> tone v3 -> composed v1" in error.value.body["message"]
    with pytest.raises(ApiError) as error:
        langfuse.create_prompt(name="loop", prompt="@@@langfusePrompt:name=loop|label=latest@@@")
    assert error.value.status_code == 400
    assert "cannot reference itself" in error.value.body["message"]


def test_list_and_delete_through_the_api_client(langfuse):
    langfuse.create_prompt(name="a", prompt="1", labels=["production"], tags=["t"])
    langfuse.create_prompt(name="a", prompt="2")
    listed = langfuse.api.prompts.list(tag="t")
    assert [(meta.name, meta.versions, meta.labels) for meta in listed.data] == [
        ("a", [1, 2], ["production", "latest"])
    ]
    langfuse.api.prompts.delete("a", version=2)
    assert langfuse.get_prompt("a", label="latest", cache_ttl_seconds=0).version == 1
    langfuse.api.prompts.delete("a")
    assert langfuse.api.prompts.list().data == []


@pytest.mark.skipif(
    "filter" not in inspect.signature(PromptsClient.list).parameters,
    reason="this langfuse SDK has no JSON prompt filter (4.x)",
)
def test_list_with_the_json_filter_of_sdk_5(langfuse):
    for name in ("tools/search", "tools/describe", "support"):
        langfuse.create_prompt(name=name, prompt="x", labels=["production"], config={"model": "gpt-4o"})
    langfuse.create_prompt(name="tools/search", prompt="y", config={"model": "gpt-4o-mini"})
    conditions = [
        {"type": "string", "column": "name", "operator": "starts with", "value": "tools/"},
        {"type": "stringObject", "column": "config", "key": "model", "operator": "ends with", "value": "mini"},
    ]
    listed = langfuse.api.prompts.list(filter=json.dumps(conditions))
    assert [(meta.name, meta.versions, meta.labels) for meta in listed.data] == [("tools/search", [2], ["latest"])]
    with pytest.raises(ApiError) as error:
        langfuse.api.prompts.list(filter='[{"type": "string"}]')
    assert error.value.status_code == 400
    assert "filter[0]: needs column, operator" in error.value.body["message"]


def test_compile_endpoint_reports_the_engine(live_server, langfuse, key_pair):
    langfuse.create_prompt(name="greet", prompt="Hi {{name}}", labels=["production"])
    response = requests.post(
        f"{live_server.url}/api/prompts/greet/compile", json={"variables": {"name": "Ann"}}, auth=key_pair
    )
    assert response.json() == {"engine": "langfuse", "name": "greet", "version": 1, "type": "text", "prompt": "Hi Ann"}
    requests.post(
        f"{live_server.url}/api/public/v2/prompts",
        json={"name": "jinja", "prompt": "{{ name.__class__ }}", "templateEngine": "jinja2", "labels": ["production"]},
        auth=key_pair,
    ).raise_for_status()
    response = requests.post(
        f"{live_server.url}/api/prompts/jinja/compile", json={"variables": {"name": "x"}}, auth=key_pair
    )
    assert response.status_code == 400
    assert "unsafe jinja2 template refused by the sandbox" in response.json()["message"]


@pytest.mark.skipif(shutil.which("gunicorn", path=str(VENV_BIN)) is None, reason="needs gunicorn")
def test_label_moves_reach_every_gunicorn_worker(tmp_path):
    """Several production web workers (Redis cache when REDIS_URL is set, else per-process memory)."""
    database_url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    with production_server(database_url=database_url, redis_url=os.environ.get("REDIS_URL"), workers=3) as server:
        client = Langfuse(
            public_key=server.public_key, secret_key=server.secret_key, base_url=server.url, tracing_enabled=False
        )
        client.create_prompt(name="spread", prompt="one", labels=["production"])
        client.create_prompt(name="spread", prompt="two")
        for expected_version in (2, 1, 2, 1):
            client.update_prompt(name="spread", version=expected_version, new_labels=["production"])
            seen = {client.get_prompt("spread", cache_ttl_seconds=0).version for _ in range(15)}
            assert seen == {expected_version}
        client.shutdown()
