"""Dramatiq actors of the prompts app: webhook deliveries, retried with exponential backoff."""

from functools import partial

import dramatiq
from django.db import transaction

import aistrale.tasks  # noqa: F401  (declares the broker before the actors)
from prompts.models import DeliveryStatus, WebhookDelivery
from prompts.webhooks import webhook_delivery_attempt, webhook_setting


@dramatiq.actor(queue_name="webhooks", max_retries=0)
def deliver_webhook(delivery_id: str) -> None:
    """One attempt; raising Retry makes Dramatiq run the next one after its backoff."""
    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    if delivery is not None and delivery.status == DeliveryStatus.RETRYING:
        raise dramatiq.Retry(f"webhook delivery {delivery_id}: attempt {delivery.attempts} failed: {delivery.error}")


def enqueue_deliveries(deliveries: list[WebhookDelivery]) -> None:
    """Send each delivery's first attempt once the current transaction commits."""
    for delivery in deliveries:
        transaction.on_commit(
            partial(
                deliver_webhook.send_with_options,
                args=(delivery.pk,),
                max_retries=delivery.max_attempts - 1,
                min_backoff=webhook_setting("MIN_BACKOFF_MS"),
                max_backoff=webhook_setting("MAX_BACKOFF_MS"),
            )
        )
