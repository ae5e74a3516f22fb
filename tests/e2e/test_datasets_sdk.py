"""The real langfuse SDK's dataset and experiment flows against a live server (both SDK majors).

5.x sends experiments only as OTLP spans with `langfuse.experiment.*` attributes; 4.x also posts a dataset run
item per item first. Either way the run, its items, their traces' metadata and the scores must line up.
"""

import datetime as dt

import pytest
from langfuse import Evaluation, Langfuse
from langfuse._client.resource_manager import LangfuseResourceManager

from aistrale.tenancy.services import api_key_create
from datasets.models import DatasetRun, DatasetRunItem
from evals.models import Score
from observability.models import Trace

pytestmark = pytest.mark.django_db(transaction=True)
CAPITALS = {"France": "Paris", "Italy": "Rome", "Spain": "Madrid"}


@pytest.fixture
def client(live_server, project):
    api_key, secret_key = api_key_create(project=project, note="sdk datasets e2e")
    langfuse = Langfuse(public_key=api_key.public_key, secret_key=secret_key, base_url=live_server.url)
    yield langfuse
    langfuse.shutdown()
    LangfuseResourceManager._instances.pop(api_key.public_key, None)


def task(*, item, **kwargs):
    country = item["input"]["country"] if isinstance(item, dict) else item.input["country"]
    return "Paris" if country == "France" else "Rome"


def exact(*, output, expected_output=None, **kwargs):
    return Evaluation(name="exact", value=1.0 if output == expected_output else 0.0)


def accuracy(*, item_results, **kwargs):
    scores = [evaluation.value for result in item_results for evaluation in result.evaluations]
    return Evaluation(name="accuracy", value=sum(scores) / len(scores))


@pytest.fixture
def capitals(client):
    client.create_dataset(name="geo/capitals", description="capitals", input_schema={"type": "object"})
    for country, capital in CAPITALS.items():
        client.create_dataset_item(
            dataset_name="geo/capitals", id=country, input={"country": country}, expected_output=capital
        )
    return client.get_dataset("geo/capitals", fetch_items_page_size=2)


def test_items_are_fetched_page_by_page_and_as_of_a_version(client, capitals):
    assert sorted(item.id for item in capitals.items) == sorted(CAPITALS)
    assert {item.input["country"]: item.expected_output for item in capitals.items} == CAPITALS
    version = dt.datetime.now(dt.UTC)
    client.create_dataset_item(
        dataset_name="geo/capitals", id="France", input={"country": "France"}, expected_output="?"
    )
    client.create_dataset_item(
        dataset_name="geo/capitals", id="Peru", input={"country": "Peru"}, expected_output="Lima"
    )
    old = client.get_dataset("geo/capitals", version=version)
    assert {item.id: item.expected_output for item in old.items} == CAPITALS
    assert len(client.get_dataset("geo/capitals").items) == 4


def test_an_item_breaking_the_schema_is_refused(client, capitals):
    with pytest.raises(Exception, match="input"):
        client.create_dataset_item(dataset_name="geo/capitals", input="not an object")


def test_run_experiment_on_a_stored_dataset_makes_a_run_with_scores(client, capitals):
    result = capitals.run_experiment(
        name="capitals",
        run_name="baseline",
        description="first try",
        task=task,
        evaluators=[exact],
        run_evaluators=[accuracy],
    )
    client.flush()
    run = DatasetRun.objects.get(id=result.experiment_id)
    assert (run.name, run.dataset.name, run.description) == ("baseline", "geo/capitals", "first try")
    run_items = DatasetRunItem.objects.filter(run=run)
    assert sorted(run_items.values_list("dataset_item_id", flat=True)) == sorted(CAPITALS)
    traces = Trace.objects.filter(id__in=[row.trace_id for row in run_items])
    assert {trace.metadata["experiment_id"] for trace in traces} == {run.id}
    assert {trace.metadata["experiment_name"] for trace in traces} == {"baseline"}
    [run_score] = Score.objects.filter(dataset_run_id=run.id)
    assert (run_score.name, run_score.value) == ("accuracy", pytest.approx(2 / 3))
    item_scores = Score.objects.filter(name="exact", trace_id__in=[row.trace_id for row in run_items])
    assert sorted(item_scores.values_list("value", flat=True)) == [0.0, 1.0, 1.0]
    since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    [experiment] = client.api.experiments.list(from_start_time=since, fields="core,scores").data
    assert (experiment.id, experiment.item_count, [score.name for score in experiment.scores]) == (
        run.id,
        3,
        ["accuracy"],
    )
    experiment_items = client.api.experiments.list_items(from_start_time=since, experiment_id=run.id, fields="io").data
    assert sorted(item.expected_output for item in experiment_items) == sorted(CAPITALS.values())
    again = capitals.run_experiment(name="capitals", run_name="baseline", task=task)
    client.flush()
    assert again.experiment_id == run.id and DatasetRunItem.objects.filter(run=run).count() == 6


def test_run_experiment_on_local_data_makes_a_run_without_a_dataset(client):
    data = [{"input": {"country": "France"}, "expected_output": "Paris"}, {"input": {"country": "Italy"}}]
    result = client.run_experiment(name="local", data=data, task=task, evaluators=[exact])
    client.flush()
    run = DatasetRun.objects.get(id=result.experiment_id)
    assert run.dataset is None and run.name.startswith("local - ")
    run_items = DatasetRunItem.objects.filter(run=run)
    assert run_items.count() == 2
    assert sorted(run_items.values_list("expected_output", flat=True), key=str) == [None, "Paris"]


def test_runs_read_back_and_delete_through_the_api(client, capitals):
    capitals.run_experiment(name="capitals", run_name="to-delete", task=task)
    client.flush()
    items = client.api.dataset_items.list(dataset_name="geo/capitals").data
    assert {item.dataset_name for item in items} == {"geo/capitals"}
    if hasattr(client.api, "dataset_run_items"):
        run = client.get_dataset_run(dataset_name="geo/capitals", run_name="to-delete")
        assert len(run.dataset_run_items) == 3
        assert [row.name for row in client.get_dataset_runs(dataset_name="geo/capitals").data] == ["to-delete"]
        client.delete_dataset_run(dataset_name="geo/capitals", run_name="to-delete")
        assert not DatasetRun.objects.exists()
    else:
        assert DatasetRun.objects.get().name == "to-delete"
