"""Turns the prompt signals into webhook deliveries."""

import logging

from prompts import signals
from prompts.actors import enqueue_deliveries
from prompts.models import WebhookEvent
from prompts.webhooks import webhook_deliveries_create

logger = logging.getLogger(__name__)

SIGNAL_EVENTS = {
    signals.prompt_version_created: WebhookEvent.PROMPT_VERSION_CREATED,
    signals.prompt_label_moved: WebhookEvent.PROMPT_LABEL_MOVED,
    signals.prompt_deleted: WebhookEvent.PROMPT_DELETED,
}


def _deliver(event: str):
    def receiver(sender, *, project, payload, **kwargs):
        # The prompt change is committed already: a failure here must not turn its response into an error.
        try:
            enqueue_deliveries(webhook_deliveries_create(project=project, event=event, payload=payload))
        except Exception:
            logger.exception("could not queue the %s webhooks of project %s", event, project.pk)

    return receiver


def connect() -> None:
    for signal, event in SIGNAL_EVENTS.items():
        signal.connect(_deliver(event.value), weak=False, dispatch_uid=f"prompts.webhooks.{event.value}")
