"""Observability writes that are not ingestion: trace deletion and the model price table."""

from observability.services.pricing import model_definition_create, model_definition_delete, seed_model_prices
from observability.services.traces import traces_delete

__all__ = ["model_definition_create", "model_definition_delete", "seed_model_prices", "traces_delete"]
