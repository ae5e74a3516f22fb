"""Metrics views over the rollups, and the rule choosing them: a query is answered from a rollup only when
every dimension, metric and filter it uses has an exact rollup equivalent, and its time range and buckets
fall on whole rollup rows. Marked (not yet refreshed) hours in its range are refreshed first, so a rollup
answer is never staler than the raw rows.

`TraceTotals` holds one row per trace, so it answers every aggregation, percentiles included, over any
range; `ObservationHour` holds sums per UTC hour, so it answers count/sum/avg/min/max over whole hours,
bucketed by hour or coarser in time zones whose offset is a whole number of hours; `TraceHour` answers trace
counts the same way, grouped and filtered by name, environment, release and version.
"""

import copy
import dataclasses
from datetime import timedelta

from django.db.models import BigIntegerField, Count, FloatField, Max, Min, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDay, TruncMonth

from aistrale.api.json_filter import Column, Kind
from observability.analytics.rollups import HOUR, hour_floor, rollups_refresh
from observability.analytics.tracing import day, month
from observability.analytics.views import Dimension, Measure, ViewSpec
from observability.models import ObservationHour, ObservationLevel, RollupDirtyHour, TraceHour, TraceTotals
from observability.models.rollups import GRAINS

ROLLED_GRANULARITIES = (None, "hour", "day", "week", "month")


def _strings(columns: dict[str, str]) -> dict[str, Column]:
    return {wire: Column(Kind.STRING, column) for wire, column in columns.items()}


def _columns(columns: dict[str, str]) -> dict[str, Dimension]:
    return {wire: Dimension(column) for wire, column in columns.items()}


TRACE_COLUMNS = {
    "id": "trace_id",
    "name": "name",
    "userId": "user_id",
    "sessionId": "session_id",
    "release": "release",
    "version": "version",
    "environment": "environment",
}
TRACE_TOTALS = ViewSpec(
    rows=lambda project: TraceTotals.objects.filter(project=project),
    time_column="timestamp",
    dimensions={
        **_columns(TRACE_COLUMNS),
        "tags": Dimension("tags"),
        "timestampMonth": Dimension(TruncMonth("timestamp"), present=month),
        "timestampDay": Dimension(TruncDay("timestamp"), present=day),
    },
    measures={
        "count": Measure(fixed=Count("*")),
        "observationsCount": Measure("observations", integer=True),
        "uniqueUserIds": Measure(fixed=Count("user_id", distinct=True)),
        "uniqueSessionIds": Measure(fixed=Count("session_id", distinct=True)),
        "latency": Measure("latency"),
        "inputTokens": Measure("input_tokens", integer=True),
        "outputTokens": Measure("output_tokens", integer=True),
        "totalTokens": Measure("total_tokens", integer=True),
        "inputCost": Measure("input_cost"),
        "outputCost": Measure("output_cost"),
        "totalCost": Measure("total_cost"),
    },
    filters={
        **_strings(TRACE_COLUMNS),
        "timestamp": Column(Kind.DATETIME, "timestamp"),
        "tags": Column(Kind.ARRAY, "tags"),
    },
)


def _count(column: str):
    return Cast(Coalesce(Sum(column), 0), BigIntegerField())


TRACE_HOUR_COLUMNS = {"name": "name", "release": "release", "version": "version", "environment": "environment"}
TRACE_HOUR = ViewSpec(
    rows=lambda project: TraceHour.objects.filter(project=project),
    time_column="hour",
    dimensions={
        **_columns(TRACE_HOUR_COLUMNS),
        "timestampMonth": Dimension(TruncMonth("hour"), present=month),
        "timestampDay": Dimension(TruncDay("hour"), present=day),
    },
    measures={"count": Measure(fixed=_count("traces"))},
    filters=_strings(TRACE_HOUR_COLUMNS),
)


def _float_sum_measure(prefix: str) -> Measure:
    """A nullable float measure kept as its sum, count of values, min and max per hour."""
    return Measure(
        by_aggregation={
            "sum": Sum(f"{prefix}_sum"),
            "count": _count(f"{prefix}_count"),
            "avg": Sum(f"{prefix}_sum") / NullIf(Cast(Sum(f"{prefix}_count"), FloatField()), Value(0.0)),
            "min": Min(f"{prefix}_min"),
            "max": Max(f"{prefix}_max"),
        }
    )


def _token_measure(column: str) -> Measure:
    return Measure(
        by_aggregation={
            "sum": Cast(Sum(column), BigIntegerField()),
            "count": _count("rows"),
            "avg": Cast(Sum(column), FloatField()) / NullIf(Cast(Sum("rows"), FloatField()), Value(0.0)),
        }
    )


OBSERVATION_COLUMNS = {
    "environment": "environment",
    "type": "type",
    "level": "level",
    "providedModelName": "model",
    "promptName": "prompt_name",
}
TRACE_SIDE = {"traceName": "trace_name", "release": "release", "traceRelease": "release"}
OBSERVATION_HOUR = ViewSpec(
    rows=lambda project: ObservationHour.objects.filter(project=project),
    time_column="hour",
    dimensions={
        **_columns({**OBSERVATION_COLUMNS, **TRACE_SIDE, "promptVersion": "prompt_version"}),
        "startTimeMonth": Dimension(TruncMonth("hour"), present=month),
        "startTimeDay": Dimension(TruncDay("hour"), present=day),
    },
    measures={
        "count": Measure(fixed=_count("rows")),
        "errorCount": Measure(
            fixed=Cast(Coalesce(Sum("rows", filter=Q(level=ObservationLevel.ERROR)), 0), BigIntegerField())
        ),
        "latency": _float_sum_measure("latency"),
        "totalCost": _float_sum_measure("cost"),
        "inputTokens": _token_measure("input_tokens"),
        "outputTokens": _token_measure("output_tokens"),
        "totalTokens": _token_measure("total_tokens"),
    },
    filters={
        **_strings({**OBSERVATION_COLUMNS, "model": "model", **TRACE_SIDE}),
        "promptVersion": Column(Kind.NUMBER, "prompt_version"),
    },
)


# The grain column a measure reads beyond its sums (the dashboard's errorCount counts the rows at level ERROR).
MEASURE_COLUMNS = {"errorCount": "level"}


def _answerable(parsed, rollup: ViewSpec) -> bool:
    if not all(name in rollup.dimensions for name in parsed.dimensions):
        return False
    for metric in parsed.metrics:
        measure = rollup.measures.get(metric.measure)
        if measure is None:
            return False
        if measure.by_aggregation is not None and metric.aggregation not in measure.by_aggregation:
            return False
    return all(condition.name in rollup.filters for condition in parsed.conditions)


def _whole_hours(parsed) -> bool:
    """The range starts on an hour and ends just before one; buckets are unions of UTC hours."""
    if parsed.granularity not in ROLLED_GRANULARITIES:
        return False
    after = parsed.end + timedelta(microseconds=1)
    if hour_floor(parsed.start) != parsed.start or hour_floor(after) != after:
        return False
    offsets = (moment.astimezone(parsed.time_zone).utcoffset() for moment in (parsed.start, parsed.end))
    return all(offset % HOUR == timedelta(0) for offset in offsets)


def _rolled(parsed, rollup: ViewSpec, project, **narrowing):
    """`parsed` on the rollup view (its rows narrowed), its conditions bound to the rollup's columns, its
    marked hours refreshed."""
    conditions = []
    for condition in parsed.conditions:
        rolled = copy.copy(condition)
        rolled.column = rollup.filters[condition.name]
        conditions.append(rolled)
    if narrowing:
        rows = rollup.rows
        rollup = dataclasses.replace(rollup, rows=lambda project: rows(project).filter(**narrowing))
    marked = RollupDirtyHour.objects.filter(project=project, hour__gt=parsed.start - HOUR, hour__lte=parsed.end)
    if marked.exists():
        rollups_refresh(project_id=project.pk, start=parsed.start, end=parsed.end)
    return dataclasses.replace(parsed, spec=rollup, conditions=conditions)


def traces_rollup(parsed, project):
    """The traces query on hourly trace counts or else per-trace totals, when they answer it."""
    if _answerable(parsed, TRACE_HOUR) and _whole_hours(parsed):
        return _rolled(parsed, TRACE_HOUR, project)
    return _rolled(parsed, TRACE_TOTALS, project) if _answerable(parsed, TRACE_TOTALS) else None


def _through_trace(parsed) -> bool:
    """Whether a condition reads the observation's trace (raw rows without a stored trace never meet it)."""
    return any(condition.column.through is not None for condition in parsed.conditions)


def _grain(parsed) -> int:
    """The narrowest grain holding every column the query groups or filters by."""
    needed = {OBSERVATION_HOUR.filters[condition.name].path for condition in parsed.conditions}
    needed.update(
        dimension.expression
        for dimension in (OBSERVATION_HOUR.dimensions[name] for name in parsed.dimensions)
        if isinstance(dimension.expression, str)
    )
    needed.update(MEASURE_COLUMNS[metric.measure] for metric in parsed.metrics if metric.measure in MEASURE_COLUMNS)
    if _through_trace(parsed):
        needed.add("has_trace")
    return min((len(columns), grain) for grain, columns in GRAINS.items() if needed <= set(columns))[1]


def observations_rollup(parsed, project):
    """The observations query on hourly rollups, when they answer it."""
    if not _answerable(parsed, OBSERVATION_HOUR) or not _whole_hours(parsed):
        return None
    narrowing = {"grain": _grain(parsed)} | ({"has_trace": True} if _through_trace(parsed) else {})
    return _rolled(parsed, OBSERVATION_HOUR, project, **narrowing)
