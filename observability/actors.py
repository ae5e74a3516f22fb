"""Dramatiq actors of observability: alert rule evaluation and notification delivery, the rollup refresh."""

import logging
from functools import partial

import dramatiq
from django.db import transaction

import aistrale.tasks  # noqa: F401  (declares the broker before the actors)
from observability.alerts.evaluation import alert_rule_evaluate, alert_rules_enabled
from observability.alerts.notifications import alert_notification_attempt
from observability.analytics.rollups import rollups_refresh_all
from observability.models import AlertEvent, AlertRule
from prompts.models import DeliveryStatus
from prompts.webhooks import webhook_setting

logger = logging.getLogger(__name__)
QUEUE = "alerts"
ROLLUPS_QUEUE = "rollups"


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def deliver_alert_notification(notification_id: str) -> None:
    """One attempt; raising Retry makes Dramatiq run the next one after its backoff."""
    notification = alert_notification_attempt(notification_id=notification_id)
    if notification is not None and notification.status == DeliveryStatus.RETRYING:
        raise dramatiq.Retry(f"alert notification {notification_id}: attempt {notification.attempts} failed")


def alert_event_notify(event: AlertEvent | None) -> None:
    """Send the event's notifications once the current transaction commits."""
    if event is None:
        return
    for notification in event.notifications.all():
        transaction.on_commit(
            partial(
                deliver_alert_notification.send_with_options,
                args=(notification.pk,),
                max_retries=notification.max_attempts - 1,
                min_backoff=webhook_setting("MIN_BACKOFF_MS"),
                max_backoff=webhook_setting("MAX_BACKOFF_MS"),
            )
        )


def alert_rule_evaluate_and_notify(*, rule: AlertRule) -> AlertEvent | None:
    """Evaluate one rule now and send what its state change notifies (the admin's "evaluate now")."""
    event = alert_rule_evaluate(rule=rule)
    alert_event_notify(event)
    return event


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def evaluate_alert_rules() -> None:
    """Evaluate every enabled rule (the periodic job); one failing rule does not stop the others."""
    for rule in alert_rules_enabled():
        try:
            alert_rule_evaluate_and_notify(rule=rule)
        except Exception:
            logger.exception("alert rule %s (%s) could not be evaluated", rule.pk, rule.name)


@dramatiq.actor(queue_name=ROLLUPS_QUEUE, max_retries=0)
def refresh_rollups() -> None:
    """Rebuild every marked hour (the periodic job)."""
    rollups_refresh_all()
