"""An alert rule in a real browser: created in the admin, "Evaluate now" pressed on its page, the state change
shown in the message and in its history."""

import pytest
from django.utils import timezone

from aistrale.tenancy.models import Role
from observability.models import AlertNotification, AlertRule
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.observability.alerts.factories import spend

pytestmark = pytest.mark.django_db(transaction=True)
ADD = "/admin/observability/alertrule/add/"


def test_a_rule_is_created_evaluated_now_and_its_history_shown(live_server, make_user, project):
    spend(project, 2.5, at=timezone.now())
    make_user("olga", project=project, role=Role.OWNER)
    # The ORM stays outside the page's block: Playwright's event loop would give it a connection of its own.
    with chromium_page() as page:
        admin_login(page, live_server.url, ADD, username="olga", password="pw-olga")
        page.select_option("#id_project", str(project.pk))
        page.fill("#id_name", "Hourly spend")
        page.select_option("#id_metric", "cost_per_hour")
        page.fill("#id_warning_threshold", "1")
        page.fill("#id_critical_threshold", "5")
        page.fill("#id_window_seconds", "3600")
        page.select_option("#id_channels-0-kind", "email")
        page.fill("#id_channels-0-target", "ops@example.com")
        with page.expect_navigation():
            page.click("input[name=_continue]")
        changed = page.url
        assert "No state change yet." in page.locator(".field-history").inner_text()
        with page.expect_navigation():
            page.click("#evaluate-now")
        evaluated = page.url
        message = page.locator("ul.messagelist li").inner_text()
        history = page.locator(".field-history table tbody tr")
        rows = [row.locator("td").all_inner_texts() for row in history.all()]
        page.screenshot(path=screenshot_path("alert-rule-evaluated"), full_page=True)
    rule = AlertRule.objects.get()
    assert changed.endswith(f"/{rule.pk}/change/") and evaluated == changed
    assert message == "Hourly spend: OK → Warning (value 2.5); 1 notification(s) queued."
    assert [cells[1:] for cells in rows] == [["OK → Warning", "2.5", "1"]]
    notified = AlertNotification.objects.filter(event__rule=rule).values_list("channel__target", flat=True)
    assert list(notified) == ["ops@example.com"]
