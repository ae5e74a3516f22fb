"""The dashboard's error count (observations at level ERROR) is answered from the hourly rollups, on a grain
holding the level, with the raw answer, also after an observation's level changes."""

import pytest

from observability.analytics.query import query_parse
from tests.observability.analytics.test_rollups import HOURS, assert_same, batch_dataset, metric, rolled_and_raw
from tests.observability.factories import ingestion_event, post_batch

pytestmark = pytest.mark.django_db

ERRORS = {"metrics": metric("errorCount", "count") + metric("count", "count")}
QUERIES = [
    {**ERRORS, "timeDimension": {"granularity": "day"}},
    {**ERRORS, "dimensions": [{"field": "providedModelName"}]},
    {**ERRORS, "dimensions": [{"field": "traceName"}]},
]


@pytest.fixture
def ingested(api_client, other_client):
    batch_dataset(api_client)
    batch_dataset(other_client)


@pytest.mark.parametrize("query", QUERIES)
def test_error_counts_from_rollups_agree_with_raw_rows(api_client, project, ingested, query):
    rolled, raw = rolled_and_raw(project, "observations", query)
    assert_same(rolled, raw)
    assert sum(row["errorCount_count"] for row in raw) == 1
    failed = ingestion_event("u1", "span-update", {"id": "s7", "level": "ERROR"})
    assert not post_batch(api_client, failed).json()["errors"]
    rolled, raw = rolled_and_raw(project, "observations", query)
    assert_same(rolled, raw)
    assert sum(row["errorCount_count"] for row in rolled) == 2


def test_error_counts_read_a_grain_holding_the_level(project, ingested):
    parsed = query_parse({**HOURS, "view": "observations", **QUERIES[0]})
    rows = parsed.spec.rollup(parsed, project).spec.rows(project)
    assert set(rows.values_list("grain", flat=True)) == {1}
    assert rows.filter(level="ERROR").exists()
