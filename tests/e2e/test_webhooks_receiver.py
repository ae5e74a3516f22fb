"""Webhook deliveries reach a real HTTP receiver on 127.0.0.1 that verifies their HMAC signature."""

import io
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from langfuse import Langfuse

from aistrale.tasks import start_inprocess_worker
from aistrale.tenancy.models import Role
from prompts.models import DeliveryStatus, WebhookDelivery
from prompts.signals import prompt_label_moved, prompt_version_created
from prompts.webhooks import webhook_deliveries_create, webhook_endpoint_create
from tests.background import wait_for_background_work
from tests.receiver import receivers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver(settings):
    start_inprocess_worker()
    yield from receivers(settings)


@pytest.fixture
def fast_retries(settings):
    settings.AISTRALE_WEBHOOK_MAX_ATTEMPTS = 3
    settings.AISTRALE_WEBHOOK_MIN_BACKOFF_MS = 100
    settings.AISTRALE_WEBHOOK_MAX_BACKOFF_MS = 1000


def settled(delivery_id: str, timeout: float = 20) -> WebhookDelivery:
    """The delivery once it succeeded or failed for good."""
    deadline = time.monotonic() + timeout
    while True:
        wait_for_background_work()
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED) or time.monotonic() > deadline:
            return delivery
        time.sleep(0.05)


def test_receiver_verifies_the_signature_of_each_event(project, receiver):
    server = receiver()
    endpoint, secret = webhook_endpoint_create(project=project, url=server.url, events=["prompt.version.created"])
    payload = {"name": "support/greeting", "version": 3, "labels": ["production"]}
    prompt_version_created.send(sender=None, project=project, payload=payload)
    prompt_label_moved.send(sender=None, project=project, payload={"name": "support/greeting"})
    [delivery] = WebhookDelivery.objects.all()
    delivery = settled(delivery.pk)

    [document] = server.verified(secret)
    assert document == {
        "id": delivery.pk,
        "event": "prompt.version.created",
        "createdAt": delivery.created_at.isoformat().replace("+00:00", "Z"),
        "projectId": project.pk,
        "data": payload,
    }
    headers = server.requests[0]["headers"]
    assert headers["X-Aistrale-Event"] == "prompt.version.created"
    assert headers["X-Aistrale-Delivery"] == delivery.pk
    assert headers["Content-Type"] == "application/json"
    assert abs(int(headers["X-Aistrale-Timestamp"]) - time.time()) < 60
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SUCCEEDED, 1, 200)
    assert delivery.response_body == '{"received": true}'
    assert delivery.endpoint_id == endpoint.pk


def test_a_failing_receiver_gets_retried_with_backoff(project, receiver, fast_retries):
    server = receiver(statuses=[500])
    _, secret = webhook_endpoint_create(project=project, url=server.url, events=["prompt.version.created"])
    prompt_version_created.send(sender=None, project=project, payload={"name": "greeting", "version": 1})
    delivery = settled(WebhookDelivery.objects.get().pk)

    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SUCCEEDED, 2, 200)
    first, second = server.verified(secret)
    assert first == second
    assert server.requests[0]["body"] == server.requests[1]["body"]
    assert server.requests[1]["at"] - server.requests[0]["at"] >= 0.1


def test_a_receiver_that_keeps_failing_marks_the_delivery_failed(project, receiver, fast_retries):
    server = receiver(statuses=[503, 503, 503, 503])
    _, secret = webhook_endpoint_create(project=project, url=server.url, events=["prompt.version.created"])
    prompt_version_created.send(sender=None, project=project, payload={"name": "greeting", "version": 1})
    delivery = settled(WebhookDelivery.objects.get().pk)

    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.FAILED, 3, 503)
    assert delivery.error == "HTTP 503 Service Unavailable"
    assert delivery.response_body == "receiver is down"
    assert len(server.verified(secret)) == 3
    arrivals = [request["at"] for request in server.requests]
    first_gap, second_gap = arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]
    assert first_gap >= 0.1 and second_gap >= 0.2


def test_deliveries_whose_job_was_lost_are_requeued_by_the_command(project, receiver):
    server = receiver()
    _, secret = webhook_endpoint_create(project=project, url=server.url, events=["prompt.deleted"])
    [lost] = webhook_deliveries_create(project=project, event="prompt.deleted", payload={"name": "old"})
    [recent] = webhook_deliveries_create(project=project, event="prompt.deleted", payload={"name": "new"})
    WebhookDelivery.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    out = io.StringIO()
    call_command("requeue_webhook_deliveries", "--minutes", "15", stdout=out)
    assert "1 stalled webhook deliveries queued again" in out.getvalue()
    assert settled(lost.pk).status == DeliveryStatus.SUCCEEDED
    assert [document["data"] for document in server.verified(secret)] == [{"name": "old"}]
    assert WebhookDelivery.objects.get(pk=recent.pk).status == DeliveryStatus.PENDING


def test_langfuse_sdk_changes_reach_the_receiver_signed_and_show_in_the_admin(
    live_server, key_pair, project, receiver, client, make_user
):
    server = receiver()
    _, secret = webhook_endpoint_create(
        project=project, url=server.url, events=["prompt.version.created", "prompt.label.moved", "prompt.deleted"]
    )
    langfuse = Langfuse(public_key=key_pair[0], secret_key=key_pair[1], base_url=live_server.url, tracing_enabled=False)
    try:
        langfuse.create_prompt(name="support/greeting", prompt="Hello {{name}}", labels=["production"])
        langfuse.create_prompt(name="support/greeting", prompt="Hi {{name}}!", labels=["staging"])
        langfuse.update_prompt(name="support/greeting", version=2, new_labels=["production"])
        langfuse.api.prompts.delete("support/greeting")
    finally:
        langfuse.shutdown()
    deliveries = [settled(delivery.pk) for delivery in WebhookDelivery.objects.order_by("created_at")]
    assert [delivery.status for delivery in deliveries] == [DeliveryStatus.SUCCEEDED] * 6

    # Delivery is at least once (an attempt whose outcome could not be recorded is retried): dedupe on the id.
    by_id = {}
    for document in server.verified(secret):
        assert by_id.setdefault(document["id"], document) == document
    documents = sorted(by_id.values(), key=lambda document: (document["createdAt"], document["id"]))
    events = [(document["event"], document["data"]) for document in documents]
    created = [data for event, data in events if event == "prompt.version.created"]
    moved = [data for event, data in events if event == "prompt.label.moved"]
    [deleted] = [data for event, data in events if event == "prompt.deleted"]
    assert [(data["name"], data["version"], data["labels"]) for data in created] == [
        ("support/greeting", 1, ["production"]),
        ("support/greeting", 2, ["staging"]),
    ]
    assert sorted((data["label"], data["fromVersion"] or 0, data["toVersion"]) for data in moved) == [
        ("production", 0, 1),
        ("production", 1, 2),
        ("staging", 0, 2),
    ]
    assert (deleted["name"], deleted["versions"], deleted["wholePrompt"]) == ("support/greeting", [1, 2], True)

    client.force_login(make_user("viewer", project=project, role=Role.VIEWER))
    page = client.get("/admin/prompts/webhookdelivery/", {"status__exact": "succeeded"}).content.decode()
    assert page.count("Prompt label moved") >= 3 and "Prompt deleted" in page and server.url in page
