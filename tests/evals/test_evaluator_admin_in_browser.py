"""The evaluator admin in a real browser: a member creates a judge from the library, then tries it on pasted
values (a real openai SDK call to the fake provider) and reads the filled prompt and the verdict."""

import pytest

from evals.models import Evaluator
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.evals.evaluator_factories import fake_connection, judge_reply, make_check

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_creates_from_the_library_and_tries_it(live_server, make_user, project, fake_provider):
    make_user("ana", project=project)
    connection = fake_connection(project, fake_provider)
    make_check(project, name="order id present", check_config={"kind": "regex", "pattern": r"ORD-\d+"})
    base = "/admin/evals/evaluator/"
    with chromium_page() as page:
        admin_login(page, live_server.url, f"{base}library/", username="ana", password="pw-ana")
        page.select_option("#id_template", "correctness")
        page.select_option("#id_connection", str(connection.pk))
        page.fill("#id_model", "judge-model")
        page.screenshot(path=screenshot_path("admin-evaluator-library"))
        page.click("input[name=_save]")
        evaluator = None
        page.wait_for_selector("text=Version 1 (latest)")
        evaluator = Evaluator.objects.get(name="Correctness")
        page.screenshot(path=screenshot_path("admin-evaluator"), full_page=True)

        page.click("text=Try it")
        page.wait_for_selector("#try_form textarea[name=expected_output]")
        page.fill("textarea[name=input]", "What is the capital of France?")
        page.fill("textarea[name=output]", "Paris is the capital.")
        page.fill("textarea[name=expected_output]", "Paris")
        fake_provider.script(judge_reply({"reasoning": "Names Paris, as the reference does.", "score": 1}))
        page.click("input[name=_run]")
        page.wait_for_selector("#verdict")
        page.screenshot(path=screenshot_path("admin-evaluator-try"), full_page=True)
        assert "Correctness = 1.0" in page.inner_text("#verdict")
        assert "Answer:\nParis is the capital." in page.inner_text("#verdict")

        page.goto(f"{live_server.url}{base}")
        page.wait_for_selector("#result_list")
        page.screenshot(path=screenshot_path("admin-evaluators"))
        assert page.locator("#result_list tbody tr").count() == 2
    assert evaluator.versions.count() == 1
