"""Alert rule and channel services: every bad input is refused naming its field; changes are audited."""

import pytest

from aistrale.errors import DomainError
from aistrale.tenancy.models import AuditEvent
from observability.alerts.metrics import alert_metric_choices
from observability.alerts.services import alert_channel_create, alert_channel_update, alert_rule_delete
from observability.models import AlertRule
from tests.observability.alerts.factories import make_rule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": " "}, "name", "is required"),
        ({"metric": "cost"}, "metric", "must be one of cost_per_hour, cost_per_day"),
        ({"metric": "average_score"}, "metric_option", "is required for this metric: the score name"),
        ({"metric_option": "quality"}, "metric_option", "this metric takes no option"),
        ({"filter": {"column": "name"}}, "filter", "must be a JSON array"),
        ({"filter": [{"type": "string", "column": "colour", "operator": "="}]}, "filter[0].column", "'colour'"),
        ({"direction": "sideways"}, "direction", "must be one of above, below"),
        ({"warning_threshold": None, "critical_threshold": None}, "warning_threshold", "set a warning threshold"),
        ({"warning_threshold": "high"}, "warning_threshold", "must be a number"),
        ({"critical_threshold": 0.5}, "critical_threshold", "must be at or above the warning threshold 1"),
        ({"direction": "below"}, "critical_threshold", "must be at or below the warning threshold 1"),
        ({"window_seconds": 30}, "window_seconds", "from 60 to 2678400, got 30"),
        ({"window_seconds": 60.5}, "window_seconds", "whole number"),
        ({"no_data": "panic"}, "no_data", "must be one of ok, keep, alert"),
    ],
)
def test_bad_rule_fields_are_named(project, fields, field, message):
    with pytest.raises(DomainError) as refused:
        make_rule(project, **fields)
    assert (refused.value.field, refused.value.status) == (field, 400)
    assert message in refused.value.message
    assert not AlertRule.objects.exists()


def test_every_app_registers_its_metrics():
    assert [key for key, _ in alert_metric_choices()] == [
        "cost_per_hour",
        "cost_per_day",
        "latency_p95",
        "error_rate",
        "average_score",
        "evaluation_failures",
        "feedback_positive_rate",
    ]


def test_names_are_unique_per_project(project, other_project):
    make_rule(project)
    make_rule(other_project)
    with pytest.raises(DomainError) as refused:
        make_rule(project)
    assert (refused.value.field, refused.value.status) == ("name", 409)


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("pager", "https://example.com", "must be one of webhook, slack, email"),
        ("webhook", "ftp://example.com/x", "must be an absolute http(s) URL"),
        ("slack", "", "must be an absolute http(s) URL"),
        ("email", " , ", "must list one or more email addresses"),
        ("email", "ops@example.com, not-an-address", "'not-an-address' is not an email address"),
    ],
)
def test_bad_channels_are_named(project, kind, target, message):
    rule = make_rule(project)
    with pytest.raises(DomainError) as refused:
        alert_channel_create(rule=rule, kind=kind, target=target)
    assert refused.value.field == ("kind" if kind == "pager" else "target")
    assert message in refused.value.message


def test_webhook_channels_get_a_secret_others_none(project):
    rule = make_rule(project)
    webhook, secret = alert_channel_create(rule=rule, kind="webhook", target="https://hooks.example.com/a")
    slack, no_secret = alert_channel_create(rule=rule, kind="slack", target="https://hooks.slack.com/services/x")
    assert secret.startswith("whsec_") and webhook.secret == secret
    assert (no_secret, slack.secret) == ("", "")
    with pytest.raises(DomainError) as refused:
        alert_channel_create(rule=rule, kind="webhook", target="https://hooks.example.com/b", secret="short")
    assert refused.value.field == "secret"


def test_channel_and_rule_changes_are_audited(project):
    rule = make_rule(project)
    channel, _ = alert_channel_create(rule=rule, kind="email", target="ops@example.com")
    alert_channel_update(channel=channel, target="oncall@example.com", active=False)
    with pytest.raises(DomainError) as refused:
        alert_channel_update(channel=channel, target="https://hooks.example.com", active=True, kind="webhook")
    assert (refused.value.field, channel.kind) == ("kind", "email")
    alert_rule_delete(rule=rule)
    actions = list(AuditEvent.objects.filter(project=project).order_by("pk").values_list("action", flat=True))
    assert actions == ["alert_rule.created", "alert_channel.created", "alert_channel.updated", "alert_rule.deleted"]
