"""The trace and observation charts of the home dashboard, and the view pieces they need (an error count on
observations; prompt filters on traces, through their observations)."""

from django.db.models import Count, Exists, OuterRef, Q

from aistrale.api.json_filter import Column, Kind
from observability.analytics.views import Measure, extend_view
from observability.dashboards.charts import Chart, register_chart
from observability.models import Observation, ObservationLevel

TRACE_FILTERS = {
    "environment": "environment",
    "release": "release",
    "traceName": "name",
    "userId": "userId",
    "tags": "tags",
    "promptName": "promptName",
    "promptVersion": "promptVersion",
}
OBSERVATION_FILTERS = {**TRACE_FILTERS, "release": "traceRelease", "traceName": "traceName"}
PERCENTILES = {"latency_p50": "p50", "latency_p95": "p95", "latency_p99": "p99"}
LATENCY = tuple(("latency", aggregation) for aggregation in PERCENTILES.values())
GENERATIONS = ({"column": "type", "operator": "=", "value": "GENERATION", "type": "string"},)


def _on_observations(narrow) -> Q:
    return Q(Exists(narrow(Observation.objects.filter(project=OuterRef("project"), trace_id=OuterRef("id")))))


def _not_null(column: str) -> dict:
    return {"column": column, "operator": "is not null", "value": "", "type": "null"}


CHARTS = (
    Chart(
        key="cost_by_model",
        title="Cost per day by model",
        view="observations",
        metrics=(("totalCost", "sum"),),
        dimensions=("providedModelName",),
        daily=True,
        where=GENERATIONS,
        unit="usd",
        filters=OBSERVATION_FILTERS,
        explorer={"providedModelName": "model"},
    ),
    Chart(
        key="tokens_per_day",
        title="Tokens per day",
        view="observations",
        metrics=(("totalTokens", "sum"),),
        daily=True,
        unit="tokens",
        labels={"totalTokens_sum": "tokens"},
        filters=OBSERVATION_FILTERS,
    ),
    Chart(
        key="trace_volume",
        title="Trace volume",
        view="traces",
        metrics=(("count", "count"),),
        daily=True,
        labels={"count_count": "traces"},
        filters=TRACE_FILTERS,
    ),
    Chart(
        key="latency_by_trace_name",
        title="Latency by trace name",
        view="traces",
        metrics=LATENCY,
        dimensions=("name",),
        unit="ms",
        labels=PERCENTILES,
        filters=TRACE_FILTERS,
        explorer={"name": "name"},
    ),
    Chart(
        key="latency_by_model",
        title="Generation latency by model",
        view="observations",
        metrics=LATENCY,
        dimensions=("providedModelName",),
        where=GENERATIONS,
        unit="ms",
        labels=PERCENTILES,
        filters=OBSERVATION_FILTERS,
        explorer={"providedModelName": "model"},
    ),
    Chart(
        key="error_rate",
        title="Error rate (observations at level ERROR)",
        view="observations",
        metrics=(("errorCount", "count"), ("count", "count")),
        daily=True,
        ratio=("errorCount_count", "count_count"),
        unit="ratio",
        filters=OBSERVATION_FILTERS,
        explorer_fixed={"level": ObservationLevel.ERROR},
    ),
    Chart(
        key="top_users_by_cost",
        title="Top users by cost",
        view="traces",
        metrics=(("totalCost", "sum"),),
        dimensions=("userId",),
        where=(_not_null("userId"),),
        order=({"field": "totalCost_sum", "direction": "desc"}, {"field": "userId", "direction": "asc"}),
        limit=10,
        unit="usd",
        labels={"totalCost_sum": "cost"},
        filters=TRACE_FILTERS,
        explorer={"userId": "user_id"},
    ),
    Chart(
        key="cost_per_prompt_version",
        title="Cost per prompt version",
        view="observations",
        metrics=(("totalCost", "sum"),),
        dimensions=("promptName", "promptVersion"),
        where=(_not_null("promptName"),),
        unit="usd",
        x_parts=2,
        x_join=" v",
        labels={"totalCost_sum": "cost"},
        filters=OBSERVATION_FILTERS,
        explorer={"promptName": "prompt", "promptVersion": "prompt_version"},
    ),
)


def register_tracing_charts() -> None:
    extend_view(
        "observations",
        measures={"errorCount": Measure(fixed=Count("pk", filter=Q(level=ObservationLevel.ERROR)))},
    )
    extend_view(
        "traces",
        filters={
            "promptName": Column(Kind.STRING, "prompt_name", through=_on_observations),
            "promptVersion": Column(Kind.NUMBER, "prompt_version", through=_on_observations),
        },
    )
    for chart in CHARTS:
        register_chart(chart)
