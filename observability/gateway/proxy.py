"""Forwarding to the provider: attempts in the plan's order, failing over on 429/5xx/timeouts/refused
connections, the answer passed through as the provider's bytes (streams event by event, never whole).

A stream is relayed on the process's relay loop (relay.py); the trace reads the answer from the kept bytes
in the batch writer, off the request path. A stream that breaks mid-way ends with an error event in the
caller's shape, which the provider SDKs raise, and the trace records the break.
"""

import json
import threading

import orjson
import urllib3
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from urllib3.exceptions import HTTPError as TransportError
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as TransportTimeout

from observability.gateway.relay import relayed
from observability.gateway.routing import Plan
from observability.gateway.shapes import GatewayError
from observability.gateway.tracing import Attempt, Call, call_trace_queue

FAILOVER_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})
_pool: urllib3.PoolManager | None = None
_pool_lock = threading.Lock()


def _timeout() -> urllib3.Timeout:
    return urllib3.Timeout(connect=min(10.0, settings.LLM_TIMEOUT_SECONDS), read=settings.LLM_TIMEOUT_SECONDS)


def http_pool() -> urllib3.PoolManager:
    """One pool per process: connections to providers stay warm across requests. urllib3 rather than httpx:
    it reads a streamed chunk for about a quarter of the CPU (measured), and a gateway reads many."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = urllib3.PoolManager(num_pools=64, maxsize=256, block=False, retries=False)
        return _pool


def _error_text(status: int, content: bytes) -> str:
    try:
        data = orjson.loads(content)
        message = (data.get("error") or {}).get("message") if isinstance(data, dict) else None
    except (orjson.JSONDecodeError, AttributeError):
        message = None
    return f"HTTP {status}: {message or content[:500].decode(errors='replace')}"


def _send(call: Call, target, headers) -> urllib3.BaseHTTPResponse:
    connection = target.connection
    sent_headers = json.loads(connection.extra_headers) if connection.extra_headers else {}
    sent_headers.update(call.shape.headers(connection, headers))
    sent_headers.update({"content-type": "application/json", "accept-encoding": "identity"})
    return http_pool().urlopen(
        "POST",
        call.shape.url(connection),
        body=orjson.dumps(call.shape.upstream_body(call.body, target.model)),
        headers=sent_headers,
        preload_content=False,
        redirect=False,
        retries=False,
        timeout=_timeout(),
    )


def _open(call: Call, plan: Plan, headers) -> tuple[urllib3.BaseHTTPResponse, Attempt]:
    """The first answer worth passing on: a success, a 4xx, or the last target's 429/5xx."""
    for position, target in enumerate(plan.targets):
        last = position == len(plan.targets) - 1
        attempt = Attempt(target=target, started_at=timezone.now())
        call.attempts.append(attempt)
        try:
            response = _send(call, target, headers)
        except NewConnectionError as error:  # a subclass of the connect timeout in urllib3
            attempt.error, attempt.ended_at = f"connection failed: {error}", timezone.now()
            continue
        except TransportTimeout as error:
            attempt.error, attempt.ended_at = f"timeout: {error}", timezone.now()
            continue
        except TransportError as error:
            attempt.error, attempt.ended_at = f"connection failed: {error}", timezone.now()
            continue
        attempt.status = response.status
        if response.status in FAILOVER_STATUSES and not last:
            attempt.error = _error_text(response.status, response.read())
            attempt.ended_at = timezone.now()
            response.release_conn()
            continue
        return response, attempt
    timed_out = call.attempts[-1].error.startswith("timeout")
    raise GatewayError(
        504 if timed_out else 502,
        f"All {len(call.attempts)} attempts failed; the last: {call.attempts[-1].error}",
    )


def _headers(response, call: Call, attempt: Attempt) -> None:
    response["X-Aistrale-Trace-Id"] = call.trace_id
    response["X-Aistrale-Route"] = call.route.alias
    response["X-Aistrale-Attempt"] = str(len(call.attempts))
    response["X-Aistrale-Connection"] = attempt.target.connection.provider


def forward(*, call: Call, plan: Plan, headers, environ):
    """The provider's answer to the caller: whole, or as a stream of its events."""
    try:
        upstream, attempt = _open(call, plan, headers)
    except GatewayError:
        call_trace_queue(call)
        raise
    if upstream.status == 200 and call.body.get("stream"):
        response = StreamingHttpResponse(
            relayed(call=call, upstream=upstream, attempt=attempt, environ=environ), content_type="text/event-stream"
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        _headers(response, call, attempt)
        return response
    try:
        content = upstream.read()
    except TransportError as error:
        attempt.error, attempt.ended_at = f"answer interrupted: {error}", timezone.now()
        call_trace_queue(call)
        raise GatewayError(502, f"The provider's answer broke off: {error}") from error
    finally:
        upstream.release_conn()
    attempt.ended_at = timezone.now()
    if upstream.status == 200:
        try:
            attempt.answer = call.shape.read(content)
        except (orjson.JSONDecodeError, AttributeError, TypeError) as error:
            attempt.error = f"unreadable answer: {error}"
    else:
        attempt.error = _error_text(upstream.status, content)
    call_trace_queue(call)
    response = HttpResponse(
        content, status=upstream.status, content_type=upstream.headers.get("content-type", "application/json")
    )
    if upstream.headers.get("retry-after"):
        response["Retry-After"] = upstream.headers["retry-after"]
    _headers(response, call, attempt)
    return response
