"""The home dashboard in a real browser: every chart drawn, and a click on a bar opening its traces."""

import pytest

from observability.dashboards.charts import chart_list
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.observability.dashboards.factories import FIRST, LAST, load_dashboard_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_home_dashboard_renders_and_drills_into_traces(live_server, make_user, project):
    load_dashboard_data(project)
    make_user("ana", project=project)
    home = "/admin/observability/dashboard/home/"
    with chromium_page() as page:
        admin_login(page, live_server.url, home, username="ana", password="pw-ana")
        page.goto(f"{live_server.url}{home}?from={FIRST}&to={LAST}")
        page.locator("#chart-feedback_positive_rate svg.dash-chart").wait_for()
        assert page.locator("section.dash-card svg.dash-chart").count() == len(chart_list())
        page.screenshot(path=screenshot_path("dashboard"), full_page=True)
        page.screenshot(path=screenshot_path("dashboard-top"))
        page.locator("#chart-cost_per_prompt_version rect.bar").nth(1).click()
        page.wait_for_url(lambda url: "/admin/observability/trace/" in url)
        assert page.locator("#result_list tbody tr").count() == 3
