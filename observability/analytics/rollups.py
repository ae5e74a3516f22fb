"""Keeping the rollups (observability.models.rollups) equal to the raw rows they summarise.

`rollups_mark` runs inside every write of traces or observations (ingestion, deletion): it appends a mark
for each hour the written rows occupy before the write and after it, so an observation moved to another
hour, a late span, or a renamed trace all re-dirty what they change. `rollups_refresh` rebuilds the
marked hours from raw rows under a per-project lock and deletes only the marks it read: a mark committed
later (by a request whose rows it could not yet see) stays for the next refresh.
"""

from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, F, FloatField, Max, Min, OuterRef, Sum
from django.db.models.functions import Cast

from observability.analytics.sql import MillisecondsBetween
from observability.analytics.tracing import trace_alias_totals, trace_field
from observability.models import (
    Observation,
    ObservationHour,
    RollupDirtyHour,
    Trace,
    TraceHour,
    TraceModelTotals,
    TraceTotals,
)
from observability.models.rollups import GRAINS

HOUR = timedelta(hours=1)
LOCK_NAMESPACE = 0x524F4C4C  # "ROLL": the advisory-lock space of rollup refreshes


def hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def rollups_mark(*, project_id, trace_ids, observation_ids, times=()) -> None:
    """Mark dirty the hours these traces and observations (and their traces' observations) occupy as
    stored now, and the hours of `times`, the timestamps the write is about to store.

    One INSERT ... SELECT, hand-written: it runs in every ingestion request. Observations are read by trace
    and by id in two selects rather than one OR, which SQLite serves by scanning the project's rows.
    """
    trace_ids, observation_ids = list(trace_ids), list(observation_ids)
    hours = sorted({hour_floor(moment) for moment in times if isinstance(moment, datetime)})
    if not (trace_ids or observation_ids or hours):
        return
    quote = connection.ops.quote_name
    observation, trace = quote(Observation._meta.db_table), quote(Trace._meta.db_table)
    if connection.vendor == "postgresql":
        hour = "date_trunc('hour', {}, 'UTC') AS hour"
        parts = [
            f"SELECT {hour.format('start_time')} FROM {observation} WHERE project_id = %s AND trace_id = ANY(%s)",
            f"SELECT {hour.format('start_time')} FROM {observation} WHERE project_id = %s AND id = ANY(%s)",
            f"SELECT {hour.format(quote('timestamp'))} FROM {trace} WHERE project_id = %s AND id = ANY(%s)",
            "SELECT unnest(%s::timestamptz[])",
        ]
        params = [project_id, trace_ids, project_id, observation_ids, project_id, trace_ids, hours]
    else:
        hour = "strftime('%%Y-%%m-%%d %%H:00:00', {}) AS hour"

        def listed(values):
            return ", ".join(["%s"] * len(values))

        parts = [
            f"SELECT {hour.format('start_time')} FROM {observation} "
            f"WHERE project_id = %s AND trace_id IN ({listed(trace_ids)})",
            f"SELECT {hour.format('start_time')} FROM {observation} "
            f"WHERE project_id = %s AND id IN ({listed(observation_ids)})",
            f"SELECT {hour.format(quote('timestamp'))} FROM {trace} "
            f"WHERE project_id = %s AND id IN ({listed(trace_ids)})",
        ]
        if hours:
            parts.append("VALUES " + ", ".join(["(%s)"] * len(hours)))
        stored = [connection.ops.adapt_datetimefield_value(moment) for moment in hours]
        params = [project_id, *trace_ids, project_id, *observation_ids, project_id, *trace_ids, *stored]
    table = quote(RollupDirtyHour._meta.db_table)
    sql = f"INSERT INTO {table} (project_id, hour) SELECT %s, hour FROM ({' UNION '.join(parts)}) AS hours"
    with connection.cursor() as cursor:
        cursor.execute(sql, [project_id, *params])


def _observation_hour_rows(project_id, hour: datetime) -> list[ObservationHour]:
    latency = MillisecondsBetween(F("end_time"), F("start_time"))
    cost = Cast("total_cost", FloatField())
    trace_side = {
        "has_trace": Exists(Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id"))),
        "trace_name": trace_field("name"),
        "release": trace_field("release"),
    }
    observations = Observation.objects.filter(project_id=project_id, start_time__gte=hour, start_time__lt=hour + HOUR)
    found = []
    for grain, columns in GRAINS.items():
        groups = (
            observations.order_by()
            .values(
                *(c for c in columns if c not in trace_side), **{c: trace_side[c] for c in columns if c in trace_side}
            )
            .annotate(
                rows=Count("pk"),
                input_tokens=Sum("input_tokens"),
                output_tokens=Sum("output_tokens"),
                total_tokens=Sum("total_tokens"),
                cost_sum=Sum(cost),
                cost_count=Count("total_cost"),
                cost_min=Min(cost),
                cost_max=Max(cost),
                latency_sum=Sum(latency),
                latency_count=Count(latency),
                latency_min=Min(latency),
                latency_max=Max(latency),
            )
        )
        found.extend(ObservationHour(project_id=project_id, hour=hour, grain=grain, **group) for group in groups)
    return found


TRACE_COLUMNS = ("timestamp", "name", "user_id", "session_id", "release", "version", "environment", "tags")


def _trace_totals_rows(project_id, hour: datetime) -> list[TraceTotals]:
    traces = trace_alias_totals(
        Trace.objects.filter(project_id=project_id, timestamp__gte=hour, timestamp__lt=hour + HOUR)
    )
    found = traces.order_by().values(
        *TRACE_COLUMNS,
        trace_id=F("id"),
        observations=F("m_observations"),
        latency=F("m_latency"),
        input_tokens=F("m_input_tokens"),
        output_tokens=F("m_output_tokens"),
        total_tokens=F("m_tokens"),
        total_cost=F("m_cost"),
        input_cost=F("m_input_cost"),
        output_cost=F("m_output_cost"),
    )
    return [TraceTotals(project_id=project_id, **row) for row in found]


DAILY_COLUMNS = ("timestamp", "name", "user_id", "environment", "tags")


def _trace_model_rows(project_id, hour: datetime) -> list[TraceModelTotals]:
    """Per trace and model of the hour; a trace committed between its two reads waits for its own dirty mark."""
    traces = Trace.objects.filter(project_id=project_id, timestamp__gte=hour, timestamp__lt=hour + HOUR)
    columns = {row.pop("id"): row for row in traces.values("id", *DAILY_COLUMNS)}
    found = (
        Observation.objects.filter(project_id=project_id, trace_id__in=traces.values("id"))
        .order_by()
        .values("trace_id", "model")
        .annotate(
            observations=Count("pk"),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            total_tokens=Sum("total_tokens"),
            total_cost=Sum(Cast("total_cost", FloatField())),
        )
    )
    return [
        TraceModelTotals(project_id=project_id, day=hour.date(), **columns[row["trace_id"]], **row)
        for row in found
        if row["trace_id"] in columns
    ]


def _trace_hour_rows(project_id, hour: datetime) -> list[TraceHour]:
    traces = Trace.objects.filter(project_id=project_id, timestamp__gte=hour, timestamp__lt=hour + HOUR)
    found = traces.order_by().values("name", "environment", "release", "version").annotate(traces=Count("pk"))
    return [TraceHour(project_id=project_id, hour=hour, **row) for row in found]


def _hour_rebuild(project_id, hour: datetime) -> None:
    ObservationHour.objects.filter(project_id=project_id, hour=hour).delete()
    ObservationHour.objects.bulk_create(_observation_hour_rows(project_id, hour), batch_size=1000)
    TraceHour.objects.filter(project_id=project_id, hour=hour).delete()
    TraceHour.objects.bulk_create(_trace_hour_rows(project_id, hour), batch_size=1000)
    TraceTotals.objects.filter(project_id=project_id, timestamp__gte=hour, timestamp__lt=hour + HOUR).delete()
    TraceTotals.objects.bulk_create(_trace_totals_rows(project_id, hour), batch_size=1000)
    TraceModelTotals.objects.filter(project_id=project_id, timestamp__gte=hour, timestamp__lt=hour + HOUR).delete()
    TraceModelTotals.objects.bulk_create(_trace_model_rows(project_id, hour), batch_size=1000)


def _lock(project_id) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, str(project_id)])


def rollups_refresh(*, project_id, start: datetime | None = None, end: datetime | None = None) -> int:
    """Rebuild this project's marked hours (those overlapping [start, end] when given); the hours rebuilt."""
    with transaction.atomic():
        _lock(project_id)
        marks = RollupDirtyHour.objects.filter(project_id=project_id)
        if start is not None:
            marks = marks.filter(hour__gt=start - HOUR)
        if end is not None:
            marks = marks.filter(hour__lte=end)
        found = list(marks.values_list("key", "hour"))
        hours = sorted({hour for _, hour in found})
        for hour in hours:
            _hour_rebuild(project_id, hour)
        RollupDirtyHour.objects.filter(key__in=[key for key, _ in found]).delete()
    return len(hours)


def rollups_refresh_all() -> int:
    """Rebuild every project's marked hours; the hours rebuilt."""
    projects = RollupDirtyHour.objects.order_by().values_list("project_id", flat=True).distinct()
    return sum(rollups_refresh(project_id=project_id) for project_id in list(projects))


def rollups_rebuild(*, project_id, start: datetime, end: datetime) -> int:
    """Mark every hour of [start, end] and rebuild them (after a bulk load, or to repair); the hours rebuilt."""
    hour, hours = hour_floor(start), []
    while hour <= end:
        hours.append(hour)
        hour += HOUR
    RollupDirtyHour.objects.bulk_create(RollupDirtyHour(project_id=project_id, hour=hour) for hour in hours)
    return rollups_refresh(project_id=project_id, start=start, end=end)
