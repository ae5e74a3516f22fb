"""The feedback overview and the trace page's feedback panel in a real browser (screenshots for review)."""

import pytest
from django.urls import reverse

from evals.models import ScoreDataType
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.feedback.factories import feedback_score
from tests.observability.factories import make_trace

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_reads_the_overview_and_a_traces_feedback(live_server, make_user, project):
    make_user("ana", project=project)
    trace = make_trace(project, "t-refund", name="refund-chat")
    feedback_score(project, trace_id="t-refund", value=0, comment="It refunded the wrong order.")
    feedback_score(project, trace_id="t-refund", value=2, data_type=ScoreDataType.NUMERIC)
    for index in range(6):
        feedback_score(project, trace_id=f"t-{index}", value=index % 3 != 0, comment=f"Answer {index} was fine")
    with chromium_page() as page:
        admin_login(
            page, live_server.url, "/admin/feedback/feedbacksettings/overview/", username="ana", password="pw-ana"
        )
        page.screenshot(path=screenshot_path("feedback-overview"), full_page=True)
        assert page.locator("#fb-volume").inner_text() == "8"
        assert page.locator("#fb-worst tbody tr").first.inner_text().startswith("t-refund")

        page.goto(live_server.url + reverse("admin:observability_trace_change", args=[trace.key]))
        panel = page.locator("#feedback-panel")
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=screenshot_path("feedback-trace-panel"))
        assert "It refunded the wrong order." in panel.inner_text()
