import hashlib
import hmac
import socket

import orjson
import pytest

from aistrale.errors import DomainError
from aistrale.tenancy.models import AuditEvent, Role
from prompts.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from prompts.signals import prompt_deleted, prompt_label_moved, prompt_version_created
from prompts.webhooks import (
    webhook_body,
    webhook_deliveries_create,
    webhook_deliveries_redeliver,
    webhook_delivery_attempt,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
    webhook_redeliver,
    webhook_signature,
    webhook_url_refusal,
)

pytestmark = pytest.mark.django_db

ALL_EVENTS = ["prompt.version.created", "prompt.label.moved", "prompt.deleted"]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@pytest.mark.parametrize(
    ("url", "events", "field", "message"),
    [
        ("ftp://example.com", ["prompt.deleted"], "url", "absolute http(s) URL"),
        ("/relative", ["prompt.deleted"], "url", "absolute http(s) URL"),
        ("https://example.com", [], "events", "non-empty list"),
        ("https://example.com", "prompt.deleted", "events", "non-empty list"),
        ("https://example.com", ["prompt.created"], "events", "unknown events ['prompt.created']"),
    ],
)
def test_endpoint_create_names_the_bad_field(project, url, events, field, message):
    with pytest.raises(DomainError) as raised:
        webhook_endpoint_create(project=project, url=url, events=events)
    assert raised.value.field == field and message in raised.value.message


def test_endpoint_create_generates_a_secret_and_audits(project):
    endpoint, secret = webhook_endpoint_create(
        project=project, url="https://example.com/hook", events=["prompt.deleted", "prompt.deleted"]
    )
    assert secret.startswith("whsec_") and len(secret) > 40
    assert endpoint.events == ["prompt.deleted"]
    event = AuditEvent.objects.get(action="webhook_endpoint.created")
    assert event.object_id == endpoint.pk and secret not in str(event.after)


def test_update_and_secret_rotation_are_audited(project):
    endpoint, secret = webhook_endpoint_create(project=project, url="https://example.com/a", events=ALL_EVENTS)
    webhook_endpoint_update(
        endpoint=endpoint, url="https://example.com/b", events=["prompt.deleted"], description="ops", active=False
    )
    new_secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.active, endpoint.secret) == (
        "https://example.com/b",
        ["prompt.deleted"],
        False,
        new_secret,
    )
    assert new_secret != secret
    updated = AuditEvent.objects.get(action="webhook_endpoint.updated")
    assert updated.before["url"] == "https://example.com/a" and updated.after["active"] is False
    assert AuditEvent.objects.filter(action="webhook_endpoint.secret_rotated", object_id=endpoint.pk).exists()


def test_deliveries_go_to_active_subscribed_endpoints_of_the_project_only(project, other_project):
    subscribed, _ = webhook_endpoint_create(project=project, url="https://a.example.com", events=ALL_EVENTS)
    webhook_endpoint_create(project=project, url="https://b.example.com", events=["prompt.deleted"])
    webhook_endpoint_create(project=project, url="https://c.example.com", events=ALL_EVENTS, active=False)
    webhook_endpoint_create(project=other_project, url="https://d.example.com", events=ALL_EVENTS)
    payload = {"name": "greeting", "version": 2, "labels": ["production"]}
    [delivery] = webhook_deliveries_create(project=project, event="prompt.version.created", payload=payload)
    delivery = WebhookDelivery.objects.get(pk=delivery.pk)
    assert delivery.endpoint_id == subscribed.pk
    assert (delivery.status, delivery.attempts, delivery.payload) == (DeliveryStatus.PENDING, 0, payload)


@pytest.mark.parametrize(
    ("signal", "event"),
    [
        (prompt_version_created, "prompt.version.created"),
        (prompt_label_moved, "prompt.label.moved"),
        (prompt_deleted, "prompt.deleted"),
    ],
)
def test_each_prompt_signal_creates_its_delivery(project, signal, event, django_capture_on_commit_callbacks):
    webhook_endpoint_create(project=project, url=closed_port_url(), events=[event])
    with django_capture_on_commit_callbacks() as callbacks:
        signal.send(sender=None, project=project, payload={"name": "greeting"})
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.event, delivery.payload) == (event, {"name": "greeting"})
    assert len(callbacks) == 1


def test_a_webhook_failure_never_fails_the_prompt_change(project, caplog, django_capture_on_commit_callbacks):
    webhook_endpoint_create(project=project, url=closed_port_url(), events=ALL_EVENTS)
    with django_capture_on_commit_callbacks(execute=True):
        prompt_deleted.send(sender=None, project=project, payload={"not json": object()})
    assert not WebhookDelivery.objects.exists()
    assert "could not queue the prompt.deleted webhooks" in caplog.text


def test_body_is_stable_and_signature_is_hmac_sha256_of_it(project):
    endpoint, secret = webhook_endpoint_create(project=project, url="https://example.com", events=ALL_EVENTS)
    [delivery] = webhook_deliveries_create(project=project, event="prompt.deleted", payload={"name": "x/y"})
    body = webhook_body(WebhookDelivery.objects.get(pk=delivery.pk))
    assert body == webhook_body(delivery)
    document = orjson.loads(body)
    assert document["id"] == delivery.pk and document["event"] == "prompt.deleted"
    assert document["projectId"] == project.pk and document["data"] == {"name": "x/y"}
    assert document["createdAt"].endswith("Z")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert webhook_signature(secret=secret, body=body) == f"sha256={expected}"


def test_unreachable_endpoint_retries_then_fails_after_the_last_attempt(project, settings):
    settings.AISTRALE_WEBHOOK_MAX_ATTEMPTS = 2
    settings.AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    webhook_endpoint_create(project=project, url=closed_port_url(), events=ALL_EVENTS)
    [delivery] = webhook_deliveries_create(project=project, event="prompt.deleted", payload={})
    first = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert (first.status, first.attempts, first.response_code) == (DeliveryStatus.RETRYING, 1, None)
    assert "ConnectionError" in first.error
    second = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert (second.status, second.attempts) == (DeliveryStatus.FAILED, 2)
    assert second.completed_at is not None
    assert webhook_delivery_attempt(delivery_id=delivery.pk).attempts == 2


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1:9/hook", "127.0.0.1"),
        ("http://localhost:9/hook", "127.0.0.1"),
        ("http://10.1.2.3/hook", "10.1.2.3"),
        ("http://169.254.169.254/latest", "169.254.169.254"),
        ("http://[::1]:9/hook", "::1"),
    ],
)
def test_private_network_urls_are_refused_unless_allowed(project, settings, url, address):
    webhook_endpoint_create(project=project, url=url, events=ALL_EVENTS)
    [delivery] = webhook_deliveries_create(project=project, event="prompt.deleted", payload={})
    attempted = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert (attempted.status, attempted.attempts, attempted.response_code) == (DeliveryStatus.FAILED, 1, None)
    assert f"non-public address {address}" in attempted.error
    assert "AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS" in attempted.error

    settings.AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert webhook_url_refusal(url) is None


def test_deactivated_endpoint_fails_the_pending_delivery(project):
    endpoint, _ = webhook_endpoint_create(project=project, url=closed_port_url(), events=ALL_EVENTS)
    [delivery] = webhook_deliveries_create(project=project, event="prompt.deleted", payload={})
    endpoint.active = False
    endpoint.save()
    attempted = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert attempted.status == DeliveryStatus.FAILED
    assert "deactivated" in attempted.error


def test_redeliver_copies_the_event_and_refuses_inactive_endpoints(project):
    endpoint, _ = webhook_endpoint_create(project=project, url=closed_port_url(), events=ALL_EVENTS)
    [delivery] = webhook_deliveries_create(project=project, event="prompt.deleted", payload={"name": "a"})
    again = webhook_redeliver(delivery=delivery)
    assert (again.event, again.payload, again.redelivery_of_id, again.status) == (
        "prompt.deleted",
        {"name": "a"},
        delivery.pk,
        DeliveryStatus.PENDING,
    )
    endpoint.active = False
    endpoint.save()
    with pytest.raises(DomainError, match="inactive"):
        webhook_redeliver(delivery=WebhookDelivery.objects.get(pk=delivery.pk))


def test_redeliver_resends_only_the_managed_projects_deliveries_to_active_endpoints(project, other_project, make_user):
    owner = make_user("owner", project=project, role=Role.OWNER)
    for target in (project, other_project):
        webhook_endpoint_create(project=target, url="https://example.com/hook", events=ALL_EVENTS)
    inactive, _ = webhook_endpoint_create(project=project, url="https://example.com/off", events=ALL_EVENTS)
    for target in (project, other_project):
        webhook_deliveries_create(project=target, event="prompt.deleted", payload={})
    WebhookEndpoint.objects.filter(pk=inactive.pk).update(active=False)
    outcome = webhook_deliveries_redeliver(deliveries=WebhookDelivery.objects.all(), user=owner)
    assert [(delivery.project_id, delivery.endpoint.url) for delivery in outcome.queued] == [
        (project.pk, "https://example.com/hook")
    ]
    assert outcome.not_managed == 1
    assert outcome.refused == ["endpoint https://example.com/off is inactive: activate it before redelivering"]
    assert WebhookDelivery.objects.filter(redelivery_of__isnull=False).count() == 1
