"""Dramatiq actors of observability: the periodic rollup refresh."""

import dramatiq

import aistrale.tasks  # noqa: F401  (declares the broker before the actors)
from observability.analytics.rollups import rollups_refresh_all

QUEUE = "rollups"


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def refresh_rollups() -> None:
    """Rebuild every marked hour; run every minute or so by the periodic scheduler."""
    rollups_refresh_all()
