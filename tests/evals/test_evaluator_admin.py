"""The evaluator admin through the test client: list, create (and from the library), edit as a new version,
archive, try it (deterministic and a real judge call to the fake provider), errors on the form, other projects."""

import json

import pytest

from aistrale.tenancy.models import Role
from evals.models import Evaluator, EvaluatorVersion
from evals.services.evaluators import evaluator_create
from tests.evals.evaluator_factories import JUDGE_PROMPT, fake_connection, judge_reply, make_check, make_judge
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

BASE = "/admin/evals/evaluator/"


@pytest.fixture
def connection(project, fake_provider):
    return fake_connection(project, fake_provider)


def definition(**fields) -> dict:
    """The admin form's POST of an LLM judge, `fields` changed (JSON fields as JSON text)."""
    data = {
        "name": "correctness",
        "description": "",
        "type": "llm_as_judge",
        "prompt": JUDGE_PROMPT,
        "model_provider": "fake-openai",
        "model": "judge-model",
        "model_parameters": {"temperature": 0},
        "check_config": None,
        "output_definition": {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
        "variable_mapping": None,
        **fields,
    }
    return {key: json.dumps(value) if not isinstance(value, str) else value for key, value in data.items()}


def test_a_member_creates_a_judge_and_a_check(member_client, project, connection, member):
    response = member_client.post(f"{BASE}add/", {"project": project.pk, **definition()})
    evaluator = Evaluator.objects.get(name="correctness")
    assert response.status_code == 302 and response["Location"] == f"{BASE}{evaluator.pk}/change/"
    version = EvaluatorVersion.objects.get(evaluator=evaluator)
    assert (version.model_parameters, version.created_by, evaluator.created_by) == ({"temperature": 0}, member, member)

    check = definition(
        name="has order id",
        type="deterministic",
        prompt="",
        model_provider="",
        model="",
        model_parameters="",
        output_definition="",
        check_config={"kind": "regex", "pattern": r"ORD-\d+"},
    )
    assert member_client.post(f"{BASE}add/", {"project": project.pk, **check}).status_code == 302
    assert EvaluatorVersion.objects.get(evaluator__name="has order id").output_definition == {"dataType": "BOOLEAN"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"prompt": [{"role": "robot", "content": "{{x}}"}]}, "prompt", "prompt.0.role: must be one of"),
        ({"output_definition": {"dataType": "TEXT"}}, "output_definition", "must be one of NUMERIC"),
        ({"model_provider": "gone"}, "model_provider", "no LLM connection 'gone'"),
        ({"type": "deterministic", "prompt": "", "check_config": {"kind": "eval"}}, "model_provider", "calls no model"),
    ],
)
def test_a_refused_definition_shows_on_its_field(member_client, project, connection, changes, field, message):
    response = member_client.post(f"{BASE}add/", {"project": project.pk, **definition(**changes)})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Evaluator.objects.exists()


def test_editing_the_definition_makes_a_version_and_a_rename_does_not(member_client, project, connection):
    evaluator = make_judge(project, connection)
    page = member_client.get(f"{BASE}{evaluator.pk}/versions/new/")
    assert page.status_code == 200 and "Starting from version 1" in page.content.decode()
    form = page.context["form"]
    current = {name: form[name].value() or "" for name in form.fields}

    renamed = member_client.post(f"{BASE}{evaluator.pk}/versions/new/", {**current, "name": "Correctness v2"})
    assert renamed.status_code == 302
    evaluator.refresh_from_db()
    assert (evaluator.name, evaluator.versions.count()) == ("Correctness v2", 1)

    changed = {**current, "name": "Correctness v2", "model": "judge-model-2"}
    assert member_client.post(f"{BASE}{evaluator.pk}/versions/new/", changed).status_code == 302
    assert [v.model for v in evaluator.versions.order_by("version")] == ["judge-model", "judge-model-2"]
    detail = member_client.get(f"{BASE}{evaluator.pk}/change/").content.decode()
    assert "Version 2 (latest)" in detail and "judge-model-2" in detail and "Question: {{input}}" in detail


def test_creating_from_the_library(member_client, project, connection):
    page = member_client.get(f"{BASE}library/")
    assert page.status_code == 200 and "Rubric — hallucination." in page.content.decode()
    response = member_client.post(
        f"{BASE}library/", {"template": "hallucination", "connection": connection.pk, "model": "m", "name": ""}
    )
    assert response.status_code == 302
    created = EvaluatorVersion.objects.get(evaluator__name="Hallucination")
    assert (created.project, created.model_provider, created.variables) == (
        project,
        "fake-openai",
        ["input", "context", "output"],
    )
    refused = member_client.post(f"{BASE}library/", {"template": "toxicity", "connection": connection.pk, "model": " "})
    assert refused.context["form"].errors["model"]


def test_the_library_offers_only_connections_of_writable_projects(member_client, other_project, fake_provider):
    other = fake_connection(other_project, fake_provider)
    response = member_client.post(f"{BASE}library/", {"template": "toxicity", "connection": other.pk, "model": "m"})
    assert "connection" in response.context["form"].errors
    assert not Evaluator.objects.exists()


def test_try_it_runs_a_check_and_shows_the_verdict(member_client, project):
    evaluator = make_check(project, check_config={"kind": "json_valid", "schema": {"type": "object"}})
    assert "output" in member_client.get(f"{BASE}{evaluator.pk}/try/").context["form"].fields
    page = member_client.post(f"{BASE}{evaluator.pk}/try/", {"output": "[1, 2]"}).content.decode()
    assert "= False" in page and "breaks the schema at (root)" in page
    missing = member_client.post(f"{BASE}{evaluator.pk}/try/", {"output": ""}).content.decode()
    assert "variables.output: this check needs the &#x27;output&#x27; variable" in missing


def test_try_it_calls_the_judge_and_shows_the_filled_prompt(member_client, project, connection, fake_provider):
    evaluator = make_judge(project, connection)
    fake_provider.script(judge_reply({"reasoning": "matches the reference", "score": 0.9}, usage=(30, 8)))

    page = member_client.post(
        f"{BASE}{evaluator.pk}/try/", {"input": "2+2?", "output": "4", "expected_output": "4"}
    ).content.decode()

    assert "Question: 2+2?\nAnswer: 4\nReference: 4" in page
    assert "correctness</strong> = 0.9" in page and "matches the reference" in page
    assert "30 input + 8 output tokens" in page
    assert fake_provider.requests[0].body["model"] == "judge-model"


def test_viewers_see_but_do_not_run_or_edit(client, make_user, project, connection):
    viewer = make_user("viewer", project=project, role=Role.VIEWER)
    client.force_login(viewer)
    evaluator = make_judge(project, connection)
    assert client.get(f"{BASE}{evaluator.pk}/change/").status_code == 200
    assert client.post(f"{BASE}{evaluator.pk}/try/", {"output": "x"}).status_code == 403
    assert client.get(f"{BASE}{evaluator.pk}/versions/new/").status_code == 403


def test_other_projects_evaluators_are_not_shown(member_client, other_project, fake_provider):
    other = make_judge(other_project, fake_connection(other_project, fake_provider))
    assert member_client.get(BASE).context["cl"].result_count == 0
    for url in (f"{BASE}{other.pk}/change/", f"{BASE}{other.pk}/try/", f"{BASE}{other.pk}/versions/new/"):
        assert member_client.get(url).status_code == 404, url


def test_archive_and_restore_actions(member_client, project, connection):
    evaluator = make_judge(project, connection)
    member_client.post(BASE, {"action": "archive", "_selected_action": [evaluator.pk]})
    evaluator.refresh_from_db()
    assert evaluator.archived_at is not None
    assert member_client.get(BASE, {"archived": "no"}).context["cl"].result_count == 0
    member_client.post(BASE, {"action": "restore", "_selected_action": [evaluator.pk]})
    evaluator.refresh_from_db()
    assert evaluator.archived_at is None


def test_the_changelist_makes_constant_queries(member_client, project, connection):
    assert "Create from library" in member_client.get(BASE).content.decode()
    assert_queries_constant(
        lambda: member_client.get(BASE),
        rows_of(lambda index: make_judge(project, connection, name=f"judge {index}")),
    )


def test_try_it_runs_semantic_similarity_over_embeddings(member_client, project, connection, fake_provider):
    evaluator = evaluator_create(
        project=project,
        name="semantic",
        type="semantic_similarity",
        model_provider=connection.provider,
        model="embed-small",
        check_config={"threshold": 0.9},
    )
    fake_provider.embeddings.update({"yes": [1.0, 0.0], "yep": [0.8, 0.6]})

    page = member_client.post(
        f"{BASE}{evaluator.pk}/try/", {"output": "yes", "expected_output": "yep"}
    ).content.decode()

    assert "semantic</strong> = False" in page and "cosine similarity 0.8000 &lt; 0.9" in page
    assert fake_provider.requests[0].path.endswith("/embeddings")
