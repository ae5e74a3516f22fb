"""The alert metrics evals registers: average score by name, failed evaluation jobs, and the evaluation spend
counter of /metrics."""

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from evals.models import EvaluationJob, JobStatus
from observability.alerts.evaluation import alert_rule_evaluate
from tests.evals.factories import make_score
from tests.evals.live_factories import judge_answers, make_judge, price_judge_model
from tests.evals.live_factories import make_rule as make_evaluation_rule
from tests.evals.test_live_jobs import run_all, write
from tests.observability.alerts.factories import NOW, make_rule
from tests.observability.factories import T0, make_trace

pytestmark = pytest.mark.django_db


@pytest.fixture
def judge(project, fake_provider):
    fake_provider.responder = judge_answers(0.8, "fine")
    return make_judge(project, fake_provider)


def test_average_score_of_the_named_score(project, other_project):
    at = NOW - timedelta(minutes=5)
    for index, value in enumerate([0.2, 0.4]):
        make_score(project, score_id=f"q{index}", name="quality", value=value, timestamp=at)
    make_score(project, score_id="h", name="helpfulness", value=0.0, timestamp=at)
    make_score(other_project, score_id="o", name="quality", value=0.0, timestamp=at)
    rule = make_rule(
        project,
        metric="average_score",
        metric_option="quality",
        direction="below",
        warning_threshold=0.5,
        critical_threshold=0.1,
    )
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "warning"
    assert rule.last_value == pytest.approx(0.3)
    assert alert_rule_evaluate(rule=rule, now=NOW + timedelta(days=1)).state == "ok"


def test_failed_evaluation_jobs_in_the_window(project, judge):
    evaluation_rule = make_evaluation_rule(project, judge)
    for index, status in enumerate([JobStatus.FAILED, JobStatus.FAILED, JobStatus.SUCCEEDED]):
        EvaluationJob.objects.create(
            project=project,
            rule=evaluation_rule,
            evaluator_version=judge,
            trace_id=f"t{index}",
            status=status,
            due_at=NOW,
            finished_at=NOW - timedelta(minutes=index),
        )
    rule = make_rule(project, metric="evaluation_failures", warning_threshold=1, critical_threshold=3)
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "warning"
    assert rule.last_value == 2.0
    narrowed = make_rule(
        project,
        name="other rule",
        metric="evaluation_failures",
        warning_threshold=1,
        filter=[{"type": "string", "column": "ruleName", "operator": "=", "value": "elsewhere"}],
    )
    assert alert_rule_evaluate(rule=narrowed, now=NOW) is None
    assert narrowed.last_value == 0.0


def test_evaluation_spend_is_counted(project, judge):
    price_judge_model(project)  # 100 input + 20 output tokens: $0.14 a judgement
    make_trace(project, "t1")
    make_evaluation_rule(project, judge)
    write(project, "t1", now=T0)
    before = REGISTRY.get_sample_value("aistrale_evaluation_spend_usd_total")
    run_all(T0)
    assert REGISTRY.get_sample_value("aistrale_evaluation_spend_usd_total") - before == pytest.approx(0.14)
