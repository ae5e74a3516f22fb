"""A saved dashboard showing dashboard widgets in a real browser: each widget drawn, a bar opening the traces of
its model."""

import pytest
from django.urls import reverse

from observability.dashboards import services, widgets
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.observability.dashboards.factories import FIRST, LAST, load_dashboard_data

pytestmark = pytest.mark.django_db(transaction=True)
GENERATIONS = [{"column": "type", "operator": "=", "value": "GENERATION", "type": "string"}]


def test_a_saved_dashboard_draws_its_widgets(live_server, make_user, project):
    load_dashboard_data(project)
    make_user("ana", project=project)
    latency = widgets.widget_create(
        project=project,
        name="Generation latency p95 per day",
        view="observations",
        dimensions=[],
        metrics=[{"measure": "latency", "agg": "p95"}],
        filters=GENERATIONS,
        chart_type="LINE_TIME_SERIES",
    )
    by_model = widgets.widget_create(
        project=project,
        name="Tokens by model",
        view="observations",
        dimensions=[{"field": "providedModelName"}],
        metrics=[{"measure": "totalTokens", "agg": "sum"}],
        filters=GENERATIONS,
        chart_type="VERTICAL_BAR",
    )
    dashboard = services.dashboard_create(
        project=project,
        name="Widgets",
        definition=services.definition_for_charts([f"widget-{latency.pk}", f"widget-{by_model.pk}"]),
    )
    url = reverse("admin:observability_dashboard_view", args=[dashboard.pk])
    with chromium_page() as page:
        admin_login(page, live_server.url, url, username="ana", password="pw-ana")
        page.goto(f"{live_server.url}{url}?from={FIRST}&to={LAST}")
        page.locator(f"#chart-widget-{by_model.pk} svg.dash-chart").wait_for()
        drawn = page.locator("section.dash-card svg.dash-chart").count()
        titles = page.locator("section.dash-card h2").all_inner_texts()
        bars = page.locator(f"#chart-widget-{by_model.pk} rect.bar").count()
        page.screenshot(path=screenshot_path("dashboard-widgets"), full_page=True)
        page.locator(f"#chart-widget-{by_model.pk} rect.bar").first.click()
        page.wait_for_url(lambda link: "/admin/observability/trace/" in link)
        traces = page.locator("#result_list tbody tr").count()
    assert drawn == 2 and titles == ["Generation latency p95 per day", "Tokens by model"]
    assert bars == 2
    assert traces == 5, "claude-3's bar (the first) opens the five traces of its generations"
