"""Evaluation rules in a real browser: a member previews a new rule on a trace, saves it, and reads the rule page."""

import pytest

from evals.live.jobs import live_writes_handle
from evals.models import EvaluationJob, EvaluationRule
from tests.background import wait_for_background_work
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.evals.factories import make_config, make_score
from tests.evals.live_factories import judge_answers, make_judge, price_judge_model
from tests.observability.factories import make_trace

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_previews_saves_and_reads_a_rule(live_server, make_user, project, fake_provider):
    make_user("ana", project=project)
    fake_provider.responder = judge_answers(1, "the answer matches the question")
    judge = make_judge(project, fake_provider)
    price_judge_model(project)
    for index in range(3):
        make_trace(project, f"t{index}", input={"question": f"question {index}"}, output="an answer")
    with chromium_page() as page:
        admin_login(page, live_server.url, "/admin/evals/evaluationrule/add/", username="ana", password="pw-ana")
        page.select_option("#id_project", project.pk)
        page.fill("#id_name", "answer correctness")
        page.select_option("#id_target", "trace")
        page.select_option("#id_evaluators", str(judge.evaluator.pk))
        page.fill(
            "#id_variable_mapping",
            '[{"variable": "question", "source": "input", "jsonPath": "$.question"}, '
            '{"variable": "answer", "source": "output"}]',
        )
        page.fill("#id_settle_delay_seconds", "0")
        page.fill("#id_daily_budget", "5")
        page.fill("#id_preview_trace_id", "t0")
        page.click("#rule-preview-button")
        page.wait_for_selector("#rule-preview")
        assert "Question: question 0" in page.inner_text("#rule-preview")
        page.screenshot(path=screenshot_path("admin-evaluation-rule-preview"), full_page=True)
        assert not EvaluationRule.objects.exists()
        page.check("#id_enabled")
        page.click("input[name=_continue]")
        page.wait_for_selector("#rule-jobs")
        rule = EvaluationRule.objects.get()

        live_writes_handle(project_id=project.pk, trace_ids=["t0", "t1", "t2"], observation_ids=[])
        wait_for_background_work()
        assert set(EvaluationJob.objects.values_list("status", flat=True)) == {"succeeded"}
        config = make_config(project, name="correctness", data_type="NUMERIC")
        for index, value in enumerate([1, 0.5]):
            make_score(
                project,
                score_id=f"h{index}",
                trace_id=f"t{index}",
                name="correctness",
                value=value,
                source="ANNOTATION",
                config_id=config.id,
            )
        page.goto(f"{live_server.url}/admin/evals/evaluationrule/{rule.pk}/change/")
        page.wait_for_selector("#rule-calibration")
        assert page.locator("#rule-jobs tbody tr.rule-job-succeeded").count() == 3
        assert "2 targets with both scores" in page.inner_text("#rule-calibration")
        page.screenshot(path=screenshot_path("admin-evaluation-rule-page"), full_page=True)
        page.goto(f"{live_server.url}/admin/evals/evaluationrule/")
        page.screenshot(path=screenshot_path("admin-evaluation-rules"))
