"""The "Run experiment" admin page: starting a run, its page with progress and item statuses, refused input
named, and the comparison page on two such runs."""

import re

import pytest
from django.urls import reverse, reverse_lazy

from datasets.models import DatasetRun, ExperimentJob
from evals.models import EvaluatorVersion
from prompts.services import prompt_version_create
from tests.background import wait_for_background_work
from tests.datasets.factories import make_dataset, make_item
from tests.evals.evaluator_factories import make_check
from tests.llm.factories import make_connection
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db(transaction=True)

URL = reverse_lazy("admin:datasets_experiment")


def compact(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def setup(project, fake_provider):
    dataset = make_dataset(project)
    for index in range(3):
        make_item(dataset, item_id=f"a{index}", input={"q": f"a{index}"}, expected_output=f"Answer: a{index}")
    version = prompt_version_create(project=project, name="qa", content="Answer: {{q}}")
    connection = make_connection(project, fake_provider, with_default_models=False, custom_models=["fake-model"])
    check = make_check(project)
    return dataset, version, connection, EvaluatorVersion.objects.get(evaluator=check)


def _post(client, setup, **fields):
    dataset, version, connection, check = setup
    data = {
        "dataset": dataset.pk,
        "prompt_version": version.pk,
        "connection": connection.pk,
        "model": "fake-model",
        "model_parameters": '{"temperature": 0}',
        "evaluator_versions": [check.pk],
        "name": "exp-admin",
        "concurrency": 2,
        **fields,
    }
    return client.post(URL, data)


def test_the_form_starts_a_run_and_its_page_shows_progress(member_client, setup):
    assert (
        'href="/admin/datasets/datasetrun/experiment/"'
        in member_client.get(reverse("admin:datasets_datasetrun_changelist")).content.decode()
    )
    page = member_client.get(URL, {"dataset": setup[0].pk}).content.decode()
    assert f'<option value="{setup[0].pk}" selected>' in page

    response = _post(member_client, setup)
    run = DatasetRun.objects.get(name="exp-admin")
    assert response.status_code == 302 and response.url == reverse("admin:datasets_datasetrun_change", args=[run.pk])
    wait_for_background_work()

    page = compact(member_client.get(response.url))
    assert "<strong>completed</strong>: 3 done, 0 failed, 0 running, 0 waiting of 3 items" in page
    assert page.count('class="ds-job-succeeded"') == 3
    assert run.metadata["experiment"]["evaluatorVersionIds"] == [setup[3].id]


def test_refused_input_is_shown_on_its_field(member_client, setup):
    page = compact(_post(member_client, setup, model="no-such-model"))
    assert "is not offered by connection" in page and 'class="form-row errors"' in page
    page = compact(_post(member_client, setup, model_parameters="[1]"))
    assert "must be an object" in page
    assert not DatasetRun.objects.exists() and not ExperimentJob.objects.exists()


def test_two_experiment_runs_compare(member_client, setup):
    _post(member_client, setup, name="first")
    _post(member_client, setup, name="second")
    wait_for_background_work()
    keys = list(DatasetRun.objects.order_by("created_at").values_list("pk", flat=True))

    response = member_client.get(reverse("admin:datasets_run_comparison"), {"dataset": setup[0].pk, "runs": keys})

    page = compact(response)
    assert response.status_code == 200
    assert "first" in page and "second" in page and "Answer: a2" in page


def test_the_run_page_makes_constant_queries_as_jobs_grow(member_client, setup, project):
    _post(member_client, setup, name="counted")
    wait_for_background_work()
    run = DatasetRun.objects.get(name="counted")
    template = ExperimentJob.objects.filter(run=run).first()

    def add_job(index):
        ExperimentJob.objects.create(
            project=project, run=run, item_id=f"extra-{index}", item_version=template.item_version, trace_id=f"t{index}"
        )

    assert_queries_constant(
        lambda: member_client.get(reverse("admin:datasets_datasetrun_change", args=[run.pk])), rows_of(add_job)
    )


def test_the_run_page_refreshes_itself_only_while_items_wait(member_client, setup, project):
    _post(member_client, setup, name="live")
    wait_for_background_work()
    run = DatasetRun.objects.get(name="live")
    url = reverse("admin:datasets_datasetrun_change", args=[run.pk])
    finished = compact(member_client.get(url))
    assert 'id="ds-experiment">' in finished and "data-live" not in finished

    job = ExperimentJob.objects.filter(run=run).first()
    ExperimentJob.objects.create(project=project, run=run, item_id="late", item_version=job.item_version)
    waiting = compact(member_client.get(url))
    assert 'id="ds-experiment" data-live="1">' in waiting
    assert "1 waiting of 4 items" in waiting
    assert 'src="/static/datasets/experiment_progress.js"' in waiting
