"""The installed SDK's (5.x, or 4.x under .venv-sdk4) evaluators client against a live server, every operation."""

import pytest
from langfuse.api.evaluation_commons import EvaluatorOutputDefinition_Categorical, EvaluatorOutputDefinition_Numeric
from langfuse.api.evaluation_errors.errors.bad_request_error import BadRequestError
from langfuse.api.evaluation_errors.errors.evaluation_not_found_error import EvaluationNotFoundError
from langfuse.api.evaluators import (
    CreateEvaluatorRequest_LlmAsJudge,
    EvaluatorChatMessage,
    EvaluatorModelConfig,
    UpdateEvaluatorMetadataRequest,
    UpdateLlmAsJudgeEvaluatorRequest,
)
from langfuse.api.evaluators.types import Evaluator_LlmAsJudge, EvaluatorVersion_LlmAsJudge

from tests.evals.evaluator_factories import fake_connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sdk_creates_lists_updates_versions_and_deletes(langfuse, project, fake_provider):
    connection = fake_connection(project, fake_provider)
    evaluators = langfuse.api.evaluators
    created = evaluators.create(
        request=CreateEvaluatorRequest_LlmAsJudge(
            name="relevance",
            description="on topic?",
            prompt=[EvaluatorChatMessage(role="user", content="Is {{output}} about {{input}}?")],
            model_config_=EvaluatorModelConfig(provider=connection.provider, model="judge-model"),
            variable_mapping=[{"variable": "input", "source": "input"}],
            output_definition=EvaluatorOutputDefinition_Numeric(min_value=0, max_value=1),
        )
    )
    assert isinstance(created, Evaluator_LlmAsJudge)
    assert (created.name, created.version, created.status, created.variables) == (
        "relevance",
        1,
        "active",
        ["output", "input"],
    )
    assert created.model_config_.model == "judge-model"
    assert created.variable_mapping[0].source == "input" and created.evaluation_rule_assignments == []
    assert created.output_definition.min_value == 0 and created.output_definition.max_value == 1

    page = evaluators.list(limit=10)
    assert [e.id for e in page.data] == [created.id] and page.meta.cursor is None
    assert evaluators.get(created.id).version_id == created.version_id

    renamed = evaluators.update(created.id, request=UpdateEvaluatorMetadataRequest(name="relevance v2"))
    assert (renamed.name, renamed.version, renamed.description) == ("relevance v2", 1, "on topic?")

    versioned = evaluators.update(
        created.id,
        request=UpdateLlmAsJudgeEvaluatorRequest(
            prompt="Judge the tone of {{output}}",
            model_config_=EvaluatorModelConfig(provider=connection.provider, model="judge-model-2"),
            output_definition=EvaluatorOutputDefinition_Categorical(
                categories=["rude", "neutral", "kind"], should_allow_multiple_matches=False
            ),
        ),
    )
    assert (versioned.version, versioned.variables, versioned.output_definition.categories) == (
        2,
        ["output"],
        ["rude", "neutral", "kind"],
    )
    assert versioned.prompt[0].content == "Judge the tone of {{output}}" and versioned.variable_mapping is None

    history = evaluators.list_versions(created.id)
    assert all(isinstance(v, EvaluatorVersion_LlmAsJudge) for v in history.data)
    assert [(v.version, v.model_config_.model) for v in history.data] == [(2, "judge-model-2"), (1, "judge-model")]

    with pytest.raises(BadRequestError) as error:
        evaluators.create(
            request={"type": "code", "name": "c", "sourceCode": "import os", "sourceCodeLanguage": "PYTHON"}
        )
    assert error.value.body.code == "invalid_body" and "runs no user-supplied code" in error.value.body.message

    assert evaluators.delete(created.id).id == created.id
    with pytest.raises(EvaluationNotFoundError):
        evaluators.get(created.id)
    assert evaluators.list().data == []
