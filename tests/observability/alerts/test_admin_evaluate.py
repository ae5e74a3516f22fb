"""The "Evaluate now" button of an alert rule's change page."""

import pytest
from django.utils import timezone

from aistrale.tenancy.models import Role
from observability.alerts.services import alert_channel_create
from observability.models import AlertEvent, AlertNotification
from tests.observability.alerts.factories import make_rule, spend

pytestmark = pytest.mark.django_db

RULES = "/admin/observability/alertrule/"


def test_the_change_page_evaluates_its_rule_and_shows_state_and_value(client, owner, project):
    rule = make_rule(project)
    alert_channel_create(rule=rule, kind="email", target="ops@example.com")
    other = make_rule(project, name="other")
    spend(project, 7.5, at=timezone.now())
    client.force_login(owner)
    page = client.get(f"{RULES}{rule.pk}/change/").content.decode()
    assert f'action="{RULES}{rule.pk}/evaluate/"' in page and 'id="evaluate-now"' in page
    response = client.post(f"{RULES}{rule.pk}/evaluate/", follow=True)
    assert response.redirect_chain == [(f"{RULES}{rule.pk}/change/", 302)]
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["spend: OK → Critical (value 7.5); 1 notification(s) queued."]
    assert "<td>OK → Critical</td><td>7.5</td><td>5</td>" in response.content.decode()
    response = client.post(f"{RULES}{rule.pk}/evaluate/", follow=True)
    assert [str(message) for message in response.context["messages"]] == ["spend: still Critical (value 7.5)."]
    assert list(AlertEvent.objects.values_list("rule_id", "state")) == [(rule.pk, "critical")]
    assert AlertNotification.objects.filter(event__rule=rule).count() == 1
    other.refresh_from_db()
    assert other.last_evaluated_at is None


def test_no_data_shows_as_such(client, owner, project):
    rule = make_rule(project, no_data="alert")
    client.force_login(owner)
    response = client.post(f"{RULES}{rule.pk}/evaluate/", follow=True)
    assert [str(message) for message in response.context["messages"]] == [
        "spend: OK → No data (value no data); no active channel to notify."
    ]


def test_only_managers_of_the_rules_project_may_evaluate_it(client, make_user, project, other_project):
    rule = make_rule(project)
    member = make_user("member", project=project, role=Role.MEMBER)
    client.force_login(member)
    assert 'id="evaluate-now"' not in client.get(f"{RULES}{rule.pk}/change/").content.decode()
    assert client.post(f"{RULES}{rule.pk}/evaluate/").status_code == 404
    stranger = make_user("stranger", project=other_project, role=Role.OWNER)
    client.force_login(stranger)
    assert client.post(f"{RULES}{rule.pk}/evaluate/").status_code == 404
    rule.refresh_from_db()
    assert rule.last_evaluated_at is None


def test_the_button_only_takes_a_post(client, owner, project):
    rule = make_rule(project)
    client.force_login(owner)
    assert client.get(f"{RULES}{rule.pk}/evaluate/").status_code == 405
    assert client.post(f"{RULES}missing/evaluate/").status_code == 404
