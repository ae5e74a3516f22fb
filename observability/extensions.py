"""Hooks through which higher apps (evals, feedback, datasets) extend tracing without upward imports.

- ingestion event handlers: `register_ingestion_handler("score-create", handler, public_key=False)`; the batch
  ingestion endpoint calls handler(project=..., events=[...]) for events of that type. `public_key=True`
  admits the type from requests authenticated by the public key alone (browsers); every other type is
  refused to them, per event.
- the browser policy: `register_browser_policy(policy)` (feedback registers one); the ingestion endpoint
  hands it the requests authenticated by the public key alone, and refuses them all when there is none.
  See `BrowserPolicy` for what it answers.
- trace score loaders: `register_score_loader(loader)`; loader(project=..., trace_ids=[...]) returns
  {trace_id: [score dicts in the public API shape]} for trace reads and the trace explorer.
- trace deletion handlers: `register_trace_deletion_handler(handler)`; handler(project=..., trace_ids=[...])
  runs in the transaction that deletes those traces, so rows hanging off them go too.
- admin page panels: `register_page_panel("trace" | "session", panel)`; panel(request=..., project=...,
  subject_id=...) returns safe HTML (render_to_string, format_html) or None; the trace page and the session page show
  each panel under the scores, in registration order.
- admin actions: `register_admin_action("trace" | "observation" | "session", action)`; a Django admin
  action (modeladmin, request, queryset) offered on that changelist.
- OTLP span attribute handlers: `register_span_attribute_handler("langfuse.experiment.", handler)`; OTLP
  ingestion calls handler(project=..., spans=[CapturedSpan, ...]) with the accepted spans that carry attributes
  under that prefix, inside the write transaction, after the spans' rows are stored. The attributes stay in the
  observation's metadata as well.
- trace write handlers: `register_trace_write_handler(handler)`; both ingestion paths (Langfuse batch and OTLP)
  call handler(project_id=..., trace_ids=[...], observation_ids=[...]) with the ids a request wrote, once its
  write transaction is over. A handler that fails is logged; the stored data stands. Writes made inside
  `trace_writes_unannounced()` (the platform's own provider-call traces, see llm_calls) are not announced.
"""

import contextlib
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

logger = logging.getLogger(__name__)

IngestionHandler = Callable[..., object]


class BrowserPolicy(Protocol):
    """What the batch ingestion endpoint asks about requests authenticated by the public key alone."""

    def preflight(self, request):
        """The HttpResponse to a CORS preflight (OPTIONS with an Origin header) of the endpoint."""

    def ingest(self, request):
        """The HttpResponse to a POST authenticated by the public key alone: served whole by the policy (key,
        origin, rate limit, what it may store), before the endpoint's own machinery."""


ScoreLoader = Callable[..., dict[str, list[dict]]]


@dataclass(frozen=True)
class CapturedSpan:
    """An accepted OTLP span's ids, times and its attributes under a registered prefix (values as decoded)."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_time: datetime
    end_time: datetime | None
    attributes: dict


_ingestion_handlers: dict[str, IngestionHandler] = {}
_public_key_event_types: set[str] = set()
_browser_policies: list[BrowserPolicy] = []
_score_loaders: list[ScoreLoader] = []
_trace_deletion_handlers: list[Callable[..., object]] = []
_page_panels: dict[str, list[Callable[..., str | None]]] = {}
_admin_actions: dict[str, list[Callable[..., object]]] = {}
_span_attribute_handlers: dict[str, list[Callable[..., object]]] = {}
_trace_write_handlers: list[Callable[..., object]] = []


def register_ingestion_handler(event_type: str, handler: IngestionHandler, *, public_key: bool = False) -> None:
    _ingestion_handlers[event_type] = handler
    if public_key:
        _public_key_event_types.add(event_type)
    else:
        _public_key_event_types.discard(event_type)


def accepts_public_key(event_type: str) -> bool:
    """May a request authenticated by the public key alone send events of this type?"""
    return event_type in _public_key_event_types


def public_key_event_types() -> list[str]:
    return sorted(_public_key_event_types)


def register_browser_policy(policy: BrowserPolicy) -> None:
    _browser_policies[:] = [policy]


def browser_policy() -> BrowserPolicy | None:
    return _browser_policies[0] if _browser_policies else None


def ingestion_handler(event_type: str) -> IngestionHandler | None:
    return _ingestion_handlers.get(event_type)


def register_score_loader(loader: ScoreLoader) -> None:
    if loader not in _score_loaders:
        _score_loaders.append(loader)


def score_map_by_trace(*, project, trace_ids: list[str]) -> dict[str, list[dict]]:
    scores: dict[str, list[dict]] = {}
    for loader in _score_loaders:
        for trace_id, rows in loader(project=project, trace_ids=trace_ids).items():
            scores.setdefault(trace_id, []).extend(rows)
    return scores


def register_trace_deletion_handler(handler: Callable[..., object]) -> None:
    if handler not in _trace_deletion_handlers:
        _trace_deletion_handlers.append(handler)


def trace_deletion_handlers() -> list[Callable[..., object]]:
    return list(_trace_deletion_handlers)


def register_page_panel(page: str, panel: Callable[..., str | None]) -> None:
    panels = _page_panels.setdefault(page, [])
    if panel not in panels:
        panels.append(panel)


def page_panels(page: str, *, request, project, subject_id: str) -> list[str]:
    """The HTML of every panel registered for this admin page that has something to show."""
    panels = _page_panels.get(page, [])
    rendered = (panel(request=request, project=project, subject_id=subject_id) for panel in panels)
    return [html for html in rendered if html]


def register_admin_action(changelist: str, action: Callable[..., object]) -> None:
    actions = _admin_actions.setdefault(changelist, [])
    if action not in actions:
        actions.append(action)


def admin_actions(changelist: str) -> list[Callable[..., object]]:
    return list(_admin_actions.get(changelist, []))


def register_span_attribute_handler(prefix: str, handler: Callable[..., object]) -> None:
    handlers = _span_attribute_handlers.setdefault(prefix, [])
    if handler not in handlers:
        handlers.append(handler)


def span_attribute_prefixes() -> tuple[str, ...]:
    return tuple(_span_attribute_handlers)


def span_attribute_handlers(prefix: str) -> list[Callable[..., object]]:
    return list(_span_attribute_handlers.get(prefix, []))


def register_trace_write_handler(handler: Callable[..., object]) -> None:
    if handler not in _trace_write_handlers:
        _trace_write_handlers.append(handler)


_unannounced: ContextVar[bool] = ContextVar("trace_writes_unannounced", default=False)


@contextlib.contextmanager
def trace_writes_unannounced():
    """Trace writes made inside are not told to the trace write handlers."""
    token = _unannounced.set(True)
    try:
        yield
    finally:
        _unannounced.reset(token)


def trace_writes_notify(*, project_id, trace_ids: list[str], observation_ids: list[str]) -> None:
    """Tell every trace write handler which traces and observations a request wrote."""
    if _unannounced.get():
        return
    for handler in _trace_write_handlers:
        try:
            handler(project_id=project_id, trace_ids=trace_ids, observation_ids=observation_ids)
        except Exception:
            logger.exception("trace write handler %r failed for project %s", handler, project_id)
