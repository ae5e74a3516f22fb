"""Observability writes that are not ingestion: trace deletion and sharing, and the model price table."""

from observability.services.pricing import model_definition_create, model_definition_delete, model_definition_seed
from observability.services.traces import trace_delete_many, trace_public_set

__all__ = [
    "model_definition_create",
    "model_definition_delete",
    "model_definition_seed",
    "trace_delete_many",
    "trace_public_set",
]
