"""Each channel gets exactly one notification per state change, through the retrying Dramatiq actor:
signed webhooks and Slack messages to a local HTTP receiver, email through Django's locmem backend."""

import time
from datetime import timedelta

import orjson
import pytest
from django.core import mail
from django.utils import timezone

from observability.actors import alert_event_notify, alert_rule_evaluate_and_notify
from observability.alerts.evaluation import alert_rule_evaluate
from observability.alerts.services import alert_channel_create
from observability.models import AlertNotification
from prompts.models import DeliveryStatus
from tests.background import wait_for_background_work
from tests.observability.alerts.factories import NOW, make_rule, spend

pytestmark = pytest.mark.django_db(transaction=True)
FINISHED = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)


@pytest.fixture
def fast_retries(settings):
    settings.AISTRALE_WEBHOOK_MAX_ATTEMPTS = 3
    settings.AISTRALE_WEBHOOK_MIN_BACKOFF_MS = 100
    settings.AISTRALE_WEBHOOK_MAX_BACKOFF_MS = 500


def recent_spend(project, cost: float):
    spend(project, cost, at=timezone.now() - timedelta(minutes=1))


def settled(timeout: float = 20) -> list[AlertNotification]:
    """Every notification, oldest first, once each succeeded or failed for good."""
    deadline = time.monotonic() + timeout
    while True:
        wait_for_background_work()
        notifications = list(AlertNotification.objects.order_by("created_at", "event_id"))
        if all(n.status in FINISHED for n in notifications) or time.monotonic() > deadline:
            return notifications
        time.sleep(0.05)


def test_webhook_gets_one_signed_document_per_state_change(project, receiver):
    server = receiver()
    rule = make_rule(project)
    channel, secret = alert_channel_create(rule=rule, kind="webhook", target=server.url)
    recent_spend(project, 2.0)
    alert_rule_evaluate_and_notify(rule=rule)
    alert_rule_evaluate_and_notify(rule=rule)
    recent_spend(project, 5.0)
    alert_rule_evaluate_and_notify(rule=rule)
    alert_rule_evaluate_and_notify(rule=rule)
    notifications = settled()

    documents = {document["id"]: document for document in server.verified(secret)}
    assert [n.status for n in notifications] == [DeliveryStatus.SUCCEEDED] * 2
    assert set(documents) == {n.pk for n in notifications}
    warning, critical = (documents[n.pk] for n in notifications)
    assert warning["event"] == critical["event"] == "alert.firing"
    assert (warning["id"], warning["projectId"]) == (notifications[0].pk, project.pk)
    assert warning["data"] | {"windowStart": None, "windowEnd": None, "at": None} == {
        "ruleId": rule.pk,
        "ruleName": "spend",
        "metric": "cost_per_hour",
        "metricOption": None,
        "filter": [],
        "state": "warning",
        "previousState": "ok",
        "value": pytest.approx(2.0),
        "threshold": 1.0,
        "direction": "above",
        "windowSeconds": 3600,
        "windowStart": None,
        "windowEnd": None,
        "at": None,
    }
    assert (critical["data"]["previousState"], critical["data"]["state"]) == ("warning", "critical")
    headers = {request["headers"]["X-Aistrale-Delivery"]: request["headers"] for request in server.requests}
    assert [headers[n.pk]["X-Aistrale-Event"] for n in notifications] == ["alert.firing"] * 2
    assert {n.channel_id for n in notifications} == {channel.pk}


def test_slack_gets_a_text_message(project, receiver):
    server = receiver()
    rule = make_rule(project, name="Support spend")
    alert_channel_create(rule=rule, kind="slack", target=server.url)
    recent_spend(project, 6.0)
    alert_rule_evaluate_and_notify(rule=rule)
    [notification] = settled()

    assert notification.status == DeliveryStatus.SUCCEEDED
    [request] = server.requests
    text = orjson.loads(request["body"])["text"]
    assert text.startswith("[CRITICAL] Support spend: Cost per hour is 6 USD/h\n")
    assert "State: OK -> Critical" in text
    assert "Threshold: above 5 USD/h" in text
    assert "X-Aistrale-Signature" not in request["headers"]


def test_email_goes_through_the_django_backend(project, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rule = make_rule(project, name="Support spend")
    alert_channel_create(rule=rule, kind="email", target="ops@example.com, oncall@example.com")
    recent_spend(project, 2.0)
    alert_rule_evaluate_and_notify(rule=rule)
    alert_rule_evaluate_and_notify(rule=rule)
    [notification] = settled()

    assert notification.status == DeliveryStatus.SUCCEEDED
    [message] = mail.outbox
    assert message.subject == "[WARNING] Support spend: Cost per hour is 2 USD/h"
    assert message.to == ["ops@example.com", "oncall@example.com"]
    assert "Project: Chatbot" in message.body


def test_resolving_sends_alert_resolved(project, receiver):
    server = receiver()
    rule = make_rule(project)
    _, secret = alert_channel_create(rule=rule, kind="webhook", target=server.url)
    spend(project, 9.0)
    alert_event_notify(alert_rule_evaluate(rule=rule, now=NOW))
    alert_event_notify(alert_rule_evaluate(rule=rule, now=NOW + timedelta(hours=2)))
    alert_event_notify(alert_rule_evaluate(rule=rule, now=NOW + timedelta(hours=3)))
    settled()
    fired, resolved = sorted(server.verified(secret), key=lambda document: document["data"]["windowEnd"])
    assert (fired["event"], fired["data"]["state"]) == ("alert.firing", "critical")
    assert (resolved["event"], resolved["data"]["previousState"], resolved["data"]["state"]) == (
        "alert.resolved",
        "critical",
        "ok",
    )
    assert resolved["data"]["value"] is None


def test_failing_receiver_is_retried_then_the_failure_recorded(project, receiver, fast_retries):
    server = receiver(statuses=[500, 503, 502])
    rule = make_rule(project)
    alert_channel_create(rule=rule, kind="webhook", target=server.url)
    recent_spend(project, 2.0)
    alert_rule_evaluate_and_notify(rule=rule)
    [notification] = settled()

    assert (notification.status, notification.attempts, notification.response_code) == (
        DeliveryStatus.FAILED,
        3,
        502,
    )
    assert notification.error == "HTTP 502 Bad Gateway"
    assert len(server.requests) == 3
    assert len({request["body"] for request in server.requests}) == 1


def test_a_receiver_recovering_gets_the_notification(project, receiver, fast_retries):
    server = receiver(statuses=[500])
    rule = make_rule(project)
    alert_channel_create(rule=rule, kind="slack", target=server.url)
    recent_spend(project, 2.0)
    alert_rule_evaluate_and_notify(rule=rule)
    [notification] = settled()
    assert (notification.status, notification.attempts, notification.error) == (DeliveryStatus.SUCCEEDED, 2, "")


def test_private_addresses_are_refused_unless_allowed(project, receiver, settings):
    server = receiver()
    settings.AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS = False
    rule = make_rule(project)
    alert_channel_create(rule=rule, kind="webhook", target=server.url)
    recent_spend(project, 2.0)
    alert_rule_evaluate_and_notify(rule=rule)
    [notification] = settled()
    assert (notification.status, notification.attempts) == (DeliveryStatus.FAILED, 1)
    assert "non-public address 127.0.0.1" in notification.error
    assert server.requests == []
