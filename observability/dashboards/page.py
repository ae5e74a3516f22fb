"""A dashboard page's inputs and outputs: the date range and filters read from the query string, each chart
rendered (one metrics query per chart), its CSV, and the trace-explorer link of each point."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from aistrale.errors import DomainError
from observability.analytics.query import TIME_DIMENSION
from observability.dashboards.charts import Chart, Point, chart_points, chart_rows, dashboard_filters_check
from observability.dashboards.svg import chart_svg

DEFAULT_DAYS = 30
MAX_DAYS = 366
# Dashboard filter column -> (query-string parameter of the page, parameter of the trace explorer).
FILTER_PARAMETERS = {
    "environment": ("environment", "environment"),
    "release": ("release", "release"),
    "traceName": ("traceName", "name"),
    "userId": ("userId", "user_id"),
    "tags": ("tag", "tag"),
    "promptName": ("promptName", "prompt"),
    "promptVersion": ("promptVersion", "prompt_version"),
}


@dataclass(frozen=True)
class Range:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The last microsecond of the last day (metrics ranges are inclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(microseconds=1)


def _date(params, name: str, default: date) -> date:
    raw = params.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError(f"must be a date as YYYY-MM-DD, got {raw!r}", field=name) from None


def range_from_params(params) -> Range:
    """The page's days: `from` and `to` (inclusive, UTC), by default the last 30 days."""
    today = timezone.now().astimezone(UTC).date()
    last = _date(params, "to", today)
    first = _date(params, "from", last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        raise DomainError("must not be after to", field="from")
    if (last - first).days >= MAX_DAYS:
        raise DomainError(f"the range may span at most {MAX_DAYS} days", field="from")
    return Range(first, last)


def filters_from_params(params) -> list[dict]:
    """The filter conditions the page's filter form sets (each an equality; a tag: traces carrying it)."""
    filters = []
    for column, (parameter, _) in FILTER_PARAMETERS.items():
        raw = (params.get(parameter) or "").strip()
        if not raw:
            continue
        if column == "tags":
            filters.append({"column": column, "operator": "any of", "value": [raw], "type": "arrayOptions"})
        elif column == "promptVersion":
            try:
                version = int(raw)
            except ValueError:
                raise DomainError(f"must be an integer, got {raw!r}", field=parameter) from None
            filters.append({"column": column, "operator": "=", "value": version, "type": "number"})
        else:
            filters.append({"column": column, "operator": "=", "value": raw, "type": "string"})
    return dashboard_filters_check(filters, field_name="filters")


def params_from_filters(filters: list[dict]) -> dict:
    """The filter form's values of the conditions it can show (equalities, a single tag)."""
    params = {}
    for item in filters:
        parameter = FILTER_PARAMETERS[item["column"]][0]
        value = item.get("value")
        if item["operator"] == "=":
            params[parameter] = str(value)
        elif item["operator"] in ("any of", "all of") and isinstance(value, list) and len(value) == 1:
            params[parameter] = value[0]
    return params


def _explorer_params(filters: list[dict]) -> dict:
    return {
        FILTER_PARAMETERS[column][1]: value
        for column, value in (
            (item["column"], params_from_filters([item]).get(FILTER_PARAMETERS[item["column"]][0])) for item in filters
        )
        if value is not None
    }


def explorer_url(chart: Chart, point: Point, *, filters: list[dict], days: Range) -> str:
    """The trace explorer listing the traces behind a point: the dashboard filters, the point's dimension
    values the explorer filters by, and its day (or the page's range)."""
    params = _explorer_params(filters) | dict(chart.explorer_fixed)
    for dimension, parameter in chart.explorer.items():
        if point.drill.get(dimension) is not None:
            params[parameter] = str(point.drill[dimension])
    day = point.drill.get(TIME_DIMENSION)
    if day:
        first = datetime.combine(date.fromisoformat(day), time.min, tzinfo=UTC)
        params |= {"timestamp__gte": first.isoformat(), "timestamp__lt": (first + timedelta(days=1)).isoformat()}
    else:
        params |= {"timestamp__gte": days.start.isoformat(), "timestamp__lte": days.end.isoformat()}
    return reverse("admin:observability_trace_changelist") + "?" + urlencode(sorted(params.items()))


@dataclass
class RenderedChart:
    chart: Chart
    svg: SafeString
    points: list[Point]


def chart_render(chart: Chart, *, project, filters: list[dict], days: Range) -> RenderedChart:
    """One chart of the page: its metrics query, then its SVG with a link per point."""
    rows = chart_rows(chart, project=project, filters=filters, start=days.start, end=days.end)
    points = chart_points(chart, rows)
    x_values = list(dict.fromkeys(point.x for point in points))
    if chart.daily:
        x_values.sort()
    series: dict[str, dict[str, tuple]] = {}
    for point in points:
        link = None if chart.histogram else explorer_url(chart, point, filters=filters, days=days)
        series.setdefault(point.series, {})[point.x] = (point.value, link)
    svg = chart_svg(x_values=x_values, series=series, unit=chart.unit, lines=chart.daily)
    return RenderedChart(chart=chart, svg=svg, points=points)


def chart_csv(chart: Chart, points: list[Point]) -> str:
    """A chart's points as CSV: x, series, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day" if chart.daily else "x", "series", "value"])
    for point in points:
        writer.writerow([point.x, point.series, "" if point.value is None else point.value])
    return out.getvalue()
