"""Both ingestion paths (Langfuse batch and OTLP) hand what they wrote to live evaluation, after the write."""

import pytest

from evals.models import EvaluationJob
from observability import extensions
from tests.evals.live_factories import make_judge, make_rule
from tests.observability.factories import OTLP_URL, ingestion_event, otlp_request, otlp_span, post_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    calls = []
    monkeypatch.setattr(extensions, "_trace_write_handlers", [lambda **ids: calls.append(ids)])
    return calls


def test_batch_ingestion_reports_the_traces_and_observations_it_wrote(api_client, project, heard):
    response = post_batch(
        api_client,
        ingestion_event("e1", "trace-create", {"id": "t1", "name": "chat"}),
        ingestion_event("e2", "generation-create", {"id": "g1", "traceId": "t1", "name": "answer"}),
    )

    assert response.status_code == 207
    assert heard == [{"project_id": project.pk, "trace_ids": ["t1"], "observation_ids": ["g1"]}]


def test_otlp_ingestion_reports_the_spans_it_wrote(api_client, project, heard):
    response = api_client.post(
        OTLP_URL, otlp_request(otlp_span("a1f067aa0ba902b7", "root")), content_type="application/x-protobuf"
    )

    assert response.status_code == 200
    [call] = heard
    assert call["observation_ids"] == ["a1f067aa0ba902b7"] and call["trace_ids"] == ["0af7651916cd43dd8448eb211c80319c"]


def test_a_failing_handler_leaves_the_write_standing(api_client, project, monkeypatch):
    def broken(**ids):
        raise RuntimeError("handler bug")

    monkeypatch.setattr(extensions, "_trace_write_handlers", [broken])
    response = post_batch(api_client, ingestion_event("e1", "trace-create", {"id": "t1"}))
    assert response.status_code == 207 and response.json()["successes"]


def test_ingested_traces_get_pending_jobs_of_matching_rules(api_client, project, fake_provider):
    make_rule(project, make_judge(project, fake_provider), settle_delay_seconds=60)
    post_batch(api_client, ingestion_event("e1", "trace-create", {"id": "t1", "input": {"question": "q"}}))
    [job] = EvaluationJob.objects.all()
    assert (job.trace_id, job.status) == ("t1", "pending")


def test_a_rule_created_after_writes_without_rules_judges_the_next_write(api_client, project, fake_provider):
    post_batch(api_client, ingestion_event("e1", "trace-create", {"id": "t1", "input": {"question": "q"}}))
    make_rule(project, make_judge(project, fake_provider), settle_delay_seconds=60)
    post_batch(api_client, ingestion_event("e2", "trace-create", {"id": "t2", "input": {"question": "q"}}))
    assert list(EvaluationJob.objects.values_list("trace_id", flat=True)) == ["t2"]
