"""Alert rules in the admin: create and edit with channels, "evaluate now", and the history."""

import re

import pytest
from django.utils import timezone

from aistrale.tenancy.models import AuditEvent, Role
from aistrale.tenancy.services import membership_set
from observability.alerts.evaluation import alert_rule_evaluate
from observability.alerts.services import alert_channel_create
from observability.models import AlertChannel, AlertEvent, AlertRule
from tests.observability.alerts.factories import NOW, make_rule, spend
from tests.query_counts import assert_queries_constant

pytestmark = pytest.mark.django_db

RULES = "/admin/observability/alertrule/"
HISTORY = "/admin/observability/alertevent/"


def rule_form(project, **fields) -> dict:
    form = {
        "project": project.pk,
        "name": "Support spend",
        "metric": "cost_per_hour",
        "metric_option": "",
        "filter": '[{"type": "string", "column": "name", "operator": "=", "value": "chat"}]',
        "direction": "above",
        "warning_threshold": "1",
        "critical_threshold": "5",
        "window_seconds": "3600",
        "no_data": "ok",
        "enabled": "on",
        "channels-TOTAL_FORMS": "1",
        "channels-INITIAL_FORMS": "0",
        "channels-0-kind": "webhook",
        "channels-0-target": "https://hooks.example.com/alerts",
        "channels-0-active": "on",
    }
    return form | fields


def test_owner_creates_a_rule_with_a_channel_and_sees_its_secret_once(client, owner, project):
    client.force_login(owner)
    assert client.get(f"{RULES}add/").status_code == 200
    response = client.post(f"{RULES}add/", rule_form(project), follow=True)
    assert response.status_code == 200
    secret = re.search(r"(whsec_[A-Za-z0-9_-]{40,})", response.content.decode()).group(1)
    rule = AlertRule.objects.get()
    assert (rule.name, rule.filter[0]["value"], rule.warning_threshold) == ("Support spend", "chat", 1.0)
    [channel] = rule.channels.all()
    assert (channel.kind, channel.target, channel.secret) == ("webhook", "https://hooks.example.com/alerts", secret)
    assert secret not in client.get(f"{RULES}{rule.pk}/change/").content.decode()
    assert AuditEvent.objects.get(action="alert_rule.created").actor == owner


def test_bad_input_comes_back_on_its_field(client, owner, project):
    client.force_login(owner)
    response = client.post(f"{RULES}add/", rule_form(project, critical_threshold="0.5"))
    errors = response.context["adminform"].form.errors
    assert "must be at or above the warning threshold 1" in errors["critical_threshold"][0]
    response = client.post(f"{RULES}add/", rule_form(project, filter='[{"column": "name"}]'))
    assert "filter[0]: needs type, operator" in response.context["adminform"].form.errors["filter"][0]
    assert not AlertRule.objects.exists()


def test_editing_changes_the_rule_and_its_channels(client, owner, project):
    rule = make_rule(project)
    channel, _ = alert_channel_create(rule=rule, kind="email", target="ops@example.com")
    client.force_login(owner)
    form = rule_form(
        project,
        name="spend",
        filter="[]",
        critical_threshold="8",
        **{
            "channels-TOTAL_FORMS": "2",
            "channels-INITIAL_FORMS": "1",
            "channels-0-id": channel.pk,
            "channels-0-rule": rule.pk,
            "channels-0-kind": "email",
            "channels-0-target": "oncall@example.com",
            "channels-0-active": "",
            "channels-1-kind": "slack",
            "channels-1-target": "https://hooks.slack.com/services/T/B/x",
            "channels-1-active": "on",
        },
    )
    response = client.post(f"{RULES}{rule.pk}/change/", form, follow=True)
    assert response.status_code == 200
    rule.refresh_from_db()
    assert rule.critical_threshold == 8.0
    channels = {(c.kind, c.target, c.active) for c in AlertChannel.objects.all()}
    slack = ("slack", "https://hooks.slack.com/services/T/B/x", True)
    assert channels == {("email", "oncall@example.com", False), slack}


def test_evaluate_now_reports_the_change_and_the_history_shows_it(client, owner, project):
    rule = make_rule(project)
    spend(project, 2.0, at=timezone.now())
    client.force_login(owner)
    response = client.post(RULES, {"action": "evaluate_now", "_selected_action": [rule.pk]}, follow=True)
    assert "Spend: OK → Warning (value 2); no active channel to notify." in response.content.decode()
    response = client.post(RULES, {"action": "evaluate_now", "_selected_action": [rule.pk]}, follow=True)
    assert "Spend: still Warning (value 2)." in response.content.decode()
    assert AlertEvent.objects.count() == 1
    page = client.get(f"{RULES}{rule.pk}/change/").content.decode()
    assert "OK → Warning" in page
    assert f"{HISTORY}?rule__id__exact={rule.pk}" in page


def test_members_see_rules_but_only_managers_change_them(client, make_user, project, other_project):
    make_rule(other_project, name="theirs")
    rule = make_rule(project)
    spend(project, 9.0, at=timezone.now())
    member = make_user("member", project=project, role=Role.MEMBER)
    client.force_login(member)
    page = client.get(RULES).content.decode()
    assert "spend" in page and "theirs" not in page
    assert client.get(f"{RULES}add/").status_code == 403
    client.post(RULES, {"action": "evaluate_now", "_selected_action": [rule.pk]})
    membership_set(user=member, project=other_project, role=Role.OWNER)
    client.post(RULES, {"action": "evaluate_now", "_selected_action": [rule.pk]})
    rule.refresh_from_db()
    assert rule.last_evaluated_at is None


def test_history_and_rules_lists_make_a_constant_number_of_queries(client, owner, project):
    client.force_login(owner)
    made = iter(range(1000))

    def rules_with_events(count):
        for _ in range(count):
            rule = make_rule(project, name=f"rule {next(made)}")
            alert_channel_create(rule=rule, kind="email", target="ops@example.com")
            spend(project, 9.0)
            alert_rule_evaluate(rule=rule, now=NOW)

    assert_queries_constant(lambda: client.get(HISTORY), rules_with_events)
    assert_queries_constant(lambda: client.get(RULES), rules_with_events)
