"""Evaluator runs through the real openai and anthropic SDKs against the fake provider: the judge's prompt,
its parsed score, retries on 429, typed failures, semantic similarity over /embeddings, the library."""

import math

import pytest

from aistrale.errors import DomainError
from aistrale.llm.models import LlmAdapter
from aistrale.llm.types import LlmAuthError, LlmRateLimited
from evals import selectors
from evals.evaluators.library import LIBRARY
from evals.evaluators.runner import evaluator_run
from evals.services.evaluators import evaluator_create, evaluator_create_from_library
from tests.evals.evaluator_factories import fake_connection, judge_reply, make_judge
from tests.fakes.provider import Reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_retries")]

ADAPTERS = [LlmAdapter.OPENAI, LlmAdapter.ANTHROPIC]
VARIABLES = {"input": "capital of France?", "output": "Paris", "expected_output": "Paris"}


def judge_version(project, fake_provider, adapter=LlmAdapter.OPENAI):
    evaluator = make_judge(project, fake_connection(project, fake_provider, adapter=adapter))
    return selectors.evaluator_latest_version(evaluator)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_the_judge_retries_429_then_reads_the_score(project, fake_provider, reported, adapter):
    version = judge_version(project, fake_provider, adapter)
    answer = {"reasoning": "same city", "score": 1}
    fake_provider.script(Reply(status=429), judge_reply(answer, adapter=adapter, usage=(40, 6)))

    verdict = evaluator_run(version=version, variables=VARIABLES)

    assert len(fake_provider.requests) == 2
    sent = fake_provider.requests[-1].body
    user = next(message for message in sent["messages"] if message["role"] == "user")
    assert user["content"] == "Question: capital of France?\nAnswer: Paris\nReference: Paris"
    assert (verdict.value, verdict.comment, verdict.usage.total) == (1.0, "same city", 46)
    [record] = reported
    assert record.trace_id == verdict.judge_trace_id and record.target.environment == "aistrale-evaluation"
    assert record.target.metadata["evaluatorId"] == version.evaluator.id


@pytest.mark.parametrize(("status", "error_type", "calls"), [(429, LlmRateLimited, 3), (401, LlmAuthError, 1)])
def test_a_judge_failing_after_its_retries_raises_a_typed_error(
    project,
    fake_provider,
    reported,
    status,
    error_type,
    calls,
):
    version = judge_version(project, fake_provider)
    fake_provider.script(*[Reply(status=status, error="slow down")] * 3)

    with pytest.raises(error_type) as error:
        evaluator_run(version=version, variables=VARIABLES)

    assert len(fake_provider.requests) == calls
    assert version.model_provider in error.value.message
    [record] = reported
    assert record.error is error.value


def similarity(project, fake_provider, threshold=None):
    evaluator = evaluator_create(
        project=project,
        name="semantic",
        type="semantic_similarity",
        model_provider=fake_connection(project, fake_provider).provider,
        model="embed-small",
        check_config={"threshold": threshold},
    )
    return selectors.evaluator_latest_version(evaluator)


def test_semantic_similarity_is_the_cosine_of_the_two_embeddings(project, fake_provider, reported):
    fake_provider.embeddings.update({"a cat": [1.0, 0.0, 1.0], "a kitten": [1.0, 1.0, 1.0]})
    version = similarity(project, fake_provider)

    verdict = evaluator_run(version=version, variables={"output": "a cat", "expected_output": "a kitten"})

    assert verdict.data_type == "NUMERIC"
    assert verdict.value == pytest.approx(2 / (math.sqrt(2) * math.sqrt(3)))
    [sent] = fake_provider.requests
    assert sent.path.endswith("/embeddings") and sent.body["input"] == ["a cat", "a kitten"]
    assert sent.body["model"] == "embed-small"
    [record] = reported
    assert record.kind == "embedding" and record.trace_id == verdict.judge_trace_id


def test_a_similarity_threshold_turns_it_into_a_boolean(project, fake_provider):
    fake_provider.embeddings.update({"yes": [1.0, 0.0], "yep": [0.8, 0.6], "no": [0.0, 1.0]})
    version = similarity(project, fake_provider, threshold=0.75)

    close = evaluator_run(version=version, variables={"output": "yes", "expected_output": "yep"})
    far = evaluator_run(version=version, variables={"output": "yes", "expected_output": "no"})

    assert (close.data_type, close.value, close.string_value) == ("BOOLEAN", 1.0, "True")
    assert (far.value, far.string_value) == (0.0, "False")
    assert "0.8000 ≥ 0.75" in close.comment and "0.0000 < 0.75" in far.comment


def test_similarity_without_the_expected_output_or_with_a_zero_vector_is_named(project, fake_provider):
    version = similarity(project, fake_provider)
    with pytest.raises(DomainError) as error:
        evaluator_run(version=version, variables={"output": "x"})
    assert error.value.field == "variables.expected_output"
    fake_provider.embeddings["123"] = [0.0, 0.0]
    fake_provider.embeddings["abc"] = [1.0, 0.0]
    with pytest.raises(DomainError) as error:
        evaluator_run(version=version, variables={"output": "123", "expected_output": "abc"})
    assert "all zeros" in error.value.message


@pytest.mark.parametrize("key", sorted(LIBRARY))
def test_each_library_evaluator_is_created_and_judges(project, fake_provider, key):
    connection = fake_connection(project, fake_provider)
    template = LIBRARY[key]
    evaluator = evaluator_create_from_library(
        project=project, template=key, model_provider=connection.provider, model="judge-model"
    )
    version = selectors.evaluator_latest_version(evaluator)
    assert (evaluator.name, evaluator.description) == (template.name, template.description)
    assert {"input"} <= set(version.variables) <= {"input", "output", "expected_output", "context"}
    assert [entry["variable"] for entry in version.variable_mapping] == version.variables
    definition = version.output_definition
    score = {"NUMERIC": 0.5, "BOOLEAN": True, "CATEGORICAL": "clean"}[definition["dataType"]]
    fake_provider.script(judge_reply({"reasoning": "r", "score": score}))

    verdict = evaluator_run(version=version, variables={name: f"<{name}>" for name in version.variables})

    user = fake_provider.requests[-1].body["messages"][1]["content"]
    assert user.startswith(f"Rubric — {template.name.lower()}.") and "<input>" in user and "{{" not in user
    assert verdict.score_name == template.name and verdict.value is not None


def test_an_unknown_template_is_named_and_a_name_may_be_chosen(project, fake_provider):
    connection = fake_connection(project, fake_provider)
    with pytest.raises(DomainError) as error:
        evaluator_create_from_library(project=project, template="vibes", model_provider=connection.provider, model="m")
    assert error.value.field == "template" and "correctness, hallucination" in error.value.message
    evaluator = evaluator_create_from_library(
        project=project, template="toxicity", model_provider=connection.provider, model="m", name="Tox (support)"
    )
    assert evaluator.name == "Tox (support)"
