"""Daily metrics (GET /metrics/daily): per UTC day of the trace timestamp, the traces, their observations,
cost, and usage per model (observations that name a model)."""

from datetime import UTC

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate

from observability.models import Observation, Trace


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


def daily_details(*, project, traces: QuerySet, days: list[dict]) -> list[dict]:
    """DailyMetricsDetails of these `days` (rows of `daily_days`) over `traces`."""
    dates = [day["date"] for day in days]
    on_days = traces.annotate(date=TruncDate("timestamp", tzinfo=UTC)).filter(date__in=dates)
    trace_time = Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id")).values("timestamp")[:1]
    rows = (
        Observation.objects.filter(project=project, trace_id__in=on_days.values("id"))
        .annotate(date=TruncDate(Subquery(trace_time), tzinfo=UTC))
        .order_by()
        .values("date", "model")
        .annotate(
            observations=Count("pk"),
            traces=Count("trace_id", distinct=True),
            cost=Sum("total_cost"),
            input=Sum("input_tokens"),
            output=Sum("output_tokens"),
            total=Sum("total_tokens"),
        )
        .order_by("date", "model")
    )
    per_day: dict = {}
    for row in rows:
        per_day.setdefault(row["date"], []).append(row)
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
