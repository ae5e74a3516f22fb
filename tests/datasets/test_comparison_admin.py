"""The run comparison admin page: picking runs, the tables, the changelist action, who may see it."""

import re

import pytest
from django.urls import reverse, reverse_lazy

from datasets.admin.comparison import ROWS_PER_PAGE
from tests.datasets.io_rows import later, make_dataset, make_item, make_run, make_run_item, make_two_runs
from tests.evals.factories import make_score
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

URL = reverse_lazy("admin:datasets_run_comparison")


def compact(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def runs(project):
    return make_two_runs(project)


def test_the_picker_lists_the_datasets_then_their_runs(member_client, runs):
    dataset, a, b = runs
    page = member_client.get(URL).content.decode()
    assert f'<option value="{dataset.pk}">qa (Chatbot)</option>' in page
    page = member_client.get(URL, {"dataset": dataset.pk}).content.decode()
    assert f'value="{a.pk}"> a</label>' in page and f'value="{b.pk}"> b</label>' in page


def test_two_runs_side_by_side_with_the_difference(member_client, runs):
    dataset, a, b = runs
    response = member_client.get(URL, {"dataset": dataset.pk, "runs": [a.pk, b.pk]})
    assert response.status_code == 200
    page = compact(response)
    assert "Compare runs of qa" in page
    assert "<td>acc</td><td>b</td> <td>+1</td><td>[+1, +1]</td><td>3</td>" in page
    assert "ds-better" in page and "no item scored by both runs" in page
    assert page.count('<span class="ds-missing">not run</span>') == 1
    assert "{&quot;answer&quot;:&quot;b-0&quot;}" in page and "$0.020000" in page
    assert '<span class="ds-score">accuracy 0.75</span>' in page
    assert reverse("admin:observability_observation_trace", args=[dataset.project_id, "b0"]) in page


@pytest.mark.parametrize(
    ("picks", "message"),
    [
        (["a"], "Runs: pick at least two runs"),
        (["x", "y"], "Runs: runs must be run numbers"),
        (["a", "99999999"], "Runs: no run 99999999 in dataset"),
    ],
)
def test_bad_picks_are_named(member_client, runs, picks, message):
    dataset, a, _ = runs
    query = {"dataset": dataset.pk, "runs": [str(a.pk) if pick == "a" else pick for pick in picks]}
    page = member_client.get(URL, query).content.decode()
    assert message in page
    assert 'id="ds-items"' not in page


def test_another_projects_dataset_is_not_offered(client, make_user, other_project, runs):
    dataset = runs[0]
    client.force_login(make_user("outsider", project=other_project))
    page = client.get(URL, {"dataset": dataset.pk, "runs": [runs[1].pk, runs[2].pk]}).content.decode()
    assert "Dataset: no such dataset among your projects" in page and 'id="ds-items"' not in page


def test_the_changelist_action_opens_the_page_on_the_selected_runs(member_client, runs, project):
    dataset, a, b = runs
    changelist = reverse("admin:datasets_datasetrun_changelist")
    response = member_client.post(changelist, {"action": "compare_runs", "_selected_action": [b.pk, a.pk]})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?dataset={dataset.pk}&runs={a.pk}&runs={b.pk}"
    other = make_run(make_dataset(project, "other"), "x")
    response = member_client.post(
        changelist, {"action": "compare_runs", "_selected_action": [a.pk, other.pk]}, follow=True
    )
    assert "Pick two or more runs of one dataset" in response.content.decode()


def test_the_runs_changelist_query_count(member_client, project):
    dataset = make_dataset(project, "many")
    assert_queries_constant(
        lambda: member_client.get(reverse("admin:datasets_datasetrun_changelist")),
        rows_of(lambda index: make_run(dataset, f"run{index}")),
    )


def test_items_are_paged_while_aggregates_cover_them_all(member_client, project):
    dataset = make_dataset(project, "big")
    a, b = make_run(dataset, "a"), make_run(dataset, "b")
    for n in range(ROWS_PER_PAGE + 5):
        item = make_item(dataset, f"item{n:03d}", input=n, expected_output=n, at=later(n))
        for run in (a, b):
            trace_id = f"{run.name}{n}"
            make_run_item(run, item, trace_id)
            make_score(project, score_id=trace_id, name="acc", value=1 if run is b else 0, trace_id=trace_id)
    query = {"dataset": dataset.pk, "runs": [a.pk, b.pk]}
    first = compact(member_client.get(URL, query))
    assert f"Items ({ROWS_PER_PAGE + 5}; 1–{ROWS_PER_PAGE} shown)" in first
    assert f"<td>+1</td><td>[+1, +1]</td><td>{ROWS_PER_PAGE + 5}</td>" in first
    assert "item104" not in first
    second = compact(member_client.get(URL, {**query, "page": 2}))
    assert f"Items ({ROWS_PER_PAGE + 5}; {ROWS_PER_PAGE + 1}–{ROWS_PER_PAGE + 5} shown)" in second
    assert "item104" in second and "item099" not in second
