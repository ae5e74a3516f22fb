"""Evaluator services: create, new versions, metadata, archive, each rule of a version named when broken."""

import pytest

from aistrale.errors import DomainError
from aistrale.llm.models import LlmAdapter
from aistrale.tenancy.models import AuditEvent
from evals import selectors
from evals.models import Evaluator, EvaluatorStatus, EvaluatorVersion
from evals.services.evaluators import (
    evaluator_create,
    evaluator_set_archived,
    evaluator_update,
    evaluator_version_create,
)
from tests.evals.evaluator_factories import JUDGE_PROMPT, UNIT_SCORE, fake_connection, make_check, make_judge

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(project, fake_provider):
    return fake_connection(project, fake_provider)


def test_a_judge_is_created_at_version_1_with_its_variables(project, connection):
    evaluator = make_judge(project, connection, variable_mapping=[{"variable": "input", "source": "input"}])

    [version] = EvaluatorVersion.objects.filter(evaluator=evaluator)
    assert (evaluator.type, evaluator.status, version.version) == ("llm_as_judge", "active", 1)
    assert version.variables == ["input", "output", "expected_output"]
    assert version.variable_mapping == [{"variable": "input", "source": "input", "jsonPath": None}]
    assert (version.model_provider, version.model, version.model_parameters) == (connection.provider, "judge-model", {})
    assert version.output_definition == UNIT_SCORE
    assert AuditEvent.objects.get(action="evaluator.created").object_id == evaluator.id


def test_a_string_prompt_is_one_user_message_and_categories_get_values(project, connection):
    evaluator = make_judge(
        project,
        connection,
        prompt="Is {{output}} polite?",
        output_definition={"dataType": "CATEGORICAL", "categories": ["rude", "polite"]},
    )
    version = selectors.evaluator_latest_version(evaluator)
    assert version.prompt == [{"role": "user", "content": "Is {{output}} polite?"}]
    assert version.output_definition["categories"] == [{"label": "rude", "value": 0}, {"label": "polite", "value": 1}]


def test_a_new_version_replaces_the_definition_and_ends_a_model_config_pause(project, connection):
    evaluator = make_judge(project, connection)
    Evaluator.objects.filter(key=evaluator.key).update(
        status=EvaluatorStatus.PAUSED, paused_reason="invalid_model_config", paused_message="model gone"
    )

    version = evaluator_version_create(
        evaluator=evaluator,
        prompt="Rate {{output}}",
        model_provider=connection.provider,
        model="judge-2",
        output_definition={"dataType": "BOOLEAN"},
    )

    evaluator.refresh_from_db()
    assert (version.version, version.variables, version.model) == (2, ["output"], "judge-2")
    assert (evaluator.status, evaluator.paused_reason, evaluator.paused_message) == ("active", None, None)
    assert [v.version for v in selectors.evaluator_version_list(evaluator=evaluator)] == [2, 1]
    assert selectors.evaluator_get(project=project, evaluator_id=evaluator.id).versions.all()[0].id == version.id


def test_an_auth_pause_stays_after_a_new_version(project, connection):
    evaluator = make_judge(project, connection)
    Evaluator.objects.filter(key=evaluator.key).update(status=EvaluatorStatus.PAUSED, paused_reason="provider_auth")
    evaluator_version_create(
        evaluator=evaluator,
        prompt="{{output}}",
        model_provider=connection.provider,
        model="m",
        output_definition=UNIT_SCORE,
    )
    evaluator.refresh_from_db()
    assert evaluator.status == "paused"


def test_metadata_changes_make_no_version_and_names_stay_unique(project, connection):
    evaluator = make_judge(project, connection)
    make_judge(project, connection, name="other")

    evaluator_update(evaluator=evaluator, name="renamed", description="grades")
    assert (evaluator.name, evaluator.description, evaluator.versions.count()) == ("renamed", "grades", 1)
    with pytest.raises(DomainError) as error:
        evaluator_update(evaluator=evaluator, name="other")
    assert (error.value.field, error.value.status) == ("name", 409)
    with pytest.raises(DomainError) as error:
        make_judge(project, connection, name="other")
    assert (error.value.field, error.value.status) == ("name", 409)


def test_archived_evaluators_leave_the_lists_and_come_back(project, connection):
    evaluator = make_judge(project, connection)
    evaluator_set_archived(evaluator=evaluator, archived=True)
    assert selectors.evaluator_get(project=project, evaluator_id=evaluator.id) is None
    assert selectors.evaluator_get(project=project, evaluator_id=evaluator.id, include_archived=True)
    evaluator_set_archived(evaluator=evaluator, archived=False)
    assert [e.id for e in selectors.evaluator_list(project=project)] == [evaluator.id]


def test_a_semantic_similarity_evaluator_derives_its_output(project, connection):
    evaluator = evaluator_create(
        project=project,
        name="similar",
        type="semantic_similarity",
        model_provider=connection.provider,
        model="embed-small",
        check_config={"threshold": 0.8},
        output_definition={"scoreName": "semantic_match"},
    )
    version = selectors.evaluator_latest_version(evaluator)
    assert version.variables == ["output", "expected_output"]
    assert version.output_definition == {"dataType": "BOOLEAN", "scoreName": "semantic_match"}
    assert version.score_name == "semantic_match"


JUDGE = {"type": "llm_as_judge", "prompt": JUDGE_PROMPT, "model": "judge-model", "output_definition": UNIT_SCORE}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": " "}, "name", "non-empty"),
        ({"name": "x" * 256}, "name", "longer than 255"),
        ({"description": 5}, "description", "string or null"),
        ({"type": "code"}, "type", "runs no user-supplied code"),
        ({"type": "python"}, "type", "must be one of llm_as_judge, deterministic, semantic_similarity"),
        ({"prompt": []}, "prompt", "non-empty"),
        ({"prompt": [{"role": "tool", "content": "{{x}}"}]}, "prompt.0.role", "system, user, assistant"),
        ({"prompt": [{"role": "user", "content": ""}]}, "prompt.0.content", "non-empty string"),
        ({"prompt": [{"role": "user"}]}, "prompt.0", "exactly a role and a content"),
        ({"prompt": "no variables here"}, "prompt", "at least one {{variable}}"),
        ({"output_definition": None}, "output_definition", "with a dataType"),
        ({"output_definition": {"dataType": "TEXT"}}, "output_definition.data_type", "NUMERIC, BOOLEAN, CATEGORICAL"),
        (
            {"output_definition": {"dataType": "NUMERIC", "minValue": 2, "maxValue": 1}},
            "output_definition.min_value",
            "must not exceed",
        ),
        (
            {"output_definition": {"dataType": "NUMERIC", "maxValue": "1"}},
            "output_definition.maxValue",
            "finite number",
        ),
        ({"output_definition": {"dataType": "BOOLEAN", "minValue": 0}}, "output_definition.min_value", "only NUMERIC"),
        (
            {"output_definition": {"dataType": "CATEGORICAL", "categories": ["a"]}},
            "output_definition.categories",
            "at least two",
        ),
        (
            {"output_definition": {"dataType": "CATEGORICAL", "categories": ["a", "a"]}},
            "output_definition.categories.1",
            "duplicate",
        ),
        (
            {
                "output_definition": {
                    "dataType": "CATEGORICAL",
                    "categories": ["a", "b"],
                    "shouldAllowMultipleMatches": True,
                }
            },
            "output_definition.should_allow_multiple_matches",
            "one category",
        ),
        (
            {"output_definition": {"dataType": "BOOLEAN", "categories": ["a", "b"]}},
            "output_definition.categories",
            "only CATEGORICAL",
        ),
        (
            {"output_definition": {"dataType": "BOOLEAN", "version": 2}},
            "output_definition",
            "unknown fields ['version']",
        ),
        ({"output_definition": {"dataType": "BOOLEAN", "scoreName": ""}}, "output_definition.scoreName", "non-empty"),
        ({"model_provider": None}, "model_provider", "must name one"),
        (
            {"model_provider": "nope"},
            "model_provider",
            "no LLM connection 'nope' in this project (it has: fake-openai)",
        ),
        ({"model": " "}, "model", "non-empty model name"),
        ({"model_parameters": {"temperature": 3}}, "model_parameters.temperature", "within [0, 2]"),
        ({"model_parameters": {"max_tokens": 0}}, "model_parameters.max_tokens", "at least 1"),
        ({"model_parameters": {"stop": [1]}}, "model_parameters.stop", "list of strings"),
        ({"model_parameters": {"tools": []}}, "model_parameters", "unknown model parameter"),
        ({"check_config": {"kind": "regex"}}, "check_config", "only deterministic and semantic_similarity"),
        ({"variable_mapping": {}}, "variable_mapping", "must be a list"),
        (
            {"variable_mapping": [{"variable": "context", "source": "metadata"}]},
            "variable_mapping.0.variable",
            "not a variable",
        ),
        (
            {"variable_mapping": [{"variable": "input", "source": "trace"}]},
            "variable_mapping.0.source",
            "must be one of input",
        ),
        (
            {"variable_mapping": [{"variable": "input", "source": "metadata", "jsonPath": "a.b"}]},
            "variable_mapping.0.json_path",
            "starting with $",
        ),
        (
            {"variable_mapping": [{"variable": "input", "source": "input"}, {"variable": "input", "source": "output"}]},
            "variable_mapping.1.variable",
            "mapped twice",
        ),
        ({"type": "deterministic", "check_config": {"kind": "regex", "pattern": "x"}}, "prompt", "calls no model"),
        ({"type": "semantic_similarity", "check_config": {"threshold": 2}}, "prompt", "has no prompt"),
        (
            {
                "type": "deterministic",
                "prompt": None,
                "model_provider": None,
                "model": None,
                "model_parameters": {"seed": 1},
            },
            "model_parameters",
            "calls no model",
        ),
    ],
)
def test_bad_definitions_are_refused_naming_the_field(project, connection, changes, field, message):
    fields = {"name": "judge", "model_provider": connection.provider, **JUDGE, **changes}
    with pytest.raises(DomainError) as error:
        evaluator_create(project=project, **fields)
    assert error.value.field == field
    assert message in error.value.message
    assert not Evaluator.objects.exists()


def test_a_model_outside_a_connections_list_or_an_unsupported_adapter_is_refused(project, fake_provider):
    listed = fake_connection(project, fake_provider, with_default_models=False, custom_models=["m-1"])
    with pytest.raises(DomainError) as error:
        make_judge(project, listed, model="m-2")
    assert error.value.field == "model" and "its models: m-1" in error.value.message
    make_judge(project, listed, model="m-1")
    bedrock = fake_connection(project, fake_provider, adapter=LlmAdapter.BEDROCK)
    with pytest.raises(DomainError) as error:
        make_judge(project, bedrock, name="b")
    assert error.value.field == "model_provider" and "unsupported adapter 'bedrock'" in error.value.message


def test_semantic_similarity_needs_a_connection_with_embeddings(project, fake_provider):
    anthropic = fake_connection(project, fake_provider, adapter=LlmAdapter.ANTHROPIC)
    with pytest.raises(DomainError) as error:
        evaluator_create(
            project=project, name="s", type="semantic_similarity", model_provider=anthropic.provider, model="e"
        )
    assert error.value.field == "model_provider" and "has no embeddings" in error.value.message


def test_deterministic_output_types_follow_the_check(project):
    make_check(project, name="lev", check_config={"kind": "levenshtein"}, output_definition={"scoreName": "lev"})
    with pytest.raises(DomainError) as error:
        make_check(project, check_config={"kind": "regex", "pattern": "a"}, output_definition={"dataType": "NUMERIC"})
    assert error.value.field == "output_definition.data_type" and "gives a BOOLEAN score" in error.value.message


def test_the_project_of_a_connection_matters(project, other_project, fake_provider):
    other = fake_connection(other_project, fake_provider)
    with pytest.raises(DomainError) as error:
        make_judge(project, other)
    assert error.value.field == "model_provider"
