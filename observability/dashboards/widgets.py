"""Writes of dashboard widgets (the Langfuse unstable dashboard-widgets API): a project's stand-alone chart
definitions, each one metrics query (view, dimensions, metrics as {measure, agg}, filters) plus how it is drawn.

Dimensions, measures and filter columns are checked against the registered metrics view, so a stored widget
always runs; errors name the field (`metrics.0.agg`, `chart_config.type`). A widget still placed on a
dashboard is not deleted (409).
"""

import re

from django.db import transaction

from aistrale.api.json_filter import Condition, Search
from aistrale.errors import DomainError
from aistrale.limits import column_length, text_check
from aistrale.tenancy.services import audit_record
from observability.analytics.query import AGGREGATIONS, MAX_BINS, MAX_ROW_LIMIT
from observability.analytics.views import ViewSpec, view_get
from observability.dashboards.widget_selectors import widget_dashboards, widget_locked
from observability.models import DashboardWidget

VIEWS = ("observations", "scores-numeric", "scores-boolean", "scores-categorical")
LEGACY_VIEW = "traces"
CHART_TYPES = (
    "LINE_TIME_SERIES",
    "AREA_TIME_SERIES",
    "BAR_TIME_SERIES",
    "HORIZONTAL_BAR",
    "VERTICAL_BAR",
    "PIE",
    "NUMBER",
    "HISTOGRAM",
    "PIVOT_TABLE",
)
SORT_ORDERS = ("ASC", "DESC")
MAX_PARTS = 20
FIELDS = ("name", "description", "view", "dimensions", "metrics", "filters", "chart_type", "chart_config")


def _choice(value, choices, field: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise DomainError(f"must be one of {', '.join(choices)}, got {value!r}", field=field)
    return value


def _objects(value, field: str, *, required: bool = False) -> list[dict]:
    if not isinstance(value, list):
        raise DomainError("must be an array", field=field)
    if required and not value:
        raise DomainError("must hold at least one item", field=field)
    if len(value) > MAX_PARTS:
        raise DomainError(f"holds at most {MAX_PARTS} items", field=field)
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise DomainError("must be an object", field=f"{field}.{index}")
    return value


def _name_check(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise DomainError("is required", field="name")
    return text_check(name, field="name", max_length=column_length(DashboardWidget, "name"))


def _view_check(view) -> str:
    if view == LEGACY_VIEW:
        raise DomainError(f"the legacy {LEGACY_VIEW} view is not accepted; use one of {', '.join(VIEWS)}", field="view")
    return _choice(view, VIEWS, "view")


def _dimensions_check(dimensions, spec: ViewSpec) -> list[dict]:
    checked = []
    for index, item in enumerate(_objects(dimensions, "dimensions")):
        name = _choice(item.get("field"), spec.dimensions, f"dimensions.{index}.field")
        if {"field": name} not in checked:
            checked.append({"field": name})
    return checked


def _metrics_check(metrics, spec: ViewSpec) -> list[dict]:
    checked = []
    for index, item in enumerate(_objects(metrics, "metrics", required=True)):
        measure = _choice(item.get("measure"), spec.measures, f"metrics.{index}.measure")
        agg = _choice(item.get("agg"), AGGREGATIONS, f"metrics.{index}.agg")
        if agg == "histogram" and spec.measures[measure].fixed is not None:
            raise DomainError(f"histogram does not apply to {measure}", field=f"metrics.{index}.agg")
        if {"measure": measure, "agg": agg} not in checked:
            checked.append({"measure": measure, "agg": agg})
    return checked


def _filters_check(filters, spec: ViewSpec) -> list[dict]:
    checked = []
    for index, item in enumerate(_objects(filters, "filters")):
        try:
            Condition(item, index, spec.filters, Search.LITERAL)
        except DomainError as error:
            error.field = re.sub(r"^filter\[(\d+)\]", r"filters.\1", error.field or f"filter[{index}]")
            raise
        checked.append({part: item.get(part) for part in ("column", "operator", "type", "value", "key")})
    return checked


def _bounded(config: dict, key: str, maximum: int) -> int | None:
    value = config.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum):
        raise DomainError(f"{key} must be an integer from 1 to {maximum}, got {value!r}", field="chart_config")
    return value


def _sort_check(sort) -> dict | None:
    if sort is None:
        return None
    if not isinstance(sort, dict) or not isinstance(sort.get("column"), str) or not sort["column"]:
        raise DomainError("must be an object with a column and an order", field="chart_config.default_sort")
    return {
        "column": sort["column"],
        "order": _choice(sort.get("order"), SORT_ORDERS, "chart_config.default_sort.order"),
    }


def chart_config_check(config, *, chart_type: str) -> dict:
    """The stored chart config: every field of the Langfuse config, `type` the widget's chart type."""
    config = {} if config is None else config
    if not isinstance(config, dict):
        raise DomainError("must be an object", field="chart_config")
    unknown = sorted(set(config) - {"type", "row_limit", "show_value_labels", "bins", "defaultSort"})
    if unknown:
        raise DomainError(f"{unknown[0]} is not a chart config field", field="chart_config")
    if config.get("type") is not None and config["type"] != chart_type:
        raise DomainError(f"must match chartType {chart_type}, got {config['type']!r}", field="chart_config.type")
    labels = config.get("show_value_labels")
    if labels is not None and not isinstance(labels, bool):
        raise DomainError(f"show_value_labels must be a boolean, got {labels!r}", field="chart_config")
    return {
        "type": chart_type,
        "row_limit": _bounded(config, "row_limit", MAX_ROW_LIMIT),
        "show_value_labels": labels,
        "bins": _bounded(config, "bins", MAX_BINS),
        "defaultSort": _sort_check(config.get("defaultSort")),
    }


def _query_check(*, view: str, dimensions, metrics, filters) -> dict:
    spec = view_get(view)
    return {
        "dimensions": _dimensions_check(dimensions, spec),
        "metrics": _metrics_check(metrics, spec),
        "filters": _filters_check(filters, spec),
    }


def _state(widget: DashboardWidget) -> dict:
    return {field: getattr(widget, field) for field in FIELDS}


def _audit(widget: DashboardWidget, action: str, before: dict | None) -> None:
    audit_record(
        action=f"dashboard_widget.{action}",
        object_type="DashboardWidget",
        object_id=widget.pk,
        project=widget.project,
        before=before,
        after=None if action == "deleted" else _state(widget),
    )


@transaction.atomic
def widget_create(
    *, project, name, view, dimensions, metrics, filters, chart_type, description=None, chart_config=None
) -> DashboardWidget:
    view = _view_check(view)
    chart_type = _choice(chart_type, CHART_TYPES, "chart_type")
    widget = DashboardWidget.objects.create(
        project=project,
        name=_name_check(name),
        description=text_check(description or "", field="description"),
        view=view,
        **_query_check(view=view, dimensions=dimensions, metrics=metrics, filters=filters),
        chart_type=chart_type,
        chart_config=chart_config_check(chart_config, chart_type=chart_type),
    )
    _audit(widget, "created", None)
    return widget


@transaction.atomic
def widget_update(*, widget: DashboardWidget, **fields) -> DashboardWidget:
    """Change any of the widget's fields (None: keep); a changed chart type without a config resets the config."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DomainError("is not a field of a dashboard widget", field=unknown[0])
    given = {name: value for name, value in fields.items() if value is not None}
    if not given:
        raise DomainError("at least one field is required")
    before = _state(widget)
    if "name" in given:
        widget.name = _name_check(given["name"])
    if "description" in given:
        widget.description = text_check(given["description"], field="description")
    if "view" in given:
        widget.view = _view_check(given["view"])
    query = {part: given.get(part, getattr(widget, part)) for part in ("dimensions", "metrics", "filters")}
    for part, value in _query_check(view=widget.view, **query).items():
        setattr(widget, part, value)
    if "chart_type" in given:
        widget.chart_type = _choice(given["chart_type"], CHART_TYPES, "chart_type")
    if "chart_config" in given or "chart_type" in given:
        widget.chart_config = chart_config_check(given.get("chart_config"), chart_type=widget.chart_type)
    widget.save()
    _audit(widget, "updated", before)
    return widget


@transaction.atomic
def widget_delete(*, widget: DashboardWidget) -> None:
    """Delete a widget no dashboard places; a 409 naming the dashboards that still do. The widget's row lock
    orders this against a placement being added (which locks it too)."""
    widget_locked(project=widget.project, widget_id=widget.pk)
    placing = widget_dashboards(widget)
    if placing:
        names = ", ".join(repr(dashboard.name) for dashboard in placing)
        raise DomainError(f"is placed on the dashboards {names}; remove those placements first", status=409)
    _audit(widget, "deleted", _state(widget))
    widget.delete()
