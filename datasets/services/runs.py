"""Dataset run writes: the run upsert on (dataset, name), run items linking an item (as of a version) to a trace."""

import datetime as dt
import hashlib
import json
import uuid

from django.db import IntegrityError, transaction

from aistrale.errors import DomainError
from aistrale.limits import column_length, json_depth_check, text_check, timestamp_check
from aistrale.tenancy.services import audit_record
from datasets.models import Dataset, DatasetItem, DatasetItemVersion, DatasetRun, DatasetRunItem
from datasets.services.datasets import UNSET
from observability.models import Observation


def experiment_id_for(*, project_id: str, dataset_id: str, run_name: str) -> str:
    """Langfuse's stable id of a dataset's run of that name, which SDK 5.x computes too (sha256, 16 hex digits)."""
    payload = json.dumps(
        ["langfuse-experiment-v1", project_id, dataset_id, run_name], separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _run_fields_check(*, name: str, description, metadata) -> None:
    text_check(name, field="run_name", max_length=column_length(DatasetRun, "name"))
    if not name.strip():
        raise DomainError("must be a non-empty string", field="run_name")
    if description is not None and description is not UNSET:
        text_check(description, field="run_description")
    if metadata is not UNSET:
        json_depth_check(metadata, field="metadata")


def run_upsert(
    *,
    dataset: Dataset,
    name: str,
    run_id: str | None = None,
    description: str | None = UNSET,
    metadata=UNSET,
) -> DatasetRun:
    """The dataset's run of that name, created when missing; given description and metadata replace the stored."""
    _run_fields_check(name=name, description=description, metadata=metadata)
    if run_id is not None:
        text_check(run_id, field="run_id", max_length=column_length(DatasetRun, "id"))
    try:
        return _run_upsert(dataset=dataset, name=name, run_id=run_id, description=description, metadata=metadata)
    except IntegrityError:
        # A concurrent request created the run first: update that one.
        return _run_upsert(dataset=dataset, name=name, run_id=run_id, description=description, metadata=metadata)


@transaction.atomic
def _run_upsert(*, dataset, name, run_id, description, metadata) -> DatasetRun:
    run = DatasetRun.objects.select_for_update().filter(dataset=dataset, name=name).first()
    if run is None:
        run = DatasetRun.objects.create(
            project_id=dataset.project_id,
            dataset=dataset,
            id=run_id or experiment_id_for(project_id=dataset.project_id, dataset_id=dataset.id, run_name=name),
            name=name,
            description=None if description is UNSET else description,
            metadata=None if metadata is UNSET else metadata,
        )
        return run
    changes = {
        field: value
        for field, value in (("description", description), ("metadata", metadata))
        if value is not UNSET and getattr(run, field) != value
    }
    if changes:
        for field, value in changes.items():
            setattr(run, field, value)
        run.save(update_fields=[*changes, "updated_at"])
    return run


def _trace_of(*, project, trace_id: str | None, observation_id: str | None) -> str:
    """The run item's trace: as given, or that of its observation (older SDKs send only the observation)."""
    if trace_id:
        text_check(trace_id, field="trace_id", max_length=column_length(DatasetRunItem, "trace_id"))
        return trace_id
    if observation_id:
        found = Observation.objects.filter(project=project, id=observation_id).values_list("trace_id", flat=True)
        if found and found[0]:
            return found[0]
        raise DomainError(f"is required: no observation {observation_id!r} to take the trace from", field="trace_id")
    raise DomainError("is required", field="trace_id")


def _item_version_at(item: DatasetItem, version: dt.datetime | None) -> dt.datetime:
    """The version of the item a run used: its state as of `version`, or its current one."""
    if version is None:
        return item.version
    state = (
        DatasetItemVersion.objects.filter(dataset_id=item.dataset_id, item_id=item.id, valid_from__lte=version)
        .order_by("-valid_from")
        .values_list("valid_from", "is_deleted")
        .first()
    )
    if state is None or state[1]:
        raise DomainError(f"item {item.id!r} did not exist at {version.isoformat()}", field="dataset_version")
    return state[0]


@transaction.atomic
def run_item_create(
    *,
    project,
    run_name: str,
    dataset_item_id: str,
    trace_id: str | None = None,
    observation_id: str | None = None,
    run_description: str | None = UNSET,
    metadata=UNSET,
    dataset_version: dt.datetime | None = None,
    created_at: dt.datetime | None = None,
) -> DatasetRunItem:
    """Record that run `run_name` (created when missing) ran this item, producing this trace (and observation).

    Idempotent: the same run, item, trace and observation give back the stored run item.
    """
    item = DatasetItem.objects.filter(project=project, id=dataset_item_id).select_related("dataset").first()
    if item is None:
        raise DomainError(f"no dataset item {dataset_item_id!r} in this project", field="dataset_item_id", status=404)
    if observation_id is not None:
        text_check(observation_id, field="observation_id", max_length=column_length(DatasetRunItem, "observation_id"))
    trace_id = _trace_of(project=project, trace_id=trace_id, observation_id=observation_id)
    if dataset_version is not None:
        dataset_version = timestamp_check(dataset_version, field="dataset_version")
    if created_at is not None:
        created_at = timestamp_check(created_at, field="created_at")
    item_version = _item_version_at(item, dataset_version)
    run = run_upsert(dataset=item.dataset, name=run_name, description=run_description, metadata=metadata)
    existing = DatasetRunItem.objects.filter(
        run=run, dataset_item_id=item.id, trace_id=trace_id, observation_id=observation_id
    ).first()
    if existing is not None:
        return existing
    run_item = DatasetRunItem.objects.create(
        project=project,
        id=str(uuid.uuid4()),
        run=run,
        dataset_item_id=item.id,
        item_version=item_version,
        trace_id=trace_id,
        observation_id=observation_id,
    )
    if created_at is not None:
        DatasetRunItem.objects.filter(key=run_item.key).update(created_at=created_at)
        run_item.created_at = created_at
    return run_item


@transaction.atomic
def run_delete(*, run: DatasetRun) -> None:
    """Delete the run and its run items."""
    audit_record(
        action="dataset_run.deleted",
        object_type="DatasetRun",
        object_id=run.id,
        project=run.project,
        before={"name": run.name, "datasetId": run.dataset.id},
    )
    run.delete()
