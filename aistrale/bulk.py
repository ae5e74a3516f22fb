"""Bulk inserts of new rows: COPY on PostgreSQL, bulk_create elsewhere.

Django's bulk_create prepares every value of every row in Python and, on PostgreSQL, sends them as arrays;
for imports of hundreds of thousands of rows COPY is several times faster. Rows are written as the model
would save them (auto_now_add and defaults applied through `pre_save`, JSON as JSON text); their
auto-increment keys are not read back, so callers needing them use bulk_create.
"""

from enum import Enum

import orjson
from django.db import connection, models

from aistrale import json_text

BATCH_SIZE = 1000


def _columns(model) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not isinstance(field, models.AutoField)]


def _copy_value(field: models.Field, value):
    """What COPY sends for a value: JSON as its text, choices as their value, the rest as psycopg adapts it."""
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json_text.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    if isinstance(value, Enum):
        return value.value
    return value


def bulk_insert(model, objects: list[models.Model]) -> None:
    """Insert these new, unsaved objects of `model` (keys not read back) in the current transaction."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    fields = _columns(model)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for obj in objects:
            copy.write_row([_copy_value(field, field.pre_save(obj, add=True)) for field in fields])
