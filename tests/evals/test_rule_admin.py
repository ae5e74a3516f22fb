"""Evaluation rules in the admin: create and edit through the services, the preview before saving, the rule
page (jobs, paused reason, distribution, spend, calibration), backfill, project scoping, query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse

from evals.live.jobs import evaluation_job_run, live_writes_handle
from evals.models import EvaluationJob, EvaluationRule
from tests.evals.live_factories import judge_answers, make_judge, make_rule, price_judge_model
from tests.fakes.provider import Reply
from tests.observability.factories import T0, make_observation, make_trace
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:evals_evaluationrule_changelist")
ADD = reverse("admin:evals_evaluationrule_add")


@pytest.fixture
def judge(project, fake_provider):
    fake_provider.responder = judge_answers(0.7, "mostly right")
    return make_judge(project, fake_provider)


def form(project, judge, **fields):
    return {
        "project": project.pk,
        "name": "answers",
        "enabled": "on",
        "target": "trace",
        "evaluators": [judge.evaluator.pk],
        "variable_mapping": '[{"variable": "question", "source": "input", "jsonPath": "$.question"}, '
        '{"variable": "answer", "source": "output"}]',
        "filter": "[]",
        "sampling": "1",
        "settle_delay_seconds": "30",
        "daily_budget": "",
        "preview_trace_id": "",
        "preview_observation_id": "",
        **fields,
    }


def test_a_rule_is_created_through_the_services(member_client, project, judge):
    response = member_client.post(ADD, form(project, judge, daily_budget="1.5"))
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = EvaluationRule.objects.get()
    assert (rule.name, rule.enabled, rule.target, rule.settle_delay_seconds, str(rule.daily_budget)) == (
        "answers",
        True,
        "trace",
        30,
        "1.50000000",
    )
    [assignment] = rule.assignments.all()
    assert assignment.evaluator == judge.evaluator and assignment.variable_mapping[0]["jsonPath"] == "$.question"


def test_service_errors_show_on_the_form(member_client, project, judge):
    response = member_client.post(ADD, form(project, judge, evaluators=[]))
    errors = response.context["adminform"].form.errors
    assert errors["__all__"] == ["evaluator_assignments: an enabled rule needs at least one evaluator"]
    response = member_client.post(ADD, form(project, judge, filter='[{"type": "string", "column": "nope"}]'))
    assert response.context["adminform"].form.errors["filter"] == ["filter[0]: needs operator (strings)"]
    assert not EvaluationRule.objects.exists()


def test_the_preview_shows_the_filled_prompt_and_verdict_without_saving(member_client, project, judge, fake_provider):
    make_trace(project, "t-preview", input={"question": "capital of France?"}, output="Paris")
    response = member_client.post(ADD, form(project, judge, preview_trace_id="t-preview", _preview="1"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Question: capital of France?\nAnswer: Paris" in page
    assert "correctness = 0.7" in page and "mostly right" in page
    assert not EvaluationRule.objects.exists() and not EvaluationJob.objects.exists()


def test_a_preview_on_a_missing_target_names_the_field(member_client, project, judge):
    response = member_client.post(ADD, form(project, judge, preview_trace_id="nope", _preview="1"))
    assert response.context["adminform"].form.errors["preview_trace_id"] == ["no trace nope in this project"]
    observation = member_client.post(ADD, form(project, judge, target="observation", _preview="1"))
    assert "preview_observation_id" in observation.context["adminform"].form.errors


def test_an_observation_preview_reads_the_observation(member_client, project, judge, fake_provider):
    make_trace(project, "t1")
    make_observation(project, "g1", "t1", type="GENERATION", input={"question": "2+2"}, output="4")
    response = member_client.post(
        ADD, form(project, judge, target="observation", preview_observation_id="g1", _preview="1")
    )
    assert "Question: 2+2\nAnswer: 4" in response.content.decode()


def test_the_rule_page_shows_jobs_spend_distribution_and_the_pause(member_client, project, judge, fake_provider):
    price_judge_model(project)
    for index in range(3):
        make_trace(project, f"t{index}", output="x")
    rule = make_rule(project, judge, daily_budget="0.10")
    live_writes_handle(project_id=project.pk, trace_ids=["t0", "t1", "t2"], observation_ids=[], now=T0)
    fake_provider.script(Reply(status=400, error="judge refused"))
    for job in EvaluationJob.objects.order_by("trace_id"):
        evaluation_job_run(job_id=job.pk, now=T0)

    page = member_client.get(reverse("admin:evals_evaluationrule_change", args=[rule.pk])).content.decode()

    assert "judge refused" in page and "Paused: daily budget of $0.100000 spent" in page
    assert 'id="rule-jobs"' in page and "succeeded: <strong>1</strong>" in page
    assert "$0.140000" in page and "correctness" in page and "No judge scores yet" not in page
    failed = member_client.get(reverse("admin:evals_evaluationrule_change", args=[rule.pk]), {"job_status": "failed"})
    assert failed.context["jobs"] == []


def test_backfill_from_the_rule_page(member_client, project, judge):
    rule = make_rule(project, judge)
    make_trace(project, "old", at=T0)
    url = reverse("admin:evals_evaluationrule_backfill", args=[rule.pk])
    response = member_client.post(url, {"start": "2025-01-15 00:00", "end": "2025-01-16 00:00"}, follow=True)
    assert "Backfill scheduled 1 new jobs." in response.content.decode()
    bad = member_client.post(url, {"start": "2025-01-16 00:00", "end": "2025-01-15 00:00"}, follow=True)
    assert "Backfill: the time range needs a start before its end" in bad.content.decode()
    assert member_client.get(url).status_code == 403


def test_other_projects_rules_are_hidden(client, make_user, other_project, project, judge):
    rule = make_rule(project, judge, name="secret rule")
    client.force_login(make_user("outsider", project=other_project))
    assert client.get(reverse("admin:evals_evaluationrule_change", args=[rule.pk])).status_code == 302
    assert client.post(reverse("admin:evals_evaluationrule_backfill", args=[rule.pk]), {}).status_code == 404
    assert rule.name not in client.get(CHANGELIST).content.decode()


def test_changelist_query_count_does_not_grow(member_client, project, judge):
    def one(index):
        rule = make_rule(project, judge, name=f"rule {index}")
        EvaluationJob.objects.create(
            project=project, rule=rule, evaluator_version=judge, trace_id=f"t{index}", due_at=T0 + timedelta(seconds=1)
        )

    assert_queries_constant(lambda: member_client.get(CHANGELIST), rows_of(one))
