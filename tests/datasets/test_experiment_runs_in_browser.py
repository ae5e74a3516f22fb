"""The "Run experiment" page in a real browser: a member starts a run and watches its progress refresh itself."""

import pytest
from django.urls import reverse

from datasets.models import DatasetRun
from evals.models import EvaluatorVersion
from prompts.services import prompt_version_create
from tests.background import wait_for_background_work
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.datasets.factories import make_dataset, make_item
from tests.evals.evaluator_factories import make_check
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_starts_an_experiment_and_reads_its_progress(live_server, make_user, project, fake_provider):
    dataset = make_dataset(project)
    for index in range(3):
        make_item(dataset, item_id=f"a{index}", input={"q": f"a{index}"}, expected_output=f"Answer: a{index}")
    version = prompt_version_create(project=project, name="qa", content="Answer: {{q}}")
    connection = make_connection(project, fake_provider, with_default_models=False, custom_models=["fake-model"])
    check = EvaluatorVersion.objects.get(evaluator=make_check(project))
    make_user("ana", project=project)
    with chromium_page() as page:
        admin_login(page, live_server.url, reverse("admin:datasets_experiment"), username="ana", password="pw-ana")
        page.select_option("#id_dataset", str(dataset.pk))
        page.select_option("#id_prompt_version", str(version.pk))
        page.select_option("#id_connection", str(connection.pk))
        page.fill("#id_model", "fake-model")
        page.fill("#id_model_parameters", '{"temperature": 0}')
        page.select_option("#id_evaluator_versions", [str(check.pk)])
        page.fill("#id_name", "browser-run")
        page.click("#ds-experiment-form input[type=submit]")
        page.wait_for_selector("#ds-experiment")
        wait_for_background_work()
        page.locator("#ds-experiment-progress", has_text="3 done, 0 failed").wait_for()
        assert page.get_attribute("#ds-experiment", "data-live") is None
        assert page.locator("#ds-experiment tbody tr.ds-job-succeeded").count() == 3
        page.screenshot(path=screenshot_path("admin-dataset-experiment-run"), full_page=True)
    assert DatasetRun.objects.get().name == "browser-run"
