"""Reads of dashboard widgets: a project's widgets, their Langfuse body, the dashboards placing one, and a
widget as a chart of the dashboard pages (its metrics query under the dashboard's filters)."""

from django.db.models import QuerySet

from observability.analytics.views import view_get
from observability.dashboards.charts import MAX_ROWS, Chart, alias, chart_list
from observability.models import Dashboard, DashboardWidget

WIDGET_KEY_PREFIX = "widget-"
TIME_SERIES = ("LINE_TIME_SERIES", "AREA_TIME_SERIES", "BAR_TIME_SERIES")
MS = ("latency", "streamingLatency", "timeToFirstToken")
CHART_UNITS = {"totalCost": "usd", "inputCost": "usd", "outputCost": "usd", **dict.fromkeys(MS, "ms")}


def widget_list(*, project) -> QuerySet[DashboardWidget]:
    """The project's widgets, most recently updated first."""
    return DashboardWidget.objects.filter(project=project).order_by("-updated_at", "id")


def widget_get(*, project, widget_id: str) -> DashboardWidget | None:
    return widget_list(project=project).filter(id=widget_id).first()


def widget_locked(*, project, widget_id: str) -> DashboardWidget | None:
    """The widget with its row locked until the current transaction ends."""
    return widget_list(project=project).select_for_update().filter(id=widget_id).first()


def widget_public(widget: DashboardWidget) -> dict:
    """The Langfuse unstable DashboardWidget body."""
    return {
        "id": widget.id,
        "createdAt": widget.created_at,
        "updatedAt": widget.updated_at,
        "name": widget.name,
        "description": widget.description,
        "view": widget.view,
        "dimensions": widget.dimensions,
        "metrics": widget.metrics,
        "filters": widget.filters,
        "chartType": widget.chart_type,
        "chartConfig": widget.chart_config,
    }


def placement_chart_key(placement: dict) -> str:
    """The chart a placement shows: a registry key, or `widget-<id>` for a widget."""
    if placement.get("type") == "widget":
        return f"{WIDGET_KEY_PREFIX}{placement['widgetId']}"
    return placement["presetId"]


def widget_dashboards(widget: DashboardWidget) -> list[Dashboard]:
    """The project's dashboards (shared or not) with a placement of this widget."""
    key = f"{WIDGET_KEY_PREFIX}{widget.pk}"
    dashboards = Dashboard.objects.filter(project_id=widget.project_id).order_by("name", "id")
    return [dashboard for dashboard in dashboards if any(placement_chart_key(p) == key for p in dashboard.definition)]


def _dashboard_filter_columns(view: str) -> dict[str, str]:
    """The view column of each dashboard filter: those of a registered chart of the same view, else of the first
    chart whose columns the view has too (the score views share their filter columns)."""
    columns = view_get(view).filters
    charts = sorted(chart_list(), key=lambda chart: chart.view != view)
    return next(
        (chart.filters for chart in charts if all(column in columns for column in chart.filters.values())),
        {},
    )


def _explorer_parameters(view: str, dimensions: tuple[str, ...]) -> dict[str, str]:
    """The trace-explorer parameter of each dimension that a registered chart of the view drills by."""
    return {
        dimension: parameter
        for chart in chart_list()
        if chart.view == view
        for dimension, parameter in chart.explorer.items()
        if dimension in dimensions
    }


def widget_chart(widget: DashboardWidget) -> Chart:
    """The widget as a dashboard chart: its metrics query, day buckets for the time-series chart types."""
    metrics = tuple((metric["measure"], metric["agg"]) for metric in widget.metrics)
    dimensions = tuple(dimension["field"] for dimension in widget.dimensions)
    return Chart(
        key=f"{WIDGET_KEY_PREFIX}{widget.pk}",
        title=widget.name,
        view=widget.view,
        metrics=metrics,
        filters=_dashboard_filter_columns(widget.view),
        dimensions=dimensions,
        daily=widget.chart_type in TIME_SERIES,
        where=tuple(widget.filters),
        limit=widget.chart_config.get("row_limit") or MAX_ROWS,
        unit="count" if metrics[0][1] == "count" else CHART_UNITS.get(metrics[0][0], "count"),
        labels={alias(measure, agg): f"{agg} {measure}" for measure, agg in metrics},
        explorer=_explorer_parameters(widget.view, dimensions),
    )
