"""Daily metrics (GET /metrics/daily): per UTC day of the trace timestamp, the traces, their observations,
cost, and usage per model (observations that name a model), answered from the per-trace rollups
(`TraceTotals`, `TraceModelTotals`) after refreshing the project's marked hours."""

from datetime import UTC

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from observability.analytics.rollups import rollups_refresh
from observability.models import RollupDirtyHour, TraceModelTotals, TraceTotals


def daily_rollups_refresh(*, project) -> None:
    """Rebuild the project's marked hours, so the daily metrics are never staler than the raw rows."""
    if RollupDirtyHour.objects.filter(project=project).exists():
        rollups_refresh(project_id=project.pk)


def daily_traces(*, project) -> QuerySet[TraceTotals]:
    """The project's per-trace totals (the rows the daily filters apply to)."""
    return TraceTotals.objects.filter(project=project)


def daily_days(traces: QuerySet) -> QuerySet:
    """The days holding any of `traces`, newest first, each with its trace count (`date`, `count_traces`)."""
    dated = traces.annotate(date=TruncDate("timestamp", tzinfo=UTC)).order_by()
    return dated.values("date").annotate(count_traces=Count("pk")).order_by("-date")


def _usage(row: dict) -> dict:
    return {
        "model": row["model"],
        "inputUsage": row["input"] or 0,
        "outputUsage": row["output"] or 0,
        "totalUsage": row["total"] or 0,
        "countTraces": row["traces"],
        "countObservations": row["observations"],
        "totalCost": float(row["cost"] or 0),
    }


def daily_model_totals(*, project) -> QuerySet[TraceModelTotals]:
    """The project's per-trace, per-model totals (the daily filters apply to them as to `daily_traces`)."""
    return TraceModelTotals.objects.filter(project=project)


def daily_details(*, model_totals: QuerySet, days: list[dict]) -> list[dict]:
    """DailyMetricsDetails of these `days` (rows of `daily_days`) over `model_totals` (filtered like the days)."""
    rows = (
        model_totals.filter(day__in=[day["date"] for day in days])
        .order_by()
        .values("day", "model")
        .annotate(
            observations=Sum("observations"),
            traces=Count("pk"),
            cost=Sum("total_cost"),
            input=Sum("input_tokens"),
            output=Sum("output_tokens"),
            total=Sum("total_tokens"),
        )
        .order_by("day", "model")
    )
    per_day: dict = {}
    for row in rows:
        per_day.setdefault(row["day"], []).append(row)
    details = []
    for day in days:
        found = per_day.get(day["date"], [])
        details.append(
            {
                "date": day["date"].isoformat(),
                "countTraces": day["count_traces"],
                "countObservations": sum(row["observations"] for row in found),
                "totalCost": float(sum(row["cost"] or 0 for row in found)),
                "usage": [_usage(row) for row in found if row["model"] is not None],
            }
        )
    return details
