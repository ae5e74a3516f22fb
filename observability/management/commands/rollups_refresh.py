"""Rebuild the analytics rollups of every marked hour (the periodic job does the same)."""

from django.core.management.base import BaseCommand

from observability.analytics.rollups import rollups_refresh_all


class Command(BaseCommand):
    help = "Rebuild the analytics rollups of every hour ingestion marked since the last refresh."

    def handle(self, *args, **options):
        hours = rollups_refresh_all()
        self.stdout.write(f"Rebuilt {hours} hour(s) of rollups.")
