"""The admin in a real browser: a member logs in and reaches the trace explorer."""

import pytest

from tests.browser import admin_login, chromium_page, screenshot_path

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_logs_in_and_sees_the_trace_explorer(live_server, make_user, project):
    make_user("ana", project=project)
    with chromium_page() as page:
        admin_login(page, live_server.url, "/admin/observability/trace/", username="ana", password="pw-ana")
        page.locator("#changelist").wait_for()
        page.screenshot(path=screenshot_path("admin-trace-explorer"))
