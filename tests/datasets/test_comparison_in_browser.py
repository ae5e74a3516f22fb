"""The run comparison page in a real browser: a member picks a dataset and two runs and reads the comparison."""

import pytest
from django.urls import reverse

from tests.browser import admin_login, chromium_page, screenshot_path
from tests.datasets.io_rows import make_two_runs

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_picks_two_runs_and_compares(live_server, make_user, project):
    dataset, a, b = make_two_runs(project)
    make_user("ana", project=project)
    path = reverse("admin:datasets_run_comparison")
    with chromium_page() as page:
        admin_login(page, live_server.url, path, username="ana", password="pw-ana")
        page.select_option("#ds-dataset", str(dataset.pk))
        page.click("#ds-pick input[type=submit]")
        page.wait_for_selector("#ds-runs")
        page.check(f"#ds-runs input[value='{a.pk}']")
        page.check(f"#ds-runs input[value='{b.pk}']")
        page.click("#ds-pick input[type=submit]")
        page.wait_for_selector("#ds-items")
        page.wait_for_load_state("load")
        assert page.locator("#ds-items tbody tr").count() == 4
        assert page.locator("#ds-differences tbody tr").first.inner_text().split("\t")[:4] == [
            "acc",
            "b",
            "+1",
            "[+1, +1]",
        ]
        page.screenshot(path=screenshot_path("admin-dataset-run-comparison"), full_page=True)
