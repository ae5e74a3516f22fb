"""bulk_insert writes rows as the model would save them, on PostgreSQL through COPY."""

import datetime as dt

import pytest

from aistrale.bulk import bulk_insert
from datasets.models import DatasetItem, DatasetStatus
from datasets.services import dataset_create

pytestmark = pytest.mark.django_db

VERSION = dt.datetime(2025, 5, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)


def test_values_defaults_and_auto_timestamps_round_trip(project):
    dataset = dataset_create(project=project, name="bulk")
    values = [{"nested": {"ü": [1, 2.5, None, True]}}, "text\twith\ttabs\nand newlines\\", None, 0]
    rows = [
        DatasetItem(project=project, dataset=dataset, id=f"b{n}", input=value, version=VERSION, metadata={"n": n})
        for n, value in enumerate(values)
    ]
    rows[1].status = DatasetStatus.ARCHIVED
    bulk_insert(DatasetItem, rows)
    stored = {item.id: item for item in DatasetItem.objects.filter(dataset=dataset)}
    assert [stored[f"b{n}"].input for n in range(4)] == values
    assert [stored[f"b{n}"].metadata for n in range(4)] == [{"n": n} for n in range(4)]
    assert (stored["b0"].status, stored["b1"].status) == ("ACTIVE", "ARCHIVED")
    assert stored["b0"].version == VERSION and stored["b0"].expected_output is None
    assert stored["b0"].created_at is not None and stored["b0"].created_at == rows[0].created_at
