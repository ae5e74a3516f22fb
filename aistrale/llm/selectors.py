"""LLM connection reads, project-scoped, and their public API shape (secret masked, header values left out)."""

import json

from django.db.models import QuerySet

from aistrale.errors import DomainError
from aistrale.llm.models import DEFAULT_MODELS, LlmConnection

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


_memo: dict = {}


def llm_connection_as_of(*, project, provider: str, updated_at) -> LlmConnection:
    """The connection named `provider` as of `updated_at` (read by the caller's own query, e.g. a subquery),
    memoised per process: loaded again only when it changed since; a DomainError when it is gone (None)."""
    connection = _memo.get((project, provider))
    if connection is None or updated_at is None or connection.updated_at != updated_at:
        connection = llm_connection_get(project=project, provider=provider)
        _memo[project, provider] = connection
    return connection


def llm_connection_by_id(*, project, connection_id: str) -> LlmConnection:
    connection = LlmConnection.objects.filter(project=project, id=connection_id).first()
    if connection is None:
        raise DomainError(f"LLM connection {connection_id!r} not found in this project", field="id", status=404)
    return connection


def llm_connection_models(connection: LlmConnection) -> list[str]:
    """The models the connection offers: its custom models, then (with_default_models) its adapter's defaults."""
    models = list(connection.custom_models or [])
    if connection.with_default_models:
        models += [model for model in DEFAULT_MODELS.get(connection.adapter, ()) if model not in models]
    return models


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
