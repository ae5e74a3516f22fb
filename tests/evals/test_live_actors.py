"""The evaluation actor through the configured broker and a Dramatiq worker: Redis with REDIS_URL (CI),
the in-process StubBroker without (the embedded default). Ingested traces end up judged."""

import pytest
from django.conf import settings

from aistrale.tasks import broker
from evals.live.actors import QUEUE, run_evaluation_job
from evals.models import EvaluationJob, JobStatus, Score
from observability.models import Trace
from tests.background import wait_for_background_work
from tests.evals.live_factories import judge_answers, make_judge, make_rule
from tests.fakes.provider import Reply
from tests.observability.factories import ingestion_event, post_batch

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_actor_runs_on_the_configured_broker():
    expected = "PollingRedisBroker" if settings.REDIS_URL else "StubBroker"
    assert type(broker).__name__ == expected
    assert run_evaluation_job.queue_name == QUEUE and QUEUE in broker.get_declared_queues()


def test_ingested_traces_are_judged_by_the_worker(api_client, project, fake_provider):
    fake_provider.responder = judge_answers(1, "right")
    make_rule(project, make_judge(project, fake_provider))

    events = [
        ingestion_event(f"e{index}", "trace-create", {"id": f"t{index}", "input": {"question": "q"}, "output": "a"})
        for index in range(4)
    ]
    assert post_batch(api_client, *events).status_code == 207
    wait_for_background_work()

    jobs = list(EvaluationJob.objects.order_by("trace_id"))
    assert [(job.trace_id, job.status, job.attempts) for job in jobs] == [
        (f"t{index}", JobStatus.SUCCEEDED, 1) for index in range(4)
    ]
    assert Score.objects.filter(source="EVAL", value=1, comment="right").count() == 4
    judges = Trace.objects.filter(project=project, environment="aistrale-evaluation")
    assert set(judges.values_list("id", flat=True)) == {job.judge_trace_id for job in jobs}


def test_the_worker_retries_a_failed_job_after_its_backoff(api_client, project, fake_provider, settings):
    settings.AISTRALE_EVALUATION = {**settings.AISTRALE_EVALUATION, "MAX_ATTEMPTS": 2, "RETRY_BASE_SECONDS": 0.2}
    fake_provider.responder = judge_answers(0.5)
    fake_provider.script(Reply(text="no verdict here"))
    make_rule(project, make_judge(project, fake_provider))

    post_batch(api_client, ingestion_event("e1", "trace-create", {"id": "t1", "output": "a"}))
    wait_for_background_work()

    job = EvaluationJob.objects.get()
    assert (job.status, job.attempts, job.error) == (JobStatus.SUCCEEDED, 2, None)
    assert Score.objects.get().value == 0.5
