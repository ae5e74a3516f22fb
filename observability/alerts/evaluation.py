"""Evaluating alert rules: the metric over the rule's window, the state that value gives, and on a change of
state one history event with one pending notification per active channel.

The state change is decided under the rule's row lock, so concurrent evaluations (the periodic job and
"evaluate now") record it once; a rule still firing at the same level records nothing and notifies no one.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from aistrale.operations.metrics import ALERT_EVALUATIONS
from observability.alerts.metrics import alert_metric_get
from observability.models import AlertDirection, AlertEvent, AlertNotification, AlertRule, AlertState, NoDataPolicy
from prompts.webhooks import webhook_setting


def rule_state(rule: AlertRule, value: float | None) -> tuple[str, float | None]:
    """The state this value puts the rule in, and the threshold that decided it."""
    if value is None:
        kept = {NoDataPolicy.OK: AlertState.OK, NoDataPolicy.KEEP: rule.state}
        return kept.get(rule.no_data, AlertState.NO_DATA), None

    def crossed(threshold: float | None) -> bool:
        if threshold is None:
            return False
        return value >= threshold if rule.direction == AlertDirection.ABOVE else value <= threshold

    if crossed(rule.critical_threshold):
        return AlertState.CRITICAL, rule.critical_threshold
    if crossed(rule.warning_threshold):
        return AlertState.WARNING, rule.warning_threshold
    return AlertState.OK, rule.warning_threshold if rule.warning_threshold is not None else rule.critical_threshold


def alert_rule_value(*, rule: AlertRule, start: datetime, end: datetime) -> float | None:
    metric = alert_metric_get(rule.metric)
    return metric.compute(
        project=rule.project, start=start, end=end, rule_filter=rule.filter, option=rule.metric_option
    )


def alert_rule_evaluate(*, rule: AlertRule, now: datetime | None = None) -> AlertEvent | None:
    """Evaluate the rule at `now` (default: the current time); the state change it recorded, or None."""
    now = now or timezone.now()
    start = now - timedelta(seconds=rule.window_seconds)
    try:
        value = alert_rule_value(rule=rule, start=start, end=now)
    except Exception:
        ALERT_EVALUATIONS.labels(rule.metric, "error").inc()
        raise
    with transaction.atomic():
        locked = AlertRule.objects.select_for_update().get(pk=rule.pk)
        if locked.last_evaluated_at is not None and locked.last_evaluated_at > now:
            return None  # a later evaluation already decided
        state, threshold = rule_state(locked, value)
        event = None
        if state != locked.state:
            event = AlertEvent.objects.create(
                project_id=locked.project_id,
                rule=locked,
                previous_state=locked.state,
                state=state,
                value=value,
                threshold=threshold,
                window_start=start,
                window_end=now,
            )
            AlertNotification.objects.bulk_create(
                AlertNotification(
                    project_id=locked.project_id,
                    event=event,
                    channel=channel,
                    max_attempts=webhook_setting("MAX_ATTEMPTS"),
                )
                for channel in locked.channels.filter(active=True)
            )
            locked.state_changed_at = now
        locked.state, locked.last_value, locked.last_evaluated_at = state, value, now
        locked.save(update_fields=["state", "last_value", "last_evaluated_at", "state_changed_at"])
    rule.state, rule.last_value = locked.state, locked.last_value
    rule.last_evaluated_at, rule.state_changed_at = locked.last_evaluated_at, locked.state_changed_at
    ALERT_EVALUATIONS.labels(rule.metric, state).inc()
    return event


def alert_rules_enabled() -> QuerySet[AlertRule]:
    return AlertRule.objects.filter(enabled=True).select_related("project").order_by("pk")
