"""The Langfuse metrics query object: validated into a `Query`, then run as one grouped SQL query.

`metrics_query(project=..., query=...)` takes the decoded `query` parameter with its wire keys and returns
the rows of the response's `data`: each dimension under its field name, the time bucket under
`time_dimension` (its start, ISO 8601), each metric under `<measure>_<aggregation>`. The time range is
inclusive at both ends, as in Langfuse. Buckets are cut in UTC, or in `timeDimension.timeZone` (an IANA
name, an AISTRALE addition) so that days follow the user's clock across DST changes. Histograms come back
as `[lower, upper, count]` triples over equal-width bins spanning the filtered rows' range.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from django.db.models import Avg, BigIntegerField, Count, F, FloatField, Max, Min, QuerySet, Sum
from django.db.models.functions import Cast, Trunc

from aistrale.api.json_filter import Condition, JsonFilter, Search, datetime_value
from aistrale.errors import DomainError
from observability.analytics.buckets import buckets_fill
from observability.analytics.histogram import histograms_attach
from observability.analytics.sql import Percentile, totals
from observability.analytics.views import Measure, ViewSpec, view_get

PERCENTILES = {"p50": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99}
AGGREGATIONS = ("count", "sum", "avg", "min", "max", *PERCENTILES, "histogram")
GRANULARITIES = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
}
AUTO_BUCKETS = 50
ROW_LIMIT, MAX_ROW_LIMIT = 100, 1000
BINS, MAX_BINS = 10, 100
TIME_DIMENSION = "time_dimension"


@dataclass(frozen=True)
class Metric:
    measure: str
    aggregation: str

    @property
    def alias(self) -> str:
        return f"{self.measure}_{self.aggregation}"


@dataclass(frozen=True)
class Query:
    spec: ViewSpec
    dimensions: list[str]
    metrics: list[Metric]
    conditions: list[Condition]
    granularity: str | None
    time_zone: ZoneInfo
    start: datetime
    end: datetime
    order: list[tuple[str, bool]]
    row_limit: int
    bins: int


def _objects(query: dict, key: str, *, required: bool = False) -> list[dict]:
    items = query.get(key)
    if items is None and not required:
        return []
    if not isinstance(items, list) or (required and not items):
        raise DomainError("must be a non-empty array" if required else "must be an array", field=key)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise DomainError("must be an object", field=f"{key}[{index}]")
    return items


def _choice(value, choices, field: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise DomainError(f"must be one of {', '.join(choices)}, got {value!r}", field=field)
    return value


def _dimensions(query: dict, spec: ViewSpec, v2: bool) -> list[str]:
    names = []
    for index, item in enumerate(_objects(query, "dimensions")):
        where = f"dimensions[{index}].field"
        name = _choice(item.get("field"), spec.dimensions, where)
        if v2 and spec.dimensions[name].high_cardinality:
            raise DomainError(f"{name} is a high-cardinality dimension; filter on it instead", field=where)
        if name not in names:
            names.append(name)
    return names


def _metrics(query: dict, spec: ViewSpec) -> list[Metric]:
    metrics = []
    for index, item in enumerate(_objects(query, "metrics", required=True)):
        measure = _choice(item.get("measure"), spec.measures, f"metrics[{index}].measure")
        aggregation = _choice(item.get("aggregation"), AGGREGATIONS, f"metrics[{index}].aggregation")
        if aggregation == "histogram" and spec.measures[measure].fixed is not None:
            raise DomainError(f"histogram does not apply to {measure}", field=f"metrics[{index}].aggregation")
        if Metric(measure, aggregation) not in metrics:
            metrics.append(Metric(measure, aggregation))
    return metrics


def _conditions(query: dict, spec: ViewSpec) -> list[Condition]:
    items = _objects(query, "filters")
    try:
        return [Condition(item, index, spec.filters, Search.LITERAL) for index, item in enumerate(items)]
    except DomainError as error:
        error.field = "filters" + (error.field or "")[len("filter") :]
        raise


def _time_dimension(query: dict) -> tuple[str | None, ZoneInfo]:
    time_dimension = query.get("timeDimension")
    if time_dimension is None:
        return None, ZoneInfo("UTC")
    if not isinstance(time_dimension, dict):
        raise DomainError("must be an object with a granularity", field="timeDimension")
    granularity = _choice(time_dimension.get("granularity"), ("auto", *GRANULARITIES), "timeDimension.granularity")
    name = time_dimension.get("timeZone") or "UTC"
    try:
        return granularity, ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise DomainError(f"must be an IANA time zone name, got {name!r}", field="timeDimension.timeZone") from None


def _timestamp(query: dict, key: str) -> datetime:
    raw = query.get(key)
    if not isinstance(raw, str):
        raise DomainError("is required: an ISO 8601 datetime", field=key)
    return datetime_value(raw, field=key).astimezone(UTC)


def _order(query: dict, names: list[str]) -> list[tuple[str, bool]]:
    order = []
    for index, item in enumerate(_objects(query, "orderBy")):
        name = _choice(item.get("field"), names, f"orderBy[{index}].field")
        direction = item.get("direction", "asc")
        direction = _choice(
            direction.lower() if isinstance(direction, str) else direction,
            ("asc", "desc"),
            f"orderBy[{index}].direction",
        )
        order.append((name, direction == "desc"))
    return order


def _bounded(config: dict, key: str, default: int, maximum: int) -> int:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise DomainError(f"{key} must be an integer from 1 to {maximum}, got {value!r}", field="config")
    return value


def query_parse(query, *, v2: bool = False) -> Query:
    """The validated query; a DomainError naming the first bad part (`metrics[0].measure`, `fromTimestamp`, ...)."""
    if not isinstance(query, dict):
        raise DomainError("must be a JSON object", field="query")
    spec = view_get(query.get("view"), v2=v2)
    dimensions = _dimensions(query, spec, v2)
    metrics = _metrics(query, spec)
    granularity, time_zone = _time_dimension(query)
    start, end = _timestamp(query, "fromTimestamp"), _timestamp(query, "toTimestamp")
    if end <= start:
        raise DomainError("must be after fromTimestamp", field="toTimestamp")
    orderable = [*dimensions, *(m.alias for m in metrics if m.aggregation != "histogram")]
    config = query.get("config") or {}
    if not isinstance(config, dict):
        raise DomainError("must be an object", field="config")
    return Query(
        spec=spec,
        dimensions=dimensions,
        metrics=metrics,
        conditions=_conditions(query, spec),
        granularity=_granularity(granularity, end - start),
        time_zone=time_zone,
        start=start,
        end=end,
        order=_order(query, [*orderable, TIME_DIMENSION] if granularity else orderable),
        row_limit=_bounded(config, "row_limit", ROW_LIMIT, MAX_ROW_LIMIT),
        bins=_bounded(config, "bins", BINS, MAX_BINS),
    )


def _granularity(granularity: str | None, span: timedelta) -> str | None:
    """`auto` becomes the granularity whose bucket count over the range is closest to 50."""
    if granularity != "auto":
        return granularity
    return min(GRANULARITIES, key=lambda name: abs(math.log(max(span / GRANULARITIES[name], 1) / AUTO_BUCKETS)))


def aggregate_expression(measure: Measure, aggregation: str):
    """The SQL aggregate computing `aggregation` of `measure` over a group's rows."""
    if measure.by_aggregation is not None:
        return measure.by_aggregation[aggregation]
    if measure.fixed is not None:
        return measure.fixed
    if measure.integer and aggregation in ("sum", "min", "max"):
        aggregate = {"sum": Sum, "min": Min, "max": Max}[aggregation](measure.expression)
        return Cast(aggregate, BigIntegerField())
    value = Cast(measure.expression, FloatField()) if isinstance(measure.expression, str) else measure.expression
    if aggregation == "count":
        return Count(value)
    if aggregation in PERCENTILES:
        return Percentile(value, PERCENTILES[aggregation])
    return {"sum": Sum, "avg": Avg, "min": Min, "max": Max}[aggregation](value, output_field=FloatField())


def _prepared(parsed: Query, project) -> QuerySet:
    spec = parsed.spec
    rows = spec.rows(project).filter(
        **{f"{spec.time_column}__gte": parsed.start, f"{spec.time_column}__lte": parsed.end}
    )
    rows = JsonFilter(spec.filters).apply(rows, parsed.conditions)
    used = [spec.dimensions[name] for name in parsed.dimensions] + [spec.measures[m.measure] for m in parsed.metrics]
    preparations = []
    for part in used:
        if part.prepare is not None and part.prepare not in preparations:
            preparations.append(part.prepare)
    for prepare in preparations:
        rows = prepare(rows)
    return rows.order_by()


def grouping(parsed: Query) -> dict:
    """The GROUP BY expressions under internal aliases: d0, d1, ... and `t` for the time bucket."""
    group = {
        f"d{index}": F(name) if isinstance(name, str) else name
        for index, name in enumerate(parsed.spec.dimensions[field].expression for field in parsed.dimensions)
    }
    if parsed.granularity:
        group["t"] = Trunc(parsed.spec.time_column, parsed.granularity, tzinfo=parsed.time_zone)
    return group


def _ordering(parsed: Query, aliases: dict[str, str]) -> list:
    order = parsed.order or [
        (name, False) for name in ([TIME_DIMENSION] if parsed.granularity else []) + parsed.dimensions
    ]
    return [
        F(aliases[name]).desc(nulls_last=True) if descending else F(aliases[name]).asc(nulls_last=True)
        for name, descending in order
    ]


def _wire(value):
    return float(value) if isinstance(value, Decimal) else value


def _time_wire(value: datetime, time_zone: ZoneInfo) -> str:
    local = value.astimezone(time_zone)
    if local.utcoffset() == timedelta(0):
        return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}Z"
    return local.isoformat(timespec="milliseconds")


def query_run(parsed: Query, *, project, fill_empty: bool = True) -> list[dict]:
    """The response rows of a validated query on this project's data (empty time buckets filled unless asked not to)."""
    rows = _prepared(parsed, project)
    group = grouping(parsed)
    aggregates = {"n": Count("*")}
    aliases = {name: f"d{index}" for index, name in enumerate(parsed.dimensions)} | {TIME_DIMENSION: "t"}
    for index, metric in enumerate(parsed.metrics):
        if metric.aggregation != "histogram":
            aggregates[f"m{index}"] = aggregate_expression(parsed.spec.measures[metric.measure], metric.aggregation)
            aliases[metric.alias] = f"m{index}"
    if group:
        found = list(
            rows.values(**group).annotate(**aggregates).order_by(*_ordering(parsed, aliases))[: parsed.row_limit]
        )
    else:
        found = [totals(rows, **aggregates)]
    histograms_attach(parsed, rows, found, group)
    if fill_empty and parsed.granularity and not parsed.dimensions:
        found = buckets_fill(parsed, found, aliases)
    return [_present(parsed, row) for row in found]


def _present(parsed: Query, row: dict) -> dict:
    body = {}
    for index, name in enumerate(parsed.dimensions):
        present = parsed.spec.dimensions[name].present
        body[name] = present(row[f"d{index}"]) if present else _wire(row[f"d{index}"])
    if parsed.granularity:
        body[TIME_DIMENSION] = _time_wire(row["t"], parsed.time_zone)
    for index, metric in enumerate(parsed.metrics):
        body[metric.alias] = _wire(row.get(f"m{index}", row.get(f"h{index}")))
    return body


def metrics_query(*, project, query: dict, v2: bool = False, fill_empty: bool = True) -> list[dict]:
    """Run one Langfuse metrics query object on this project; a DomainError names the bad part of an invalid one.

    The view's rollup answers it when it gives the raw answer; raw rows do otherwise."""
    parsed = query_parse(query, v2=v2)
    rolled = parsed.spec.rollup(parsed, project) if parsed.spec.rollup else None
    return query_run(rolled or parsed, project=project, fill_empty=fill_empty)


def query_decode(raw: str | None) -> dict:
    """The `query` parameter decoded; a DomainError naming `query` if it is missing or not a JSON object."""
    if not raw:
        raise DomainError("is required: the JSON query object", field="query")
    try:
        query = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise DomainError(f"must be a JSON object: {error}", field="query") from None
    if not isinstance(query, dict):
        raise DomainError("must be a JSON object", field="query")
    return query
