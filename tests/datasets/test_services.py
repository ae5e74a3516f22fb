"""Dataset, item and run writes: upserts on client ids, schema refusals, versions, runs and run items."""

import datetime as dt

import pytest

from aistrale.errors import DomainError
from datasets.models import Dataset, DatasetItem, DatasetItemVersion, DatasetRun, DatasetRunItem, DatasetStatus
from datasets.selectors import dataset_folders, dataset_get, dataset_item_history, dataset_items_as_of
from datasets.services import (
    dataset_delete,
    dataset_update,
    dataset_upsert,
    item_build,
    item_create_many,
    item_delete,
    item_set_status,
    item_upsert,
    run_delete,
    run_item_create,
)
from observability.models import Observation
from tests.datasets.factories import make_dataset, make_item, make_run_item

DEEP = [[[[]]]]
for _ in range(100):
    DEEP = [DEEP]
SCHEMA = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}


def test_a_dataset_name_is_unique_per_project(project, other_project):
    make_dataset(project, name="evals/qa")
    make_dataset(other_project, name="evals/qa")
    with pytest.raises(DomainError) as error:
        make_dataset(project, name="evals/qa")
    assert (error.value.field, error.value.status) == ("name", 409)
    assert dataset_get(project=project, name="evals/qa").project == project


@pytest.mark.parametrize("name", ["", "  ", "/qa", "qa/", "a//b", "x" * 1001, "a\x00"])
def test_bad_dataset_names_are_refused(project, name):
    with pytest.raises(DomainError) as error:
        make_dataset(project, name=name)
    assert error.value.field == "name"


def test_an_invalid_schema_is_refused_on_create(project):
    with pytest.raises(DomainError) as error:
        make_dataset(project, input_schema={"type": 7})
    assert error.value.field == "input_schema"
    with pytest.raises(DomainError) as error:
        make_dataset(project, expected_output_schema=["not", "an", "object"])
    assert error.value.field == "expected_output_schema"


def test_upsert_creates_then_changes_only_the_given_fields(project):
    dataset = dataset_upsert(project=project, name="qa", description="first", metadata={"a": 1})
    same = dataset_upsert(project=project, name="qa", description="second")
    assert same.key == dataset.key
    same.refresh_from_db()
    assert (same.description, same.metadata) == ("second", {"a": 1})


def test_a_new_schema_must_hold_for_the_current_items(project):
    dataset = make_dataset(project)
    make_item(dataset, item_id="i1", input={"q": 1})
    with pytest.raises(DomainError) as error:
        dataset_update(dataset=dataset, input_schema=SCHEMA)
    assert error.value.field == "input_schema"
    assert "'i1'" in error.value.message and "$.q" in error.value.message
    dataset.refresh_from_db()
    assert dataset.input_schema is None


def test_folders_come_from_slashes(project):
    for name in ("a/b/c", "a/d", "top"):
        make_dataset(project, name=name)
    assert dataset_folders(datasets=Dataset.objects.filter(project=project)) == ["a", "a/b"]


def test_an_item_breaking_the_schema_is_refused_and_nothing_is_stored(project):
    dataset = make_dataset(project, input_schema=SCHEMA)
    with pytest.raises(DomainError) as error:
        make_item(dataset, item_id="i1", input={"q": 3})
    assert error.value.field == "input"
    assert "at $.q" in error.value.message
    assert not DatasetItem.objects.exists() and not DatasetItemVersion.objects.exists()


def test_the_upsert_is_idempotent_and_versions_each_change(project):
    dataset = make_dataset(project)
    item = make_item(dataset, item_id="i1", input={"q": "a"}, expected_output="A")
    again = make_item(dataset, item_id="i1", input={"q": "a"}, expected_output="A")
    assert again.version == item.version
    changed = item_upsert(dataset=dataset, item_id="i1", metadata={"m": 1})
    assert changed.version > item.version
    assert (changed.input, changed.expected_output, changed.metadata) == ({"q": "a"}, "A", {"m": 1})
    archived = item_set_status(item=changed, status="ARCHIVED")
    history = list(dataset_item_history(item=archived))
    assert [row.status for row in history] == ["ARCHIVED", "ACTIVE", "ACTIVE"]
    assert [row.metadata for row in history] == [{"m": 1}, {"m": 1}, None]


def test_an_item_id_is_not_reused_across_datasets(project):
    make_item(make_dataset(project, name="a"), item_id="i1")
    with pytest.raises(DomainError) as error:
        make_item(make_dataset(project, name="b"), item_id="i1")
    assert (error.value.field, error.value.status) == ("id", 409)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"status": "GONE"}, "status"),
        ({"item_id": "x" * 256}, "id"),
        ({"item_id": " "}, "id"),
        ({"source_trace_id": "t\x00"}, "source_trace_id"),
        ({"input": DEEP}, "input"),
    ],
)
def test_bad_item_fields_are_refused(project, fields, field):
    with pytest.raises(DomainError) as error:
        make_item(make_dataset(project), **fields)
    assert error.value.field == field


def test_the_dataset_reads_as_of_an_older_version(project):
    dataset = make_dataset(project)
    first = make_item(dataset, item_id="i1", input={"q": "old"})
    make_item(dataset, item_id="i2")
    v1 = item_upsert(dataset=dataset, item_id="i2", input={"q": "two"}).version
    item_upsert(dataset=dataset, item_id="i1", input={"q": "new"})
    item_delete(item=DatasetItem.objects.get(id="i2"))
    make_item(dataset, item_id="i3")

    def as_of(version):
        return {row.item_id: row.input for row in dataset_items_as_of(dataset=dataset, version=version)}

    assert as_of(first.version) == {"i1": {"q": "old"}}
    assert as_of(v1) == {"i1": {"q": "old"}, "i2": {"q": "two"}}
    assert as_of(dt.datetime.now(dt.UTC)) == {"i1": {"q": "new"}, "i3": {"q": "i3"}}
    assert as_of(first.version - dt.timedelta(seconds=1)) == {}


def test_bulk_creation_is_all_or_nothing(project):
    dataset = make_dataset(project, input_schema=SCHEMA)
    make_item(dataset, item_id="taken", input={"q": "x"})
    with pytest.raises(DomainError) as error:
        item_build(dataset=dataset, item_id="bad", input={"q": 1})
    assert error.value.field == "input"
    built = [item_build(dataset=dataset, item_id=f"n{n}", input={"q": str(n)}) for n in range(3)]
    with pytest.raises(DomainError) as error:
        item_create_many(dataset=dataset, items=[*built, item_build(dataset=dataset, item_id="taken", input={"q": ""})])
    assert (error.value.field, error.value.status) == ("id", 409)
    assert DatasetItem.objects.count() == 1
    item_create_many(dataset=dataset, items=built)
    assert DatasetItemVersion.objects.filter(item_id__startswith="n").count() == 3
    assert len(dataset_items_as_of(dataset=dataset, version=built[0].version)) == 4


def test_bulk_creation_stores_values_as_given_with_their_first_versions(project):
    dataset = make_dataset(project)
    values = [{"nested": {"ü": [1, 2.5, None, True]}}, "text\twith\ttabs\nand newlines\\", None, 0]
    built = [
        item_build(dataset=dataset, item_id=f"b{n}", input=value, metadata={"n": n}, source_trace_id=f"t{n}")
        for n, value in enumerate(values)
    ]
    built[1].status = DatasetStatus.ARCHIVED
    item_create_many(dataset=dataset, items=built)
    stored = {item.id: item for item in DatasetItem.objects.filter(dataset=dataset)}
    assert [stored[f"b{n}"].input for n in range(len(values))] == values
    assert [stored[f"b{n}"].metadata for n in range(len(values))] == [{"n": n} for n in range(len(values))]
    assert (stored["b0"].status, stored["b1"].status, stored["b0"].source_trace_id) == ("ACTIVE", "ARCHIVED", "t0")
    assert stored["b0"].version == built[0].version and stored["b0"].created_at is not None
    assert stored["b0"].expected_output is None and stored["b0"].project_id == project.id
    versions = {row.item_id: row for row in DatasetItemVersion.objects.filter(dataset=dataset)}
    assert [versions[f"b{n}"].input for n in range(len(values))] == values
    assert versions["b1"].status == "ARCHIVED" and versions["b0"].valid_from == built[0].version
    assert not versions["b0"].is_deleted and versions["b0"].item_created_at == stored["b0"].created_at


def test_a_run_item_creates_its_run_and_is_idempotent(project):
    item = make_item(make_dataset(project), item_id="i1")
    run_item = make_run_item(item, run_description="baseline", metadata={"model": "m"})
    assert make_run_item(item).key == run_item.key
    run = DatasetRun.objects.get()
    assert (run.name, run.description, run.metadata) == ("run-1", "baseline", {"model": "m"})
    assert run_item.item_version == item.version
    make_run_item(item, trace_id="t2", run_description="changed")
    run.refresh_from_db()
    assert run.description == "changed" and run.run_items.count() == 2


def test_a_run_item_records_the_item_version_it_ran_against(project):
    item = make_item(make_dataset(project), item_id="i1")
    later = item_upsert(dataset=item.dataset, item_id="i1", input={"q": "new"})
    run_item = make_run_item(later, dataset_version=item.version)
    assert run_item.item_version == item.version
    with pytest.raises(DomainError) as error:
        make_run_item(later, trace_id="t2", dataset_version=item.version - dt.timedelta(seconds=1))
    assert error.value.field == "dataset_version"


def test_a_run_item_takes_the_trace_of_its_observation(project):
    item = make_item(make_dataset(project), item_id="i1")
    Observation.objects.create(project=project, id="o1", trace_id="t9", start_time=dt.datetime.now(dt.UTC))
    assert make_run_item(item, trace_id=None, observation_id="o1").trace_id == "t9"
    with pytest.raises(DomainError) as error:
        make_run_item(item, trace_id=None, observation_id="missing")
    assert error.value.field == "trace_id"
    with pytest.raises(DomainError) as error:
        make_run_item(item, trace_id=None)
    assert error.value.field == "trace_id"


def test_a_run_item_needs_an_item_of_the_project(project, other_project):
    item = make_item(make_dataset(other_project), item_id="i1")
    with pytest.raises(DomainError) as error:
        run_item_create(project=project, run_name="r", dataset_item_id=item.id, trace_id="t1")
    assert (error.value.field, error.value.status) == ("dataset_item_id", 404)
    with pytest.raises(DomainError) as error:
        make_run_item(item, run_name=" ")
    assert error.value.field == "run_name"


def test_deleting_an_item_deletes_its_run_items_and_keeps_its_history(project):
    item = make_item(make_dataset(project), item_id="i1")
    make_run_item(item)
    item_delete(item=item)
    assert not DatasetRunItem.objects.exists()
    assert list(DatasetItemVersion.objects.order_by("valid_from").values_list("is_deleted", flat=True)) == [False, True]


def test_deleting_runs_and_datasets_cascades(project):
    dataset = make_dataset(project)
    item = make_item(dataset, item_id="i1")
    make_run_item(item, run_name="a")
    make_run_item(item, run_name="b")
    run_delete(run=DatasetRun.objects.get(name="a"))
    assert list(DatasetRunItem.objects.values_list("run__name", flat=True)) == ["b"]
    dataset_delete(dataset=dataset)
    assert not DatasetItemVersion.objects.exists() and not DatasetRun.objects.exists()
