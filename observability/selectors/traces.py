"""Project-scoped reads of traces and the aggregates of their observations.

Observations join traces by (project, trace_id); aggregates are computed per page with one
GROUP BY query, or as correlated subqueries where a changelist sorts by them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone

from aistrale.api.json_filter import JsonListContains
from observability.models import Observation, ObservationLevel, Trace, TraceTag, seconds_between

TRACE_ORDER_FIELDS = {
    "id": "id",
    "timestamp": "timestamp",
    "name": "name",
    "userId": "user_id",
    "release": "release",
    "version": "version",
    "public": "public",
    "bookmarked": "bookmarked",
    "sessionId": "session_id",
}


def trace_filter_by_tags(queryset: QuerySet, tags: list[str]) -> QuerySet:
    """Rows whose `tags` hold every one of these tags."""
    for tag in tags:
        queryset = queryset.filter(JsonListContains("tags", tag))
    return queryset


def trace_tag_count(*, project, tags: list[str]) -> int:
    """How many traces of the project hold every one of these tags, off trace_tag's primary key alone."""
    wanted = set(tags)
    rows = TraceTag.objects.filter(project=project, tag__in=wanted)
    if len(wanted) == 1:
        return rows.count()
    return rows.values("trace").annotate(held=Count("tag")).filter(held=len(wanted)).count()


class TracesCountedByTags:
    """Traces filtered by tags and nothing else, for the paginator: rows as `traces` reads them, the count off
    trace_tag (an index-only scan, where counting `traces` visits the heap of every tagged trace)."""

    def __init__(self, traces: QuerySet[Trace], *, project, tags: list[str]):
        self._traces, self._project, self._tags = traces, project, tags

    @staticmethod
    def applies(tags: list[str]) -> bool:
        return bool(tags) and all(len(tag) <= TraceTag.INDEXED_LENGTH for tag in tags)

    def defer(self, *fields: str) -> "TracesCountedByTags":
        return TracesCountedByTags(self._traces.defer(*fields), project=self._project, tags=self._tags)

    def count(self) -> int:
        return trace_tag_count(project=self._project, tags=self._tags)

    def __getitem__(self, window: slice) -> QuerySet[Trace]:
        return self._traces[window]


def trace_list(*, project) -> QuerySet[Trace]:
    return Trace.objects.filter(project=project)


def trace_get(*, project, trace_id: str) -> Trace | None:
    return Trace.objects.filter(project=project, id=trace_id).first()


def trace_order(queryset: QuerySet[Trace], order_by: str | None) -> QuerySet[Trace]:
    """Order by Langfuse's `field.asc|desc` (validated by the caller); newest first by default."""
    if not order_by:
        return queryset.order_by("-timestamp", "-key")
    field, direction = order_by.split(".")
    prefix = "-" if direction == "desc" else ""
    return queryset.order_by(f"{prefix}{TRACE_ORDER_FIELDS[field]}", f"{prefix}key")


@dataclass(frozen=True)
class TraceMetrics:
    start: datetime | None = None
    end: datetime | None = None
    total_cost: Decimal | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    observation_count: int = 0
    error_count: int = 0
    warning_count: int = 0

    @property
    def latency(self) -> float | None:
        return seconds_between(self.start, self.end)


_METRIC_AGGREGATES = {
    "start": Min("start_time"),
    "end": Max(Coalesce("end_time", "start_time")),
    "total_cost": Sum("total_cost"),
    "input_tokens": Coalesce(Sum("input_tokens"), 0),
    "output_tokens": Coalesce(Sum("output_tokens"), 0),
    "total_tokens": Coalesce(Sum("total_tokens"), 0),
    "observation_count": Count("key"),
    "error_count": Count("key", filter=Q(level=ObservationLevel.ERROR)),
    "warning_count": Count("key", filter=Q(level=ObservationLevel.WARNING)),
}


def trace_metrics(*, project, trace_ids: list[str]) -> dict[str, TraceMetrics]:
    """Latency span, cost, token sums and level counts of these traces, in one query."""
    if not trace_ids:
        return {}
    rows = (
        Observation.objects.filter(project=project, trace_id__in=trace_ids)
        .order_by()
        .values("trace_id")
        .annotate(**_METRIC_AGGREGATES)
    )
    return {row.pop("trace_id"): TraceMetrics(**row) for row in rows}


def trace_observation_ids(*, project, trace_ids: list[str]) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    rows = (
        Observation.objects.filter(project=project, trace_id__in=trace_ids)
        .order_by("start_time", "key")
        .values_list("trace_id", "id")
    )
    for trace_id, observation_id in rows:
        ids.setdefault(trace_id, []).append(observation_id)
    return ids


def _trace_observations():
    return Observation.objects.filter(project=OuterRef("project"), trace_id=OuterRef("id")).order_by()


def _per_trace(aggregate, output_field):
    rows = _trace_observations().values("trace_id").annotate(value=aggregate).values("value")
    return Subquery(rows, output_field=output_field)


def trace_annotate_metrics(queryset: QuerySet[Trace]) -> QuerySet[Trace]:
    """Annotate each trace with sortable aggregates of its observations (correlated subqueries)."""
    tokens = IntegerField()
    return queryset.annotate(
        obs_start=_per_trace(Min("start_time"), Trace._meta.get_field("timestamp")),
        obs_end=_per_trace(Max(Coalesce("end_time", "start_time")), Trace._meta.get_field("timestamp")),
        total_cost=_per_trace(Sum("total_cost"), DecimalField(max_digits=24, decimal_places=12)),
        input_tokens=Coalesce(_per_trace(Sum("input_tokens"), tokens), 0),
        output_tokens=Coalesce(_per_trace(Sum("output_tokens"), tokens), 0),
        total_tokens=Coalesce(_per_trace(Sum("total_tokens"), tokens), 0),
        error_count=Coalesce(_per_trace(Count("key", filter=Q(level=ObservationLevel.ERROR)), tokens), 0),
        latency=ExpressionWrapper(F("obs_end") - F("obs_start"), output_field=DurationField()),
    )


_LEVEL_SEVERITY = (ObservationLevel.ERROR, ObservationLevel.WARNING, ObservationLevel.DEFAULT, ObservationLevel.DEBUG)


def trace_alias_level_counts(traces: QuerySet[Trace]) -> QuerySet[Trace]:
    """Alias per trace its count of observations of each level (level_error, ...) and its most severe level."""
    counts = {
        f"level_{level.lower()}": Coalesce(_per_trace(Count("key", filter=Q(level=level)), IntegerField()), 0)
        for level in _LEVEL_SEVERITY
    }
    highest = Case(*(When(**{f"level_{level.lower()}__gt": 0}, then=Value(level.value)) for level in _LEVEL_SEVERITY))
    return traces.alias(**counts).alias(level_highest=highest)


def trace_alias_costs(traces: QuerySet[Trace]) -> QuerySet[Trace]:
    """Alias per trace the sums of its observations' input and output costs (cost_input, cost_output)."""
    return traces.alias(
        **{
            f"cost_{part}": _per_trace(Sum(Cast(KeyTextTransform(part, "cost_details"), FloatField())), FloatField())
            for part in ("input", "output")
        }
    )


def trace_filter_by_level(queryset: QuerySet[Trace], level: str) -> QuerySet[Trace]:
    """Traces holding at least one observation of this level."""
    return queryset.filter(Exists(_trace_observations().filter(level=level)))


def trace_filter_by_model(queryset: QuerySet[Trace], model: str) -> QuerySet[Trace]:
    return queryset.filter(Exists(_trace_observations().filter(model=model)))


def trace_filter_by_prompt(queryset: QuerySet[Trace], *, name: str | None = None, version: int | None = None):
    """Traces holding an observation linked to this prompt (name, version, or both)."""
    match = {key: value for key, value in (("prompt_name", name), ("prompt_version", version)) if value is not None}
    return queryset.filter(Exists(_trace_observations().filter(**match)))


def trace_observation_list(*, trace: Trace) -> list[Observation]:
    return list(
        Observation.objects.filter(project_id=trace.project_id, trace_id=trace.id).order_by("start_time", "key")
    )


def observation_tree(observations: list[Observation]) -> list[tuple[Observation, int]]:
    """Depth-first (observation, depth) pairs; orphans whose parent is missing become roots."""
    ids = {observation.id for observation in observations}
    children: dict[str | None, list[Observation]] = {}
    for observation in observations:
        parent = observation.parent_observation_id if observation.parent_observation_id in ids else None
        children.setdefault(parent, []).append(observation)
    ordered: list[tuple[Observation, int]] = []
    stack = [(root, 0) for root in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        observation, depth = stack.pop()
        if observation.id in seen:
            continue
        seen.add(observation.id)
        ordered.append((observation, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(observation.id, [])))
    ordered.extend((observation, 0) for observation in observations if observation.id not in seen)
    return ordered


def trace_map_by_id(*, project, trace_ids) -> dict[str, Trace]:
    return {trace.id: trace for trace in Trace.objects.filter(project=project, id__in=set(trace_ids) - {None})}


def trace_annotate_previews(queryset: QuerySet[Trace], *, chars: int) -> QuerySet[Trace]:
    """Without the payloads, annotated with `input_preview`/`output_preview`: their first `chars` + 1 characters.

    The cut is a subquery, so only the rows of the page compute it.
    """

    def preview(field: str) -> Subquery:
        cut = Substr(Cast(field, TextField()), 1, chars + 1)
        return Subquery(Trace.objects.filter(key=OuterRef("key")).annotate(cut=cut).values("cut"))

    return queryset.defer("input", "output", "metadata").annotate(
        input_preview=preview("input"), output_preview=preview("output")
    )


def trace_key_find(traces: QuerySet[Trace], *, project_id: str, trace_id: str):
    """The primary key of the project's trace with this id among these traces, or None."""
    return traces.filter(project_id=project_id, id=trace_id).values_list("key", flat=True).first()


_BUCKET_KINDS = ("year", "month", "day")
MAX_PROBED_BUCKETS = 100


def _bucket_start(moment: datetime, kind: str) -> datetime:
    moment = timezone.localtime(moment)
    start = datetime(moment.year, 1 if kind == "year" else moment.month, 1 if kind != "day" else moment.day)
    return timezone.make_aware(start)


def _bucket_next(start: datetime, kind: str) -> datetime:
    if kind == "day":
        following = start.replace(tzinfo=None) + timedelta(days=1)
    elif kind == "month":
        following = start.replace(tzinfo=None, year=start.year + start.month // 12, month=start.month % 12 + 1)
    else:
        following = start.replace(tzinfo=None, year=start.year + 1)
    return timezone.make_aware(following)


def trace_time_buckets(queryset: QuerySet[Trace], *, field: str, kind: str) -> list[datetime]:
    """What `queryset.datetimes(field, kind)` returns (bucket starts in the current time zone that hold rows), found
    by one EXISTS probe per bucket between the first and the last row instead of truncating every row (which reads
    them all); past MAX_PROBED_BUCKETS buckets or at the end of the calendar, by `datetimes` itself."""
    if kind not in _BUCKET_KINDS:
        raise ValueError(f"kind must be one of {_BUCKET_KINDS}, got {kind!r}")
    queryset = queryset.order_by()
    span = queryset.aggregate(first=Min(field), last=Max(field))
    if span["first"] is None:
        return []
    bounds, start, last = [], _bucket_start(span["first"], kind), span["last"]
    while start <= last:
        try:
            following = _bucket_next(start, kind)
        except (OverflowError, ValueError):  # the bucket after year 9999's last
            following = None
        if following is None or len(bounds) == MAX_PROBED_BUCKETS:
            return list(queryset.datetimes(field, kind))
        bounds.append((start, following))
        start = following
    probes = {
        f"bucket_{index}": Exists(queryset.filter(**{f"{field}__gte": begin, f"{field}__lt": end}))
        for index, (begin, end) in enumerate(bounds)
    }
    found = queryset.annotate(**probes).values(*probes)[:1]
    held = found[0] if found else {}
    return [begin for index, (begin, _) in enumerate(bounds) if held.get(f"bucket_{index}")]
