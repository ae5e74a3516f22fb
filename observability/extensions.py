"""Hooks through which higher apps (evals, feedback, datasets) extend tracing without upward imports.

- ingestion event handlers: `register_ingestion_handler("score-create", handler)`; the batch
  ingestion endpoint calls handler(project=..., events=[...]) for events of that type.
- trace score loaders: `register_score_loader(loader)`; loader(project=..., trace_ids=[...]) returns
  {trace_id: [score dicts in the public API shape]} for trace reads and the trace explorer.
- trace deletion handlers: `register_trace_deletion_handler(handler)`; handler(project=..., trace_ids=[...])
  runs in the transaction that deletes those traces, so rows hanging off them go too.
- admin page panels: `register_page_panel("trace" | "session", panel)`; panel(request=..., project=...,
  subject_id=...) returns safe HTML (render_to_string, format_html) or None; the trace page and the session page show
  each panel under the scores, in registration order.
- admin actions: `register_admin_action("trace" | "observation" | "session", action)`; a Django admin
  action (modeladmin, request, queryset) offered on that changelist.
"""

from collections.abc import Callable

IngestionHandler = Callable[..., object]
ScoreLoader = Callable[..., dict[str, list[dict]]]

_ingestion_handlers: dict[str, IngestionHandler] = {}
_score_loaders: list[ScoreLoader] = []
_trace_deletion_handlers: list[Callable[..., object]] = []
_page_panels: dict[str, list[Callable[..., str | None]]] = {}
_admin_actions: dict[str, list[Callable[..., object]]] = {}


def register_ingestion_handler(event_type: str, handler: IngestionHandler) -> None:
    _ingestion_handlers[event_type] = handler


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
