"""Builders for the evaluator tests: a judge, a deterministic check and a similarity evaluator, each at v1."""

import json

from aistrale.llm.models import LlmAdapter
from evals.services.evaluators import evaluator_create
from tests.fakes.provider import Reply
from tests.llm.factories import make_connection

JUDGE_PROMPT = [
    {"role": "system", "content": "You grade answers."},
    {"role": "user", "content": "Question: {{input}}\nAnswer: {{output}}\nReference: {{expected_output}}"},
]
UNIT_SCORE = {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1}


def make_judge(project, connection, *, name="correctness", **fields):
    return evaluator_create(
        project=project,
        name=name,
        type="llm_as_judge",
        **{
            "prompt": JUDGE_PROMPT,
            "model_provider": connection.provider,
            "model": "judge-model",
            "output_definition": UNIT_SCORE,
            **fields,
        },
    )


def make_check(project, *, name="exact", check_config=None, **fields):
    return evaluator_create(
        project=project,
        name=name,
        type="deterministic",
        check_config=check_config or {"kind": "exact_match"},
        **fields,
    )


def fake_connection(project, fake_provider, **fields):
    return make_connection(project, fake_provider, **fields)


def judge_reply(answer: dict, *, adapter=LlmAdapter.OPENAI, **fields) -> Reply:
    """The fake provider's schema answer as each SDK expects it (Anthropic: the forced `respond` tool call)."""
    if adapter == LlmAdapter.ANTHROPIC:
        return Reply(tool_call={"name": "respond", "arguments": answer}, **fields)
    return Reply(text=json.dumps(answer), **fields)
