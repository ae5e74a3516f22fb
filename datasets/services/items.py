"""Dataset item writes: the upsert on the client's id, bulk creation, deletion; each write adds a version row.

An item's `version` is when its current state began; a write that changes nothing adds no version, so a client
that retries an upsert does not move the dataset's version.
"""

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from aistrale.errors import DomainError
from aistrale.limits import column_length, json_depth_check, text_check
from aistrale.tenancy.services import audit_record
from datasets.models import Dataset, DatasetItem, DatasetRunItem, DatasetStatus
from datasets.services.datasets import UNSET
from datasets.services.item_rows import items_insert
from datasets.validation import item_check
from datasets.versions import item_version

FIELDS = ("input", "expected_output", "metadata", "source_trace_id", "source_observation_id", "status")
ONE_MICROSECOND = dt.timedelta(microseconds=1)
STATUSES = frozenset(DatasetStatus.values)


def _values_check(values: dict) -> None:
    for field in ("input", "expected_output", "metadata"):
        if field in values:
            json_depth_check(values[field], field=field)
    for field in ("source_trace_id", "source_observation_id"):
        if values.get(field) is not None:
            text_check(values[field], field=field, max_length=column_length(DatasetItem, field))
    if "status" in values and values["status"] not in STATUSES:
        raise DomainError(f"must be one of {DatasetStatus.values}, got {values['status']!r}", field="status")


def _id_check(item_id: str) -> str:
    text_check(item_id, field="id", max_length=column_length(DatasetItem, "id"))
    if not item_id.strip():
        raise DomainError("must be a non-empty string", field="id")
    return item_id


def _next_version(previous: dt.datetime | None) -> dt.datetime:
    """Now, or just after the previous version when the clock has not moved past it (versions strictly grow)."""
    now = timezone.now()
    return now if previous is None or now > previous else previous + ONE_MICROSECOND


def item_build(
    *,
    dataset: Dataset,
    item_id: str | None = None,
    input=None,
    expected_output=None,
    metadata=None,
    source_trace_id: str | None = None,
    source_observation_id: str | None = None,
    status: str = DatasetStatus.ACTIVE,
) -> DatasetItem:
    """An unsaved new item of the dataset once its limits and the dataset's schemas hold (for bulk creation)."""
    values = {
        "input": input,
        "expected_output": expected_output,
        "metadata": metadata,
        "source_trace_id": source_trace_id,
        "source_observation_id": source_observation_id,
        "status": status,
    }
    _values_check(values)
    item_check(dataset, input=input, expected_output=expected_output)
    return DatasetItem(
        project_id=dataset.project_id,
        dataset=dataset,
        id=_id_check(item_id) if item_id is not None else str(uuid.uuid4()),
        **values,
    )


@transaction.atomic
def item_create_many(*, dataset: Dataset, items: list[DatasetItem]) -> list[DatasetItem]:
    """Insert new items (from item_build) and their first versions, all or none; refuses ids already taken."""
    ids = set()
    for item in items:
        if item.id in ids:
            raise DomainError(f"item id {item.id!r} appears twice", field="id")
        ids.add(item.id)
    taken = DatasetItem.objects.filter(project_id=dataset.project_id, id__in=ids).values_list("id", flat=True)[:1]
    if taken:
        raise DomainError(f"an item with id {taken[0]!r} already exists in this project", field="id", status=409)
    items_insert(dataset=dataset, items=items, now=timezone.now())
    return items


def item_upsert(
    *,
    dataset: Dataset,
    item_id: str | None = None,
    input=UNSET,
    expected_output=UNSET,
    metadata=UNSET,
    source_trace_id: str | None = UNSET,
    source_observation_id: str | None = UNSET,
    status: str = UNSET,
) -> DatasetItem:
    """Create the item, or change the given fields of the item with that id; a change adds a version row.

    Fields left UNSET keep their value (a new item takes null and ACTIVE). An id belonging to an item of
    another dataset is refused: ids are unique in the project.
    """
    values = (input, expected_output, metadata, source_trace_id, source_observation_id, status)
    given = {field: value for field, value in zip(FIELDS, values, strict=True) if value is not UNSET}
    _values_check(given)
    item_id = _id_check(item_id) if item_id is not None else str(uuid.uuid4())
    try:
        return _item_upsert(dataset=dataset, item_id=item_id, given=given)
    except IntegrityError:
        # Another request created the same id between our read and our insert: this write is now an update.
        return _item_upsert(dataset=dataset, item_id=item_id, given=given)


@transaction.atomic
def _item_upsert(*, dataset: Dataset, item_id: str, given: dict) -> DatasetItem:
    item = DatasetItem.objects.select_for_update().filter(project_id=dataset.project_id, id=item_id).first()
    if item is not None and item.dataset_id != dataset.key:
        raise DomainError(
            f"item {item_id!r} belongs to another dataset of this project; item ids are unique per project",
            field="id",
            status=409,
        )
    created = item is None
    if created:
        item = DatasetItem(project_id=dataset.project_id, dataset=dataset, id=item_id)
        changes = given
    else:
        changes = {field: value for field, value in given.items() if getattr(item, field) != value}
        if not changes:
            return item
    for field, value in changes.items():
        setattr(item, field, value)
    item_check(dataset, input=item.input, expected_output=item.expected_output)
    item.version = _next_version(None if created else item.version)
    item.save()
    item_version(item).save()
    return item


def item_set_status(*, item: DatasetItem, status: str) -> DatasetItem:
    """Archive (ARCHIVED) or restore (ACTIVE) an item; a new version when the status changes."""
    return item_upsert(dataset=item.dataset, item_id=item.id, status=status)


@transaction.atomic
def item_delete(*, item: DatasetItem) -> None:
    """Delete the item and its run items; its history stays, ending in a deletion version."""
    item.version = _next_version(item.version)
    item_version(item, deleted=True).save()
    DatasetRunItem.objects.filter(run__dataset_id=item.dataset_id, dataset_item_id=item.id).delete()
    audit_record(action="dataset_item.deleted", object_type="DatasetItem", object_id=item.id, project=item.project)
    item.delete()
