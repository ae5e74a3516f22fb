"""Sending a rule's state change to its channels: signed webhooks (the prompt webhooks' signing and headers),
Slack incoming webhooks and email (Django's email backend); each attempt's outcome is recorded.

A webhook receives {"id", "event", "createdAt", "projectId", "data"} (event `alert.firing` or
`alert.resolved`), signed with the channel's secret in `X-Aistrale-Signature` like a prompt webhook; the
delivery id header is the notification's id, the same on every retry.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from aistrale import json_text
from aistrale.operations.metrics import ALERT_NOTIFICATIONS
from observability.alerts.metrics import alert_metric_get
from observability.models import AlertEvent, AlertNotification, AlertState, ChannelKind
from prompts.models import DeliveryStatus
from prompts.webhooks import USER_AGENT, webhook_post, webhook_signed_headers, webhook_url_refusal

FINISHED = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def alert_event_name(event: AlertEvent) -> str:
    return "alert.resolved" if event.state == AlertState.OK else "alert.firing"


def alert_event_data(event: AlertEvent) -> dict:
    rule = event.rule
    return {
        "ruleId": rule.pk,
        "ruleName": rule.name,
        "metric": rule.metric,
        "metricOption": rule.metric_option or None,
        "filter": rule.filter,
        "state": event.state,
        "previousState": event.previous_state,
        "value": event.value,
        "threshold": event.threshold,
        "direction": rule.direction,
        "windowSeconds": rule.window_seconds,
        "windowStart": _iso(event.window_start),
        "windowEnd": _iso(event.window_end),
        "at": _iso(event.created_at),
    }


def alert_event_text(event: AlertEvent) -> tuple[str, str]:
    """(subject, body) of the human-readable notification."""
    rule = event.rule
    metric = alert_metric_get(rule.metric)
    subject_of = f"{metric.label}" + (f" ({rule.metric_option})" if rule.metric_option else "")
    value = "no data" if event.value is None else f"{event.value:.6g} {metric.unit}"
    level = "RESOLVED" if event.state == AlertState.OK else event.get_state_display().upper()
    subject = f"[{level}] {rule.name}: {subject_of} is {value}"
    lines = [
        subject,
        f"Project: {rule.project.name}",
        f"State: {event.get_previous_state_display()} -> {event.get_state_display()}",
        f"Window: the last {rule.window_seconds} s, {_iso(event.window_start)} to {_iso(event.window_end)}",
    ]
    if event.threshold is not None:
        lines.append(f"Threshold: {rule.direction} {event.threshold:.6g} {metric.unit}")
    return subject, "\n".join(lines)


def _webhook(notification: AlertNotification) -> tuple[int | None, str]:
    event, channel = notification.event, notification.channel
    body = json_text.dumps(
        {
            "id": notification.pk,
            "event": alert_event_name(event),
            "createdAt": _iso(event.created_at),
            "projectId": notification.project_id,
            "data": alert_event_data(event),
        }
    )
    headers = webhook_signed_headers(
        secret=channel.secret, body=body, event=alert_event_name(event), delivery_id=notification.pk
    )
    code, _, error = webhook_post(url=channel.target, body=body, headers=headers)
    return code, error


def _slack(notification: AlertNotification) -> tuple[int | None, str]:
    subject, body = alert_event_text(notification.event)
    payload = json_text.dumps({"text": body})
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    code, _, error = webhook_post(url=notification.channel.target, body=payload, headers=headers)
    return code, error


def _email(notification: AlertNotification) -> tuple[int | None, str]:
    subject, body = alert_event_text(notification.event)
    recipients = [address.strip() for address in notification.channel.target.split(",")]
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as error:  # any backend failure (SMTP, connection) is recorded and retried
        return None, f"{type(error).__name__}: {error}"
    return None, ""


SENDERS = {ChannelKind.WEBHOOK: _webhook, ChannelKind.SLACK: _slack, ChannelKind.EMAIL: _email}


def alert_notification_attempt(*, notification_id: str) -> AlertNotification | None:
    """Send a notification once and record the outcome; the status says whether another attempt is due."""
    notification = (
        AlertNotification.objects.select_related("event__rule__project", "channel").filter(pk=notification_id).first()
    )
    if notification is None or notification.status in FINISHED:
        return notification
    channel = notification.channel
    refusal = None if channel.active else "channel was deactivated before this attempt"
    if refusal is None and channel.kind != ChannelKind.EMAIL:
        refusal = webhook_url_refusal(channel.target)
    if refusal is None:
        notification.response_code, notification.error = SENDERS[channel.kind](notification)
    else:
        notification.response_code, notification.error = None, refusal
    notification.attempts += 1
    notification.last_attempt_at = timezone.now()
    if not notification.error:
        notification.status = DeliveryStatus.SUCCEEDED
    elif notification.attempts >= notification.max_attempts or refusal is not None:
        notification.status = DeliveryStatus.FAILED
    else:
        notification.status = DeliveryStatus.RETRYING
    if notification.status in FINISHED:
        notification.completed_at = notification.last_attempt_at
    notification.save(update_fields=["response_code", "error", "attempts", "last_attempt_at", "status", "completed_at"])
    ALERT_NOTIFICATIONS.labels(channel.kind, notification.status).inc()
    return notification
