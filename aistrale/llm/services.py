"""LLM connection writes: upsert on the provider name (Langfuse's rule) and delete, with audit events.

The key and the extra headers are secrets: they are stored encrypted, never put in audit events, and on an
update `secret_key=None` / `extra_headers=None` keep the stored ones.
"""

import json
import re
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from aistrale.errors import DomainError
from aistrale.limits import column_length, text_check
from aistrale.llm import calls
from aistrale.llm.extensions import connection_deletion_handlers
from aistrale.llm.models import SUPPORTED_ADAPTERS, LlmAdapter, LlmConnection
from aistrale.llm.selectors import extra_header_keys, llm_connection_by_id, secret_display
from aistrale.llm.sink import CallTrace
from aistrale.llm.types import LlmRequest, LlmResult
from aistrale.tenancy.services import audit_record

MAX_SECRET_LENGTH = 10_000
MAX_MODELS = 1000
MAX_HEADERS = 50
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
CONFIG_KEYS = {LlmAdapter.OPENAI: {"useResponsesApi": bool}, LlmAdapter.AZURE: {"apiVersion": str}}
PING_ENVIRONMENT = "aistrale-ping"
PING_MODELS = {LlmAdapter.OPENAI: "gpt-4o-mini", LlmAdapter.ANTHROPIC: "claude-haiku-4-5"}
PING_PROMPT = "Reply with the single word: pong"
_url_check = URLValidator(schemes=["http", "https"])


def _provider_check(provider) -> str:
    if not isinstance(provider, str) or not provider.strip():
        raise DomainError("must be a non-empty string", field="provider")
    return text_check(provider, field="provider", max_length=column_length(LlmConnection, "provider"))


def _adapter_check(adapter) -> LlmAdapter:
    if adapter not in LlmAdapter.values:
        raise DomainError(f"must be one of {', '.join(LlmAdapter.values)}, got {adapter!r}", field="adapter")
    if adapter not in SUPPORTED_ADAPTERS:
        raise DomainError(
            f"adapter {adapter!r} is not supported yet; supported: {', '.join(SUPPORTED_ADAPTERS)}", field="adapter"
        )
    return LlmAdapter(adapter)


def _secret_check(secret_key) -> str:
    if not isinstance(secret_key, str) or not secret_key.strip():
        raise DomainError("must be a non-empty string", field="secret_key")
    if any(char in secret_key for char in "\r\n\x00"):
        raise DomainError("must not contain line breaks or NUL characters", field="secret_key")
    return text_check(secret_key, field="secret_key", max_length=MAX_SECRET_LENGTH)


def _base_url_check(base_url, adapter: LlmAdapter) -> str | None:
    if base_url in (None, ""):
        if adapter == LlmAdapter.AZURE:
            raise DomainError("azure connections need the resource's endpoint URL", field="base_url")
        return None
    if not isinstance(base_url, str):
        raise DomainError(f"must be a URL string, got {base_url!r}", field="base_url")
    text_check(base_url, field="base_url", max_length=column_length(LlmConnection, "base_url"))
    try:
        _url_check(base_url)
    except ValidationError:
        raise DomainError(f"must be an http(s) URL, got {base_url!r}", field="base_url") from None
    return base_url


def _models_check(custom_models) -> list[str]:
    if custom_models is None:
        return []
    if not isinstance(custom_models, list):
        raise DomainError("must be a list of model names", field="custom_models")
    if len(custom_models) > MAX_MODELS:
        raise DomainError(f"must hold at most {MAX_MODELS} models, got {len(custom_models)}", field="custom_models")
    seen = set()
    for index, model in enumerate(custom_models):
        field = f"custom_models.{index}"
        if not isinstance(model, str) or not model.strip():
            raise DomainError("must be a non-empty model name", field=field)
        text_check(model, field=field, max_length=255)
        if model in seen:
            raise DomainError(f"model {model!r} is listed twice", field=field)
        seen.add(model)
    return list(custom_models)


def _headers_check(extra_headers) -> dict[str, str]:
    if not isinstance(extra_headers, dict):
        raise DomainError("must be an object of header names to string values", field="extra_headers")
    if len(extra_headers) > MAX_HEADERS:
        raise DomainError(f"must hold at most {MAX_HEADERS} headers", field="extra_headers")
    lowered = set()
    for name, value in extra_headers.items():
        if not HEADER_NAME.fullmatch(name) or len(name) > 255:
            raise DomainError(f"{name!r} is not a valid HTTP header name", field="extra_headers")
        if name.lower() in lowered:
            raise DomainError(f"header {name!r} is given twice (names are case-insensitive)", field="extra_headers")
        lowered.add(name.lower())
        if not isinstance(value, str) or any(char in value for char in "\r\n\x00") or len(value) > 8192:
            raise DomainError(
                f"the value of {name!r} must be a string without line breaks, up to 8192 characters",
                field="extra_headers",
            )
    return dict(extra_headers)


def _config_check(config, adapter: LlmAdapter) -> dict | None:
    if config is None:
        return None
    allowed = CONFIG_KEYS.get(adapter)
    if allowed is None:
        raise DomainError(f"{adapter} connections take no config: omit it or send null", field="config")
    if not isinstance(config, dict):
        raise DomainError("must be an object", field="config")
    for name, value in config.items():
        if name not in allowed:
            raise DomainError(f"{adapter} connections take only {', '.join(sorted(allowed))}", field=f"config.{name}")
        if not isinstance(value, allowed[name]):
            raise DomainError(f"must be a {allowed[name].__name__}, got {value!r}", field=f"config.{name}")
    if config.get("useResponsesApi"):
        raise DomainError("the Responses API is not supported yet: calls use Chat Completions", field="config")
    return dict(config)


def _snapshot(connection: LlmConnection) -> dict:
    """What an audit event keeps of a connection: no secret, only the masked key and the header names."""
    return {
        "provider": connection.provider,
        "adapter": connection.adapter,
        "displaySecretKey": secret_display(connection.secret_key),
        "baseURL": connection.base_url,
        "customModels": connection.custom_models,
        "withDefaultModels": connection.with_default_models,
        "extraHeaderKeys": extra_header_keys(connection),
        "config": connection.config,
    }


@transaction.atomic
def llm_connection_upsert(
    *,
    project,
    provider: str,
    adapter: str,
    secret_key: str | None,
    base_url: str | None = None,
    custom_models: list[str] | None = None,
    with_default_models: bool | None = None,
    extra_headers: dict[str, str] | None = None,
    config: dict | None = None,
    must_be_new: bool = False,
) -> tuple[LlmConnection, bool]:
    """Create the project's connection named `provider`, or replace its settings; returns (connection, created).

    A new connection needs `secret_key`; on an existing one None keeps the stored key, and `extra_headers`
    None keeps the stored headers ({} removes them). `must_be_new` refuses an existing name (the admin's add).
    """
    provider = _provider_check(provider)
    adapter = _adapter_check(adapter)
    connection = LlmConnection.objects.select_for_update().filter(project=project, provider=provider).first()
    created = connection is None
    if must_be_new and not created:
        raise DomainError(
            f"this project already has a connection named {provider!r}: change that one", field="provider"
        )
    before = None if created else _snapshot(connection)
    if created:
        connection = LlmConnection(project=project, id=str(uuid.uuid4()), provider=provider)
    if secret_key is not None or created:
        connection.secret_key = _secret_check(secret_key)
    if extra_headers is not None:
        connection.extra_headers = json.dumps(_headers_check(extra_headers)) if extra_headers else None
    if with_default_models is not None and not isinstance(with_default_models, bool):
        raise DomainError("must be true or false", field="with_default_models")
    connection.adapter = adapter
    connection.base_url = _base_url_check(base_url, adapter)
    connection.custom_models = _models_check(custom_models)
    connection.with_default_models = True if with_default_models is None else with_default_models
    connection.config = _config_check(config, adapter)
    connection.save()
    audit_record(
        action="llm_connection.created" if created else "llm_connection.updated",
        object_type="LlmConnection",
        object_id=connection.id,
        project=project,
        before=before,
        after=_snapshot(connection),
    )
    return connection, created


@transaction.atomic
def llm_connection_delete(*, project, connection_id: str) -> LlmConnection:
    """Delete the connection; the deletion handlers run first (rules using it pause). 404 DomainError if absent."""
    connection = llm_connection_by_id(project=project, connection_id=connection_id)
    for handler in connection_deletion_handlers():
        handler(connection=connection)
    before = _snapshot(connection)
    connection.delete()
    audit_record(
        action="llm_connection.deleted",
        object_type="LlmConnection",
        object_id=connection_id,
        project=project,
        before=before,
    )
    return connection


def ping_model(connection: LlmConnection) -> str:
    """The model a ping asks: the connection's first custom model, else the adapter's small default."""
    if connection.custom_models:
        return connection.custom_models[0]
    if connection.adapter not in PING_MODELS:
        raise DomainError(
            f"{connection.adapter} connections name their deployments: add one to the custom models to ping",
            field="custom_models",
        )
    return PING_MODELS[LlmAdapter(connection.adapter)]


def llm_connection_ping(*, connection: LlmConnection, model: str | None = None) -> LlmResult:
    """Ask the provider for one short answer through the connection (traced in environment aistrale-ping).

    Raises the typed LlmError the call ends with (auth, rate limit, bad request, provider down).
    """
    request = LlmRequest(model=model or ping_model(connection), messages=[{"role": "user", "content": PING_PROMPT}])
    trace = CallTrace(
        project_id=connection.project_id,
        environment=PING_ENVIRONMENT,
        name=f"llm connection ping: {connection.provider}",
        metadata={"llmConnectionId": connection.id},
    )
    return calls.complete(connection=connection, request=request, trace=trace)
