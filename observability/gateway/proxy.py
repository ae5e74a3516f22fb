"""Forwarding to the provider: attempts in the plan's order, failing over on 429/5xx/timeouts/refused
connections, the answer passed through as the provider's bytes (streams event by event, never whole).

Streams are split only at event boundaries, so the usage event the gateway asks for (and the client did
not) can be left out; every other event goes on as received. A stream that breaks mid-way ends with an
error event in the caller's shape, which the provider SDKs raise, and the trace records the break.
"""

import json
import logging
import threading

import httpx
import orjson
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from observability.gateway.limits import spend_add
from observability.gateway.routing import Plan
from observability.gateway.shapes import GatewayError
from observability.gateway.tracing import Attempt, Call, call_record

logger = logging.getLogger(__name__)

FAILOVER_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})
_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _timeout() -> httpx.Timeout:
    return httpx.Timeout(settings.LLM_TIMEOUT_SECONDS, connect=min(10.0, settings.LLM_TIMEOUT_SECONDS))


def http_client() -> httpx.Client:
    """One pooled client per process: connections to providers stay warm across requests."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(
                timeout=_timeout(),
                limits=httpx.Limits(max_connections=1024, max_keepalive_connections=128),
            )
        return _client


def _error_text(status: int, content: bytes) -> str:
    try:
        data = orjson.loads(content)
        message = (data.get("error") or {}).get("message") if isinstance(data, dict) else None
    except (orjson.JSONDecodeError, AttributeError):
        message = None
    return f"HTTP {status}: {message or content[:500].decode(errors='replace')}"


def _request(call: Call, target, headers) -> httpx.Request:
    connection = target.connection
    sent_headers = json.loads(connection.extra_headers) if connection.extra_headers else {}
    sent_headers.update(call.shape.headers(connection, headers))
    sent_headers.update({"content-type": "application/json", "accept-encoding": "identity"})
    content = orjson.dumps(call.shape.upstream_body(call.body, target.model))
    return http_client().build_request(
        "POST", call.shape.url(connection), content=content, headers=sent_headers, timeout=_timeout()
    )


def _open(call: Call, plan: Plan, headers) -> tuple[httpx.Response, Attempt]:
    """The first answer worth passing on: a success, a 4xx, or the last target's 429/5xx."""
    for position, target in enumerate(plan.targets):
        last = position == len(plan.targets) - 1
        attempt = Attempt(target=target, started_at=timezone.now())
        call.attempts.append(attempt)
        try:
            response = http_client().send(_request(call, target, headers), stream=True)
        except httpx.TimeoutException as error:
            attempt.error, attempt.ended_at = f"timeout: {error or type(error).__name__}", timezone.now()
            continue
        except httpx.TransportError as error:
            attempt.error, attempt.ended_at = f"connection failed: {error}", timezone.now()
            continue
        attempt.status = response.status_code
        if response.status_code in FAILOVER_STATUSES and not last:
            attempt.error = _error_text(response.status_code, response.read())
            attempt.ended_at = timezone.now()
            response.close()
            continue
        return response, attempt
    timed_out = call.attempts[-1].error.startswith("timeout")
    raise GatewayError(
        504 if timed_out else 502,
        f"All {len(call.attempts)} attempts failed; the last: {call.attempts[-1].error}",
    )


def _record(call: Call) -> None:
    """Trace the call and count its spend; a failed write is logged, the caller already has the answer."""
    try:
        cost = call_record(call)
        spend_add(public_key=call.public_key, cost=cost, now=call.started_at)
    except Exception:
        logger.exception("gateway trace %s could not be written", call.trace_id)


def _headers(response, call: Call, attempt: Attempt) -> None:
    response["X-Aistrale-Trace-Id"] = call.trace_id
    response["X-Aistrale-Route"] = call.route.alias
    response["X-Aistrale-Attempt"] = str(len(call.attempts))
    response["X-Aistrale-Connection"] = attempt.target.connection.provider


def forward(*, call: Call, plan: Plan, headers):
    """The provider's answer to the caller: whole, or as a stream of its events."""
    try:
        upstream, attempt = _open(call, plan, headers)
    except GatewayError:
        _record(call)
        raise
    if upstream.status_code == 200 and call.body.get("stream"):
        response = StreamingHttpResponse(_events(call, upstream, attempt), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        _headers(response, call, attempt)
        return response
    try:
        content = upstream.read()
    except httpx.HTTPError as error:
        attempt.error, attempt.ended_at = f"answer interrupted: {error}", timezone.now()
        _record(call)
        raise GatewayError(502, f"The provider's answer broke off: {error}") from error
    finally:
        upstream.close()
    attempt.ended_at = timezone.now()
    if upstream.status_code == 200:
        try:
            attempt.answer = call.shape.read(content)
        except (orjson.JSONDecodeError, AttributeError, TypeError) as error:
            attempt.error = f"unreadable answer: {error}"
    else:
        attempt.error = _error_text(upstream.status_code, content)
    _record(call)
    response = HttpResponse(
        content, status=upstream.status_code, content_type=upstream.headers.get("content-type", "application/json")
    )
    if upstream.headers.get("retry-after"):
        response["Retry-After"] = upstream.headers["retry-after"]
    _headers(response, call, attempt)
    return response


def _events(call: Call, upstream: httpx.Response, attempt: Attempt):
    """The provider's events as they come; the trace is written before the last event (or the error) goes out,
    so a client that has read the whole stream finds its trace stored."""
    shape, seen, buffer, recorded = call.shape, [], b"", False
    drop_usage = shape.drops_usage_event(call.body)

    def finish(error: str | None = None):
        nonlocal recorded
        attempt.ended_at, attempt.error = timezone.now(), error or attempt.error
        attempt.answer = shape.read_events(seen)
        recorded = True
        _record(call)

    try:
        for chunk in upstream.iter_raw():
            if attempt.first_byte_at is None:
                attempt.first_byte_at = timezone.now()
            buffer += chunk
            passed, final = [], False
            end = buffer.find(b"\n\n")
            while end >= 0:
                event, buffer = buffer[: end + 2], buffer[end + 2 :]
                seen.append(event)
                final = final or shape.is_final(event)
                if not (drop_usage and shape.is_usage_only(event)):
                    passed.append(event)
                end = buffer.find(b"\n\n")
            if final:
                finish()
            if passed:
                yield passed[0] if len(passed) == 1 else b"".join(passed)
        if buffer.strip():
            seen.append(buffer)
            yield buffer
    except httpx.HTTPError as error:
        finish(f"stream interrupted: {error}")
        yield shape.stream_error_event(f"The provider's stream broke off: {error}")
    except GeneratorExit:
        attempt.error = attempt.error or "the client closed the stream"
        raise
    finally:
        upstream.close()
        if not recorded:
            finish()
