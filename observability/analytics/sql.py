"""SQL pieces the query engine needs that Django lacks, each written for PostgreSQL and SQLite."""

import math

from django.db.models import Aggregate, FloatField, Func, QuerySet, Value


class PercentileCont:
    """SQLite aggregate `percentile_cont(value, fraction)`, interpolating as PostgreSQL's does."""

    def __init__(self):
        self.values = []
        self.fraction = None

    def step(self, value, fraction):
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return percentile(self.values, self.fraction)


def percentile(values: list[float], fraction: float) -> float | None:
    """The continuous percentile of `values` (linear interpolation between the closest ranks)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Percentile(Aggregate):
    """The exact continuous percentile of an expression: percentile_cont on PostgreSQL, PercentileCont on SQLite."""

    function = "percentile_cont"
    name = "Percentile"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, **extra)
        self.fraction = fraction

    def as_postgresql(self, compiler, connection, **extra_context):
        value_sql, params = compiler.compile(self.source_expressions[0])
        return f"percentile_cont({self.fraction!r}) WITHIN GROUP (ORDER BY ({value_sql})::double precision)", params

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        connection.connection.create_aggregate("percentile_cont", 2, PercentileCont)
        value_sql, params = compiler.compile(self.source_expressions[0])
        return f"percentile_cont({value_sql}, {self.fraction!r})", params


class MillisecondsBetween(Func):
    """`end - start` in milliseconds (a float), NULL when either is NULL."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra_context):
        end, start = (compiler.compile(expression) for expression in self.source_expressions)
        return f"(EXTRACT(EPOCH FROM ({end[0]} - {start[0]})) * 1000.0)", (*end[1], *start[1])

    def as_sqlite(self, compiler, connection, **extra_context):
        end, start = (compiler.compile(expression) for expression in self.source_expressions)
        return f"(django_timestamp_diff({end[0]}, {start[0]}) / 1000.0)", (*end[1], *start[1])


def totals(rows: QuerySet, **aggregates) -> dict:
    """`aggregates` over all `rows` as one row (unlike QuerySet.aggregate, they may read aliases)."""
    return rows.values(everything=Value(1)).annotate(**aggregates)[0]
