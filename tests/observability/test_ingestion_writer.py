"""The ingestion writer's upsert columns cover every field of the models it writes."""

import pytest

from observability.ingestion.writer import (
    OBSERVATION_UPSERT_COLUMNS,
    SESSION_UPSERT_COLUMNS,
    TRACE_UPSERT_COLUMNS,
)
from observability.models import Observation, Session, Trace

KEYS_AND_STAMPS = {"key", "project_id", "id", "created_at", "updated_at"}


@pytest.mark.parametrize(
    ("model", "columns"),
    [(Trace, TRACE_UPSERT_COLUMNS), (Observation, OBSERVATION_UPSERT_COLUMNS), (Session, SESSION_UPSERT_COLUMNS)],
)
def test_every_concrete_field_is_written_or_is_a_key_or_stamp(model, columns):
    fields = {field.column: field for field in model._meta.concrete_fields}
    written = {column.name for column in columns}
    assert set(fields) - KEYS_AND_STAMPS == written, "a model field the writer neither writes nor excludes"
    for column in columns:
        field = fields[column.name]
        assert column.default == (field.get_default() if field.has_default() else None), column.name
