"""The gateway route pages in a real browser (screenshots for review)."""

import pytest

from tests.browser import admin_login, chromium_page, screenshot_path
from tests.gateway.factories import connection_to, make_route

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_route_with_failover_and_a_split_shows_its_targets(
    live_server, make_user, project, fake_provider, second_provider
):
    make_user("ana", project=project)
    primary = connection_to(project, fake_provider, name="openai-primary")
    backup = connection_to(project, second_provider, name="openai-backup")
    route = make_route(project, "support-default", (primary, "gpt-4o-mini", 70), (backup, "gpt-4o", 30), split_seed=7)
    with chromium_page() as page:
        admin_login(page, live_server.url, "/admin/observability/gatewayroute/", username="ana", password="pw-ana")
        page.screenshot(path=screenshot_path("gateway-routes"), full_page=True)
        assert "openai-primary/gpt-4o-mini ×70, openai-backup/gpt-4o ×30" in page.locator("#result_list").inner_text()

        page.goto(f"{live_server.url}/admin/observability/gatewayroute/{route.pk}/change/")
        page.wait_for_load_state("load")
        page.screenshot(path=screenshot_path("gateway-route-change"), full_page=True)
        assert page.locator("#id_targets-0-model").input_value() == "gpt-4o-mini"
        assert page.locator("#id_targets-1-weight").input_value() == "30"
