"""Dataset, item and run writes: their rules, the item upsert with its version rows, runs and run items."""

from datasets.services.datasets import UNSET, dataset_create, dataset_delete, dataset_update, dataset_upsert
from datasets.services.items import item_build, item_create_many, item_delete, item_set_status, item_upsert
from datasets.services.runs import run_delete, run_item_create, run_upsert
from datasets.services.sources import SOURCE_FIELDS, items_from_sources, source_item_id

__all__ = [
    "SOURCE_FIELDS",
    "UNSET",
    "dataset_create",
    "dataset_delete",
    "dataset_update",
    "dataset_upsert",
    "item_build",
    "item_create_many",
    "item_delete",
    "item_set_status",
    "item_upsert",
    "items_from_sources",
    "run_delete",
    "run_item_create",
    "run_upsert",
    "source_item_id",
]
