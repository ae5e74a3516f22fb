"""Live evaluation services with explicit clocks: matching, settle delay, sampling, no double evaluation,
scores, retries, budget pause and backfill (the actors are tested in test_live_actors.py)."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aistrale.llm.models import LlmConnection
from aistrale.llm.services import llm_connection_upsert
from evals.live.jobs import evaluation_job_run, evaluation_rule_backfill, live_writes_handle, sampled
from evals.models import EvaluationJob, JobStatus, Score
from observability.models import Trace
from tests.evals.live_factories import judge_answers, make_judge, make_rule, price_judge_model
from tests.fakes.provider import Reply
from tests.observability.factories import OTLP_URL, T0, make_observation, make_trace, otlp_request, otlp_span

pytestmark = pytest.mark.django_db

ROOT, TASK, CHILD = "a1f067aa0ba902b7", "b2f067aa0ba902b7", "c3f067aa0ba902b7"
EXPERIMENT_TRACE = bytes.fromhex("5b8efff798038103d269b633813fc60c")


@pytest.fixture
def judge(project, fake_provider):
    fake_provider.responder = judge_answers(0.8, "answers the question")
    return make_judge(project, fake_provider)


def write(project, *trace_ids, now, observation_ids=()):
    return live_writes_handle(
        project_id=project.pk, trace_ids=list(trace_ids), observation_ids=list(observation_ids), now=now
    )


def run_all(now) -> list:
    return [evaluation_job_run(job_id=pk, now=now) for pk in EvaluationJob.objects.values_list("pk", flat=True)]


def test_a_matching_trace_is_judged_from_its_mapped_fields_and_scored(project, judge, fake_provider):
    make_trace(project, "t1", input={"question": "2+2?"}, output="4", environment="production")
    make_rule(project, judge)

    assert write(project, "t1", now=T0) == 1
    [job] = run_all(T0)

    sent = fake_provider.requests[0].body["messages"][1]["content"]
    assert sent == "Question: 2+2?\nAnswer: 4"
    assert (job.status, job.attempts, job.error) == (JobStatus.SUCCEEDED, 1, None)
    score = Score.objects.get(id=job.score_id)
    assert (score.name, score.value, score.source, score.comment) == (
        "correctness",
        0.8,
        "EVAL",
        "answers the question",
    )
    assert (score.trace_id, score.observation_id, score.environment) == ("t1", None, "production")
    assert score.metadata["evaluationJobId"] == str(job.pk)
    assert score.metadata["judgeTraceId"] == job.judge_trace_id and job.judge_trace_id
    assert job.latency_ms > 0


def test_the_filter_and_the_evaluation_environment_decide_what_matches(project, judge):
    make_trace(project, "keep", name="chat", tags=["prod"])
    make_trace(project, "other-name", name="batch", tags=["prod"])
    make_trace(project, "judge-trace", name="chat", tags=["prod"], environment="aistrale-evaluation")
    conditions = [
        {"type": "string", "column": "name", "operator": "=", "value": "chat"},
        {"type": "arrayOptions", "column": "tags", "operator": "any of", "value": ["prod"]},
    ]
    make_rule(project, judge, filter=conditions)

    write(project, "keep", "other-name", "judge-trace", now=T0)

    assert list(EvaluationJob.objects.values_list("trace_id", flat=True)) == ["keep"]


def test_observation_rules_judge_only_observations_of_the_type_and_name(project, judge):
    make_trace(project, "t1")
    make_observation(project, "gen-final", "t1", type="GENERATION", name="final", output="42")
    make_observation(project, "gen-draft", "t1", type="GENERATION", name="draft")
    make_observation(project, "span-final", "t1", type="SPAN", name="final")
    conditions = [
        {"type": "stringOptions", "column": "type", "operator": "any of", "value": ["GENERATION"]},
        {"type": "string", "column": "name", "operator": "=", "value": "final"},
    ]
    make_rule(project, judge, target="observation", filter=conditions)

    write(project, "t1", observation_ids=["gen-final", "gen-draft", "span-final"], now=T0)
    [job] = run_all(T0)

    assert (job.trace_id, job.observation_id, job.status) == ("t1", "gen-final", JobStatus.SUCCEEDED)
    assert Score.objects.get(id=job.score_id).observation_id == "gen-final"


def test_the_settle_delay_waits_for_writes_to_stop(project, judge):
    make_trace(project, "t1")
    make_rule(project, judge, settle_delay_seconds=30)

    write(project, "t1", now=T0)
    assert run_all(T0 + timedelta(seconds=29)) == [None]
    write(project, "t1", now=T0 + timedelta(seconds=20))
    assert run_all(T0 + timedelta(seconds=49)) == [None]
    [job] = run_all(T0 + timedelta(seconds=50))
    assert job.status == JobStatus.SUCCEEDED and job.due_at == T0 + timedelta(seconds=50)


def test_a_trace_updated_after_it_was_judged_is_not_judged_again(project, judge, fake_provider):
    make_trace(project, "t1")
    make_rule(project, judge)
    write(project, "t1", now=T0)
    run_all(T0)

    assert write(project, "t1", now=T0 + timedelta(minutes=5)) == 0
    assert run_all(T0 + timedelta(minutes=10)) == [None]
    assert EvaluationJob.objects.count() == 1 and Score.objects.count() == 1
    assert len(fake_provider.requests) == 1


def test_sampling_is_deterministic_and_near_its_rate_over_many_traces(project, judge):
    """2,000 traces at 30%: within ±3 points (about 3 standard deviations) and the same on a second pass."""
    for index in range(2000):
        make_trace(project, f"trace-{index:04d}")
    rule = make_rule(project, judge, sampling=0.3)
    rule.id = "fixed-seed-rule"
    rule.save()

    ids = [f"trace-{index:04d}" for index in range(2000)]
    write(project, *ids, now=T0)
    chosen = set(EvaluationJob.objects.values_list("trace_id", flat=True))

    assert 540 <= len(chosen) <= 660
    assert chosen == {i for i in ids if sampled(rule_id="fixed-seed-rule", target_id=i, sampling=0.3)}
    assert not sampled(rule_id="fixed-seed-rule", target_id="x", sampling=0.0)


def test_failures_retry_with_backoff_then_stay_failed_with_the_error(project, judge, fake_provider, settings):
    settings.AISTRALE_EVALUATION = {**settings.AISTRALE_EVALUATION, "MAX_ATTEMPTS": 3, "RETRY_BASE_SECONDS": 10}
    fake_provider.responder = lambda request: Reply(status=400, error="bad judge request")
    make_trace(project, "t1")
    make_rule(project, judge)
    write(project, "t1", now=T0)

    [job] = run_all(T0)
    assert (job.status, job.attempts, job.due_at) == (JobStatus.PENDING, 1, T0 + timedelta(seconds=10))
    assert "bad judge request" in job.error
    assert run_all(T0 + timedelta(seconds=9)) == [None]
    [job] = run_all(T0 + timedelta(seconds=10))
    assert (job.attempts, job.due_at) == (2, T0 + timedelta(seconds=30))
    [job] = run_all(T0 + timedelta(seconds=30))
    assert (job.status, job.attempts) == (JobStatus.FAILED, 3)
    assert "LlmBadRequest" in job.error and Score.objects.count() == 0
    assert run_all(T0 + timedelta(hours=1)) == [None]


def test_a_job_that_fails_then_succeeds_clears_its_error(project, judge, fake_provider, settings):
    settings.AISTRALE_EVALUATION = {**settings.AISTRALE_EVALUATION, "MAX_ATTEMPTS": 3, "RETRY_BASE_SECONDS": 0}
    make_trace(project, "t1")
    make_rule(project, judge)
    write(project, "t1", now=T0)
    fake_provider.script(Reply(text="not json at all"))

    [job] = run_all(T0)
    assert job.status == JobStatus.PENDING and job.error
    [job] = run_all(T0)
    assert (job.status, job.attempts, job.error) == (JobStatus.SUCCEEDED, 2, None)


def test_the_rule_pauses_once_its_daily_budget_is_spent(project, judge, fake_provider):
    price_judge_model(project)  # 100 input + 20 output tokens: 0.1 + 0.04 = $0.14 a judgement
    for index in range(5):
        make_trace(project, f"t{index}")
    rule = make_rule(project, judge, daily_budget="0.30")
    write(project, *[f"t{index}" for index in range(5)], now=T0)

    results = run_all(T0)

    assert [job.status if job else None for job in results].count(JobStatus.SUCCEEDED) == 3
    assert EvaluationJob.objects.filter(status=JobStatus.PENDING).count() == 2
    rule.refresh_from_db()
    assert (
        rule.paused_at == T0 and rule.paused_reason == "daily budget of $0.300000 spent ($0.420000 on 2025-01-15 UTC)"
    )
    assert sum(EvaluationJob.objects.values_list("cost", flat=True).exclude(cost=None)) == Decimal("0.42")
    assert write(project, "t0", now=T0 + timedelta(hours=1)) == 0

    next_day = T0 + timedelta(days=1)
    results = run_all(next_day)
    rule.refresh_from_db()
    assert rule.paused_at is None
    assert [job.status for job in results if job] == [JobStatus.SUCCEEDED, JobStatus.SUCCEEDED]


def test_backfill_schedules_the_existing_matches_of_a_time_range_due_now(project, judge):
    make_trace(project, "old", at=T0 - timedelta(days=2))
    make_trace(project, "in-1", at=T0)
    make_trace(project, "in-2", at=T0 + timedelta(hours=1))
    make_trace(project, "late", at=T0 + timedelta(days=2))
    rule = make_rule(project, judge, settle_delay_seconds=600)
    now = T0 + timedelta(days=3)

    created = evaluation_rule_backfill(rule=rule, start=T0, end=T0 + timedelta(days=1), now=now)

    assert created == 2
    assert sorted(job.trace_id for job in run_all(now) if job) == ["in-1", "in-2"]
    assert evaluation_rule_backfill(rule=rule, start=T0, end=T0 + timedelta(days=1), now=now) == 0


def test_disabled_rules_schedule_nothing(project, judge):
    make_trace(project, "t1")
    make_rule(project, judge, enabled=False)
    assert write(project, "t1", now=T0) == 0


def test_experiment_rules_judge_each_items_root_observation_with_its_expected_output(
    api_client, project, judge, fake_provider
):
    """SDK 5.x experiment spans over OTLP: only the item's root observation (the task span) is judged."""
    shared = {
        "langfuse.experiment.id": "exp-1",
        "langfuse.experiment.item.id": "item-1",
        "langfuse.experiment.item.metadata": json.dumps({"topic": "geo"}),
        "langfuse.experiment.item.root_observation_id": TASK,
    }
    root_only = {"langfuse.experiment.item.expected_output": json.dumps({"answer": "Paris"})}
    spans = [
        otlp_span(ROOT, "experiment-item-run", attributes={**shared, **root_only}, trace_id=EXPERIMENT_TRACE),
        otlp_span(
            TASK, "experiment-item-task", bytes.fromhex(ROOT), {**shared, **root_only}, trace_id=EXPERIMENT_TRACE
        ),
        otlp_span(CHILD, "llm", bytes.fromhex(TASK), shared, trace_id=EXPERIMENT_TRACE),
    ]
    mapping = [
        {"variable": "question", "source": "experiment_item_metadata", "jsonPath": "$.topic"},
        {"variable": "answer", "source": "expected_output", "jsonPath": "$.answer"},
    ]
    make_rule(
        project,
        judge,
        target="experiment",
        evaluator_assignments=[{"evaluator_id": judge.evaluator.id, "variable_mapping": mapping}],
    )
    response = api_client.post(OTLP_URL, otlp_request(*spans), content_type="application/x-protobuf")
    assert response.status_code == 200

    [job] = EvaluationJob.objects.all()
    assert job.observation_id == TASK
    assert evaluation_job_run(job_id=job.pk).status == JobStatus.SUCCEEDED
    assert fake_provider.requests[-1].body["messages"][1]["content"] == "Question: geo\nAnswer: Paris"


def test_a_429_is_retried_by_the_provider_sdk_inside_one_attempt(project, judge, fake_provider):
    fake_provider.script(Reply(status=429, error="slow down", headers={"retry-after-ms": "1"}))
    make_trace(project, "t1")
    make_rule(project, judge)
    write(project, "t1", now=T0)

    [job] = run_all(T0)

    assert (job.status, job.attempts, job.error) == (JobStatus.SUCCEEDED, 1, None)
    assert len(fake_provider.requests) == 2


@pytest.mark.parametrize(
    "condition",
    [
        {"type": "string", "column": "environment", "operator": "=", "value": "production"},
        {"type": "string", "column": "release", "operator": "=", "value": "v2"},
        {"type": "string", "column": "userId", "operator": "=", "value": "ana"},
        {"type": "stringObject", "column": "metadata", "key": "tier", "operator": "=", "value": "gold"},
        {"type": "string", "column": "level", "operator": "=", "value": "ERROR"},
    ],
)
def test_rule_filters_on_environment_release_user_metadata_and_level(project, judge, condition):
    make_trace(project, "match", environment="production", release="v2", user_id="ana", metadata={"tier": "gold"})
    make_observation(project, "match-o", "match", level="ERROR")
    make_trace(project, "other", environment="staging", release="v1", user_id="bob", metadata={"tier": "free"})
    make_observation(project, "other-o", "other", level="DEFAULT")
    make_rule(project, judge, filter=[condition])

    write(project, "match", "other", now=T0)

    assert list(EvaluationJob.objects.values_list("trace_id", flat=True)) == ["match"]


def test_a_job_left_running_by_a_dead_worker_is_taken_again_once_stale(project, judge, settings):
    settings.AISTRALE_EVALUATION = {**settings.AISTRALE_EVALUATION, "STALE_RUNNING_SECONDS": 600}
    make_trace(project, "t1")
    make_rule(project, judge)
    write(project, "t1", now=T0)
    EvaluationJob.objects.update(status=JobStatus.RUNNING, started_at=T0, attempts=1)

    assert run_all(T0 + timedelta(seconds=599)) == [None]
    [job] = run_all(T0 + timedelta(seconds=601))
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    assert Score.objects.count() == 1


def test_the_judges_own_trace_is_stored_without_looking_for_rules(project, judge):
    make_trace(project, "t1")
    make_rule(project, judge)
    write(project, "t1", now=T0)
    [pk] = EvaluationJob.objects.values_list("pk", flat=True)

    with CaptureQueriesContext(connection) as captured:
        job = evaluation_job_run(job_id=pk, now=T0)

    assert Trace.objects.filter(project=project, id=job.judge_trace_id, environment="aistrale-evaluation").exists()
    assert not [q["sql"] for q in captured.captured_queries if 'FROM "evals_evaluationrule" ' in q["sql"]]
    assert EvaluationJob.objects.count() == 1


def test_jobs_reuse_the_judge_connection_until_it_changes(project, judge, fake_provider):
    for trace_id in ("t1", "t2", "t3"):
        make_trace(project, trace_id, input={"question": "2+2?"}, output="4")
    make_rule(project, judge)
    write(project, "t1", "t2", "t3", now=T0)
    first, second, third = EvaluationJob.objects.order_by("pk").values_list("pk", flat=True)
    evaluation_job_run(job_id=first, now=T0)

    with CaptureQueriesContext(connection) as captured:
        evaluation_job_run(job_id=second, now=T0)
    llm_connection_upsert(
        project=project,
        provider=judge.model_provider,
        adapter="openai",
        secret_key=None,
        base_url=fake_provider.openai_url,
        extra_headers={"X-Edited": "yes"},
    )
    job = evaluation_job_run(job_id=third, now=T0)

    assert not [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "llm_llmconnection".')]
    assert [request.headers.get("x-edited") for request in fake_provider.requests] == [None, None, "yes"]
    assert job.status == JobStatus.SUCCEEDED


def test_a_job_whose_judge_connection_was_deleted_fails_naming_it(project, judge):
    make_trace(project, "t1")
    make_trace(project, "t2")
    make_rule(project, judge)
    write(project, "t1", "t2", now=T0)
    first, second = EvaluationJob.objects.order_by("pk").values_list("pk", flat=True)
    evaluation_job_run(job_id=first, now=T0)

    LlmConnection.objects.filter(project=project).delete()
    job = evaluation_job_run(job_id=second, now=T0)

    assert job.status == JobStatus.PENDING
    assert "which is missing" in job.error
