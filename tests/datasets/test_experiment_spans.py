"""SDK 5.x experiments arrive as OTLP spans with `langfuse.experiment.*` attributes: runs and run items follow."""

import json

import pytest

from datasets.models import DatasetRun, DatasetRunItem
from datasets.services.runs import experiment_id_for
from observability.models import Trace
from tests.datasets.factories import make_dataset, make_item, make_run_item
from tests.observability.factories import OTLP_URL, otlp_request, otlp_span

pytestmark = pytest.mark.django_db

ROOT, TASK, CHILD = "a1f067aa0ba902b7", "b2f067aa0ba902b7", "c3f067aa0ba902b7"
TRACE = bytes.fromhex("5b8efff798038103d269b633813fc60c")


def propagated(experiment_id, item_id, *, dataset_id=None, name="run-1"):
    """The attributes the SDK propagates to every span of the item's trace."""
    attributes = {
        "langfuse.experiment.id": experiment_id,
        "langfuse.experiment.name": name,
        "langfuse.experiment.metadata": json.dumps({"model": "m"}),
        "langfuse.experiment.item.id": item_id,
        "langfuse.experiment.item.metadata": json.dumps({"topic": "geo"}),
        "langfuse.experiment.item.root_observation_id": TASK,
    }
    if dataset_id:
        attributes["langfuse.experiment.dataset.id"] = dataset_id
    return attributes


def spans_of(experiment_id, item_id, **kwargs):
    """The item-run root span (with the root-only attributes), its task span and a span inside the task."""
    shared = propagated(experiment_id, item_id, **kwargs)
    root_only = {
        "langfuse.experiment.description": "baseline",
        "langfuse.experiment.item.expected_output": json.dumps({"answer": "Paris"}),
    }
    return {
        "root": otlp_span(ROOT, "experiment-item-run", attributes={**shared, **root_only}, trace_id=TRACE),
        "task": otlp_span(TASK, "experiment-item-task", bytes.fromhex(ROOT), {**shared, **root_only}, trace_id=TRACE),
        "child": otlp_span(CHILD, "llm", bytes.fromhex(TASK), shared, trace_id=TRACE),
    }


def send(client, *spans):
    response = client.post(OTLP_URL, otlp_request(*spans), content_type="application/x-protobuf")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("order", [("root", "task", "child"), ("child", "task", "root"), ("task", "child", "root")])
def test_a_dataset_experiment_becomes_a_run_in_any_arrival_order(api_client, project, order):
    dataset = make_dataset(project)
    item = make_item(dataset, item_id="i1")
    experiment_id = experiment_id_for(project_id=project.id, dataset_id=dataset.id, run_name="run-1")
    spans = spans_of(experiment_id, "i1", dataset_id=dataset.id)
    for name in order:
        send(api_client, spans[name])
    run = DatasetRun.objects.get()
    assert (run.id, run.name, run.dataset, run.description, run.metadata) == (
        experiment_id,
        "run-1",
        dataset,
        "baseline",
        {"model": "m"},
    )
    run_item = DatasetRunItem.objects.get()
    assert (run_item.dataset_item_id, run_item.trace_id, run_item.observation_id) == ("i1", TRACE.hex(), TASK)
    assert (run_item.expected_output, run_item.item_metadata) == ({"answer": "Paris"}, {"topic": "geo"})
    assert run_item.item_version == item.version
    assert run_item.start_time is not None
    trace = Trace.objects.get(id=TRACE.hex())
    assert {key: trace.metadata[key] for key in ("experiment_id", "experiment_name", "dataset_id")} == {
        "experiment_id": experiment_id,
        "experiment_name": "run-1",
        "dataset_id": dataset.id,
    }


def test_spans_in_one_request_make_one_run_item(api_client, project):
    spans = spans_of("e1", "local-1")
    send(api_client, spans["child"], spans["root"], spans["task"])
    send(api_client, spans["child"])
    run = DatasetRun.objects.get()
    assert (run.id, run.dataset) == ("e1", None)
    assert DatasetRunItem.objects.get().dataset_item_id == "local-1"
    assert Trace.objects.get().metadata["experiment_item_id"] == "local-1"


def test_a_run_item_posted_first_by_sdk_4_receives_the_spans(api_client, project):
    item = make_item(make_dataset(project), item_id="i1")
    posted = make_run_item(item, run_name="run-1", trace_id=TRACE.hex(), observation_id=TASK)
    spans = spans_of(posted.run.id, "i1", dataset_id=item.dataset.id)
    send(api_client, spans["task"], spans["root"])
    assert DatasetRunItem.objects.get().key == posted.key
    assert DatasetRunItem.objects.get().expected_output == {"answer": "Paris"}


def test_spans_without_an_experiment_or_item_id_are_ignored(api_client):
    send(api_client, otlp_span(ROOT, "x", attributes={"langfuse.experiment.name": "n"}, trace_id=TRACE))
    assert not DatasetRun.objects.exists()
