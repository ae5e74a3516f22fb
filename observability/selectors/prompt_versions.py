"""Per prompt version statistics over the generations linked to it."""

import statistics

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, FloatField, Sum
from django.db.models.functions import Coalesce

from aistrale import display
from observability.models import Observation


class _Percentile(Aggregate):
    """percentile_cont over seconds between two timestamps (PostgreSQL only)."""

    template = "percentile_cont(%(fraction)s) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (%(expressions)s)))"
    output_field = FloatField()

    def __init__(self, expression, fraction: float):
        super().__init__(expression, fraction=fraction)


def prompt_version_stats(*, project_id: str, prompt_name: str) -> dict[int, dict]:
    """Per prompt version: generation count, median and p95 latency in seconds, tokens and cost."""
    linked = Observation.objects.filter(
        project_id=project_id, prompt_name=prompt_name, prompt_version__isnull=False
    ).order_by()
    rows = linked.values("prompt_version").annotate(
        generations=Count("key"),
        input_tokens=Coalesce(Sum("input_tokens"), 0),
        output_tokens=Coalesce(Sum("output_tokens"), 0),
        cost=Sum("total_cost"),
    )
    stats = {row.pop("prompt_version"): {**row, "median_latency": None, "p95_latency": None} for row in rows}
    timed = linked.filter(end_time__isnull=False)
    if connection.vendor == "postgresql":
        duration = ExpressionWrapper(F("end_time") - F("start_time"), output_field=DurationField())
        percentiles = timed.values("prompt_version").annotate(
            median_latency=_Percentile(duration, 0.5), p95_latency=_Percentile(duration, 0.95)
        )
        for row in percentiles:
            stats[row["prompt_version"]].update(median_latency=row["median_latency"], p95_latency=row["p95_latency"])
        return stats
    latencies: dict[int, list[float]] = {}
    for version, start, end in timed.values_list("prompt_version", "start_time", "end_time").iterator(chunk_size=2000):
        latencies.setdefault(version, []).append((end - start).total_seconds())
    for version, values in latencies.items():
        stats[version].update(median_latency=statistics.median(values), p95_latency=_percentile(values, 0.95))
    return stats


def _percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def prompt_version_insights(prompt) -> dict[int, dict[str, object]]:
    """The prompt admin's per-version columns: generations, latency percentiles, tokens, cost."""

    return {
        version: {
            "Generations": row["generations"],
            "Median latency": display.duration(row["median_latency"]),
            "p95 latency": display.duration(row["p95_latency"]),
            "Tokens (in/out)": display.tokens_in_out(row["input_tokens"], row["output_tokens"]),
            "Cost": display.money(row["cost"]),
        }
        for version, row in prompt_version_stats(project_id=prompt.project_id, prompt_name=prompt.name).items()
    }
