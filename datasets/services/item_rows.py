"""New items and their first versions written in bulk.

On PostgreSQL the items' data is sent once, by COPY into a temporary table without indexes or constraints,
and one INSERT ... SELECT per table fills the items and their versions from it: half the rows cross the wire
and get serialised compared with a COPY per table, and each table's indexes are updated set-wise. Elsewhere
bulk_create. Keys are not read back.
"""

import datetime as dt
from enum import Enum

import orjson
from django.db import connection

from aistrale import json_text
from datasets.models import DatasetItem, DatasetItemVersion
from datasets.versions import item_version

BATCH_SIZE = 1000
STAGE = "datasets_item_stage"
DATA = ("id", "input", "expected_output", "metadata", "source_trace_id", "source_observation_id", "status")
JSON_FIELDS = frozenset({"input", "expected_output", "metadata"})
STAGE_TABLE = f"""CREATE TEMPORARY TABLE {STAGE} (
    id varchar(255), input jsonb, expected_output jsonb, metadata jsonb,
    source_trace_id varchar(255), source_observation_id varchar(255), status varchar(16)
) ON COMMIT DROP"""
COLUMNS = ", ".join(DATA)
INSERT_ITEMS = f"""INSERT INTO {DatasetItem._meta.db_table}
    ({COLUMNS}, version, created_at, updated_at, dataset_id, project_id)
    SELECT {COLUMNS}, %(now)s, %(now)s, %(now)s, %(dataset)s, %(project)s FROM {STAGE}"""
INSERT_VERSIONS = f"""INSERT INTO {DatasetItemVersion._meta.db_table}
    (item_id, {", ".join(DATA[1:])}, valid_from, item_created_at, is_deleted, dataset_id, project_id)
    SELECT {COLUMNS}, %(now)s, %(now)s, false, %(dataset)s, %(project)s FROM {STAGE}"""


def _value(field: str, value):
    if value is None:
        return None
    if field in JSON_FIELDS:
        return json_text.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return value.value if isinstance(value, Enum) else value


def items_insert(*, dataset, items: list[DatasetItem], now: dt.datetime) -> None:
    """Insert these new items of `dataset`, all versioned `now`, with their first version rows."""
    for item in items:
        item.version = item.created_at = item.updated_at = now
    if connection.vendor != "postgresql":
        DatasetItem.objects.bulk_create(items, batch_size=BATCH_SIZE)
        DatasetItemVersion.objects.bulk_create([item_version(item) for item in items], batch_size=BATCH_SIZE)
        return
    parameters = {"now": now, "dataset": dataset.key, "project": dataset.project_id}
    with connection.cursor() as cursor:
        cursor.execute(STAGE_TABLE)
        with cursor.copy(f"COPY {STAGE} ({COLUMNS}) FROM STDIN") as copy:
            for item in items:
                copy.write_row([_value(field, getattr(item, field)) for field in DATA])
        cursor.execute(INSERT_ITEMS, parameters)
        cursor.execute(INSERT_VERSIONS, parameters)
        cursor.execute(f"DROP TABLE {STAGE}")
