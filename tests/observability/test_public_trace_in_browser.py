"""In a real browser: a member shares a trace, comments on it, and the link opens without login."""

import pytest

from observability.models import Trace
from tests.browser import chromium_page, screenshot_path
from tests.observability.factories import make_llm_trace

pytestmark = pytest.mark.django_db(transaction=True)


def test_share_a_trace_comment_and_open_the_link_logged_out(live_server, make_user, project):
    make_user("ana", project=project)
    trace = make_llm_trace(project, "t-browser", name="support-chat")
    with chromium_page() as page:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/observability/trace/{trace.key}/change/")
        page.fill("#id_username", "ana")
        page.fill("#id_password", "pw-ana")
        page.keyboard.press("Enter")
        page.wait_for_selector("#obs-share")
        page.click("text=Make public (share by link)")
        page.wait_for_selector(".obs-share-link")
        link = page.input_value(".obs-share-link")
        page.select_option("#id_comment_target", "OBSERVATION:t-browser-gen")
        page.fill("#id_comment_content", "The answer ignores the retrieved document.")
        page.click("text=Add comment")
        page.wait_for_selector("text=Comment added.")
        page.screenshot(path=screenshot_path("admin-trace-shared-with-comment"), full_page=True)
        assert page.locator(".feedback-comment-content").inner_text() == "The answer ignores the retrieved document."
        page.context.clear_cookies()
        response = page.goto(link)
        assert response.status == 200
        page.screenshot(path=screenshot_path("public-trace"), full_page=True)
        assert page.locator(".obs-wf-row").count() == 4
        assert page.locator("a[href^='/admin']").count() == 0
    assert Trace.objects.get(pk=trace.pk).public
