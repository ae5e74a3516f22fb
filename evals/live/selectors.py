"""Reads of live evaluation: project-scoped rules and jobs, the public rule body, a rule's figures."""

from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from evals.models import EvaluationJob, EvaluationRule, EvaluationRuleEvaluator, JobStatus, Score


def evaluation_rule_list(*, project) -> QuerySet[EvaluationRule]:
    """The project's rules, newest first, with their evaluators and creators loaded."""
    assignments = EvaluationRuleEvaluator.objects.select_related("evaluator").order_by("position")
    return (
        EvaluationRule.objects.filter(project=project)
        .select_related("created_by")
        .prefetch_related(Prefetch("assignments", queryset=assignments))
        .order_by("-key")
    )


def evaluation_rule_get(*, project, rule_id: str) -> EvaluationRule | None:
    return evaluation_rule_list(project=project).filter(id=rule_id).first()


def _creator(user) -> dict | None:
    if user is None:
        return None
    return {"id": str(user.pk), "name": user.get_full_name() or user.get_username()}


def evaluation_rule_public(rule: EvaluationRule) -> dict:
    """The EvaluationRule body of the SDK 5.x client, with this server's extra fields."""
    return {
        "id": rule.id,
        "name": rule.name,
        "createdBy": _creator(rule.created_by),
        "enabled": rule.enabled,
        "sampling": rule.sampling,
        "filter": rule.filter,
        "evaluatorAssignments": [
            {"evaluatorId": assignment.evaluator.id, "variableMapping": assignment.variable_mapping}
            for assignment in rule.assignments.all()
        ],
        "target": rule.target,
        "settleDelaySeconds": rule.settle_delay_seconds,
        "dailyBudget": float(rule.daily_budget) if rule.daily_budget is not None else None,
        "pausedAt": rule.paused_at,
        "pausedReason": rule.paused_reason,
        "createdAt": rule.created_at,
        "updatedAt": rule.updated_at,
    }


def evaluation_job_list(*, rule: EvaluationRule) -> QuerySet[EvaluationJob]:
    """The rule's jobs, newest first."""
    return (
        EvaluationJob.objects.filter(rule=rule)
        .select_related("evaluator_version__evaluator")
        .order_by("-created_at", "-key")
    )


def evaluation_job_public(job: EvaluationJob) -> dict:
    return {
        "id": str(job.pk),
        "traceId": job.trace_id,
        "observationId": job.observation_id or None,
        "evaluatorId": job.evaluator_version.evaluator.id,
        "evaluatorVersion": job.evaluator_version.version,
        "status": job.status,
        "error": job.error,
        "attempts": job.attempts,
        "dueAt": job.due_at,
        "startedAt": job.started_at,
        "finishedAt": job.finished_at,
        "latencyMs": job.latency_ms,
        "cost": float(job.cost) if job.cost is not None else None,
        "scoreId": job.score_id,
        "judgeTraceId": job.judge_trace_id,
    }


def evaluation_rule_status_counts(*, rule: EvaluationRule) -> dict[str, int]:
    """{status: number of jobs}, every status present."""
    counts = dict(EvaluationJob.objects.filter(rule=rule).values_list("status").annotate(n=Count("key")))
    return {status: counts.get(status, 0) for status in JobStatus.values}


def evaluation_rule_spend(*, rule: EvaluationRule) -> list[dict]:
    """[{day, jobs, cost}] of the rule's finished jobs per UTC day, latest first."""
    return list(
        EvaluationJob.objects.filter(rule=rule, finished_at__isnull=False)
        .annotate(day=TruncDate("finished_at"))
        .values("day")
        .annotate(jobs=Count("key"), cost=Coalesce(Sum("cost"), Decimal(0)))
        .order_by("-day")
    )


def evaluation_rule_score_distribution(*, rule: EvaluationRule) -> list[dict]:
    """[{name, label, count}] of the scores the rule's jobs wrote: a label per category or boolean, else the value."""
    score_ids = EvaluationJob.objects.filter(rule=rule, score_id__isnull=False).values("score_id")
    rows = (
        Score.objects.filter(project_id=rule.project_id, id__in=score_ids)
        .values("name", "string_value", "value")
        .annotate(count=Count("key"))
        .order_by("name", "value", "string_value")
    )
    return [
        {"name": row["name"], "label": row["string_value"] or f"{row['value']:g}", "count": row["count"]}
        for row in rows
    ]
