"""The `traces` and `observations` metrics views: their dimensions, measures (latencies in milliseconds,
costs in USD) and filter columns, as Langfuse's metrics API names them."""

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDay, TruncMonth

from aistrale.api.json_filter import Column, Kind
from observability.analytics.sql import MillisecondsBetween
from observability.analytics.views import Dimension, Measure, ViewSpec, register_view
from observability.api.filters import OBSERVATION_FILTER_COLUMNS, TRACE_FILTER_COLUMNS
from observability.models import Observation, Trace


def month(value) -> str | None:
    return None if value is None else value.strftime("%Y-%m")


def day(value) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d")


def _cost_part(part: str):
    return Cast(KeyTextTransform(part, "cost_details"), FloatField())


def _per_trace(aggregate, output_field=None):
    observations = Observation.objects.filter(project=OuterRef("project"), trace_id=OuterRef("id")).order_by()
    return Subquery(
        observations.values("trace_id").annotate(value=aggregate).values("value"), output_field=output_field
    )


def trace_alias_totals(traces: QuerySet) -> QuerySet:
    """Alias per trace the aggregates of its observations the trace measures read (only those used reach SQL)."""
    return traces.alias(
        m_latency=_per_trace(
            MillisecondsBetween(Max(Coalesce("end_time", "start_time")), Min("start_time")), FloatField()
        ),
        m_observations=Coalesce(_per_trace(Count("key")), 0),
        m_input_tokens=Coalesce(_per_trace(Sum("input_tokens")), 0),
        m_output_tokens=Coalesce(_per_trace(Sum("output_tokens")), 0),
        m_tokens=Coalesce(_per_trace(Sum("total_tokens")), 0),
        m_cost=_per_trace(Sum(Cast("total_cost", FloatField())), FloatField()),
        m_input_cost=_per_trace(Sum(_cost_part("input")), FloatField()),
        m_output_cost=_per_trace(Sum(_cost_part("output")), FloatField()),
    )


def _total(alias: str, *, integer: bool = False) -> Measure:
    return Measure(alias, prepare=trace_alias_totals, integer=integer)


TRACE_DIMENSIONS = {
    "id": Dimension("id", high_cardinality=True),
    "name": Dimension("name"),
    "tags": Dimension("tags"),
    "userId": Dimension("user_id", high_cardinality=True),
    "sessionId": Dimension("session_id", high_cardinality=True),
    "release": Dimension("release"),
    "version": Dimension("version"),
    "environment": Dimension("environment"),
    "timestampMonth": Dimension(TruncMonth("timestamp"), present=month),
    "timestampDay": Dimension(TruncDay("timestamp"), present=day),
}
TRACE_MEASURES = {
    "count": Measure(fixed=Count("pk")),
    "observationsCount": _total("m_observations", integer=True),
    "uniqueUserIds": Measure(fixed=Count("user_id", distinct=True)),
    "uniqueSessionIds": Measure(fixed=Count("session_id", distinct=True)),
    "latency": _total("m_latency"),
    "inputTokens": _total("m_input_tokens", integer=True),
    "outputTokens": _total("m_output_tokens", integer=True),
    "totalTokens": _total("m_tokens", integer=True),
    "inputCost": _total("m_input_cost"),
    "outputCost": _total("m_output_cost"),
    "totalCost": _total("m_cost"),
}


def trace_field(field: str, output_field=None):
    """The value of a column of the observation's trace (NULL when the trace is not stored)."""
    traces = Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id"))
    return Subquery(traces.values(field)[:1], output_field=output_field)


def _on_trace(narrow) -> Q:
    return Q(Exists(narrow(Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id")))))


def _per_second(tokens: str):
    milliseconds = NullIf(MillisecondsBetween(F("end_time"), F("start_time")), Value(0.0))
    return ExpressionWrapper(Cast(tokens, FloatField()) * Value(1000.0) / milliseconds, output_field=FloatField())


OBSERVATION_DIMENSIONS = {
    "id": Dimension("id", high_cardinality=True),
    "traceId": Dimension("trace_id", high_cardinality=True),
    "userId": Dimension(trace_field("user_id"), high_cardinality=True),
    "sessionId": Dimension(trace_field("session_id"), high_cardinality=True),
    "parentObservationId": Dimension("parent_observation_id", high_cardinality=True),
    "environment": Dimension("environment"),
    "type": Dimension("type"),
    "name": Dimension("name"),
    "level": Dimension("level"),
    "version": Dimension("version"),
    "tags": Dimension(trace_field("tags", JSONField())),
    "release": Dimension(trace_field("release")),
    "traceName": Dimension(trace_field("name")),
    "traceRelease": Dimension(trace_field("release")),
    "traceVersion": Dimension(trace_field("version")),
    "providedModelName": Dimension("model"),
    "promptName": Dimension("prompt_name"),
    "promptVersion": Dimension("prompt_version"),
    "isRootObservation": Dimension(
        ExpressionWrapper(Q(parent_observation_id__isnull=True), output_field=BooleanField())
    ),
    "startTimeMonth": Dimension(TruncMonth("start_time"), present=month),
    "startTimeDay": Dimension(TruncDay("start_time"), present=day),
}
OBSERVATION_MEASURES = {
    "count": Measure(fixed=Count("pk")),
    "latency": Measure(MillisecondsBetween(F("end_time"), F("start_time"))),
    "streamingLatency": Measure(MillisecondsBetween(F("end_time"), F("completion_start_time"))),
    "timeToFirstToken": Measure(MillisecondsBetween(F("completion_start_time"), F("start_time"))),
    "inputTokens": Measure("input_tokens", integer=True),
    "outputTokens": Measure("output_tokens", integer=True),
    "totalTokens": Measure("total_tokens", integer=True),
    "outputTokensPerSecond": Measure(_per_second("output_tokens")),
    "tokensPerSecond": Measure(_per_second("total_tokens")),
    "inputCost": Measure(_cost_part("input")),
    "outputCost": Measure(_cost_part("output")),
    "totalCost": Measure("total_cost"),
}
OBSERVATION_FILTERS = {
    **OBSERVATION_FILTER_COLUMNS,
    "release": Column(Kind.STRING, "release", through=_on_trace),
    "traceRelease": Column(Kind.STRING, "release", through=_on_trace),
    "traceVersion": Column(Kind.STRING, "version", through=_on_trace),
    "parentObservationId": Column(Kind.STRING, "parent_observation_id"),
}


def register_tracing_views() -> None:
    from observability.analytics.rollup_views import observations_rollup, traces_rollup

    register_view(
        "traces",
        ViewSpec(
            rows=lambda project: Trace.objects.filter(project=project),
            time_column="timestamp",
            dimensions=dict(TRACE_DIMENSIONS),
            measures=dict(TRACE_MEASURES),
            filters=dict(TRACE_FILTER_COLUMNS),
            v2=False,
            rollup=traces_rollup,
        ),
    )
    register_view(
        "observations",
        ViewSpec(
            rows=lambda project: Observation.objects.filter(project=project),
            time_column="start_time",
            dimensions=dict(OBSERVATION_DIMENSIONS),
            measures=dict(OBSERVATION_MEASURES),
            filters=dict(OBSERVATION_FILTERS),
            rollup=observations_rollup,
        ),
    )
