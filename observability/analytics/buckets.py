"""Empty time buckets: a query with a time dimension and no other dimension answers every bucket of its
range, as Langfuse does (ClickHouse `WITH FILL`), with 0 for counts and sums of the buckets without rows."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MAX_FILLED = 10_000
ZERO_AGGREGATIONS = ("count", "sum")


def _floor(moment: datetime, granularity: str, time_zone: ZoneInfo) -> datetime:
    local = moment.astimezone(time_zone)
    if granularity == "minute":
        return local.replace(second=0, microsecond=0)
    if granularity == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if granularity == "week":
        day -= timedelta(days=day.weekday())
    elif granularity == "month":
        day = day.replace(day=1)
    return datetime.combine(day, datetime.min.time(), tzinfo=time_zone)


def _next(bucket: datetime, granularity: str, time_zone: ZoneInfo) -> datetime:
    if granularity in ("minute", "hour"):
        return _floor(bucket + timedelta(**{f"{granularity}s": 1}), granularity, time_zone)
    day = bucket.date()
    if granularity == "month":
        following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    else:
        following = day + timedelta(days=7 if granularity == "week" else 1)
    return datetime.combine(following, datetime.min.time(), tzinfo=time_zone)


def bucket_starts(start: datetime, end: datetime, granularity: str, time_zone: ZoneInfo) -> list[datetime] | None:
    """The starts of the buckets holding [start, end]; None when there are more than MAX_FILLED."""
    starts, bucket = [], _floor(start, granularity, time_zone)
    while bucket <= end:
        if len(starts) == MAX_FILLED:
            return None
        starts.append(bucket)
        bucket = _next(bucket, granularity, time_zone)
    return starts


def buckets_fill(parsed, found: list[dict], aliases: dict[str, str]) -> list[dict]:
    """`found` (grouped by the time bucket `t` only) with a row for every empty bucket, in the query's order."""
    starts = bucket_starts(parsed.start, parsed.end, parsed.granularity, parsed.time_zone)
    if starts is None:
        return found
    present = {row["t"] for row in found}
    empty = {}
    for index, metric in enumerate(parsed.metrics):
        if metric.aggregation == "histogram":
            empty[f"h{index}"] = []
        else:
            empty[f"m{index}"] = 0 if metric.aggregation in ZERO_AGGREGATIONS else None
    rows = found + [{"t": start, **empty} for start in starts if start not in present]
    order = parsed.order or [("time_dimension", False)]
    for name, descending in reversed(order):
        alias = aliases[name]
        known = sorted(
            (row for row in rows if row.get(alias) is not None), key=lambda row: row[alias], reverse=descending
        )
        rows = known + [row for row in rows if row.get(alias) is None]
    return rows[: parsed.row_limit]
