"""Project-scoped reads of traces, observations and sessions, and their aggregates.

Observations join traces by (project, trace_id); aggregates are computed per page with one
GROUP BY query, or as correlated subqueries where a changelist sorts by them.
"""

import base64
import binascii
import statistics
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import orjson
from django.db import connection
from django.db.models import (
    Aggregate,
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

from aistrale import display
from aistrale.api.json_filter import JsonListContains, datetime_value
from aistrale.errors import DomainError
from aistrale.limits import MAX_COUNT
from observability.models import ModelDefinition, Observation, ObservationLevel, Session, Trace, seconds_between

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


class _Percentile(Aggregate):
    """percentile_cont over seconds between two timestamps (PostgreSQL only)."""

    template = "percentile_cont(%(fraction)s) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (%(expressions)s)))"
    output_field = FloatField()

    def __init__(self, expression, fraction: float):
        super().__init__(expression, fraction=fraction)


def trace_filter_by_tags(queryset: QuerySet, tags: list[str]) -> QuerySet:
    """Rows whose `tags` hold every one of these tags."""
    for tag in tags:
        queryset = queryset.filter(JsonListContains("tags", tag))
    return queryset


# Traces


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


# Observations


def observation_list(*, project) -> QuerySet[Observation]:
    return Observation.objects.filter(project=project)


def observation_get(*, project, observation_id: str) -> Observation | None:
    return Observation.objects.filter(project=project, id=observation_id).first()


def observation_filter_by_user(queryset: QuerySet[Observation], user_id: str) -> QuerySet[Observation]:
    traces = Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id"), user_id=user_id)
    return queryset.filter(Exists(traces))


def observation_filter_by_session(queryset: QuerySet[Observation], session_id: str) -> QuerySet[Observation]:
    traces = Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id"), session_id=session_id)
    return queryset.filter(Exists(traces))


def trace_map_by_id(*, project, trace_ids) -> dict[str, Trace]:
    return {trace.id: trace for trace in Trace.objects.filter(project=project, id__in=set(trace_ids) - {None})}


class InvalidCursor(ValueError):
    pass


def _cursor_encode(observation: Observation) -> str:
    position = {"t": observation.start_time.isoformat(), "k": observation.key}
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode()


def observation_page(queryset: QuerySet[Observation], *, cursor: str | None, limit: int):
    """A page newest first and the cursor of the next page (None on the last page)."""
    queryset = queryset.order_by("-start_time", "-key")
    if cursor:
        try:
            position = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
            start = datetime_value(position["t"], field="cursor")
            key = int(position["k"])
            if not 0 < key <= MAX_COUNT:
                raise ValueError(key)
        except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError, DomainError) as error:
            raise InvalidCursor("cursor: not a cursor returned by this endpoint") from error
        queryset = queryset.filter(Q(start_time__lt=start) | Q(start_time=start, key__lt=key))
    rows = list(queryset[: limit + 1])
    next_cursor = _cursor_encode(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def pricing_tier_default_prices(*, observations) -> dict[str, dict]:
    """The default-tier prices (per usage type) of the price rows these observations were matched to."""
    from observability.models import PricingTier

    model_ids = {o.internal_model_id for o in observations if o.internal_model_id}
    if not model_ids:
        return {}
    tiers = PricingTier.objects.filter(model_id__in=model_ids, is_default=True).values_list("model_id", "prices")
    return {model_id: prices or {} for model_id, prices in tiers}


def prompt_version_ids(*, project, observations) -> dict[tuple[str, int], str]:
    """PromptVersion ids for the (name, version) pairs these observations reference."""
    from prompts.models import PromptVersion

    pairs = {(o.prompt_name, o.prompt_version) for o in observations if o.prompt_name and o.prompt_version}
    if not pairs:
        return {}
    condition = Q()
    for name, version in pairs:
        condition |= Q(prompt__name=name, version=version)
    rows = PromptVersion.objects.filter(condition, project=project).values_list("prompt__name", "version", "id")
    return {(name, version): version_id for name, version, version_id in rows}


# Sessions


def session_list(*, project) -> QuerySet:
    """Sessions as their traces define them: id, first trace time and environment, newest first."""
    return (
        Trace.objects.filter(project=project, session_id__isnull=False)
        .exclude(session_id="")
        .values("session_id")
        .annotate(created_at=Min("timestamp"), session_environment=Min("environment"))
        .order_by("-created_at", "session_id")
    )


def session_trace_list(*, project, session_id: str) -> list[Trace]:
    return list(Trace.objects.filter(project=project, session_id=session_id).order_by("timestamp", "key"))


def session_get(*, project, session_id: str) -> Session | None:
    return Session.objects.filter(project=project, id=session_id).first()


# Users


def user_list(traces: QuerySet[Trace]) -> QuerySet:
    """Per (project, user): trace count and first/last seen, most recently active first."""
    return (
        traces.filter(user_id__isnull=False)
        .exclude(user_id="")
        .order_by()
        .values("project", "project__name", "user_id")
        .annotate(traces=Count("key"), first_seen=Min("timestamp"), last_seen=Max("timestamp"))
        .order_by("-last_seen", "user_id")
    )


def user_usage_stats(rows: list[dict]) -> dict[tuple[str, str], dict]:
    """Token and cost sums over the observations of these (project, user) rows' traces."""
    if not rows:
        return {}
    projects = {row["project"] for row in rows}
    users = {row["user_id"] for row in rows}
    owner = Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id")).values("user_id")[:1]
    their_traces = Trace.objects.filter(project_id__in=projects, user_id__in=users).values("id")
    sums = (
        Observation.objects.filter(project_id__in=projects, trace_id__in=their_traces)
        .annotate(owner=Subquery(owner))
        .order_by()
        .values("project", "owner")
        .annotate(
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            total_tokens=Sum("total_tokens"),
            total_cost=Sum("total_cost"),
        )
    )
    return {(row.pop("project"), row.pop("owner")): row for row in sums}


# Prompt versions


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


# Export


def trace_iter_with_observations(*, project, start=None, end=None, chunk_size: int = 500):
    """Yield (trace, its observations) in time order, holding one chunk of traces in memory at a time."""
    traces = Trace.objects.filter(project=project).order_by("timestamp", "key")
    if start is not None:
        traces = traces.filter(timestamp__gte=start)
    if end is not None:
        traces = traces.filter(timestamp__lt=end)
    chunk: list[Trace] = []
    for trace in traces.iterator(chunk_size=chunk_size):
        chunk.append(trace)
        if len(chunk) == chunk_size:
            yield from _with_observations(project, chunk)
            chunk = []
    yield from _with_observations(project, chunk)


def _with_observations(project, traces: list[Trace]):
    if not traces:
        return
    observations: dict[str, list[Observation]] = {}
    rows = Observation.objects.filter(project=project, trace_id__in=[trace.id for trace in traces])
    for observation in rows.order_by("start_time", "key").iterator(chunk_size=2000):
        observations.setdefault(observation.trace_id, []).append(observation)
    for trace in traces:
        yield trace, observations.get(trace.id, [])


def model_definition_list(*, project) -> QuerySet[ModelDefinition]:
    """The project's own model definitions, then the built-in ones, tiers prefetched."""
    return (
        ModelDefinition.objects.filter(Q(project=project) | Q(project__isnull=True))
        .prefetch_related("pricing_tiers")
        .order_by(F("project_id").asc(nulls_last=True), "model_name", "id")
    )


def model_definition_get(*, project, model_id: str) -> ModelDefinition | None:
    """A model definition the project sees (its own or a built-in one), tiers prefetched."""
    return model_definition_list(project=project).filter(pk=model_id).first()


# The admin's reads


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


def session_annotate_trace_count(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Annotated with `trace_count`, the number of traces of each session (sortable)."""
    traces = (
        Trace.objects.filter(project=OuterRef("project"), session_id=OuterRef("id"))
        .order_by()
        .values("session_id")
        .annotate(count=Count("key"))
        .values("count")
    )
    return queryset.annotate(trace_count=Coalesce(Subquery(traces), 0))


def trace_key_find(traces: QuerySet[Trace], *, project_id: str, trace_id: str):
    """The primary key of the project's trace with this id among these traces, or None."""
    return traces.filter(project_id=project_id, id=trace_id).values_list("key", flat=True).first()
