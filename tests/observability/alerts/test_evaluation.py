"""Evaluating alert rules: warning then critical, resolving, no repeats while firing, the no-data policies."""

from datetime import timedelta

import pytest

from aistrale.tenancy.models import AuditEvent
from observability.alerts.evaluation import alert_rule_evaluate
from observability.alerts.services import alert_channel_create, alert_rule_update
from observability.models import AlertEvent, AlertNotification, AlertState, NoDataPolicy
from tests.observability.alerts.factories import NOW, make_rule, spend

pytestmark = pytest.mark.django_db


def history(rule) -> list[tuple[str, str]]:
    return list(rule.events.order_by("key").values_list("previous_state", "state"))


def test_cost_fires_at_warning_then_critical_then_resolves(project):
    rule = make_rule(project)
    alert_channel_create(rule=rule, kind="email", target="ops@example.com")
    spend(project, 0.5)
    assert alert_rule_evaluate(rule=rule, now=NOW) is None
    assert (rule.state, rule.last_value) == (AlertState.OK, pytest.approx(0.5))

    spend(project, 1.0)
    warning = alert_rule_evaluate(rule=rule, now=NOW)
    assert (warning.previous_state, warning.state, warning.threshold) == ("ok", "warning", 1.0)
    assert warning.value == pytest.approx(1.5)
    assert (warning.window_start, warning.window_end) == (NOW - timedelta(hours=1), NOW)

    spend(project, 4.0)
    critical = alert_rule_evaluate(rule=rule, now=NOW)
    assert (critical.state, critical.threshold, critical.value) == ("critical", 5.0, pytest.approx(5.5))

    resolved = alert_rule_evaluate(rule=rule, now=NOW + timedelta(hours=2))
    assert (resolved.previous_state, resolved.state, resolved.value) == ("critical", "ok", None)
    assert history(rule) == [("ok", "warning"), ("warning", "critical"), ("critical", "ok")]
    assert AlertNotification.objects.filter(event__rule=rule).count() == 3


def test_repeated_evaluations_while_firing_record_and_notify_once(project):
    rule = make_rule(project)
    alert_channel_create(rule=rule, kind="email", target="ops@example.com")
    spend(project, 7.0)
    events = [alert_rule_evaluate(rule=rule, now=NOW + timedelta(seconds=second)) for second in range(5)]
    assert [event is not None for event in events] == [True, False, False, False, False]
    assert history(rule) == [("ok", "critical")]
    assert AlertNotification.objects.count() == 1
    rule.refresh_from_db()
    assert (rule.state, rule.last_evaluated_at) == (AlertState.CRITICAL, NOW + timedelta(seconds=4))


def test_an_older_evaluation_arriving_late_changes_nothing(project):
    rule = make_rule(project)
    spend(project, 7.0)
    alert_rule_evaluate(rule=rule, now=NOW)
    assert alert_rule_evaluate(rule=rule, now=NOW + timedelta(hours=3)).state == "ok"
    assert alert_rule_evaluate(rule=rule, now=NOW) is None
    rule.refresh_from_db()
    assert rule.state == AlertState.OK


def test_below_direction_alerts_on_low_values(project):
    rule = make_rule(project, direction="below", warning_threshold=2.0, critical_threshold=1.0)
    spend(project, 1.5)
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "warning"
    spend(project, 1.0)
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "ok"


def test_only_a_critical_threshold(project):
    rule = make_rule(project, warning_threshold=None, critical_threshold=3.0)
    spend(project, 2.0)
    assert alert_rule_evaluate(rule=rule, now=NOW) is None
    spend(project, 1.0)
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "critical"


@pytest.mark.parametrize(
    ("policy", "states"),
    [
        (NoDataPolicy.OK, [("ok", "critical"), ("critical", "ok")]),
        (NoDataPolicy.KEEP, [("ok", "critical")]),
        (NoDataPolicy.ALERT, [("ok", "critical"), ("critical", "no_data")]),
    ],
)
def test_no_data_policies(project, policy, states):
    rule = make_rule(project, no_data=policy)
    spend(project, 9.0)
    alert_rule_evaluate(rule=rule, now=NOW)
    later = NOW + timedelta(hours=5)
    alert_rule_evaluate(rule=rule, now=later)
    alert_rule_evaluate(rule=rule, now=later + timedelta(minutes=1))
    assert history(rule) == states


def test_no_data_alert_policy_fires_from_ok_and_resolves_when_data_comes(project):
    rule = make_rule(project, no_data=NoDataPolicy.ALERT)
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "no_data"
    spend(project, 0.1)
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "ok"


def test_filter_narrows_the_metric_and_other_projects_never_count(project, other_project):
    rule = make_rule(project, filter=[{"type": "string", "column": "name", "operator": "=", "value": "chat"}])
    spend(project, 9.0, name="embed")
    spend(other_project, 9.0, name="chat")
    spend(project, 2.0, name="chat")
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "warning"
    assert rule.last_value == pytest.approx(2.0)


def test_cost_per_day_scales_the_window(project):
    rule = make_rule(project, metric="cost_per_day", warning_threshold=20, critical_threshold=50, window_seconds=7200)
    spend(project, 1.0)
    alert_rule_evaluate(rule=rule, now=NOW)
    assert rule.last_value == pytest.approx(12.0)


def test_error_rate_and_p95_latency(project):
    for number, level in enumerate(["ERROR", "DEFAULT", "DEFAULT", "WARNING"]):
        spend(project, 0, level=level, duration=float(number + 1))
    rate = make_rule(project, name="errors", metric="error_rate", warning_threshold=20, critical_threshold=50)
    assert alert_rule_evaluate(rule=rate, now=NOW).state == "warning"
    assert rate.last_value == pytest.approx(25.0)
    latency = make_rule(project, name="slow", metric="latency_p95", warning_threshold=3000, critical_threshold=10_000)
    assert alert_rule_evaluate(rule=latency, now=NOW).state == "warning"
    assert latency.last_value == pytest.approx(3850.0)


def test_changing_what_a_rule_watches_starts_it_from_ok(project):
    rule = make_rule(project)
    spend(project, 9.0)
    alert_rule_evaluate(rule=rule, now=NOW)
    alert_rule_update(rule=rule, critical_threshold=10.0)
    assert rule.state == AlertState.CRITICAL
    alert_rule_update(rule=rule, direction="below", warning_threshold=1.0, critical_threshold=0.5)
    assert (rule.state, rule.last_value) == (AlertState.OK, None)
    actions = AuditEvent.objects.filter(object_id=rule.pk).values_list("action", flat=True)
    assert sorted(actions) == ["alert_rule.created", "alert_rule.updated", "alert_rule.updated"]


def test_a_disabled_channel_gets_no_notification(project):
    rule = make_rule(project)
    alert_channel_create(rule=rule, kind="email", target="ops@example.com", active=False)
    spend(project, 9.0)
    alert_rule_evaluate(rule=rule, now=NOW)
    assert AlertEvent.objects.count() == 1
    assert not AlertNotification.objects.exists()
