"""Histogram metrics: equal-width bins over the range of the filtered rows, counted per group in one query."""

import orjson
from django.db.models import Count, FloatField, IntegerField, Max, Min, QuerySet, Value
from django.db.models.functions import Cast, Floor, Least

from observability.analytics.sql import totals


def _group_key(row: dict, aliases: list[str]) -> bytes:
    return orjson.dumps([row[alias] for alias in aliases], default=str)


def _bins(low: float, high: float, bins: int, counts: list[int]) -> list[list[float]]:
    width = (high - low) / bins
    return [
        [low + index * width, high if index == bins - 1 else low + (index + 1) * width, counts[index]]
        for index in range(bins)
    ]


def histograms_attach(parsed, rows: QuerySet, found: list[dict], group: dict) -> None:
    """Set h<i> on each found row (grouped by `group`) to the histogram of metric i, if that is a histogram."""
    aliases = list(group)
    for index, metric in enumerate(parsed.metrics):
        if metric.aggregation != "histogram":
            continue
        expression = parsed.spec.measures[metric.measure].expression
        value = Cast(expression, FloatField())
        valued = rows.alias(histogram_value=value).filter(histogram_value__isnull=False)
        bounds = totals(valued, low=Min("histogram_value"), high=Max("histogram_value"))
        low, high = bounds["low"], bounds["high"]
        if low is None:
            for row in found:
                row[f"h{index}"] = []
            continue
        width = (high - low) / parsed.bins
        bucket = Value(0) if width == 0 else Least(Floor((value - Value(low)) / Value(width)), Value(parsed.bins - 1))
        counts: dict[bytes, list[int]] = {}
        for row in valued.values(**group, bucket=Cast(bucket, IntegerField())).annotate(count=Count("*")):
            counts.setdefault(_group_key(row, aliases), [0] * parsed.bins)[row["bucket"]] += row["count"]
        for row in found:
            row[f"h{index}"] = _bins(low, high, parsed.bins, counts.get(_group_key(row, aliases), [0] * parsed.bins))
