"""Evaluation rule writes: create, update, delete, pause and resume, with the rules each field must keep."""

import math
from decimal import Decimal, InvalidOperation

import orjson
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from aistrale.errors import DomainError
from aistrale.limits import column_length, text_check
from aistrale.tenancy.services import audit_record
from evals.live.mapping import mapping_check
from evals.models import EvaluationRule, EvaluationRuleEvaluator, Evaluator, EvaluatorVersion, RuleTarget
from observability.api.filters import OBSERVATION_FILTER, TRACE_FILTER

MAX_SETTLE_DELAY_SECONDS = 86_400
FILTERS = {
    RuleTarget.TRACE: TRACE_FILTER,
    RuleTarget.OBSERVATION: OBSERVATION_FILTER,
    RuleTarget.EXPERIMENT: OBSERVATION_FILTER,
}
UNSET = object()


def rule_filter(rule: EvaluationRule):
    """The rule's filter as parsed conditions of its target's column table."""
    return FILTERS[rule.target].parse(orjson.dumps(rule.filter or []).decode())


def _name_check(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise DomainError("must be a non-empty string", field="name")
    text_check(name, field="name", max_length=column_length(EvaluationRule, "name"))
    return name


def _sampling_check(sampling) -> float:
    if isinstance(sampling, bool) or not isinstance(sampling, int | float) or not math.isfinite(sampling):
        raise DomainError(f"must be a number between 0 and 1, got {sampling!r}", field="sampling")
    if not 0 <= sampling <= 1:
        raise DomainError(f"must be between 0 and 1, got {sampling}", field="sampling")
    return float(sampling)


def _delay_check(delay) -> int:
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= MAX_SETTLE_DELAY_SECONDS:
        raise DomainError(
            f"must be a whole number of seconds from 0 to {MAX_SETTLE_DELAY_SECONDS}, got {delay!r}",
            field="settle_delay_seconds",
        )
    return delay


def _budget_check(budget) -> Decimal | None:
    if budget is None or budget == "":
        return None
    try:
        value = Decimal(str(budget))
    except InvalidOperation:
        raise DomainError(f"must be an amount in USD, got {budget!r}", field="daily_budget") from None
    if not value.is_finite() or value <= 0 or value >= Decimal(10) ** 10:
        raise DomainError(f"must be a positive amount below 10^10 USD, got {budget}", field="daily_budget")
    return value


def _target_check(target) -> str:
    if target not in RuleTarget.values:
        raise DomainError(f"must be one of {', '.join(RuleTarget.values)}, got {target!r}", field="target")
    return target


def _filter_check(conditions, target: str) -> list:
    if not isinstance(conditions, list):
        raise DomainError("must be a list of filter conditions", field="filter")
    FILTERS[target].parse(orjson.dumps(conditions).decode())
    return conditions


def _assignments_check(*, project, assignments) -> list[tuple[Evaluator, list | None]]:
    """[(evaluator, variable mapping or None)] of the assignment list, each evaluator of the project with a version."""
    if not isinstance(assignments, list):
        raise DomainError("must be a list of {evaluatorId, variableMapping} objects", field="evaluator_assignments")
    ids = [item.get("evaluator_id") if isinstance(item, dict) else None for item in assignments]
    evaluators = {
        evaluator.id: evaluator
        for evaluator in Evaluator.objects.filter(project=project, id__in=[i for i in ids if isinstance(i, str)])
        .prefetch_related("versions")
        .only("key", "id", "name", "project_id")
    }
    checked = []
    for index, (item, evaluator_id) in enumerate(zip(assignments, ids, strict=True)):
        field = f"evaluator_assignments.{index}"
        if not isinstance(item, dict):
            raise DomainError("must be an object with an evaluatorId", field=field)
        evaluator = evaluators.get(evaluator_id) if isinstance(evaluator_id, str) else None
        if evaluator is None:
            raise DomainError(f"no evaluator {evaluator_id!r} in this project", field=f"{field}.evaluator_id")
        if not evaluator.versions.all():
            raise DomainError(f"evaluator {evaluator_id!r} has no version yet", field=f"{field}.evaluator_id")
        checked.append((evaluator, mapping_check(item.get("variable_mapping"), field=f"{field}.variable_mapping")))
    return checked


def _snapshot(rule: EvaluationRule) -> dict:
    return {
        "name": rule.name,
        "enabled": rule.enabled,
        "target": rule.target,
        "filter": rule.filter,
        "sampling": rule.sampling,
        "settleDelaySeconds": rule.settle_delay_seconds,
        "dailyBudget": str(rule.daily_budget) if rule.daily_budget is not None else None,
        "evaluators": [assignment.evaluator.id for assignment in rule.assignments.select_related("evaluator")],
    }


def _assignments_write(rule: EvaluationRule, checked: list[tuple[Evaluator, list | None]]) -> None:
    rule.assignments.all().delete()
    EvaluationRuleEvaluator.objects.bulk_create(
        EvaluationRuleEvaluator(rule=rule, evaluator=evaluator, position=position, variable_mapping=mapping)
        for position, (evaluator, mapping) in enumerate(checked)
    )


@transaction.atomic
def evaluation_rule_create(
    *,
    project,
    name: str,
    evaluator_assignments: list[dict],
    enabled: bool = False,
    target: str = RuleTarget.OBSERVATION,
    filter: list | None = None,
    sampling: float = 1.0,
    settle_delay_seconds: int = 10,
    daily_budget=None,
    created_by=None,
) -> EvaluationRule:
    """A new rule; an enabled rule needs at least one evaluator. Assignments are {evaluator_id, variable_mapping}."""
    target = _target_check(target)
    checked = _assignments_check(project=project, assignments=evaluator_assignments)
    if enabled and not checked:
        raise DomainError("an enabled rule needs at least one evaluator", field="evaluator_assignments")
    rule = EvaluationRule.objects.create(
        project=project,
        name=_name_check(name),
        enabled=bool(enabled),
        target=target,
        filter=_filter_check(filter if filter is not None else [], target),
        sampling=_sampling_check(sampling),
        settle_delay_seconds=_delay_check(settle_delay_seconds),
        daily_budget=_budget_check(daily_budget),
        created_by=created_by,
    )
    _assignments_write(rule, checked)
    audit_record(
        action="evaluation_rule.created",
        object_type="evaluation_rule",
        object_id=rule.id,
        project=project,
        after=_snapshot(rule),
    )
    return rule


@transaction.atomic
def evaluation_rule_update(
    *,
    rule: EvaluationRule,
    name=UNSET,
    enabled=UNSET,
    target=UNSET,
    filter=UNSET,
    sampling=UNSET,
    settle_delay_seconds=UNSET,
    daily_budget=UNSET,
    evaluator_assignments=UNSET,
) -> EvaluationRule:
    """Change the given fields; new assignments replace the list (an empty list disables the rule).

    Enabling a rule paused by its budget resumes it.
    """
    before = _snapshot(rule)
    if name is not UNSET:
        rule.name = _name_check(name)
    if target is not UNSET:
        rule.target = _target_check(target)
    if filter is not UNSET or target is not UNSET:
        rule.filter = _filter_check(rule.filter if filter is UNSET else filter, rule.target)
    if sampling is not UNSET:
        rule.sampling = _sampling_check(sampling)
    if settle_delay_seconds is not UNSET:
        rule.settle_delay_seconds = _delay_check(settle_delay_seconds)
    if daily_budget is not UNSET:
        rule.daily_budget = _budget_check(daily_budget)
    has_evaluators = rule.assignments.exists()
    if evaluator_assignments is not UNSET:
        checked = _assignments_check(project=rule.project, assignments=evaluator_assignments)
        _assignments_write(rule, checked)
        has_evaluators = bool(checked)
        if not checked:
            rule.enabled = False
    if enabled is not UNSET:
        if enabled and not has_evaluators:
            raise DomainError("an enabled rule needs at least one evaluator", field="enabled")
        if enabled and rule.paused_at is not None:
            rule.paused_at, rule.paused_reason = None, None
        rule.enabled = bool(enabled)
    rule.save()
    audit_record(
        action="evaluation_rule.updated",
        object_type="evaluation_rule",
        object_id=rule.id,
        project=rule.project,
        before=before,
        after=_snapshot(rule),
    )
    return rule


@transaction.atomic
def evaluation_rule_delete(*, rule: EvaluationRule) -> None:
    """Delete the rule and its jobs (the scores they wrote stay)."""
    audit_record(
        action="evaluation_rule.deleted",
        object_type="evaluation_rule",
        object_id=rule.id,
        project=rule.project,
        before=_snapshot(rule),
    )
    rule.delete()


def evaluation_rule_pause(*, rule: EvaluationRule, reason: str, now=None) -> None:
    """Pause the rule, saying why (its jobs wait); `evaluation_rule_update(enabled=True)` resumes it."""
    EvaluationRule.objects.filter(pk=rule.pk, paused_at__isnull=True).update(
        paused_at=now or timezone.now(), paused_reason=reason
    )
    rule.refresh_from_db(fields=["paused_at", "paused_reason"])


def evaluation_rules_pause_for_connection(*, connection, now=None) -> int:
    """Switch off the enabled rules whose evaluators judge through this (deleted) LLM connection, saying why;
    the number switched off. They resume when someone points the evaluators elsewhere and re-enables them."""
    latest = (
        EvaluatorVersion.objects.filter(evaluator=OuterRef("evaluator"))
        .order_by("-version")
        .values("model_provider")[:1]
    )
    uses = (
        EvaluationRuleEvaluator.objects.filter(rule=OuterRef("pk"))
        .annotate(provider=Subquery(latest))
        .filter(provider=connection.provider)
    )
    rules = EvaluationRule.objects.filter(project_id=connection.project_id, enabled=True).filter(Exists(uses))
    rules = rules.select_related("project")
    reason = f"LLM connection {connection.provider!r} was deleted: give its evaluators another connection, then enable"
    paused = 0
    for rule in rules:
        before = _snapshot(rule)
        rule.enabled, rule.paused_at, rule.paused_reason = False, now or timezone.now(), reason
        rule.save(update_fields=["enabled", "paused_at", "paused_reason", "updated_at"])
        audit_record(
            action="evaluation_rule.paused",
            object_type="evaluation_rule",
            object_id=rule.id,
            project=rule.project,
            before=before,
            after=_snapshot(rule),
        )
        paused += 1
    return paused
