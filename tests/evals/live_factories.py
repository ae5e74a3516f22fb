"""Builders for live evaluation tests: a judge evaluator on the fake provider, rules, stored targets."""

from evals.live.services import evaluation_rule_create
from evals.models import Evaluator, EvaluatorType, EvaluatorVersion
from observability.ingestion.costs import price_table_invalidate
from observability.services.pricing import model_definition_create
from tests.fakes.provider import Reply
from tests.llm.factories import make_connection

JUDGE_PROMPT = [
    {"role": "system", "content": "You grade answers."},
    {"role": "user", "content": "Question: {{question}}\nAnswer: {{answer}}"},
]
NUMERIC = {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1}


def judge_answers(score, reasoning="fine"):
    """A fake provider responder answering every request with this judge verdict."""
    text = f'{{"reasoning": "{reasoning}", "score": {score}}}'
    return lambda request: Reply(text=text, usage=(100, 20))


def make_judge(project, fake_provider, *, name="correctness", output_definition=None, evaluator_id=None, **fields):
    """An LLM-as-a-judge evaluator with one version on a connection to the fake provider; returns the version."""
    connection = make_connection(project, fake_provider)
    evaluator = Evaluator.objects.create(
        project=project, id=evaluator_id or f"ev-{name}", name=name, type=EvaluatorType.LLM_AS_JUDGE
    )
    return EvaluatorVersion.objects.create(
        project=project,
        id=f"{evaluator.id}-v1",
        evaluator=evaluator,
        version=1,
        prompt=JUDGE_PROMPT,
        variables=["question", "answer"],
        model_provider=connection.provider,
        model="judge-model",
        output_definition=output_definition or NUMERIC,
        **fields,
    )


def make_rule(project, version, **fields):
    """An enabled rule on traces with `version`'s evaluator, mapping question/answer from input/output."""
    mapping = [
        {"variable": "question", "source": "input", "jsonPath": "$.question"},
        {"variable": "answer", "source": "output"},
    ]
    options = {"target": "trace", "settle_delay_seconds": 0, "enabled": True, "name": "live"} | fields
    assignments = options.pop(
        "evaluator_assignments", [{"evaluator_id": version.evaluator.id, "variable_mapping": mapping}]
    )
    return evaluation_rule_create(project=project, evaluator_assignments=assignments, **options)


def price_judge_model(project, *, input_price=0.001, output_price=0.002):
    """A project price for judge-model: USD per token."""
    definition = model_definition_create(
        project=project,
        model_name="judge-model",
        match_pattern="(?i)^judge-model$",
        input_price=input_price,
        output_price=output_price,
    )
    price_table_invalidate()
    return definition
