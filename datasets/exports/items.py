"""A dataset's items, streamed: JSON lines in the API's item shape, CSV, or chat fine-tuning records."""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

from aistrale.commands import json_cell, json_line
from datasets.exports.chat import RECORDS, ChatFormatError
from datasets.models import Dataset, DatasetItem, DatasetItemVersion, DatasetStatus
from datasets.selectors import dataset_items_as_of
from observability.api.serializers import iso

CSV_COLUMNS = ["id", "input", "expected_output", "metadata", "source_trace_id", "source_observation_id"]
CSV_COLUMNS += ["status", "created_at", "updated_at"]
FORMATS = ("jsonl", "csv", *RECORDS)


def dataset_item_select(*, dataset: Dataset, include_archived: bool, version=None) -> QuerySet:
    """The dataset's items oldest first: current ones, or (`version`) their version rows as of that time."""
    if version is None:
        items = DatasetItem.objects.filter(dataset=dataset).order_by("created_at", "key")
    else:
        items = dataset_items_as_of(dataset=dataset, version=version).order_by("item_created_at", "item_id")
    return items if include_archived else items.filter(status=DatasetStatus.ACTIVE)


def dataset_item_iter(items: QuerySet, *, chunk_size: int) -> Iterator[DatasetItem | DatasetItemVersion]:
    """The items, read `chunk_size` rows at a time."""
    return items.iterator(chunk_size=chunk_size)


def _identity(item: DatasetItem | DatasetItemVersion) -> tuple:
    """(id, created at, updated at) of an item or of an item's version row (updated when that version began)."""
    if isinstance(item, DatasetItemVersion):
        return item.item_id, item.item_created_at, item.valid_from
    return item.id, item.created_at, item.updated_at


def item_body(item: DatasetItem | DatasetItemVersion, *, dataset: Dataset) -> dict:
    """An item as the API's DatasetItem."""
    item_id, created_at, updated_at = _identity(item)
    return {
        "id": item_id,
        "status": item.status,
        "input": item.input,
        "expectedOutput": item.expected_output,
        "metadata": item.metadata,
        "sourceTraceId": item.source_trace_id,
        "sourceObservationId": item.source_observation_id,
        "datasetId": dataset.id,
        "datasetName": dataset.name,
        "createdAt": iso(created_at),
        "updatedAt": iso(updated_at),
    }


def item_cells(item: DatasetItem | DatasetItemVersion) -> list:
    item_id, created_at, updated_at = _identity(item)
    return [
        item_id,
        json_cell(item.input),
        json_cell(item.expected_output),
        json_cell(item.metadata),
        item.source_trace_id or "",
        item.source_observation_id or "",
        item.status,
        iso(created_at),
        iso(updated_at),
    ]


class InvalidItem(ValueError):
    """An item that does not fit the chat format, with its id."""

    def __init__(self, item_id: str, problem: str):
        super().__init__(f"item {item_id!r}: {problem}")
        self.item_id = item_id


def write_items(stream, items, *, dataset: Dataset, format: str, on_invalid, advance) -> int:
    """Write the items in `format`; an item that does not fit a chat format goes to `on_invalid(InvalidItem)`.

    Returns the number of records written; `advance()` is called once per item read.
    """
    count = 0
    if format == "csv":
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
    for item in items:
        advance()
        if format == "jsonl":
            stream.write(json_line(item_body(item, dataset=dataset)))
        elif format == "csv":
            writer.writerow(item_cells(item))
        else:
            try:
                record = RECORDS[format](input=item.input, output=item.expected_output)
            except ChatFormatError as error:
                on_invalid(InvalidItem(_identity(item)[0], str(error)))
                continue
            stream.write(json_line(record))
        count += 1
    return count
