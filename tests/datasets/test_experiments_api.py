"""GET /experiments and /experiment-items: runs and run items as Langfuse v4 experiments, by cursor."""

import pytest

from evals.services import score_build, score_upsert_many
from tests.datasets.factories import make_dataset, make_item, make_run_item
from tests.datasets.test_experiment_spans import TRACE, send, spans_of
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db
EXPERIMENTS, ITEMS = "/api/public/experiments", "/api/public/experiment-items"
SINCE = {"fromStartTime": "2000-01-01T00:00:00Z"}


def get(client, url, **query):
    response = client.get(url, SINCE | query)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def runs(project):
    """Run "a" with three items of dataset qa (expected outputs A0..A2), run "b" with one, on traces t0..t3."""
    dataset = make_dataset(project)
    items = [make_item(dataset, item_id=f"i{n}", expected_output=f"A{n}", metadata={"n": n}) for n in range(3)]
    for n, item in enumerate(items):
        make_run_item(item, run_name="a", trace_id=f"t{n}", metadata={"model": "m"})
    make_run_item(items[0], run_name="b", trace_id="t3")
    return dataset


def test_experiments_list_with_counts_and_groups(api_client, project, runs):
    run_a = get(api_client, "/api/public/datasets/qa/runs/a")
    score = score_build(project=project, name="accuracy", value=0.75, dataset_run_id=run_a["id"])
    score_upsert_many(scores=[score])
    body = get(api_client, EXPERIMENTS)
    assert [(row["name"], row["itemCount"], row["datasetId"]) for row in body["data"]] == [
        ("b", 1, runs.id),
        ("a", 3, runs.id),
    ]
    assert body["data"][0]["metadata"] is None and body["meta"]["cursor"] is None
    rich = get(api_client, EXPERIMENTS, fields="metadata,scores", name="a")["data"]
    assert [(row["metadata"], [s["name"] for s in row["scores"]]) for row in rich] == [({"model": "m"}, ["accuracy"])]


def test_experiments_page_by_cursor(api_client, runs):
    first = get(api_client, EXPERIMENTS, limit=1)
    second = get(api_client, EXPERIMENTS, limit=1, cursor=first["meta"]["cursor"])
    assert [first["data"][0]["name"], second["data"][0]["name"]] == ["b", "a"]
    assert second["meta"]["cursor"] is None


def test_experiment_items_carry_the_dataset_item_state_they_ran(api_client, runs):
    rows = get(api_client, ITEMS, experimentName="a", fields="io,itemMetadata,experimentMetadata")["data"]
    assert sorted((row["experimentItemId"], row["expectedOutput"]) for row in rows) == [
        ("i0", "A0"),
        ("i1", "A1"),
        ("i2", "A2"),
    ]
    assert {row["experimentMetadata"]["model"] for row in rows} == {"m"}
    assert sorted(row["experimentItemMetadata"]["n"] for row in rows) == [0, 1, 2]
    core = get(api_client, ITEMS, experimentItemId="i0")["data"]
    assert sorted(row["experimentName"] for row in core) == ["a", "b"]
    assert core[0]["experimentDatasetId"] == runs.id and core[0]["input"] is None
    page = get(api_client, ITEMS, limit=2)
    rest = get(api_client, ITEMS, limit=2, cursor=page["meta"]["cursor"])
    assert len({row["id"] for row in page["data"] + rest["data"]}) == 4 and rest["meta"]["cursor"] is None


def test_items_sent_as_spans_read_with_their_observation(api_client, project):
    spans = spans_of("e1", "local-1")
    send(api_client, spans["root"], spans["task"])
    [row] = get(api_client, ITEMS, fields="io,metadata,scores", experimentId="e1")["data"]
    assert (row["traceId"], row["experimentItemId"], row["expectedOutput"]) == (
        TRACE.hex(),
        "local-1",
        {"answer": "Paris"},
    )
    assert (row["level"], row["scores"], row["experimentDatasetId"]) == ("DEFAULT", [], None)
    assert row["startTime"] and row["endTime"]
    [experiment] = get(api_client, EXPERIMENTS, id="e1")["data"]
    assert (experiment["itemCount"], experiment["datasetId"]) == (1, None)
    assert get(api_client, EXPERIMENTS, fromStartTime="2100-01-01T00:00:00Z")["data"] == []


def test_filters_narrow_both_lists(api_client, runs):
    condition = '[{"type": "string", "column": "name", "operator": "=", "value": "a"}]'
    assert [row["name"] for row in get(api_client, EXPERIMENTS, filter=condition)["data"]] == ["a"]
    condition = '[{"type": "stringOptions", "column": "experimentItemId", "operator": "any of", "value": ["i1"]}]'
    assert [row["experimentItemId"] for row in get(api_client, ITEMS, filter=condition)["data"]] == ["i1"]


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        (EXPERIMENTS, {"fields": "core,io"}, "fields"),
        (ITEMS, {"fields": "nope"}, "fields"),
        (EXPERIMENTS, {"limit": "101"}, "limit"),
        (ITEMS, {"scoreLimit": "0"}, "scoreLimit"),
        (EXPERIMENTS, {"cursor": "not-a-cursor"}, "cursor"),
        (ITEMS, {"fromStartTime": "yesterday"}, "fromStartTime"),
        (EXPERIMENTS, {"toStartTime": "2025-13-01T00:00:00Z"}, "toStartTime"),
        (EXPERIMENTS, {"filter": "[{}]"}, "filter"),
        (ITEMS, {"filter": '[{"type": "string", "column": "input", "operator": "=", "value": "x"}]'}, "filter"),
    ],
)
def test_bad_parameters_are_refused_naming_them(api_client, url, query, field):
    response = api_client.get(url, SINCE | query)
    assert response.status_code == 400, response.content
    assert field in response.json()["message"]


@pytest.mark.parametrize("url", [EXPERIMENTS, ITEMS])
@pytest.mark.parametrize("since", [None, ""])
def test_the_start_time_lower_bound_is_required(api_client, runs, url, since):
    response = api_client.get(url, {} if since is None else {"fromStartTime": since})
    assert response.status_code == 400, response.content
    assert "fromStartTime" in response.json()["message"] and "required" in response.json()["message"]


def test_another_project_sees_no_experiments(other_client, runs):
    assert get(other_client, EXPERIMENTS)["data"] == [] and get(other_client, ITEMS)["data"] == []


def test_lists_make_constant_queries(api_client, project):
    item = make_item(make_dataset(project), item_id="i0")
    assert_queries_constant(
        lambda: api_client.get(EXPERIMENTS, SINCE | {"fields": "metadata,scores"}),
        rows_of(lambda n: make_run_item(item, run_name=f"r{n}")),
    )
    assert_queries_constant(
        lambda: api_client.get(ITEMS, SINCE | {"fields": ",".join(["io", "metadata", "itemMetadata", "scores"])}),
        rows_of(lambda n: make_run_item(item, run_name="r", trace_id=f"t{n}")),
    )
