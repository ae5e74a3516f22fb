"""Rows for the import, export and comparison tests: datasets, items (with their version rows) and runs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from datasets.models import Dataset, DatasetItem, DatasetRun, DatasetRunItem
from datasets.versions import item_version
from tests.evals.factories import make_score
from tests.observability.factories import make_observation, make_trace

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


def executed(project, run, item, trace_id, *, answer, seconds, cost, scores, on_observation=False):
    """A run item whose trace has one generation answering `answer` in `seconds`, costing `cost`."""
    make_trace(project, trace_id, output={"answer": answer})
    make_observation(
        project, f"{trace_id}-gen", trace_id, duration=seconds, type="GENERATION", output=answer, total_cost=cost
    )
    for name, value in scores.items():
        make_score(project, score_id=f"{trace_id}-{name}", name=name, value=value, trace_id=trace_id)
    return make_run_item(run, item, trace_id, observation_id=f"{trace_id}-gen" if on_observation else None)


def make_two_runs(project):
    """Run a (baseline) and b over items i1..i3; b also ran i4 and a did not; b ran i2 twice (latest counts)."""
    dataset = make_dataset(project, "qa")
    items = [make_item(dataset, f"i{n}", input=f"q{n}", expected_output=f"e{n}") for n in range(1, 5)]
    a, b = make_run(dataset, "a"), make_run(dataset, "b")
    for index, item in enumerate(items[:3]):
        executed(project, a, item, f"a{index}", answer=f"a-{index}", seconds=1, cost=Decimal("0.01"), scores={"acc": 0})
    executed(project, b, items[0], "b0", answer="b-0", seconds=2, cost=Decimal("0.02"), scores={"acc": 1, "tone": 0.5})
    executed(project, b, items[1], "b1-old", answer="old", seconds=9, cost=Decimal("1"), scores={"acc": 0})
    executed(project, b, items[1], "b1", answer="b-1", seconds=2, cost=Decimal("0.02"), scores={"acc": 1})
    executed(project, b, items[2], "b2", answer="b-2", seconds=2, cost=None, scores={"acc": 1}, on_observation=True)
    executed(project, b, items[3], "b3", answer="b-3", seconds=2, cost=Decimal("0.02"), scores={"acc": 1})
    make_score(project, score_id="run-b", name="accuracy", value=0.75, trace_id=None, dataset_run_id=b.id)
    make_score(project, score_id="label", name="verdict", value="good", trace_id="b0", data_type="CATEGORICAL")
    return dataset, a, b
