"""Calls made inside call_traces_batched() are traced by the process's batch writer, off the caller's path."""

import dramatiq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aistrale.llm import calls
from aistrale.llm.sink import CallTrace
from aistrale.llm.types import LlmRequest
from aistrale.tasks import broker
from observability import llm_calls
from observability.llm_calls import call_traces_batched, call_traces_flush
from observability.models import Observation, Trace
from tests.fakes.provider import Reply
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _nothing_left_queued():
    yield
    assert call_traces_flush(timeout=30)


def ask(connection_row, text: str):
    return calls.complete(
        connection=connection_row,
        request=LlmRequest(model="gpt-4o", messages=[{"role": "user", "content": text}]),
        trace=CallTrace(project_id=connection_row.project_id, environment="aistrale-evaluation", name=text),
    )


def test_batched_calls_are_written_by_the_writer_into_their_projects(
    project, other_project, fake_provider, model_prices
):
    ours, theirs = make_connection(project, fake_provider), make_connection(other_project, fake_provider)
    fake_provider.script(*[Reply(text=f"answer {index}", usage=(100, 10)) for index in range(3)])

    with CaptureQueriesContext(connection) as caller, call_traces_batched():
        results = [ask(ours, "first"), ask(theirs, "second"), ask(ours, "third")]

    assert not [query for query in caller.captured_queries if '"observability_' in query["sql"]]
    assert call_traces_flush(timeout=30)
    stored = dict(Trace.objects.values_list("id", "project_id"))
    assert stored == {
        results[0].trace_id: project.pk,
        results[1].trace_id: other_project.pk,
        results[2].trace_id: project.pk,
    }
    generations = Observation.objects.filter(id__in=[result.observation_id for result in results])
    assert sorted(generations.values_list("output", flat=True)) == ["answer 0", "answer 1", "answer 2"]
    assert all(generation.total_cost > 0 for generation in generations)


def test_calls_outside_the_batch_are_written_at_once(project, fake_provider):
    fake_provider.script(Reply(text="now"))

    result = ask(make_connection(project, fake_provider), "direct")

    assert Trace.objects.filter(project=project, id=result.trace_id).exists()


def test_a_call_whose_project_is_gone_is_dropped_and_the_writer_goes_on(
    project, other_project, fake_provider, monkeypatch
):
    monkeypatch.setattr(llm_calls._writer, "seconds", 600)  # one batch, cut by the flush: the project goes first
    gone, kept = make_connection(other_project, fake_provider), make_connection(project, fake_provider)
    fake_provider.script(Reply(text="lost"), Reply(text="kept"))

    with call_traces_batched():
        ask(gone, "lost")
        other_project.delete()
        result = ask(kept, "kept")

    assert call_traces_flush(timeout=30)
    assert list(Trace.objects.values_list("id", flat=True)) == [result.trace_id]


def test_a_stopping_worker_stores_the_batched_traces_first(project, fake_provider, monkeypatch):
    monkeypatch.setattr(llm_calls._writer, "seconds", 600)
    fake_provider.script(Reply(text="last words"))
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    with call_traces_batched():
        result = ask(make_connection(project, fake_provider), "shutdown")

    worker.stop()

    assert Trace.objects.filter(project=project, id=result.trace_id).exists()
