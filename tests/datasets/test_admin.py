"""The datasets admin: datasets by folder, items with their history, runs with their items, "add to dataset"."""

import pytest

from datasets.models import Dataset, DatasetItem, DatasetRun
from tests.datasets.factories import make_dataset, make_item, make_run_item
from tests.evals.factories import make_score
from tests.observability.factories import make_observation, make_trace
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db
DATASETS, ITEMS, RUNS = "/admin/datasets/dataset/", "/admin/datasets/datasetitem/", "/admin/datasets/datasetrun/"


def test_a_member_creates_a_dataset_and_a_bad_schema_is_a_form_error(member_client, project):
    body = {
        "project": project.pk,
        "name": "evals/qa",
        "description": "",
        "metadata": "",
        "input_schema": "",
        "expected_output_schema": "",
    }
    created = member_client.post(f"{DATASETS}add/", body)
    assert created.status_code == 302, created.content
    assert Dataset.objects.get().name == "evals/qa"
    refused = member_client.post(f"{DATASETS}add/", {**body, "name": "other", "input_schema": '{"type": 5}'})
    assert refused.status_code == 200 and b"not a valid JSON Schema" in refused.content
    taken = member_client.post(f"{DATASETS}add/", body)
    assert b"already exists" in taken.content


def test_the_folder_filter_lists_folders_and_narrows(member_client, project, other_project):
    for name in ("evals/qa", "evals/deep/x", "top"):
        make_dataset(project, name=name)
    make_dataset(other_project, name="hidden/z")
    page = member_client.get(DATASETS).content.decode()
    assert "?folder=evals%2Fdeep" in page and "hidden/z" not in page and "folder=hidden" not in page
    narrowed = member_client.get(DATASETS, {"folder": "evals"}).content.decode()
    assert "evals/qa" in narrowed and "evals/deep/x" in narrowed and ">top<" not in narrowed


def test_an_item_is_edited_through_the_upsert_and_shows_its_history(member_client, project):
    dataset = make_dataset(project, expected_output_schema={"type": "string"})
    item = make_item(dataset, item_id="i1", expected_output="old")
    url = f"{ITEMS}{item.pk}/change/"
    body = {
        "input": '{"q": "i1"}',
        "expected_output": '"new"',
        "metadata": "",
        "source_trace_id": "",
        "source_observation_id": "",
        "status": "ACTIVE",
    }
    assert member_client.post(url, body).status_code == 302
    refused = member_client.post(url, {**body, "expected_output": "3"})
    assert refused.status_code == 200 and b"expected_output schema" in refused.content
    page = member_client.get(url).content.decode()
    assert page.count("<tr>") >= 3 and "old" in page and "new" in page
    assert DatasetItem.objects.get().expected_output == "new"


def test_archive_and_delete_go_through_the_services(member_client, project):
    item = make_item(make_dataset(project), item_id="i1")
    member_client.post(ITEMS, {"action": "archive", "_selected_action": [item.pk]})
    assert DatasetItem.objects.get().status == "ARCHIVED"
    member_client.post(f"{ITEMS}{item.pk}/delete/", {"post": "yes"})
    assert not DatasetItem.objects.exists()


def test_a_run_page_lists_its_items_with_trace_links(member_client, project):
    item = make_item(make_dataset(project), item_id="i1")
    run_item = make_run_item(item, trace_id="t-77")
    make_score(project, name="exact", value=1, trace_id="t-77")
    make_score(project, score_id="run-score", name="accuracy", value=0.5, trace_id=None, dataset_run_id=run_item.run.id)
    page = member_client.get(f"{RUNS}{run_item.run.pk}/change/").content.decode()
    assert "t-77" in page and f"/admin/observability/observation/trace/{project.pk}/t-77/" in page
    assert "accuracy: 0.5" in page and "exact: 1" in page
    member_client.post(f"{RUNS}{run_item.run.pk}/delete/", {"post": "yes"})
    assert not DatasetRun.objects.exists()


def test_add_to_dataset_from_traces_and_observations(member_client, project, other_project):
    from observability.models import Observation, Trace

    dataset = make_dataset(project)
    make_trace(project, "t1", input="question", output="answer")
    make_observation(project, "o1", "t1", input="prompt", output="wrong")
    make_score(project, trace_id="t1", observation_id="o1", value="right", data_type="CORRECTION")
    make_trace(other_project, "t9")
    keys = [Trace.objects.get(id="t1").key, Trace.objects.get(id="t9").key]
    asked = member_client.post("/admin/observability/trace/", {"action": "add_to_dataset", "_selected_action": keys})
    assert b"to which dataset" in asked.content and b"qa" in asked.content
    body = {
        "action": "add_to_dataset",
        "_selected_action": keys,
        "dataset": dataset.key,
        "input_from": "input",
        "expected_output_from": "output",
    }
    added = member_client.post("/admin/observability/trace/", body, follow=True).content.decode()
    assert "1 items added to or updated in qa." in added
    observation = {
        "action": "add_to_dataset",
        "_selected_action": [Observation.objects.get(id="o1").key],
        "dataset": dataset.key,
        "input_from": "input",
        "expected_output_from": "correction",
    }
    member_client.post("/admin/observability/observation/", observation)
    assert set(DatasetItem.objects.values_list("input", "expected_output")) == {
        ("question", "answer"),
        ("prompt", "right"),
    }
    refused = {**body, "expected_output_from": "correction"}
    page = member_client.post("/admin/observability/trace/", refused, follow=True).content.decode()
    assert "Nothing added to qa" in page and "has no correction" in page


def test_changelists_make_constant_queries(member_client, project):
    dataset = make_dataset(project)
    assert_queries_constant(
        lambda: member_client.get(DATASETS), rows_of(lambda n: make_dataset(project, name=f"f{n}/d"))
    )
    assert_queries_constant(lambda: member_client.get(ITEMS), rows_of(lambda n: make_item(dataset, item_id=f"i{n}")))
    item = DatasetItem.objects.first()
    assert_queries_constant(lambda: member_client.get(RUNS), rows_of(lambda n: make_run_item(item, run_name=f"r{n}")))
    run = DatasetRun.objects.first()
    assert_queries_constant(
        lambda: member_client.get(f"{RUNS}{run.pk}/change/"),
        rows_of(lambda n: make_run_item(item, run_name=run.name, trace_id=f"t{n}")),
    )


def test_a_member_sees_nothing_of_another_project(member_client, other_project):
    dataset = make_dataset(other_project, name="secret/plans")
    item = make_item(dataset, item_id="i-secret")
    run_item = make_run_item(item)
    for url in (DATASETS, ITEMS, RUNS):
        assert "secret" not in member_client.get(url).content.decode()
    assert member_client.get(f"{ITEMS}{item.pk}/change/").status_code == 302
    assert member_client.get(f"{RUNS}{run_item.run.pk}/change/").status_code == 302
