"""Queue again the webhook deliveries whose first job never ran (e.g. the broker was down when they were made)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from prompts.actors import enqueue_deliveries
from prompts.webhooks import webhook_deliveries_stalled


class Command(BaseCommand):
    help = (
        "Queue again the pending webhook deliveries that were never attempted, older than --minutes. "
        "Receivers may see such an event twice: they deduplicate on the X-Aistrale-Delivery id."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=15, help="Only deliveries older than this (default 15).")

    def handle(self, *args, minutes, **options):
        stalled = list(webhook_deliveries_stalled(older_than=timedelta(minutes=minutes)))
        enqueue_deliveries(stalled)
        self.stdout.write(self.style.SUCCESS(f"{len(stalled)} stalled webhook deliveries queued again"))
