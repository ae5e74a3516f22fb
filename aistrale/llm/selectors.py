"""LLM connection reads, project-scoped, and their public API shape (secret masked, header values left out)."""

import json

from django.db.models import QuerySet

from aistrale.errors import DomainError
from aistrale.llm.models import LlmConnection

MASK = "..."
SHOWN_TAIL = 4
SHORTEST_SHOWN = 12


def llm_connection_list(*, project) -> QuerySet[LlmConnection]:
    return LlmConnection.objects.filter(project=project).order_by("provider", "key")


def llm_connection_get(*, project, provider: str) -> LlmConnection:
    """The project's connection named `provider`; a DomainError (404) naming it when there is none."""
    connection = LlmConnection.objects.filter(project=project, provider=provider).first()
    if connection is None:
        raise DomainError(f"no LLM connection named {provider!r} in this project", field="provider", status=404)
    return connection


def llm_connection_by_id(*, project, connection_id: str) -> LlmConnection:
    connection = LlmConnection.objects.filter(project=project, id=connection_id).first()
    if connection is None:
        raise DomainError(f"LLM connection {connection_id!r} not found in this project", field="id", status=404)
    return connection


def secret_display(secret_key: str | None) -> str:
    """The key as pages and the API show it: "..." and its last 4 characters (nothing of a short key)."""
    if not secret_key or len(secret_key) < SHORTEST_SHOWN:
        return MASK
    return MASK + secret_key[-SHOWN_TAIL:]


def extra_header_keys(connection: LlmConnection) -> list[str]:
    return sorted(json.loads(connection.extra_headers)) if connection.extra_headers else []


def llm_connection_public(connection: LlmConnection) -> dict:
    """LlmConnection in the spec: every field, no secret (the key masked, the headers' names only)."""
    return {
        "id": connection.id,
        "provider": connection.provider,
        "adapter": connection.adapter,
        "displaySecretKey": secret_display(connection.secret_key),
        "baseURL": connection.base_url,
        "customModels": list(connection.custom_models or []),
        "withDefaultModels": connection.with_default_models,
        "extraHeaderKeys": extra_header_keys(connection),
        "config": connection.config,
        "createdAt": connection.created_at,
        "updatedAt": connection.updated_at,
    }
