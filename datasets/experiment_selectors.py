"""Experiment reads (GET /experiments, /experiment-items): runs and run items as Langfuse v4 experiments.

An experiment is a run (with or without a dataset); its items are the run's items, timed by the span that
carried them (or their creation, for run items posted by SDK 4.x), with input, output, level and environment
from their root observation.
"""

import base64
import binascii
import datetime as dt

import orjson
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce

from aistrale.api.json_filter import Column, JsonFilter, Kind, datetime_value
from aistrale.errors import DomainError
from aistrale.limits import MAX_COUNT
from datasets.models import DatasetItemVersion, DatasetRun, DatasetRunItem
from evals.models import Score
from evals.selectors import V3_FIELD_GROUPS, score_v3
from observability.models import Observation, Trace

EXPERIMENT_GROUPS = ("core", "metadata", "scores")
ITEM_GROUPS = ("core", "dataset", "io", "metadata", "itemMetadata", "experimentMetadata", "scores")
EXPERIMENT_FILTER = JsonFilter(
    {
        "id": Column(Kind.STRING, "id"),
        "name": Column(Kind.STRING, "name"),
        "datasetId": Column(Kind.STRING, "dataset__id"),
    }
)
ITEM_FILTER = JsonFilter(
    {
        "experimentId": Column(Kind.STRING, "run__id"),
        "experimentName": Column(Kind.STRING, "run__name"),
        "experimentItemId": Column(Kind.STRING, "dataset_item_id"),
        "datasetId": Column(Kind.STRING, "run__dataset__id"),
    }
)
SCORE_GROUPS = frozenset(V3_FIELD_GROUPS)


def field_groups(raw: str | None, *, allowed: tuple[str, ...], default: str) -> frozenset[str]:
    """The requested field groups (core always); DomainError naming an unknown one."""
    groups = {group.strip() for group in (raw or default).split(",") if group.strip()}
    unknown = sorted(groups - set(allowed))
    if unknown:
        raise DomainError(f"unknown field group {unknown[0]!r}; one of {', '.join(allowed)}", field="fields")
    return frozenset(groups | {"core"})


def _cursor(at: dt.datetime, key: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"v": 1, "t": at.isoformat(), "k": key})).decode().rstrip("=")


def _position(cursor: str) -> tuple[dt.datetime, int]:
    try:
        position = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if position.get("v") != 1:
            raise ValueError(position)
        at, key = datetime_value(position["t"], field="cursor"), int(position["k"])
        if not 0 < key <= MAX_COUNT:
            raise ValueError(key)
    except (binascii.Error, orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError, DomainError):
        raise DomainError("not a cursor returned by this endpoint", field="cursor") from None
    return at, key


def _page(queryset: QuerySet, *, time: str, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Rows by `time` then key, newest first, after the cursor; the next page's cursor (None on the last)."""
    queryset = queryset.order_by(F(time).desc(), "-key")
    if cursor:
        at, key = _position(cursor)
        queryset = queryset.filter(Q(**{f"{time}__lt": at}) | Q(**{time: at, "key__lt": key}))
    rows = list(queryset[: limit + 1])
    last = rows[limit - 1] if len(rows) > limit else None
    return rows[:limit], _cursor(getattr(last, time), last.key) if last is not None else None


def _time_range(prefix: str, from_time, to_time) -> tuple[Q, Coalesce]:
    """The condition on an item's time (its span's start, else its creation) being in range, and that time."""
    condition = Q()
    item_time = Coalesce(f"{prefix}start_time", f"{prefix}created_at")
    if from_time is not None:
        condition &= Q(**{f"{prefix}start_time__gte": from_time}) | Q(
            **{f"{prefix}start_time__isnull": True, f"{prefix}created_at__gte": from_time}
        )
    if to_time is not None:
        condition &= Q(**{f"{prefix}start_time__lt": to_time}) | Q(
            **{f"{prefix}start_time__isnull": True, f"{prefix}created_at__lt": to_time}
        )
    return condition, item_time


def experiment_page(
    *, project, ids=(), names=(), dataset_ids=(), filter_raw=None, from_time=None, to_time=None, cursor=None, limit=50
) -> tuple[list[DatasetRun], str | None]:
    """The project's experiments by latest activity, newest first, each with its item count and times in range."""
    condition, item_time = _time_range("run_items__", from_time, to_time)
    runs = DatasetRun.objects.filter(project=project).select_related("dataset")
    for values, path in ((ids, "id__in"), (names, "name__in"), (dataset_ids, "dataset__id__in")):
        if values:
            runs = runs.filter(**{path: values})
    if filter_raw:
        runs = EXPERIMENT_FILTER.filtered(runs, filter_raw)
    runs = runs.annotate(
        item_count=Count("run_items", filter=condition),
        first_time=Min(item_time, filter=condition),
        last_time=Max(Coalesce("run_items__end_time", item_time), filter=condition),
        activity=Coalesce(Max("run_items__created_at"), "created_at"),
    )
    if from_time is not None or to_time is not None:
        runs = runs.filter(item_count__gt=0)
    return _page(runs, time="activity", cursor=cursor, limit=limit)


def _scores_by(field: str, values, *, project, limit: int) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    rows = Score.objects.filter(project=project, **{f"{field}__in": values}).order_by("-timestamp", "-key")
    for score in rows:
        scores = grouped.setdefault(getattr(score, field), [])
        if len(scores) < limit:
            scores.append(score_v3(score, project_id=project.id, groups=SCORE_GROUPS))
    return grouped


def _dict_or_none(value):
    return value if isinstance(value, dict) else None


def experiment_public(run: DatasetRun, *, groups: frozenset[str], scores: dict[str, list[dict]]) -> dict:
    """A run (from experiment_page) as Experiment in the spec; fields of groups not requested read null."""
    body = {
        "id": run.id,
        "name": run.name,
        "description": run.description,
        "startTime": run.first_time or run.created_at,
        "endTime": run.last_time or run.first_time or run.created_at,
        "itemCount": run.item_count,
        "datasetId": run.dataset.id if run.dataset else None,
    }
    body["metadata"] = _dict_or_none(run.metadata) if "metadata" in groups else None
    body["scores"] = scores.get(run.id, []) if "scores" in groups else None
    return body


def experiments_public(runs: list[DatasetRun], *, project, groups: frozenset[str], score_limit: int) -> list[dict]:
    scores = (
        _scores_by("dataset_run_id", [run.id for run in runs], project=project, limit=score_limit)
        if "scores" in groups
        else {}
    )
    return [experiment_public(run, groups=groups, scores=scores) for run in runs]


def experiment_item_page(
    *,
    project,
    experiment_ids=(),
    experiment_names=(),
    item_ids=(),
    dataset_ids=(),
    filter_raw=None,
    from_time=None,
    to_time=None,
    cursor=None,
    limit=50,
) -> tuple[list[DatasetRunItem], str | None]:
    """The project's experiment items, latest start first."""
    condition, item_time = _time_range("", from_time, to_time)
    items = DatasetRunItem.objects.filter(project=project).filter(condition).select_related("run__dataset")
    for values, path in (
        (experiment_ids, "run__id__in"),
        (experiment_names, "run__name__in"),
        (item_ids, "dataset_item_id__in"),
        (dataset_ids, "run__dataset__id__in"),
    ):
        if values:
            items = items.filter(**{path: values})
    if filter_raw:
        items = ITEM_FILTER.filtered(items, filter_raw)
    return _page(items.annotate(item_time=item_time), time="item_time", cursor=cursor, limit=limit)


def experiment_items_public(
    run_items: list[DatasetRunItem], *, project, groups: frozenset[str], score_limit: int
) -> list[dict]:
    """Run items (from experiment_item_page) as ExperimentItem in the spec, their related rows read per page.

    Fields of groups not requested read null.
    """
    observations = {
        row.id: row
        for row in Observation.objects.filter(
            project=project, id__in={item.observation_id for item in run_items if item.observation_id}
        ).only("id", "level", "environment", "input", "output", "metadata")
    }
    traces = {
        row.id: row
        for row in Trace.objects.filter(project=project, id__in={item.trace_id for item in run_items}).only(
            "id", "environment", "input", "output", "metadata"
        )
    }
    states = {}
    if {"io", "itemMetadata"} & groups:
        versions = DatasetItemVersion.objects.filter(
            project=project,
            item_id__in={item.dataset_item_id for item in run_items if item.item_version},
            valid_from__in={item.item_version for item in run_items if item.item_version},
        ).only("item_id", "valid_from", "expected_output", "metadata")
        states = {(row.item_id, row.valid_from): row for row in versions}
    scores = (
        _scores_by("trace_id", [item.trace_id for item in run_items], project=project, limit=score_limit)
        if "scores" in groups
        else {}
    )
    data = []
    for item in run_items:
        observation = observations.get(item.observation_id)
        trace = traces.get(item.trace_id)
        source = observation or trace
        state = states.get((item.dataset_item_id, item.item_version))
        body = {
            "id": item.id,
            "traceId": item.trace_id,
            "startTime": item.item_time,
            "endTime": item.end_time,
            "level": observation.level if observation else "DEFAULT",
            "environment": (observation or trace).environment if source else "default",
            "experimentId": item.run.id,
            "experimentName": item.run.name,
            "experimentItemId": item.dataset_item_id,
        }
        dataset, io = "dataset" in groups, "io" in groups
        item_metadata = item.item_metadata if item.item_metadata is not None or state is None else state.metadata
        expected = item.expected_output if item.expected_output is not None or state is None else state.expected_output
        body |= {
            "experimentDatasetId": item.run.dataset.id if dataset and item.run.dataset else None,
            "experimentItemVersion": item.item_version if dataset else None,
            "input": source.input if io and source else None,
            "output": source.output if io and source else None,
            "expectedOutput": expected if io else None,
            "metadata": _dict_or_none(source.metadata) if "metadata" in groups and source else None,
            "experimentItemMetadata": _dict_or_none(item_metadata) if "itemMetadata" in groups else None,
            "experimentMetadata": _dict_or_none(item.run.metadata) if "experimentMetadata" in groups else None,
            "experimentDescription": item.run.description if "experimentMetadata" in groups else None,
            "scores": scores.get(item.trace_id, []) if "scores" in groups else None,
        }
        data.append(body)
    return data
