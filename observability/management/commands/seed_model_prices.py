"""Load the bundled model price list into the global price table (idempotent; migrations run it too)."""

from django.core.management.base import BaseCommand

from observability.ingestion.costs import price_table_invalidate
from observability.services.pricing import SEED_FILE, model_definition_seed


class Command(BaseCommand):
    help = (
        "Create or update the built-in model definitions and pricing tiers from observability/data/model-prices.json."
    )

    def handle(self, *args, **options):
        count = model_definition_seed()
        price_table_invalidate()
        self.stdout.write(f"Seeded {count} model definitions from {SEED_FILE.name}")
