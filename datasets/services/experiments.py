"""Experiments that SDK 5.x sends only as OTLP spans carrying `langfuse.experiment.*` attributes.

Every span of an experiment item's trace carries the experiment's id and name and the item's id (the SDK
propagates them); the item's root span adds the description, expected output and item version. Spans of one
item may arrive in any order and in several requests, so each batch upserts: the run by the experiment id, the
run item by (run, trace, item), each filling in what the batch adds. SDK 4.x posts the run item first and then
sends spans naming the same run: they land on that run item.
"""

import datetime as dt
import hashlib

import orjson
from django.db import IntegrityError, transaction

from datasets.models import Dataset, DatasetItem, DatasetItemVersion, DatasetRun, DatasetRunItem
from observability.extensions import CapturedSpan
from observability.models import Trace

PREFIX = "langfuse.experiment."
ID, NAME, DESCRIPTION, METADATA = (PREFIX + key for key in ("id", "name", "description", "metadata"))
DATASET_ID, ITEM_ID, ITEM_VERSION = PREFIX + "dataset.id", PREFIX + "item.id", PREFIX + "item.version"
EXPECTED_OUTPUT, ITEM_METADATA = PREFIX + "item.expected_output", PREFIX + "item.metadata"
ROOT_OBSERVATION_ID = PREFIX + "item.root_observation_id"
RUN_ITEM_FIELDS = ("observation_id", "expected_output", "item_metadata", "item_version", "start_time", "end_time")


def _decoded(value):
    """An attribute the SDK JSON-encoded, decoded (a value that is not JSON stays as sent)."""
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def _version(value) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class _Item:
    """What the spans of one experiment item (one trace) said, merged; the root span's times win."""

    def __init__(self, experiment_id: str, trace_id: str, item_id: str):
        self.experiment_id, self.trace_id, self.item_id = experiment_id, trace_id, item_id
        self.attributes: dict = {}
        self.start_time = self.end_time = None
        self.has_root = False

    def add(self, span: CapturedSpan) -> None:
        for key, value in span.attributes.items():
            self.attributes.setdefault(key, value)
        if span.parent_span_id is None:
            self.has_root = True
        if span.parent_span_id is None or self.start_time is None:
            self.start_time, self.end_time = span.start_time, span.end_time

    def values(self, item_version) -> dict:
        attributes = self.attributes
        return {
            "observation_id": attributes.get(ROOT_OBSERVATION_ID) or None,
            "expected_output": _decoded(attributes[EXPECTED_OUTPUT]) if EXPECTED_OUTPUT in attributes else None,
            "item_metadata": _decoded(attributes[ITEM_METADATA]) if ITEM_METADATA in attributes else None,
            "item_version": _version(attributes[ITEM_VERSION]) if ITEM_VERSION in attributes else item_version,
            "start_time": self.start_time,
            "end_time": self.end_time,
        }


def _items_of(spans: list[CapturedSpan]) -> dict[tuple, _Item]:
    items: dict[tuple, _Item] = {}
    for span in spans:
        experiment_id, item_id = span.attributes.get(ID), span.attributes.get(ITEM_ID)
        if not isinstance(experiment_id, str) or not experiment_id or not isinstance(item_id, str) or not item_id:
            continue
        key = (experiment_id[:255], span.trace_id, item_id[:255])
        items.setdefault(key, _Item(*key)).add(span)
    return items


def _run_for(*, project, experiment_id: str, attributes: dict, datasets: dict) -> DatasetRun:
    """The experiment's run: by its id, else the dataset's run of that name, else a new one."""
    dataset = datasets.get(attributes.get(DATASET_ID))
    name = str(attributes.get(NAME) or experiment_id)[:1000]
    run = DatasetRun.objects.filter(project=project, id=experiment_id).first()
    if run is None and dataset is not None:
        run = DatasetRun.objects.filter(dataset=dataset, name=name).first()
    if run is None:
        try:
            with transaction.atomic():
                run = DatasetRun.objects.create(
                    project=project,
                    id=experiment_id,
                    dataset=dataset,
                    name=name,
                    description=attributes.get(DESCRIPTION),
                    metadata=_decoded(attributes[METADATA]) if METADATA in attributes else None,
                )
        except IntegrityError:
            run = DatasetRun.objects.get(project=project, id=experiment_id)
        return run
    changes = {}
    if DESCRIPTION in attributes and run.description is None:
        changes["description"] = attributes[DESCRIPTION]
    if METADATA in attributes and run.metadata is None:
        changes["metadata"] = _decoded(attributes[METADATA])
    if changes:
        for field, value in changes.items():
            setattr(run, field, value)
        run.save(update_fields=[*changes, "updated_at"])
    return run


def _item_versions(project, items: list[_Item]) -> dict[str, dt.datetime]:
    """{item id: the version of the dataset item the experiment ran against}, judged by the span's start time."""
    stored = DatasetItem.objects.filter(project=project, id__in={item.item_id for item in items})
    current = {row.id: row for row in stored.only("id", "dataset_id", "version")}
    versions = {}
    for item in items:
        row = current.get(item.item_id)
        if row is None:
            continue
        versions[item.item_id] = row.version
        if item.start_time is not None and row.version > item.start_time:
            older = DatasetItemVersion.objects.filter(
                dataset_id=row.dataset_id, item_id=row.id, valid_from__lte=item.start_time, is_deleted=False
            )
            versions[item.item_id] = older.order_by("-valid_from").values_list("valid_from", flat=True).first() or (
                row.version
            )
    return versions


def _run_item_id(run: DatasetRun, item: _Item) -> str:
    return hashlib.sha256(f"{run.id}\n{item.trace_id}\n{item.item_id}".encode()).hexdigest()[:32]


def _trace_metadata(project, runs: dict[str, DatasetRun], items: list[_Item]) -> None:
    """Add the experiment's name and ids to the metadata of each item's trace, as Langfuse shows them."""
    by_trace = {}
    for item in items:
        run = runs[item.experiment_id]
        by_trace[item.trace_id] = {
            "experiment_id": run.id,
            "experiment_name": run.name,
            "experiment_item_id": item.item_id,
            "dataset_run_id": run.id,
            **({"dataset_id": run.dataset.id, "dataset_item_id": item.item_id} if run.dataset_id else {}),
        }
    changed = []
    for trace in Trace.objects.filter(project=project, id__in=by_trace).only("key", "id", "metadata"):
        metadata = trace.metadata if isinstance(trace.metadata, dict) else {}
        added = {**by_trace[trace.id], **metadata}
        if added != metadata:
            trace.metadata = added
            changed.append(trace)
    Trace.objects.bulk_update(changed, ["metadata"])


def experiment_spans_record(*, project, spans: list[CapturedSpan]) -> None:
    """Turn spans carrying `langfuse.experiment.*` attributes into runs and run items (the OTLP span handler)."""
    items = _items_of(spans)
    if not items:
        return
    first_attributes = {}
    for item in items.values():
        merged = first_attributes.setdefault(item.experiment_id, {})
        for key, value in item.attributes.items():
            merged.setdefault(key, value)
    dataset_ids = {attributes.get(DATASET_ID) for attributes in first_attributes.values()} - {None}
    datasets = {dataset.id: dataset for dataset in Dataset.objects.filter(project=project, id__in=dataset_ids)}
    runs = {
        experiment_id: _run_for(project=project, experiment_id=experiment_id, attributes=attributes, datasets=datasets)
        for experiment_id, attributes in first_attributes.items()
    }
    versions = _item_versions(project, list(items.values()))
    existing = {
        (run_item.run_id, run_item.trace_id, run_item.dataset_item_id): run_item
        for run_item in DatasetRunItem.objects.filter(
            run__in=runs.values(), trace_id__in={item.trace_id for item in items.values()}
        )
    }
    new, changed = [], []
    for item in items.values():
        run = runs[item.experiment_id]
        values = item.values(versions.get(item.item_id))
        run_item = existing.get((run.key, item.trace_id, item.item_id))
        if run_item is None:
            new.append(
                DatasetRunItem(
                    project=project,
                    id=_run_item_id(run, item),
                    run=run,
                    dataset_item_id=item.item_id,
                    trace_id=item.trace_id,
                    **values,
                )
            )
            continue
        filled = {
            field: value for field, value in values.items() if getattr(run_item, field) is None and value is not None
        }
        if item.has_root:
            filled.update(start_time=values["start_time"], end_time=values["end_time"])
        if filled:
            for field, value in filled.items():
                setattr(run_item, field, value)
            changed.append(run_item)
    DatasetRunItem.objects.bulk_create(new, ignore_conflicts=True)
    DatasetRunItem.objects.bulk_update(changed, list(RUN_ITEM_FIELDS))
    _trace_metadata(project, runs, list(items.values()))
