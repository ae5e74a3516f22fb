"""The datasets admin in a real browser: folders, an item's history, a run's items, "add to dataset" from traces."""

import pytest

from datasets.models import DatasetItem
from datasets.services import item_upsert
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.datasets.factories import make_dataset, make_item, make_run_item
from tests.observability.factories import make_trace

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_browses_datasets_and_adds_traces(live_server, make_user, project):
    make_user("ana", project=project)
    qa = make_dataset(project, name="evals/qa", description="capital cities")
    make_dataset(project, name="evals/deep/regressions")
    make_dataset(project, name="smoke")
    item = make_item(qa, item_id="france", input={"country": "France"}, expected_output="Lyon")
    item_upsert(dataset=qa, item_id="france", expected_output="Paris")
    run_item = make_run_item(DatasetItem.objects.get(id="france"), run_name="baseline", trace_id="t-france")
    make_trace(project, "t-prod", name="chat", input={"country": "Peru"}, output="Lima")
    with chromium_page() as page:
        admin_login(page, live_server.url, "/admin/datasets/dataset/", username="ana", password="pw-ana")
        page.click("#changelist-filter a:text('evals')")
        page.wait_for_url(lambda url: "folder=evals" in url)
        assert page.locator("#result_list tbody tr").count() == 2
        page.screenshot(path=screenshot_path("admin-datasets-folder"), full_page=True)
        page.goto(f"{live_server.url}/admin/datasets/datasetitem/{item.pk}/change/")
        page.wait_for_selector("table.dataset-item-history")
        assert page.locator("table.dataset-item-history tbody tr").count() == 2
        page.screenshot(path=screenshot_path("admin-dataset-item-history"), full_page=True)
        page.goto(f"{live_server.url}/admin/datasets/datasetrun/{run_item.run.pk}/change/")
        page.wait_for_selector("table.dataset-run-items a:text('t-france')")
        page.screenshot(path=screenshot_path("admin-dataset-run"), full_page=True)
        page.goto(f"{live_server.url}/admin/observability/trace/")
        page.check("#result_list input.action-select")
        page.select_option("select[name=action]", "add_to_dataset")
        page.click("button[name=index]")
        page.wait_for_selector("#add-to-dataset")
        page.select_option("#dataset", str(qa.key))
        page.screenshot(path=screenshot_path("admin-add-to-dataset"), full_page=True)
        page.click("#add-to-dataset input[type=submit]")
        page.wait_for_selector("text=1 items added to or updated in evals/qa")
    assert DatasetItem.objects.get(source_trace_id="t-prod").expected_output == "Lima"
