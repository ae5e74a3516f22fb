"""An LLM-as-a-judge version fills its prompt, asks the (fake) provider for a schema answer and reads the score."""

import pytest

from aistrale.errors import DomainError
from evals.evaluators.runner import evaluator_run
from evals.models import Evaluator, EvaluatorType, EvaluatorVersion
from tests.fakes.provider import Reply
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db

PROMPT = [
    {"role": "system", "content": "You grade answers."},
    {
        "role": "user",
        "content": "Question: {{input}}\nAnswer: {{ output }}\nReference: {{expected_output}} {{unknown}}",
    },
]


def judge(project, connection, output_definition):
    evaluator = Evaluator.objects.create(
        project=project, id="ev-1", name="correctness", type=EvaluatorType.LLM_AS_JUDGE
    )
    return EvaluatorVersion.objects.create(
        project=project,
        id="ev-1-v1",
        evaluator=evaluator,
        version=1,
        prompt=PROMPT,
        variables=["input", "output", "expected_output"],
        model_provider=connection.provider,
        model="judge-model",
        model_parameters={"temperature": 0},
        output_definition=output_definition,
    )


def test_the_prompt_is_filled_and_the_score_read(project, fake_provider):
    version = judge(
        project, make_connection(project, fake_provider), {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1}
    )
    fake_provider.script(Reply(text='{"reasoning": "matches the reference", "score": 0.9}', usage=(30, 8)))

    verdict = evaluator_run(version=version, variables={"input": {"q": "2+2"}, "output": "4", "expected_output": 4})

    sent = fake_provider.requests[0].body
    assert sent["messages"][1]["content"] == 'Question: {"q": "2+2"}\nAnswer: 4\nReference: 4 {{unknown}}'
    assert sent["temperature"] == 0
    assert sent["response_format"]["json_schema"]["schema"]["properties"]["score"] == {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
    }
    assert (verdict.score_name, verdict.value, verdict.comment) == ("correctness", 0.9, "matches the reference")
    assert verdict.usage.as_details() == {"input": 30, "output": 8, "total": 38}
    assert verdict.judge_trace_id and verdict.filled_prompt[1]["content"].startswith("Question:")


def test_categorical_and_boolean_answers_become_score_values(project, fake_provider):
    categories = [{"label": "bad", "value": 0}, {"label": "good", "value": 1}]
    connection = make_connection(project, fake_provider)
    version = judge(project, connection, {"dataType": "CATEGORICAL", "categories": categories})
    fake_provider.script(Reply(text='{"reasoning": "r", "score": "good"}'))

    verdict = evaluator_run(version=version, variables={})

    assert (verdict.value, verdict.string_value, verdict.data_type) == (1.0, "good", "CATEGORICAL")
    version.output_definition = {"dataType": "BOOLEAN"}
    fake_provider.script(Reply(text='{"reasoning": "r", "score": false}'))
    assert evaluator_run(version=version, variables={}).string_value == "False"


@pytest.mark.parametrize(
    ("definition", "answer", "message"),
    [
        ({"dataType": "NUMERIC", "maxValue": 1}, '{"reasoning": "r", "score": 5}', "outside [None, 1]"),
        ({"dataType": "BOOLEAN"}, '{"reasoning": "r", "score": "yes"}', "not true or false"),
        ({"dataType": "NUMERIC"}, '{"reasoning": "r"}', "has no score"),
    ],
)
def test_an_answer_off_the_definition_is_an_error(project, fake_provider, definition, answer, message):
    version = judge(project, make_connection(project, fake_provider), definition)
    fake_provider.script(Reply(text=answer))
    with pytest.raises(DomainError) as error:
        evaluator_run(version=version, variables={})
    assert message in error.value.message


def test_a_missing_connection_is_named(project, fake_provider):
    version = judge(project, make_connection(project, fake_provider), {"dataType": "NUMERIC"})
    version.model_provider = "gone"
    with pytest.raises(DomainError) as error:
        evaluator_run(version=version, variables={})
    assert "'gone'" in error.value.message
