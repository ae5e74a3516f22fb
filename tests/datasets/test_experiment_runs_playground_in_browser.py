"""The playground's dataset actions in a real browser: a run kept as an item, then the messages run over the
dataset server-side (screenshot for review)."""

import pytest

from datasets.models import DatasetItem, DatasetRun
from tests.background import wait_for_background_work
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.datasets.factories import make_dataset
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/admin/prompts/prompt/playground/"


def test_a_run_is_added_to_a_dataset_then_run_over_it(live_server, make_user, project, fake_provider):
    make_user("ana", project=project)
    make_connection(project, fake_provider)
    make_dataset(project)
    with chromium_page() as page:
        admin_login(page, live_server.url, PAGE, username="ana", password="pw-ana")
        page.wait_for_selector("#playground[data-ready=true]")
        page.locator(".message-content").nth(0).fill("Be brief.")
        page.locator(".message-content").nth(1).fill("Capital of {{country}}?")
        page.fill("input.variable[name=country]", "France")
        first = page.locator(".playground-variant").nth(0)
        first.locator(".variant-connection").select_option("fake-openai")
        first.locator(".variant-model").fill("fake-model")
        page.click("#run")
        page.wait_for_selector(".playground-variant:nth-child(1)[data-state=done]")
        page.fill("#action-dataset", "qa")
        page.click(".playground-action:text('Add to dataset')")
        page.wait_for_selector("#action-result:has-text('Added item')")
        page.click(".playground-action:text('Run over a dataset')")
        page.wait_for_selector("#action-result a:has-text('Started')")
        page.screenshot(path=screenshot_path("prompts-playground-dataset-actions"), full_page=True)
    item = DatasetItem.objects.get()
    assert (item.input, item.expected_output) == ({"country": "France"}, "Capital of France?")
    assert item.source_trace_id
    wait_for_background_work()
    run = DatasetRun.objects.get()
    assert run.run_items.get().dataset_item_id == item.id
