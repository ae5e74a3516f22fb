"""Rows for the import, export and comparison tests: datasets, items (with their version rows) and runs."""

from datetime import UTC, datetime, timedelta

from datasets.models import Dataset, DatasetItem, DatasetRun, DatasetRunItem
from datasets.versions import item_version

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)


def make_dataset(project, name="qa", **fields) -> Dataset:
    return Dataset.objects.create(project=project, id=f"ds-{name}", name=name, **fields)


def make_item(dataset, item_id, *, input, expected_output, at=T0, **fields) -> DatasetItem:
    item = DatasetItem.objects.create(
        project_id=dataset.project_id,
        dataset=dataset,
        id=item_id,
        input=input,
        expected_output=expected_output,
        version=at,
        **fields,
    )
    DatasetItem.objects.filter(key=item.key).update(created_at=at)
    item.refresh_from_db()
    item_version(item).save()
    return item


def make_run(dataset, name, **fields) -> DatasetRun:
    return DatasetRun.objects.create(
        project_id=dataset.project_id, dataset=dataset, id=f"run-{name}", name=name, **fields
    )


def make_run_item(run, item, trace_id, *, observation_id=None) -> DatasetRunItem:
    return DatasetRunItem.objects.create(
        project_id=run.project_id,
        id=f"{run.id}-{trace_id}",
        run=run,
        dataset_item_id=item.id,
        item_version=item.version,
        trace_id=trace_id,
        observation_id=observation_id,
    )


def later(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)
