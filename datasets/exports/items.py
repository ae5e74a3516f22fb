"""A dataset's items, streamed: JSON lines in the API's item shape, CSV, or chat fine-tuning records."""

import csv
from collections.abc import Iterator

from aistrale.commands import json_cell, json_line
from datasets.exports.chat import RECORDS, ChatFormatError
from datasets.models import Dataset, DatasetItem, DatasetStatus
from observability.api.serializers import iso

CSV_COLUMNS = ["id", "input", "expected_output", "metadata", "source_trace_id", "source_observation_id"]
CSV_COLUMNS += ["status", "created_at", "updated_at"]
FORMATS = ("jsonl", "csv", *RECORDS)


def dataset_item_iter(*, dataset: Dataset, include_archived: bool, chunk_size: int) -> Iterator[DatasetItem]:
    """The dataset's items oldest first, read `chunk_size` rows at a time."""
    items = DatasetItem.objects.filter(dataset=dataset).order_by("created_at", "key")
    if not include_archived:
        items = items.filter(status=DatasetStatus.ACTIVE)
    return items.iterator(chunk_size=chunk_size)


def item_body(item: DatasetItem, *, dataset: Dataset) -> dict:
    """An item as the API's DatasetItem."""
    return {
        "id": item.id,
        "status": item.status,
        "input": item.input,
        "expectedOutput": item.expected_output,
        "metadata": item.metadata,
        "sourceTraceId": item.source_trace_id,
        "sourceObservationId": item.source_observation_id,
        "datasetId": dataset.id,
        "datasetName": dataset.name,
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
    }


def item_cells(item: DatasetItem) -> list:
    return [
        item.id,
        json_cell(item.input),
        json_cell(item.expected_output),
        json_cell(item.metadata),
        item.source_trace_id or "",
        item.source_observation_id or "",
        item.status,
        iso(item.created_at),
        iso(item.updated_at),
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
                on_invalid(InvalidItem(item.id, str(error)))
                continue
            stream.write(json_line(record))
        count += 1
    return count
