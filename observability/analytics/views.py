"""The registry of metrics views: what each view's rows are, and the dimensions, measures and filters it offers.

A view is registered once, by the app that owns its table: observability registers `traces` and
`observations`, evals the score views. A higher app adds a measure or dimension to a lower app's view with
`extend_view` (evals adds `scoresCount` to traces). Wire names (camelCase) are the keys of every table.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Expression, QuerySet

from aistrale.api.json_filter import Column
from aistrale.errors import DomainError

Prepare = Callable[[QuerySet], QuerySet]


@dataclass(frozen=True)
class Dimension:
    """A field rows are grouped by: its ORM path or expression, and how its database value reads on the wire.

    `high_cardinality` dimensions are refused as groupings by the v2 endpoint (Langfuse does the same).
    """

    expression: str | Expression
    present: Callable | None = None
    high_cardinality: bool = False
    prepare: Prepare | None = None


@dataclass(frozen=True)
class Measure:
    """A per-row number the aggregations apply to, or (`fixed`) an aggregate that is the same whatever is asked.

    `integer` measures (tokens, counts) sum, min and max to integers. A rollup view's measures give the
    aggregate of each aggregation it can answer (`by_aggregation`); the others are answered from raw rows.
    """

    expression: str | Expression | None = None
    fixed: Expression | None = None
    prepare: Prepare | None = None
    integer: bool = False
    by_aggregation: dict[str, Expression] | None = None


@dataclass
class ViewSpec:
    """One view: `rows(project)` gives its project's rows, `time_column` what the time range and buckets use.

    `rollup(query, project)` gives an equivalent query on a rollup view when one can answer it, else None.
    """

    rows: Callable[..., QuerySet]
    time_column: str
    dimensions: dict[str, Dimension]
    measures: dict[str, Measure]
    filters: dict[str, Column]
    v2: bool = True
    rollup: Callable | None = None


_VIEWS: dict[str, ViewSpec] = {}


def register_view(name: str, spec: ViewSpec) -> None:
    _VIEWS[name] = spec


def extend_view(name: str, *, dimensions=None, measures=None, filters=None) -> None:
    """Add dimensions, measures or filter columns to a registered view."""
    spec = _VIEWS[name]
    spec.dimensions.update(dimensions or {})
    spec.measures.update(measures or {})
    spec.filters.update(filters or {})


def view_names(*, v2: bool = False) -> list[str]:
    return [name for name, spec in _VIEWS.items() if spec.v2 or not v2]


def view_get(name, *, v2: bool = False) -> ViewSpec:
    """The registered view of this name; a DomainError naming `view` if there is none (on this API version)."""
    spec = _VIEWS.get(name) if isinstance(name, str) else None
    if spec is None or (v2 and not spec.v2):
        raise DomainError(f"must be one of {', '.join(view_names(v2=v2))}, got {name!r}", field="view")
    return spec
