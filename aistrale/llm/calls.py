"""The one call interface evaluators, experiments, the playground and the gateway use.

`complete(connection=, request=, trace=)` -> LlmResult; `stream(...)` -> LlmStream (iterate the text deltas,
then read `.result`); `embed(connection=, model=, texts=, trace=)` -> Embeddings. The SDKs retry 429s, 5xx
and timeouts with exponential backoff (settings.LLM_MAX_RETRIES, LLM_TIMEOUT_SECONDS); what still fails is
raised as a typed LlmError. Every call, failed or not, is reported to the call sinks (see sink.py).
The adapters, and with them the provider SDKs (over a second of imports), load on a connection's first call
(a Dramatiq worker loads them at boot: `adapters_preload`).
"""

import functools
import importlib
import json
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone

from aistrale.llm.adapters.errors import provider_errors
from aistrale.llm.models import SUPPORTED_ADAPTERS, LlmAdapter, LlmConnection
from aistrale.llm.sink import CallRecord, CallTrace, report
from aistrale.llm.types import Embeddings, LlmError, LlmNotSupported, LlmRequest, LlmResult, parse_json

ADAPTERS = {
    LlmAdapter.OPENAI: "aistrale.llm.adapters.openai_chat",
    LlmAdapter.AZURE: "aistrale.llm.adapters.openai_chat",
    LlmAdapter.ANTHROPIC: "aistrale.llm.adapters.anthropic_messages",
}


def _headers(connection: LlmConnection) -> dict:
    return json.loads(connection.extra_headers) if connection.extra_headers else {}


@functools.lru_cache(maxsize=64)
def _client(key: int, updated_at, adapter: str, api_key: str, base_url: str | None, headers: str, config: str):
    options = {
        "api_key": api_key,
        "base_url": base_url or None,
        "headers": json.loads(headers),
        "retries": settings.LLM_MAX_RETRIES,
        "timeout": settings.LLM_TIMEOUT_SECONDS,
    }
    module = importlib.import_module(ADAPTERS[LlmAdapter(adapter)])
    if adapter == LlmAdapter.ANTHROPIC:
        return module.client(**options)
    azure = (json.loads(config) or {}) if adapter == LlmAdapter.AZURE else None
    return module.client(**options, azure=azure)


def adapters_preload() -> None:
    """Import every adapter and its SDK now (a worker process at boot), so no job waits on a first import."""
    for module in set(ADAPTERS.values()):
        importlib.import_module(module)
    import anthropic  # noqa: F401  (provider_errors maps both SDKs' errors)


def adapter_of(connection: LlmConnection):
    if connection.adapter not in SUPPORTED_ADAPTERS:
        raise LlmNotSupported(
            f"adapter {str(connection.adapter)!r} is not supported yet; supported: {', '.join(SUPPORTED_ADAPTERS)}"
        )
    return importlib.import_module(ADAPTERS[LlmAdapter(connection.adapter)])


def sdk_client(connection: LlmConnection):
    """The provider SDK client of this connection (cached per connection state)."""
    adapter_of(connection)
    return _client(
        connection.key,
        connection.updated_at,
        connection.adapter,
        connection.secret_key,
        connection.base_url,
        json.dumps(_headers(connection), sort_keys=True),
        json.dumps(connection.config or {}, sort_keys=True),
    )


def _new_ids(trace: CallTrace) -> tuple[str, str]:
    return trace.trace_id or uuid.uuid4().hex, uuid.uuid4().hex[:16]


def complete(*, connection: LlmConnection, request: LlmRequest, trace: CallTrace) -> LlmResult:
    adapter = adapter_of(connection)
    trace_id, observation_id = _new_ids(trace)
    started_at = timezone.now()
    try:
        with provider_errors(connection.provider):
            answer = adapter.complete(sdk_client(connection), request)
    except LlmError as error:
        report(
            CallRecord(
                trace, trace_id, observation_id, connection.provider, request, started_at, timezone.now(), error=error
            )
        )
        raise
    result = LlmResult(
        **answer, started_at=started_at, ended_at=timezone.now(), trace_id=trace_id, observation_id=observation_id
    )
    report(
        CallRecord(trace, trace_id, observation_id, connection.provider, request, started_at, result.ended_at, result)
    )
    return result


class LlmStream:
    """Iterate for the text deltas as they arrive; `result` holds the whole answer once the stream has ended."""

    def __init__(self, *, connection: LlmConnection, request: LlmRequest, trace: CallTrace):
        self.connection, self.request, self.trace = connection, request, trace
        self.result: LlmResult | None = None
        self.first_token_at = None

    def __iter__(self) -> Iterator[str]:
        adapter = adapter_of(self.connection)
        trace_id, observation_id = _new_ids(self.trace)
        started_at, final, parts = timezone.now(), {}, []
        record = CallRecord(
            self.trace, trace_id, observation_id, self.connection.provider, self.request, started_at, started_at
        )
        try:
            with provider_errors(self.connection.provider):
                for delta in adapter.stream(sdk_client(self.connection), self.request, final):
                    self.first_token_at = self.first_token_at or timezone.now()
                    parts.append(delta)
                    yield delta
        except LlmError as error:
            record.ended_at, record.error, record.first_token_at = timezone.now(), error, self.first_token_at
            report(record)
            raise
        text = "".join(parts)
        self.result = LlmResult(
            text=text,
            model=final["model"],
            usage=final["usage"],
            parsed=parse_json(text) if self.request.response_schema is not None else None,
            finish_reason=final["finish_reason"],
            started_at=started_at,
            ended_at=timezone.now(),
            trace_id=trace_id,
            observation_id=observation_id,
        )
        record.ended_at, record.result, record.first_token_at = self.result.ended_at, self.result, self.first_token_at
        report(record)


def stream(*, connection: LlmConnection, request: LlmRequest, trace: CallTrace) -> LlmStream:
    return LlmStream(connection=connection, request=request, trace=trace)


def embed(*, connection: LlmConnection, model: str, texts: list[str], trace: CallTrace) -> Embeddings:
    adapter = adapter_of(connection)
    trace_id, observation_id = _new_ids(trace)
    request = LlmRequest(model=model, messages=[{"role": "user", "content": text} for text in texts])
    started_at = timezone.now()
    try:
        with provider_errors(connection.provider):
            embeddings = adapter.embed(sdk_client(connection), model=model, texts=texts)
    except LlmError as error:
        report(
            CallRecord(
                trace,
                trace_id,
                observation_id,
                connection.provider,
                request,
                started_at,
                timezone.now(),
                error=error,
                kind="embedding",
            )
        )
        raise
    ended_at = timezone.now()
    result = LlmResult(
        text="",
        model=embeddings.model,
        usage=embeddings.usage,
        started_at=started_at,
        ended_at=ended_at,
        trace_id=trace_id,
        observation_id=observation_id,
    )
    report(
        CallRecord(
            trace,
            trace_id,
            observation_id,
            connection.provider,
            request,
            started_at,
            ended_at,
            result,
            kind="embedding",
        )
    )
    return embeddings
