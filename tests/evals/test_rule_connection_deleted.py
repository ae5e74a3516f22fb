"""Deleting an LLM connection switches off the rules whose evaluators judge through it, saying why."""

import pytest

from aistrale.llm.services import llm_connection_delete
from aistrale.tenancy.models import AuditEvent
from evals.live.services import evaluation_rule_update
from evals.models import EvaluationRule, Evaluator, EvaluatorType, EvaluatorVersion
from tests.evals.live_factories import make_judge, make_rule
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db


def _version(project, evaluator, number, *, like, provider):
    return EvaluatorVersion.objects.create(
        project=project,
        id=f"{evaluator.id}-v{number}",
        evaluator=evaluator,
        version=number,
        prompt=like.prompt,
        variables=like.variables,
        model_provider=provider,
        model="judge-model",
        output_definition=like.output_definition,
    )


def test_rules_on_the_deleted_connection_are_switched_off_until_enabled_again(project, fake_provider):
    judge = make_judge(project, fake_provider)
    on_it = make_rule(project, judge, name="on the deleted connection")
    other = make_connection(project, fake_provider, provider="other-openai")
    tone = Evaluator.objects.create(project=project, id="ev-tone", name="tone", type=EvaluatorType.LLM_AS_JUDGE)
    elsewhere = make_rule(project, _version(project, tone, 1, like=judge, provider=other.provider), name="elsewhere")

    llm_connection_delete(project=project, connection_id="conn-openai-default")

    on_it, elsewhere = EvaluationRule.objects.get(pk=on_it.pk), EvaluationRule.objects.get(pk=elsewhere.pk)
    assert (on_it.enabled, elsewhere.enabled) == (False, True)
    assert "LLM connection 'fake-openai' was deleted" in on_it.paused_reason
    assert elsewhere.paused_reason is None
    assert AuditEvent.objects.filter(action="evaluation_rule.paused", object_id=on_it.id).count() == 1

    _version(project, judge.evaluator, 2, like=judge, provider=other.provider)
    resumed = evaluation_rule_update(rule=on_it, enabled=True)
    assert (resumed.enabled, resumed.paused_at, resumed.paused_reason) == (True, None, None)


def test_a_rule_whose_evaluator_moved_to_another_connection_is_left_alone(project, fake_provider):
    judge = make_judge(project, fake_provider)
    rule = make_rule(project, judge)
    _version(
        project, judge.evaluator, 2, like=judge, provider=make_connection(project, fake_provider, provider="b").provider
    )

    llm_connection_delete(project=project, connection_id="conn-openai-default")

    assert EvaluationRule.objects.get(pk=rule.pk).enabled, "its latest version judges elsewhere"
