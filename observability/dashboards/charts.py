"""The chart registry: each chart is one metrics query (observability.analytics) plus how its rows read as series.

Observability registers the trace and observation charts; evals and feedback register theirs (layering:
this module never imports them). Dashboard filters use the columns of DASHBOARD_COLUMNS; each chart maps them
to its view's filter columns, so one filter list applies to every chart.
"""

from dataclasses import dataclass, field
from datetime import datetime

from aistrale.api.json_filter import Column, Condition, Kind, Search
from aistrale.errors import DomainError
from observability.analytics.query import TIME_DIMENSION, metrics_query

DASHBOARD_COLUMNS = {
    "environment": Column(Kind.STRING, "environment"),
    "release": Column(Kind.STRING, "release"),
    "traceName": Column(Kind.STRING, "trace_name"),
    "userId": Column(Kind.STRING, "user_id"),
    "tags": Column(Kind.ARRAY, "tags"),
    "promptName": Column(Kind.STRING, "prompt_name"),
    "promptVersion": Column(Kind.NUMBER, "prompt_version"),
}
MAX_ROWS = 1000
NONE_LABEL = "(none)"


@dataclass(frozen=True)
class Chart:
    """One chart: its metrics query (view, metrics, dimensions, day buckets, fixed conditions, order, limit),
    the view column of each dashboard filter, and the trace-explorer parameter of each dimension it drills by.

    Without day buckets the first `x_parts` dimensions (joined by `x_join`) label the x axis, the others the
    series. `ratio` (numerator alias, denominator alias) plots one value per point, their quotient.
    """

    key: str
    title: str
    view: str
    metrics: tuple[tuple[str, str], ...]
    filters: dict[str, str]
    dimensions: tuple[str, ...] = ()
    daily: bool = False
    where: tuple[dict, ...] = ()
    order: tuple[dict, ...] = ()
    limit: int = MAX_ROWS
    unit: str = "count"
    x_parts: int = 1
    x_join: str = " · "
    ratio: tuple[str, str] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    explorer: dict[str, str] = field(default_factory=dict)
    explorer_fixed: dict[str, str] = field(default_factory=dict)

    @property
    def histogram(self) -> bool:
        return any(aggregation == "histogram" for _, aggregation in self.metrics)


_CHARTS: dict[str, Chart] = {}


def register_chart(chart: Chart) -> None:
    missing = set(DASHBOARD_COLUMNS) - set(chart.filters)
    if missing:
        raise ValueError(f"chart {chart.key} maps no view column for the dashboard filters {sorted(missing)}")
    _CHARTS[chart.key] = chart


def chart_list() -> list[Chart]:
    return list(_CHARTS.values())


def chart_get(key: str) -> Chart | None:
    return _CHARTS.get(key)


def dashboard_filters_check(filters, *, field_name: str = "filters") -> list[dict]:
    """The dashboard filter list, validated as Langfuse filter state on the dashboard columns."""
    if not isinstance(filters, list):
        raise DomainError("must be an array of filter conditions", field=field_name)
    for index, item in enumerate(filters):
        try:
            Condition(item, index, DASHBOARD_COLUMNS, Search.LITERAL)
        except DomainError as error:
            error.field = field_name + (error.field or "")[len("filter") :]
            raise
    return filters


def chart_query(chart: Chart, *, filters: list[dict], start: datetime, end: datetime) -> dict:
    """The chart's metrics query object on [start, end] with the dashboard filters mapped to its view."""
    query = {
        "view": chart.view,
        "dimensions": [{"field": name} for name in chart.dimensions],
        "metrics": [{"measure": measure, "aggregation": aggregation} for measure, aggregation in chart.metrics],
        "filters": [*chart.where, *({**item, "column": chart.filters[item["column"]]} for item in filters)],
        "fromTimestamp": start.isoformat(),
        "toTimestamp": end.isoformat(),
        "orderBy": list(chart.order),
        "config": {"row_limit": chart.limit},
    }
    if chart.daily:
        query["timeDimension"] = {"granularity": "day"}
    return query


def chart_rows(chart: Chart, *, project, filters: list[dict], start: datetime, end: datetime) -> list[dict]:
    """The chart's metrics rows: one metrics query, the days without data left out."""
    query = chart_query(chart, filters=filters, start=start, end=end)
    return metrics_query(project=project, query=query, fill_empty=False)


def label(value) -> str:
    return NONE_LABEL if value is None or value == "" else str(value)


def alias(measure: str, aggregation: str) -> str:
    return f"{measure}_{aggregation}"


@dataclass
class Point:
    x: str
    series: str
    value: float | None
    drill: dict = field(default_factory=dict)


def chart_points(chart: Chart, rows: list[dict]) -> list[Point]:
    """The chart's rows as (x, series, value) points, with the dimension values a click drills into."""
    if chart.histogram:
        return _histogram_points(chart, rows)
    x_dimensions = () if chart.daily else chart.dimensions[: chart.x_parts]
    series_dimensions = [name for name in chart.dimensions if name not in x_dimensions]
    points = []
    for row in rows:
        x = row[TIME_DIMENSION][:10] if chart.daily else chart.x_join.join(label(row[name]) for name in x_dimensions)
        drill = {name: row[name] for name in chart.dimensions}
        if chart.daily:
            drill[TIME_DIMENSION] = row[TIME_DIMENSION][:10]
        parts = [label(row[name]) for name in series_dimensions]
        if chart.ratio:
            numerator, denominator = (row[name] for name in chart.ratio)
            value = numerator / denominator if denominator else None
            points.append(Point(x, " · ".join(parts) or chart.title, value, drill))
            continue
        for measure, aggregation in chart.metrics:
            name = alias(measure, aggregation)
            series = " · ".join([*parts, chart.labels[name]] if len(chart.metrics) > 1 else parts)
            points.append(Point(x, series or chart.labels.get(name, chart.title), row[name], drill))
    return points


def _histogram_points(chart: Chart, rows: list[dict]) -> list[Point]:
    name = alias(*chart.metrics[0])
    points = []
    for row in rows:
        series = " · ".join(label(row[dimension]) for dimension in chart.dimensions) or chart.title
        for low, high, count in row[name]:
            points.append(Point(f"{low:.3g}–{high:.3g}", series, count, {d: row[d] for d in chart.dimensions}))
    return points
