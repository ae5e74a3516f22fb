"""Server-side experiments (datasets/experiments) through the configured broker and the worker, against the
fake provider with the real OpenAI SDK: items traced, linked as run items and judged; retries, the
concurrency bound and bad inputs."""

import datetime as dt
import threading

import pytest
from django.utils import timezone

from aistrale.errors import DomainError
from datasets.experiments.selectors import experiment_progress
from datasets.experiments.services import ENVIRONMENT, experiment_job_run, experiment_start
from datasets.models import DatasetRunItem, ExperimentJob, ExperimentJobStatus
from evals.models import Score
from observability.models import Trace
from prompts.services import prompt_version_create
from tests.background import wait_for_background_work
from tests.datasets.factories import make_dataset, make_item
from tests.evals.evaluator_factories import make_check
from tests.fakes.provider import Reply, echo
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(project, fake_provider):
    """A 5-item dataset (items a0..a4, expected output right only for a0, a2, a4), a prompt and a connection."""
    dataset = make_dataset(project)
    for index in range(5):
        make_item(
            dataset,
            item_id=f"a{index}",
            input={"q": f"a{index}"},
            expected_output=f"Answer: a{index}" if index % 2 == 0 else "something else",
        )
    version = prompt_version_create(project=project, name="qa", content="Answer: {{q}}")
    connection = make_connection(project, fake_provider, with_default_models=False, custom_models=["fake-model"])
    return dataset, version, connection


def _start(setup, **fields):
    dataset, version, connection = setup
    return experiment_start(
        dataset=dataset,
        prompt_version=version,
        connection=connection,
        **{"model": "fake-model", "name": "exp-1", "model_parameters": {"temperature": 0}, "concurrency": 2, **fields},
    )


def test_a_run_traces_links_and_judges_every_item(setup, project, fake_provider):
    check = make_check(project).versions.get()
    run = _start(setup, evaluator_versions=[check])
    wait_for_background_work()

    assert experiment_progress(run=run) | {"status": None} == {
        "total": 5,
        "done": 5,
        "failed": 0,
        "running": 0,
        "pending": 0,
        "status": None,
    }
    run.refresh_from_db()
    assert run.metadata["experiment"]["status"] == "completed"
    assert run.metadata["experiment"]["model"] == "fake-model"
    assert sorted(body["messages"][0]["content"] for body in (r.body for r in fake_provider.requests)) == [
        f"Answer: a{index}" for index in range(5)
    ]
    run_items = {ri.dataset_item_id: ri for ri in DatasetRunItem.objects.filter(run=run)}
    assert sorted(run_items) == [f"a{index}" for index in range(5)]
    items = {item.id: item for item in setup[0].items.all()}
    assert all(ri.item_version == items[item_id].version for item_id, ri in run_items.items())
    traces = Trace.objects.filter(id__in=[ri.trace_id for ri in run_items.values()])
    assert {trace.environment for trace in traces} == {ENVIRONMENT} and traces.count() == 5
    scores = {s.trace_id: s for s in Score.objects.filter(source="EVAL")}
    assert {item_id: scores[ri.trace_id].value for item_id, ri in run_items.items()} == {
        "a0": 1,
        "a1": 0,
        "a2": 1,
        "a3": 0,
        "a4": 1,
    }


def test_a_run_as_of_an_older_dataset_version_uses_the_items_then(setup, project):
    dataset = setup[0]
    as_of = dataset.items.get(id="a4").version
    make_item(dataset, item_id="a0", input={"q": "changed"}, expected_output="Answer: changed")
    make_item(dataset, item_id="late", input={"q": "late"})

    run = _start(setup, version=as_of)
    wait_for_background_work()

    jobs = {job.item_id: job for job in ExperimentJob.objects.filter(run=run)}
    assert sorted(jobs) == [f"a{index}" for index in range(5)]
    assert jobs["a0"].output == "Answer: a0" and jobs["a0"].item_version < dataset.items.get(id="a0").version
    assert run.metadata["experiment"]["datasetVersion"] == as_of.isoformat()


def test_a_failing_item_is_retried_then_recorded_as_failed(setup, fake_provider, settings):
    settings.AISTRALE_EXPERIMENTS = {"MAX_ATTEMPTS": 2, "RETRY_BASE_SECONDS": 0.05}
    settings.LLM_MAX_RETRIES = 0

    def responder(request):
        text = request.body["messages"][0]["content"]
        return Reply(status=400, error="bad item") if text.endswith("a3") else echo(request)

    fake_provider.responder = responder
    run = _start(setup)
    wait_for_background_work()

    failed = ExperimentJob.objects.get(run=run, item_id="a3")
    assert (failed.status, failed.attempts) == (ExperimentJobStatus.FAILED, 2)
    assert "bad item" in failed.error
    assert experiment_progress(run=run)["done"] == 4 and experiment_progress(run=run)["failed"] == 1
    assert not DatasetRunItem.objects.filter(run=run, dataset_item_id="a3").exists()
    assert sum(r.body["messages"][0]["content"].endswith("a3") for r in fake_provider.requests) == 2


def test_a_recovering_item_succeeds_on_its_retry(setup, fake_provider, settings):
    settings.AISTRALE_EXPERIMENTS = {"MAX_ATTEMPTS": 3, "RETRY_BASE_SECONDS": 0.05}
    settings.LLM_MAX_RETRIES = 0
    fake_provider.script(Reply(status=400, error="flaky"))
    run = _start(setup, concurrency=1)
    wait_for_background_work()

    jobs = ExperimentJob.objects.filter(run=run).order_by("key")
    assert [(job.status, job.attempts, job.error) for job in jobs] == [(ExperimentJobStatus.SUCCEEDED, 2, None)] + [
        (ExperimentJobStatus.SUCCEEDED, 1, None)
    ] * 4
    assert DatasetRunItem.objects.filter(run=run).count() == 5


def test_at_most_concurrency_items_are_in_flight(setup, fake_provider):
    gate = threading.Condition()
    state = {"in_flight": 0, "max": 0, "started": 0}

    def responder(request):
        with gate:
            state["in_flight"] += 1
            state["started"] += 1
            state["max"] = max(state["max"], state["in_flight"])
            position = state["started"]
            gate.notify_all()
            # Hold each call until the next one has started (the last runs free): calls overlap pairwise, so
            # with no bound every item would be in flight at once.
            gate.wait_for(lambda: state["started"] > position or position == 5, timeout=10)
            state["in_flight"] -= 1
        return echo(request)

    fake_provider.responder = responder
    run = _start(setup, concurrency=2)
    wait_for_background_work()

    assert experiment_progress(run=run)["done"] == 5
    assert state["max"] == 2


def test_a_redelivered_message_creates_no_second_run_item(setup):
    run = _start(setup, concurrency=1)
    wait_for_background_work()
    job = ExperimentJob.objects.filter(run=run).first()
    ExperimentJob.objects.filter(pk=job.pk).update(status=ExperimentJobStatus.QUEUED)

    experiment_job_run(job_id=job.pk)

    assert DatasetRunItem.objects.filter(run=run, dataset_item_id=job.item_id).count() == 1
    assert experiment_job_run(job_id=job.pk) is None


def test_bad_inputs_are_refused_naming_the_field(setup, project, other_project, fake_provider):
    dataset, version, connection = setup
    with pytest.raises(DomainError) as error:
        _start(setup, model="no-such-model")
    assert error.value.field == "model"

    foreign = make_check(other_project).versions.get()
    with pytest.raises(DomainError) as error:
        _start(setup, evaluator_versions=[foreign])
    assert error.value.field == "evaluator_versions"

    empty = make_dataset(project, name="empty")
    with pytest.raises(DomainError) as error:
        _start((empty, version, connection))
    assert error.value.field == "dataset"

    for concurrency in (0, 33, "2", True):
        with pytest.raises(DomainError) as error:
            _start(setup, concurrency=concurrency)
        assert error.value.field == "concurrency"

    with pytest.raises(DomainError) as error:
        _start(setup, model_parameters=[1])
    assert error.value.field == "model_parameters"

    _start(setup)
    with pytest.raises(DomainError) as error:
        _start(setup)
    assert (error.value.field, error.value.status) == ("name", 409)
    wait_for_background_work()


def test_a_job_whose_worker_died_is_claimed_again_once_stale(setup, settings):
    settings.AISTRALE_EXPERIMENTS = {"STALE_RUNNING_SECONDS": 60}
    run = _start(setup, concurrency=1)
    wait_for_background_work()
    job = ExperimentJob.objects.filter(run=run).first()
    started = timezone.now()
    ExperimentJob.objects.filter(pk=job.pk).update(status=ExperimentJobStatus.RUNNING, started_at=started)

    # Not stale yet: the message comes back (in 1 s) when it would be.
    assert experiment_job_run(job_id=job.pk, now=started + dt.timedelta(seconds=59)) is None
    rerun = experiment_job_run(job_id=job.pk, now=started + dt.timedelta(seconds=61))
    wait_for_background_work()

    assert (rerun.status, rerun.attempts) == (ExperimentJobStatus.SUCCEEDED, 2)
    assert ExperimentJob.objects.get(pk=job.pk).attempts == 2
    assert DatasetRunItem.objects.filter(run=run, dataset_item_id=job.item_id).count() == 1
