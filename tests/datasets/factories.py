"""Builders for datasets tests: datasets, items and runs through the services."""

from datasets.services import dataset_create, item_upsert, run_item_create

DATASETS_URL = "/api/public/v2/datasets"
ITEMS_URL = "/api/public/dataset-items"
RUN_ITEMS_URL = "/api/public/dataset-run-items"


def make_dataset(project, *, name="qa", **fields):
    return dataset_create(project=project, name=name, **fields)


def make_item(dataset, *, item_id=None, **fields):
    """A stored item of the dataset (input {"q": item_id} unless `fields` say otherwise)."""
    return item_upsert(dataset=dataset, item_id=item_id, **{"input": {"q": item_id}, **fields})


def make_run_item(item, *, run_name="run-1", trace_id="t1", **fields):
    return run_item_create(
        project=item.dataset.project, run_name=run_name, dataset_item_id=item.id, trace_id=trace_id, **fields
    )
