"""The registry of what alert rules can watch: each metric computes one number over a project's window.

observability registers the tracing metrics here; evals (average score, evaluation failures) and feedback
(positive rate) register theirs from their AppConfig.ready, so this app imports neither:

    register_alert_metric("average_score", AlertMetric(label=..., unit=..., compute=..., filters=...,
                                                        option_label="score name"))

`compute(*, project, start, end, rule_filter, option)` gets the rule's JSON filter (already validated against
`filters`, the columns a rule may filter on) and returns the value, or None when the window holds no data.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aistrale.api.json_filter import Column, Condition, JsonFilter, Search
from aistrale.errors import DomainError
from observability.analytics.query import metrics_query
from observability.analytics.views import view_get


@dataclass(frozen=True)
class AlertMetric:
    label: str
    unit: str
    compute: Callable[..., float | None]
    filters: dict[str, Column]
    option_label: str = ""


_METRICS: dict[str, AlertMetric] = {}


def register_alert_metric(key: str, metric: AlertMetric) -> None:
    _METRICS[key] = metric


def alert_metric_choices() -> list[tuple[str, str]]:
    return [(key, metric.label) for key, metric in _METRICS.items()]


def alert_metric_get(key) -> AlertMetric:
    """The registered metric; a DomainError naming `metric` otherwise."""
    metric = _METRICS.get(key) if isinstance(key, str) else None
    if metric is None:
        raise DomainError(f"must be one of {', '.join(_METRICS)}, got {key!r}", field="metric")
    return metric


def filter_conditions(filter_, columns: dict[str, Column]) -> list[Condition]:
    """The rule's filter validated against the metric's columns; a DomainError naming `filter[i]...`."""
    if not isinstance(filter_, list):
        raise DomainError("must be a JSON array of conditions", field="filter")
    return [Condition(item, index, columns, Search.LITERAL) for index, item in enumerate(filter_)]


def filtered(rows, filter_, columns: dict[str, Column]):
    """Rows narrowed by a rule's filter (for metrics computed outside the metrics query engine)."""
    return JsonFilter(columns).apply(rows, filter_conditions(filter_, columns))


def query_value(*, project, view: str, measure: str, aggregation: str, start: datetime, end: datetime, filter_):
    """One aggregate of the metrics query engine over the window, with the row count: (value, count)."""
    metrics = [{"measure": "count", "aggregation": "count"}, {"measure": measure, "aggregation": aggregation}]
    query = {
        "view": view,
        "metrics": metrics,
        "filters": filter_,
        "fromTimestamp": start.isoformat(),
        "toTimestamp": end.isoformat(),
    }
    [row] = metrics_query(project=project, query=query)
    return row[f"{measure}_{aggregation}"], row["count_count"]


def _cost_per(seconds: int):
    def compute(*, project, start, end, rule_filter, option):
        cost, count = query_value(
            project=project,
            view="observations",
            measure="totalCost",
            aggregation="sum",
            start=start,
            end=end,
            filter_=rule_filter,
        )
        return None if not count else (cost or 0.0) * seconds / (end - start).total_seconds()

    return compute


def _latency_p95(*, project, start, end, rule_filter, option):
    value, _ = query_value(
        project=project,
        view="observations",
        measure="latency",
        aggregation="p95",
        start=start,
        end=end,
        filter_=rule_filter,
    )
    return value


ERRORS = {"type": "stringOptions", "column": "level", "operator": "any of", "value": ["ERROR"]}


def _error_rate(*, project, start, end, rule_filter, option):
    window = {"project": project, "view": "observations", "measure": "count", "aggregation": "count"}
    _, total = query_value(**window, start=start, end=end, filter_=rule_filter)
    if not total:
        return None
    _, errors = query_value(**window, start=start, end=end, filter_=[*rule_filter, ERRORS])
    return 100.0 * errors / total


def register_tracing_alert_metrics() -> None:
    columns = dict(view_get("observations").filters)
    register_alert_metric("cost_per_hour", AlertMetric("Cost per hour", "USD/h", _cost_per(3600), columns))
    register_alert_metric("cost_per_day", AlertMetric("Cost per day", "USD/day", _cost_per(86400), columns))
    register_alert_metric("latency_p95", AlertMetric("p95 latency of observations", "ms", _latency_p95, columns))
    register_alert_metric("error_rate", AlertMetric("Error rate of observations", "%", _error_rate, columns))
