"""Matching written traces and observations to rules, and running the jobs that judge them.

- `live_writes_handle` (registered as observability's trace write handler) finds the enabled rules a write
  matches, keeps the sampled targets (a hash of rule id and target id, so reproducible) and creates a pending job
  per (target, latest evaluator version), due once the rule's settle delay passed; a later write of a still
  pending target pushes its due time back. Jobs already running or done are left alone: no double evaluation.
- `evaluation_job_run` claims a due job (one worker wins), runs the evaluator on the target's mapped fields,
  writes the EVAL score with the job's latency and cost in one transaction; a failure is retried with
  exponential backoff up to MAX_ATTEMPTS, then the job stays failed with the error.
- A rule with a daily budget pauses (saying so) once its jobs spent it that UTC day; its jobs wait, and run
  again when it is resumed or the next day's first write or run finds it.
- `evaluation_rule_backfill` schedules a rule over the existing targets of a time range, due at once.
"""

import hashlib
import logging
import time
from contextvars import ContextVar
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from aistrale.display import money
from aistrale.errors import DomainError
from aistrale.operations.metrics import evaluation_spend_add
from evals.evaluators.judge import EVALUATION_ENVIRONMENT
from evals.evaluators.runner import evaluator_run
from evals.live.job_read import due_job_read
from evals.live.mapping import default_mapping, mapping_check, variables_fill
from evals.live.rules_memo import enabled_rules_memoized
from evals.live.services import FILTERS, rule_filter
from evals.models import (
    EvaluationJob,
    EvaluationRule,
    EvaluationRuleEvaluator,
    EvaluatorVersion,
    JobStatus,
    RuleTarget,
    ScoreDataType,
    ScoreSource,
)
from evals.services import score_build, score_upsert_many
from observability.ingestion.costs import calculate_cost, price_table
from observability.models import Observation, Trace

logger = logging.getLogger(__name__)
_judging: ContextVar[bool] = ContextVar("evaluation_job_running", default=False)

EXPERIMENT_ROOT = "langfuse.experiment.item.root_observation_id"
JOB_OUTCOME_FIELDS = ("status", "started_at", "attempts", "finished_at", "error", "updated_at")


def live_setting(name: str):
    """settings.AISTRALE_EVALUATION[name]: MAX_ATTEMPTS, RETRY_BASE_SECONDS, STALE_RUNNING_SECONDS."""
    return settings.AISTRALE_EVALUATION[name]


def sampled(*, rule_id: str, target_id: str, sampling: float) -> bool:
    """Whether the rule keeps this target: the same answer every time for the same rule and target."""
    if sampling >= 1:
        return True
    digest = hashlib.sha256(f"{rule_id}:{target_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < sampling


def _day_start(now):
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def rule_spend_today(*, rule: EvaluationRule, now=None) -> Decimal:
    """What the rule's jobs cost since 00:00 UTC."""
    now = now or timezone.now()
    spent = EvaluationJob.objects.filter(rule=rule, finished_at__gte=_day_start(now)).aggregate(
        total=Coalesce(Sum("cost"), Decimal(0))
    )["total"]
    return Decimal(spent)


def _budget_reached(rule: EvaluationRule, now) -> bool:
    """Pause the rule when its daily budget is spent; True if it is (now) paused for today."""
    if rule.daily_budget is None:
        return False
    spent = rule_spend_today(rule=rule, now=now)
    if spent < rule.daily_budget:
        return False
    reason = f"daily budget of {money(rule.daily_budget)} spent ({money(spent)} on {now.date().isoformat()} UTC)"
    EvaluationRule.objects.filter(pk=rule.pk, paused_at__isnull=True).update(paused_at=now, paused_reason=reason)
    rule.paused_at, rule.paused_reason = rule.paused_at or now, rule.paused_reason or reason
    return True


def _runnable(rule: EvaluationRule, now) -> bool:
    """Enabled and not paused today; a pause of an earlier day is lifted (a new day's budget) and its jobs resent."""
    if not rule.enabled:
        return False
    if rule.paused_at is None:
        return True
    if rule.paused_at >= _day_start(now):
        return False
    EvaluationRule.objects.filter(pk=rule.pk).update(paused_at=None, paused_reason=None)
    rule.paused_at = rule.paused_reason = None
    jobs_enqueue(EvaluationJob.objects.filter(rule=rule, status=JobStatus.PENDING).values_list("pk", "due_at"), now)
    return True


def _latest_versions(evaluator_keys: set) -> dict:
    """{evaluator key: its latest version}."""
    latest = {}
    for version in EvaluatorVersion.objects.filter(evaluator_id__in=evaluator_keys).order_by("evaluator_id", "version"):
        latest[version.evaluator_id] = version
    return latest


def _enabled_rules(project_id) -> list[EvaluationRule]:
    def load() -> list[EvaluationRule]:
        return list(
            EvaluationRule.objects.filter(project_id=project_id, enabled=True).prefetch_related(
                Prefetch("assignments", queryset=EvaluationRuleEvaluator.objects.order_by("position"))
            )
        )

    return enabled_rules_memoized(project_id, load)


def _matching_targets(rule: EvaluationRule, queryset) -> list[tuple[str, str]]:
    """[(trace id, observation id or "")] of the rows of `queryset` (traces or observations) the rule matches."""
    rows = FILTERS[rule.target].apply(queryset.exclude(environment=EVALUATION_ENVIRONMENT), rule_filter(rule))
    if rule.target == RuleTarget.TRACE:
        return [(trace_id, "") for trace_id in rows.values_list("id", flat=True)]
    rows = rows.filter(trace_id__isnull=False)
    if rule.target == RuleTarget.EXPERIMENT:
        items = rows.filter(metadata__attributes__has_key=EXPERIMENT_ROOT).values_list("trace_id", "id", "metadata")
        return [(trace_id, id_) for trace_id, id_, meta in items if meta["attributes"][EXPERIMENT_ROOT] == id_]
    return list(rows.values_list("trace_id", "id"))


def _targets_of(rule: EvaluationRule, *, project_id, trace_ids=(), observation_ids=(), start=None, end=None):
    if rule.target == RuleTarget.TRACE:
        rows = Trace.objects.filter(project_id=project_id)
        rows = rows.filter(id__in=trace_ids) if start is None else rows.filter(timestamp__gte=start, timestamp__lt=end)
    else:
        rows = Observation.objects.filter(project_id=project_id)
        if start is None:
            rows = rows.filter(id__in=observation_ids)
        else:
            rows = rows.filter(start_time__gte=start, start_time__lt=end)
    return [
        target
        for target in _matching_targets(rule, rows)
        if sampled(rule_id=rule.id, target_id=target[1] or target[0], sampling=rule.sampling)
    ]


def _schedule(rule: EvaluationRule, targets: list[tuple[str, str]], *, due_at, push_back: bool, now) -> int:
    """Create the rule's pending jobs of these targets (due at `due_at`); push back pending ones; send them all.

    Returns how many jobs were new.
    """
    versions = list(_latest_versions({a.evaluator_id for a in rule.assignments.all()}).values())
    if not targets or not versions:
        return 0
    trace_ids = {trace_id for trace_id, _ in targets}
    observation_ids = {observation_id for _, observation_id in targets}
    mine = EvaluationJob.objects.filter(
        project_id=rule.project_id,
        evaluator_version__in=versions,
        trace_id__in=trace_ids,
        observation_id__in=observation_ids,
    )
    with transaction.atomic():
        before = mine.count()
        EvaluationJob.objects.bulk_create(
            [
                EvaluationJob(
                    project_id=rule.project_id,
                    rule=rule,
                    evaluator_version=version,
                    trace_id=trace_id,
                    observation_id=observation_id,
                    due_at=due_at,
                )
                for trace_id, observation_id in targets
                for version in versions
            ],
            ignore_conflicts=True,
        )
        created = mine.count() - before
        pending = mine.filter(status=JobStatus.PENDING)
        if push_back:
            pending.filter(due_at__lt=due_at).update(due_at=due_at)
        jobs_enqueue(list(pending.values_list("pk", "due_at")), now)
    return created


def live_writes_handle(*, project_id, trace_ids: list[str], observation_ids: list[str], now=None) -> int:
    """Schedule or push back the jobs of every enabled rule the written traces/observations match; new jobs.

    Writes made while a job runs are the judge's own trace (environment aistrale-evaluation, never a
    target): they are skipped without a query.
    """
    if _judging.get():
        return 0
    now = now or timezone.now()
    created = 0
    for rule in _enabled_rules(project_id):
        if not _runnable(rule, now):
            continue
        ids = {"trace_ids": trace_ids} if rule.target == RuleTarget.TRACE else {"observation_ids": observation_ids}
        if not next(iter(ids.values())):
            continue
        targets = _targets_of(rule, project_id=project_id, **ids)
        due_at = now + timedelta(seconds=rule.settle_delay_seconds)
        created += _schedule(rule, targets, due_at=due_at, push_back=True, now=now)
    return created


def evaluation_rule_backfill(*, rule: EvaluationRule, start, end, now=None) -> int:
    """Schedule the rule over its targets from `start` (included) to `end` (excluded), due now; new jobs."""
    if start is None or end is None or end <= start:
        raise DomainError("the time range needs a start before its end", field="end")
    if not rule.assignments.exists():
        raise DomainError("the rule has no evaluator to run", field="evaluator_assignments")
    now = now or timezone.now()
    targets = _targets_of(rule, project_id=rule.project_id, start=start, end=end)
    return _schedule(rule, targets, due_at=now, push_back=False, now=now)


def jobs_enqueue(jobs, now) -> None:
    """Send each (job pk, due_at) to the job actor, delayed until it is due, once the transaction commits."""
    from evals.live.actors import job_send

    for pk, due_at in jobs:
        delay_ms = max(0, int((due_at - now).total_seconds() * 1000))
        transaction.on_commit(lambda pk=pk, delay_ms=delay_ms: job_send(pk, delay_ms))


def _mapping(job: EvaluationJob) -> list[dict]:
    """The rule's mapping for this evaluator (`assignment_mapping`, annotated), else the version's, else the default."""
    version = job.evaluator_version
    for candidate in (job.assignment_mapping, version.variable_mapping or None):
        if candidate:
            return mapping_check(candidate, field="variable_mapping")
    return default_mapping(version.variables or [])


def _cost(project_id, verdict, now) -> Decimal | None:
    if not verdict.model:
        return None
    priced = calculate_cost(
        table=price_table(project_id), model_name=verdict.model, usage=verdict.usage.as_details(), at=now
    )
    if priced is None or "total" not in priced[1]:
        return None
    return Decimal(str(priced[1]["total"]))


def _score(job: EvaluationJob, target, verdict):
    """The EVAL score of the verdict, built and checked (not stored yet)."""
    string_types = (ScoreDataType.CATEGORICAL,)
    score = score_build(
        project=job.project,
        score_id=f"eval-job-{job.pk}",
        name=verdict.score_name,
        value=verdict.string_value if verdict.data_type in string_types else verdict.value,
        data_type=verdict.data_type,
        source=ScoreSource.EVAL,
        trace_id=job.trace_id,
        observation_id=job.observation_id or None,
        comment=verdict.comment,
        metadata={
            "evaluationRuleId": job.rule.id,
            "evaluationJobId": str(job.pk),
            "judgeTraceId": verdict.judge_trace_id,
            "evaluatorVersionId": job.evaluator_version.id,
        },
        environment=target.environment,
    )
    if verdict.data_type in string_types:
        score.value = verdict.value
    return score


def _failed(job: EvaluationJob, message: str, now) -> None:
    if job.attempts < live_setting("MAX_ATTEMPTS"):
        backoff = float(live_setting("RETRY_BASE_SECONDS")) * 2 ** (job.attempts - 1)
        job.status, job.due_at = JobStatus.PENDING, now + timedelta(seconds=backoff)
    else:
        job.status, job.finished_at = JobStatus.FAILED, now
    job.error = message
    job.save(update_fields=[*JOB_OUTCOME_FIELDS, "due_at"])
    if job.status == JobStatus.PENDING:
        jobs_enqueue([(job.pk, job.due_at)], now)


def _stale_after() -> timedelta:
    return timedelta(seconds=live_setting("STALE_RUNNING_SECONDS"))


def _claimable(now) -> Q:
    """Pending jobs, and running ones whose worker died (started STALE_RUNNING_SECONDS ago or more)."""
    return Q(status=JobStatus.PENDING) | Q(status=JobStatus.RUNNING, started_at__lte=now - _stale_after())


def evaluation_job_run(*, job_id: int, now=None) -> EvaluationJob | None:
    """Run one due pending (or stale running) job; None when it is not due, taken, or its rule is disabled or paused.

    A message that finds its job running (a duplicate, or one Dramatiq redelivered after a worker died) comes
    back when the job would be stale: if it is still running then, its worker died and the job is claimed
    again, as its next attempt. The job's query also reads its judge connection's `updated_at`, so the judge
    reuses this process's copy of the connection until it changes.
    """
    now = now or timezone.now()
    job = due_job_read(job_id=job_id, now=now, statuses=(JobStatus.PENDING, JobStatus.RUNNING))
    if job is None:
        return None
    if job.status == JobStatus.RUNNING and job.started_at > now - _stale_after():
        jobs_enqueue([(job.pk, job.started_at + _stale_after())], now)
        return None
    if not _runnable(job.rule, now) or _budget_reached(job.rule, now):
        return None
    claimed = EvaluationJob.objects.filter(_claimable(now), pk=job.pk, status=job.status).update(
        status=JobStatus.RUNNING, started_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    job.status, job.started_at, job.attempts = JobStatus.RUNNING, now, job.attempts + 1
    started = time.perf_counter()
    target = job.target
    if target is None:
        job.attempts = live_setting("MAX_ATTEMPTS")
        _failed(job, "the target was deleted", now)
        return job
    judging = _judging.set(True)
    try:
        variables = variables_fill(mapping=_mapping(job), target=target)
        verdict = evaluator_run(
            version=job.evaluator_version,
            variables=variables,
            trace_metadata={"evaluationRuleId": job.rule.id, "evaluationJobId": str(job.pk)},
        )
        score = _score(job, target, verdict)
    except DomainError as error:
        _failed(job, f"{type(error).__name__}: {error.message}", now)
        return job
    except Exception as error:
        logger.exception("evaluation job %s failed", job.pk)
        _failed(job, f"{type(error).__name__}: {error}", now)
        return job
    finally:
        _judging.reset(judging)
    job.status, job.finished_at, job.error = JobStatus.SUCCEEDED, now, None
    job.cost = _cost(job.project_id, verdict, now)
    job.score_id, job.judge_trace_id = score.id, verdict.judge_trace_id
    job.latency_ms = (time.perf_counter() - started) * 1000
    with transaction.atomic():
        score_upsert_many(scores=[score])
        job.save(update_fields=[*JOB_OUTCOME_FIELDS, "latency_ms", "cost", "score_id", "judge_trace_id"])
    evaluation_spend_add(job.cost)
    _budget_reached(job.rule, now)
    return job
