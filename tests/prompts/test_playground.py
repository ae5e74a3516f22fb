"""The playground: variables filled, variants checked, runs streamed against the fake providers and traced,
saved as a prompt version, opened from a prompt version and from a generation."""

import json

import pytest

from aistrale.errors import DomainError
from aistrale.llm import sink
from aistrale.llm.models import LlmAdapter
from aistrale.tenancy.models import AuditEvent, Role
from prompts.models import PromptVersion
from prompts.playground import services
from tests.fakes.provider import Reply
from tests.llm.factories import make_connection
from tests.observability.factories import make_observation, make_trace

pytestmark = pytest.mark.django_db

PAGE = "/admin/prompts/prompt/playground/"
MESSAGES = [{"role": "system", "content": "You help {{team}}."}, {"role": "user", "content": "Hi {{name}} {{unset}}"}]


@pytest.fixture
def reported(monkeypatch):
    records = []
    monkeypatch.setattr(sink, "_sinks", [records.append])
    return records


@pytest.fixture
def writer(client, project, make_user):
    client.force_login(make_user("writer", project=project, role=Role.MEMBER))
    return client


def run(client, project, variant, index=0, **extra):
    body = {"project": project.pk, "messages": MESSAGES, "variables": {"team": "billing", "name": "Ana"}}
    response = client.post(
        f"{PAGE}run/", json.dumps({**body, "variant": variant, "index": index, **extra}), "application/json"
    )
    if response.status_code != 200:
        return response, None
    return response, [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]


def test_variables_are_filled_and_unknown_ones_kept():
    filled = services.playground_messages(messages=MESSAGES, variables={"team": "billing", "name": "Ana"})

    assert filled == [
        {"role": "system", "content": "You help billing."},
        {"role": "user", "content": "Hi Ana {{unset}}"},
    ]


@pytest.mark.parametrize(
    ("messages", "field"),
    [
        ([], "messages"),
        ([{"role": "robot", "content": "x"}], "messages.0.role"),
        ([{"role": "user"}], "messages.0.content"),
    ],
)
def test_bad_messages_name_the_field(messages, field):
    with pytest.raises(DomainError) as raised:
        services.playground_messages(messages=messages, variables={})
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("variant", "field"),
    [
        ({"connection": "nope", "model": "m"}, "variants.1.connection"),
        ({"connection": "fake-openai", "model": " "}, "variants.1.model"),
        ({"connection": "fake-openai", "model": "m", "parameters": {"temperature": 3}}, "variants.1.temperature"),
        ({"connection": "fake-openai", "model": "m", "parameters": {"max_tokens": 0}}, "variants.1.max_tokens"),
        ({"connection": "fake-openai", "model": "m", "parameters": {"top_p": "x"}}, "variants.1.top_p"),
        ({"connection": "fake-openai", "model": "m", "parameters": {"stop": [1]}}, "variants.1.stop"),
        ({"connection": "fake-openai", "model": "m", "response_format": "json"}, "variants.1.response_format"),
        ({"connection": "fake-openai", "model": "m", "tools": [{"name": "f"}]}, "variants.1.tools.0"),
    ],
)
def test_bad_variants_name_the_field(project, fake_provider, variant, field):
    make_connection(project, fake_provider)
    with pytest.raises(DomainError) as raised:
        services.variant_parse(project=project, data=variant, index=1)
    assert raised.value.field == field


@pytest.mark.parametrize("index", [-1, services.MAX_VARIANTS, "1", True])
def test_a_variant_number_past_the_limit_is_refused(project, fake_provider, index):
    make_connection(project, fake_provider)
    with pytest.raises(DomainError) as raised:
        services.variant_parse(project=project, data={"connection": "fake-openai", "model": "m"}, index=index)
    assert raised.value.field == "index"
    assert f"from 0 to {services.MAX_VARIANTS - 1}" in raised.value.message


def test_two_variants_stream_side_by_side_and_are_traced(writer, project, fake_provider, reported, model_prices):
    make_connection(project, fake_provider)
    make_connection(project, fake_provider, adapter=LlmAdapter.ANTHROPIC)
    fake_provider.script(Reply(text="openai says hi", chunks=3, usage=(20, 4)), Reply(text="claude says hi", chunks=2))

    _, first = run(
        writer, project, {"connection": "fake-openai", "model": "gpt-4o-mini", "parameters": {"temperature": 0.3}}
    )
    _, second = run(writer, project, {"connection": "fake-anthropic", "model": "claude-haiku-4-5"}, index=1)

    assert "".join(event.get("delta", "") for event in first) == "openai says hi"
    assert len([event for event in first if "delta" in event]) == 3
    assert "".join(event.get("delta", "") for event in second) == "claude says hi"
    done = first[-1]
    assert done["done"] and done["usage"] == {"input": 20, "output": 4, "total": 24} and float(done["cost"]) > 0
    assert done["latencyMs"] >= 0 and done["ttftMs"] is not None
    openai_sent, anthropic_sent = fake_provider.requests
    assert openai_sent.body["messages"] == [
        {"role": "system", "content": "You help billing."},
        {"role": "user", "content": "Hi Ana {{unset}}"},
    ]
    assert openai_sent.body["temperature"] == 0.3 and anthropic_sent.body["system"] == "You help billing."
    assert [record.target.environment for record in reported] == ["aistrale-playground"] * 2
    assert reported[0].target.metadata["connection"] == "fake-openai"
    assert reported[0].trace_id == done["traceId"]


def test_a_provider_error_ends_the_variants_stream_with_it(writer, project, fake_provider, reported):
    make_connection(project, fake_provider)
    fake_provider.script(*[Reply(status=400, error="max_tokens too large")] * 3)

    _, events = run(writer, project, {"connection": "fake-openai", "model": "m"})

    assert events[-1]["error"].endswith("max_tokens too large") and events[-1]["kind"] == "bad_request"
    assert reported[0].error is not None


def test_refused_input_is_a_400_naming_the_field(writer, project, fake_provider):
    make_connection(project, fake_provider)

    response, _ = run(writer, project, {"connection": "fake-openai", "model": "m", "parameters": {"top_p": 2}})

    assert response.status_code == 400
    assert response.json() == {"error": "must be from 0 to 1", "field": "variants.0.top_p"}


def test_another_projects_connection_or_project_is_refused(writer, project, other_project, fake_provider):
    make_connection(other_project, fake_provider)

    unknown, _ = run(writer, project, {"connection": "fake-openai", "model": "m"})
    foreign = writer.post(f"{PAGE}run/", json.dumps({"project": other_project.pk}), "application/json")

    assert unknown.status_code == 400 and unknown.json()["field"] == "variants.0.connection"
    assert foreign.status_code == 404


def test_save_as_version_makes_a_normal_prompt_version(writer, project, fake_provider, greeting):
    make_connection(project, fake_provider)
    body = {
        "project": project.pk,
        "name": "support/triage",
        "messages": MESSAGES,
        "variant": {"connection": "fake-openai", "model": "gpt-4o", "parameters": {"temperature": 0.5}},
        "commitMessage": "from the playground",
        "label": "staging",
    }

    response = writer.post(f"{PAGE}save/", json.dumps(body), "application/json")

    assert response.status_code == 200, response.content
    version = PromptVersion.objects.get(prompt__name="support/triage")
    assert response.json() == {"name": "support/triage", "version": 1, "url": response.json()["url"]}
    assert (version.type, version.content, version.commit_message) == ("chat", MESSAGES, "from the playground")
    assert version.config == {"model": "gpt-4o", "connection": "fake-openai", "temperature": 0.5}
    assert list(version.prompt.labels.values_list("name", flat=True)) == ["staging"]
    assert version.created_by == "playground"
    assert AuditEvent.objects.filter(action__startswith="prompt").exists()
    refused = writer.post(f"{PAGE}save/", json.dumps({**body, "name": ""}), "application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "name"


def test_open_from_a_prompt_version_prefills_it(writer, project, greeting):
    version = greeting.versions.get(version=2)

    response = writer.get(PAGE, {"version": version.pk})

    prefill = response.context["prefill"]
    assert prefill["messages"] == [{"role": "user", "content": "Hi {{name}}! How may I help today?"}]
    assert prefill["variants"] == [{"model": "gpt-4o", "connection": "", "parameters": {"temperature": 0.7}}]
    assert prefill["from"] == "support/greeting v2"


def test_open_from_a_generation_prefills_messages_model_and_parameters(writer, project, other_project):
    generation = make_observation(
        project,
        "gen-1",
        "t-1",
        type="GENERATION",
        name="answer",
        model="gpt-4o-mini",
        model_parameters={"temperature": 0.2, "max_tokens": 100, "seed": 1},
        input=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "refund?"}],
        metadata={"gateway": {"connection": "fake-openai"}},
    )
    theirs = make_observation(other_project, "gen-2", "t-2", type="GENERATION", input="secret")

    response = writer.get(PAGE, {"source": "generation", "id": generation.key})

    assert response.status_code == 200
    prefill = response.context["prefill"]
    assert prefill["messages"] == generation.input
    assert prefill["variants"] == [
        {"connection": "fake-openai", "model": "gpt-4o-mini", "parameters": {"temperature": 0.2, "max_tokens": 100}}
    ]
    assert writer.get(PAGE, {"source": "generation", "id": theirs.key}).status_code == 404


def test_the_page_needs_a_writing_membership(client, make_user, project):
    client.force_login(make_user("viewer", project=project, role=Role.VIEWER))
    assert client.get(PAGE).status_code == 403


def test_a_version_page_and_a_generation_on_its_trace_page_link_to_the_playground(writer, project, greeting):
    version = greeting.versions.get(version=1)
    trace = make_trace(project, "t-link")
    generation = make_observation(project, "g-link", "t-link", type="GENERATION", model="gpt-4o")

    version_page = writer.get(f"/admin/prompts/prompt/{greeting.pk}/versions/1/").content.decode()
    trace_page = writer.get(f"/admin/observability/trace/{trace.key}/change/").content.decode()

    assert f'href="{PAGE}?version={version.pk}"' in version_page
    assert f'href="{PAGE}?source=generation&amp;id={generation.key}"' in trace_page
