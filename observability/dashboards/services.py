"""Writes of saved dashboards and their grid placements, with their rules and audit events.

A placement is a tile on a 12-column grid showing one registered chart (a Langfuse "preset" placement) or
one of the project's dashboard widgets (a "widget" placement).
"""

from django.db import transaction

from aistrale.errors import DomainError
from aistrale.limits import column_length, text_check
from aistrale.tenancy.ids import new_id
from aistrale.tenancy.services import audit_record
from observability.dashboards.charts import chart_get, chart_list, dashboard_filters_check
from observability.dashboards.widget_selectors import WIDGET_KEY_PREFIX, placement_chart_key, widget_locked
from observability.models import Dashboard

GRID_COLUMNS = 12
MAX_HEIGHT = 100
DEFAULT_SIZE = 6
MAX_PLACEMENTS = 50
POSITION = ("x", "y", "width", "height")


def _int(value, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(f"must be an integer from {low} to {high}, got {value!r}", field=field)
    return value


def _below(placements: list[dict]) -> int:
    return max((placement["y"] + placement["height"] for placement in placements), default=0)


def _position_check(placement: dict, *, field: str) -> dict:
    """Refuse a tile off the 12-column grid; `field` prefixes the names of the position errors."""
    prefix = f"{field}." if field else ""
    _int(placement["x"], field=f"{prefix}x", low=0, high=GRID_COLUMNS - 1)
    _int(placement["y"], field=f"{prefix}y", low=0, high=2**31 - 1)
    _int(placement["width"], field=f"{prefix}width", low=1, high=GRID_COLUMNS - placement["x"])
    _int(placement["height"], field=f"{prefix}height", low=1, high=MAX_HEIGHT)
    return placement


def _shown(raw: dict, *, at: str, project) -> dict:
    """The chart part of a placement: a registered chart, or a widget of this project (locked until the placement
    is saved, so a concurrent delete of the widget sees it)."""
    if raw.get("type", "preset") == "widget":
        widget_id = raw.get("widgetId")
        if not isinstance(widget_id, str) or widget_locked(project=project, widget_id=widget_id) is None:
            message = f"must be the id of a dashboard widget of this project, got {widget_id!r}"
            raise DomainError(message, field=f"{at}widgetId")
        return {"type": "widget", "widgetId": widget_id}
    if raw.get("type", "preset") != "preset":
        raise DomainError(f"must be preset or widget, got {raw.get('type')!r}", field=f"{at}type")
    preset = raw.get("presetId")
    if not isinstance(preset, str) or chart_get(preset) is None:
        choices = ", ".join(chart.key for chart in chart_list())
        raise DomainError(f"must be one of {choices}, got {preset!r}", field=f"{at}presetId")
    return {"type": "preset", "presetId": preset}


def placement_check(raw, *, field: str, placed: list[dict], project) -> dict:
    """A validated preset or widget placement, its id and position defaulted (appended below the `placed` tiles).

    `field` names the placement in errors ("" for a request body that is the placement)."""
    at = f"{field}." if field else ""
    if not isinstance(raw, dict):
        raise DomainError("must be an object with type and presetId or widgetId", field=field or None)
    shown = _shown(raw, at=at, project=project)
    placement_id = raw.get("id") or new_id()
    if not isinstance(placement_id, str) or len(placement_id) > 64:
        raise DomainError("must be a string of at most 64 characters", field=f"{at}id")
    if any(other["id"] == placement_id for other in placed):
        raise DomainError(f"placement {placement_id!r} is already on this dashboard", field=f"{at}id", status=409)
    defaults = {"x": 0, "y": _below(placed), "width": DEFAULT_SIZE, "height": DEFAULT_SIZE}
    position = {name: defaults[name] if raw.get(name) is None else raw[name] for name in POSITION}
    placement = {"type": shown["type"], "id": placement_id, **shown, **position}
    return _position_check(placement, field=field)


def definition_check(definition, *, project) -> list[dict]:
    """The placements of a dashboard definition ({"widgets": [...]}), validated."""
    widgets = definition.get("widgets") if isinstance(definition, dict) else None
    if not isinstance(widgets, list):
        raise DomainError("must be an object with a widgets array", field="definition")
    if len(widgets) > MAX_PLACEMENTS:
        raise DomainError(f"holds at most {MAX_PLACEMENTS} placements", field="definition.widgets")
    placed: list[dict] = []
    for index, raw in enumerate(widgets):
        placed.append(placement_check(raw, field=f"definition.widgets.{index}", placed=placed, project=project))
    return placed


def _placement_of(key: str) -> dict:
    if key.startswith(WIDGET_KEY_PREFIX):
        return {"type": "widget", "widgetId": key.removeprefix(WIDGET_KEY_PREFIX)}
    return {"type": "preset", "presetId": key}


def definition_for_charts(chart_keys: list[str]) -> dict:
    """A definition placing these charts (registry keys, `widget-<id>` for widgets) two per row, in order."""
    return {
        "widgets": [
            {**_placement_of(key), "x": DEFAULT_SIZE * (index % 2), "y": DEFAULT_SIZE * (index // 2)}
            for index, key in enumerate(chart_keys)
        ]
    }


def _name_check(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise DomainError("is required", field="name")
    return text_check(name, field="name", max_length=column_length(Dashboard, "name"))


def _state(dashboard: Dashboard) -> dict:
    return {
        "name": dashboard.name,
        "shared": dashboard.shared,
        "charts": [placement_chart_key(placement) for placement in dashboard.definition],
        "filters": dashboard.filters,
    }


def _audit(dashboard: Dashboard, action: str, before: dict | None) -> None:
    audit_record(
        action=f"dashboard.{action}",
        object_type="Dashboard",
        object_id=dashboard.pk,
        project=dashboard.project,
        before=before,
        after=None if action == "deleted" else _state(dashboard),
    )


@transaction.atomic
def dashboard_create(
    *, project, name, description=None, definition=None, filters=None, owner=None, shared=False
) -> Dashboard:
    """A new dashboard; one without an owner (written through the API) is always shared."""
    dashboard = Dashboard.objects.create(
        project=project,
        owner=owner,
        name=_name_check(name),
        description=text_check(description or "", field="description"),
        definition=definition_check(definition, project=project) if definition is not None else [],
        filters=dashboard_filters_check(filters if filters is not None else []),
        shared=shared or owner is None,
    )
    _audit(dashboard, "created", None)
    return dashboard


@transaction.atomic
def dashboard_update(*, dashboard: Dashboard, **fields) -> Dashboard:
    """Change any of name, description, definition, filters, shared (None: keep)."""
    before = _state(dashboard)
    checks = {
        "name": _name_check,
        "description": lambda value: text_check(value, field="description"),
        "definition": lambda value: definition_check(value, project=dashboard.project),
        "filters": dashboard_filters_check,
        "shared": lambda value: bool(value) or dashboard.owner_id is None,
    }
    for name, value in fields.items():
        if name not in checks:
            raise DomainError("is not a field of a dashboard", field=name)
        if value is not None:
            setattr(dashboard, name, checks[name](value))
    dashboard.save()
    _audit(dashboard, "updated", before)
    return dashboard


@transaction.atomic
def dashboard_delete(*, dashboard: Dashboard) -> None:
    before = _state(dashboard)
    _audit(dashboard, "deleted", before)
    dashboard.delete()


def _locked(dashboard: Dashboard) -> Dashboard:
    return Dashboard.objects.select_for_update().get(pk=dashboard.pk)


@transaction.atomic
def placement_add(*, dashboard: Dashboard, placement) -> dict:
    """Add a preset placement (id and position defaulted); a DomainError if its id is already placed."""
    dashboard = _locked(dashboard)
    if len(dashboard.definition) >= MAX_PLACEMENTS:
        raise DomainError(f"a dashboard holds at most {MAX_PLACEMENTS} placements", field="id")
    before = _state(dashboard)
    added = placement_check(placement, field="", placed=dashboard.definition, project=dashboard.project)
    dashboard.definition = [*dashboard.definition, added]
    dashboard.save()
    _audit(dashboard, "updated", before)
    return added


def _placement_index(dashboard: Dashboard, placement_id: str) -> int | None:
    return next((i for i, placement in enumerate(dashboard.definition) if placement["id"] == placement_id), None)


@transaction.atomic
def placement_update(*, dashboard: Dashboard, placement_id: str, **position) -> dict | None:
    """Move or resize a placement (None values keep); None if the dashboard has no such placement."""
    dashboard = _locked(dashboard)
    index = _placement_index(dashboard, placement_id)
    if index is None:
        return None
    before = _state(dashboard)
    changed = {**dashboard.definition[index], **{k: v for k, v in position.items() if v is not None}}
    placements = list(dashboard.definition)
    placements[index] = _position_check(changed, field="")
    dashboard.definition = placements
    dashboard.save()
    _audit(dashboard, "updated", before)
    return placements[index]


@transaction.atomic
def placement_delete(*, dashboard: Dashboard, placement_id: str) -> bool:
    """Remove a placement; False if the dashboard has no such placement."""
    dashboard = _locked(dashboard)
    index = _placement_index(dashboard, placement_id)
    if index is None:
        return False
    before = _state(dashboard)
    dashboard.definition = [p for i, p in enumerate(dashboard.definition) if i != index]
    dashboard.save()
    _audit(dashboard, "updated", before)
    return True
