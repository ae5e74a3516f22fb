"""The admin in a real browser: a member logs in and reaches the trace explorer."""

import pytest

from tests.browser import chromium_page, screenshot_path

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_logs_in_and_sees_the_trace_explorer(live_server, make_user, project):
    make_user("ana", project=project)
    with chromium_page() as page:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/observability/trace/")
        page.fill("#id_username", "ana")
        page.fill("#id_password", "pw-ana")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login/" not in url and url.endswith("/admin/observability/trace/"))
        page.screenshot(path=screenshot_path("admin-trace-explorer"))
        assert page.locator("#changelist").count() == 1
