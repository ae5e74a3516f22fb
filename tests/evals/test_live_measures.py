"""Live rules on what the target measured: latency and cost thresholds, the observation release filter, and
the evaluator's score pointing at the judge's own trace."""

from datetime import timedelta
from decimal import Decimal

import pytest

from evals.live.jobs import evaluation_job_run, live_writes_handle
from evals.live.services import evaluation_rule_create
from evals.models import EvaluationJob, JobStatus, Score
from evals.selectors import score_public
from tests.evals.evaluator_factories import make_check
from tests.evals.live_factories import judge_answers, make_judge, make_rule
from tests.observability.factories import T0, make_observation, make_trace

pytestmark = pytest.mark.django_db


def _check_rule(project, check_config, **fields):
    evaluator = make_check(project, name=check_config["kind"], check_config=check_config)
    options = {"target": "trace", "settle_delay_seconds": 0, "enabled": True, "name": "measured"} | fields
    return evaluation_rule_create(project=project, evaluator_assignments=[{"evaluator_id": evaluator.id}], **options)


def _judged(project, *, trace_ids=(), observation_ids=()) -> dict:
    live_writes_handle(project_id=project.pk, trace_ids=list(trace_ids), observation_ids=list(observation_ids), now=T0)
    jobs = [evaluation_job_run(job_id=pk, now=T0) for pk in EvaluationJob.objects.values_list("pk", flat=True)]
    return {job.observation_id or job.trace_id: job for job in jobs}


def test_a_latency_threshold_reads_the_span_of_the_traces_observations(project):
    make_trace(project, "slow")
    make_observation(project, "slow-1", "slow", start=T0, duration=1.0)
    make_observation(project, "slow-2", "slow", start=T0 + timedelta(seconds=2), duration=1.0)
    make_trace(project, "fast")
    make_observation(project, "fast-1", "fast", duration=0.5)
    _check_rule(project, {"kind": "latency_threshold", "max_seconds": 2})

    jobs = _judged(project, trace_ids=["slow", "fast"])

    slow, fast = Score.objects.get(id=jobs["slow"].score_id), Score.objects.get(id=jobs["fast"].score_id)
    assert (slow.value, slow.comment) == (0.0, "latency 3s > 2s")
    assert (fast.value, fast.comment) == (1.0, "latency 0.5s ≤ 2s")


def test_a_cost_threshold_reads_the_observations_own_cost(project):
    make_trace(project, "t1")
    make_observation(project, "cheap", "t1", type="GENERATION", total_cost=Decimal("0.002"))
    make_observation(project, "dear", "t1", type="GENERATION", total_cost=Decimal("0.05"))
    conditions = [{"type": "stringOptions", "column": "type", "operator": "any of", "value": ["GENERATION"]}]
    _check_rule(project, {"kind": "cost_threshold", "max_cost": 0.01}, target="observation", filter=conditions)

    jobs = _judged(project, trace_ids=["t1"], observation_ids=["cheap", "dear"])

    assert Score.objects.get(id=jobs["cheap"].score_id).value == 1.0
    assert Score.objects.get(id=jobs["dear"].score_id).value == 0.0


def test_a_trace_without_a_measured_cost_fails_naming_the_variable(project, settings):
    settings.AISTRALE_EVALUATION = {**settings.AISTRALE_EVALUATION, "MAX_ATTEMPTS": 1}
    make_trace(project, "unpriced")
    make_observation(project, "o1", "unpriced")
    _check_rule(project, {"kind": "cost_threshold", "max_cost": 1})

    job = _judged(project, trace_ids=["unpriced"])["unpriced"]

    assert job.status == JobStatus.FAILED
    assert "needs the 'cost' variable" in job.error


def test_observation_rules_filter_on_the_traces_release(project):
    make_trace(project, "new", release="v2")
    make_observation(project, "new-o", "new")
    make_trace(project, "old", release="v1")
    make_observation(project, "old-o", "old")
    condition = {"type": "string", "column": "release", "operator": "=", "value": "v2"}
    _check_rule(project, {"kind": "latency_threshold", "max_seconds": 5}, target="observation", filter=[condition])

    jobs = _judged(project, trace_ids=["new", "old"], observation_ids=["new-o", "old-o"])

    assert list(jobs) == ["new-o"]


def test_an_evaluators_score_names_the_judges_trace_as_its_execution_trace(project, fake_provider):
    fake_provider.responder = judge_answers(1, "right")
    make_trace(project, "t1", input={"question": "2+2?"}, output="4")
    make_rule(project, make_judge(project, fake_provider))

    job = _judged(project, trace_ids=["t1"])["t1"]

    assert job.judge_trace_id
    assert score_public(Score.objects.get(id=job.score_id))["executionTraceId"] == job.judge_trace_id
