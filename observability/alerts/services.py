"""Alert rules and their channels: create, update, delete, each checked and audited."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.forms.models import model_to_dict

from aistrale.errors import DomainError
from aistrale.tenancy.services import audit_record
from observability.alerts.metrics import alert_metric_get, filter_conditions
from observability.models import AlertChannel, AlertDirection, AlertRule, AlertState, ChannelKind, NoDataPolicy
from prompts.webhooks import webhook_secret_validate, webhook_url_validate

MIN_WINDOW_SECONDS, MAX_WINDOW_SECONDS = 60, 31 * 86400
RULE_FIELDS = (
    "name",
    "metric",
    "metric_option",
    "filter",
    "direction",
    "warning_threshold",
    "critical_threshold",
    "window_seconds",
    "no_data",
    "enabled",
)


def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise DomainError(f"must be one of {', '.join(choices.values)}, got {value!r}", field=field)
    return value


def _threshold(value, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise DomainError(f"must be a number, got {value!r}", field=field)
    return float(value)


def alert_rule_validate(**fields) -> dict:
    """The rule's fields checked; a DomainError naming the first bad one."""
    name = (fields.get("name") or "").strip()
    if not name:
        raise DomainError("is required", field="name")
    metric = alert_metric_get(fields.get("metric"))
    option = (fields.get("metric_option") or "").strip()
    if metric.option_label and not option:
        raise DomainError(f"is required for this metric: the {metric.option_label}", field="metric_option")
    if option and not metric.option_label:
        raise DomainError("this metric takes no option: leave it empty", field="metric_option")
    rule_filter = fields.get("filter") or []
    filter_conditions(rule_filter, metric.filters)
    direction = _choice(fields.get("direction", AlertDirection.ABOVE), AlertDirection, "direction")
    warning = _threshold(fields.get("warning_threshold"), "warning_threshold")
    critical = _threshold(fields.get("critical_threshold"), "critical_threshold")
    if warning is None and critical is None:
        raise DomainError("set a warning threshold, a critical threshold or both", field="warning_threshold")
    above = direction == AlertDirection.ABOVE
    if warning is not None and critical is not None and (critical < warning if above else critical > warning):
        side = "at or above" if above else "at or below"
        raise DomainError(f"must be {side} the warning threshold {warning:g}", field="critical_threshold")
    window = fields.get("window_seconds", 3600)
    whole = isinstance(window, int) and not isinstance(window, bool)
    if not whole or not MIN_WINDOW_SECONDS <= window <= MAX_WINDOW_SECONDS:
        raise DomainError(
            f"must be a whole number of seconds from {MIN_WINDOW_SECONDS} to {MAX_WINDOW_SECONDS}, got {window!r}",
            field="window_seconds",
        )
    return {
        "name": name,
        "metric": fields["metric"],
        "metric_option": option,
        "filter": rule_filter,
        "direction": direction,
        "warning_threshold": warning,
        "critical_threshold": critical,
        "window_seconds": window,
        "no_data": _choice(fields.get("no_data", NoDataPolicy.OK), NoDataPolicy, "no_data"),
        "enabled": bool(fields.get("enabled", True)),
    }


def _name_free(*, project, name: str, rule: AlertRule | None = None) -> None:
    taken = AlertRule.objects.filter(project=project, name=name)
    if rule is not None:
        taken = taken.exclude(pk=rule.pk)
    if taken.exists():
        raise DomainError(f"an alert rule named {name!r} exists in this project", field="name", status=409)


def _state(rule: AlertRule) -> dict:
    return model_to_dict(rule, fields=RULE_FIELDS)


@transaction.atomic
def alert_rule_create(*, project, **fields) -> AlertRule:
    """A new rule (state OK); `fields` are RULE_FIELDS."""
    values = alert_rule_validate(**fields)
    _name_free(project=project, name=values["name"])
    rule = AlertRule.objects.create(project=project, **values)
    audit_record(
        action="alert_rule.created", object_type="AlertRule", object_id=rule.pk, project=project, after=_state(rule)
    )
    return rule


@transaction.atomic
def alert_rule_update(*, rule: AlertRule, **fields) -> AlertRule:
    """Change a rule; a changed metric, option, filter or direction starts it again from OK."""
    values = alert_rule_validate(**{**_state(rule), **fields})
    _name_free(project=rule.project, name=values["name"], rule=rule)
    before = _state(AlertRule.objects.get(pk=rule.pk))
    watched = ("metric", "metric_option", "filter", "direction")
    if any(before[key] != values[key] for key in watched):
        rule.state, rule.state_changed_at, rule.last_value = AlertState.OK, None, None
    for key, value in values.items():
        setattr(rule, key, value)
    rule.save()
    audit_record(
        action="alert_rule.updated",
        object_type="AlertRule",
        object_id=rule.pk,
        project=rule.project,
        before=before,
        after=_state(rule),
    )
    return rule


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule) -> None:
    audit_record(
        action="alert_rule.deleted",
        object_type="AlertRule",
        object_id=rule.pk,
        project=rule.project,
        before=_state(rule),
    )
    rule.delete()


def _emails(target: str) -> str:
    addresses = [address.strip() for address in (target or "").split(",") if address.strip()]
    if not addresses:
        raise DomainError("must list one or more email addresses, separated by commas", field="target")
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise DomainError(f"{address!r} is not an email address", field="target") from None
    return ", ".join(addresses)


def alert_channel_validate(*, kind, target: str) -> str:
    """The channel's target checked (an http(s) URL, or email addresses)."""
    _choice(kind, ChannelKind, "kind")
    if kind == ChannelKind.EMAIL:
        return _emails(target)
    return webhook_url_validate(target, field="target")


@transaction.atomic
def alert_channel_create(
    *, rule: AlertRule, kind: str, target: str, secret: str | None = None, active: bool = True
) -> tuple[AlertChannel, str]:
    """A channel of the rule, with its plain signing secret (webhooks: generated unless given; others: "")."""
    target = alert_channel_validate(kind=kind, target=target)
    secret = webhook_secret_validate(secret) if kind == ChannelKind.WEBHOOK else ""
    channel = AlertChannel.objects.create(
        project=rule.project, rule=rule, kind=kind, target=target, secret=secret, active=active
    )
    audit_record(
        action="alert_channel.created",
        object_type="AlertChannel",
        object_id=channel.pk,
        project=rule.project,
        after={"rule": rule.pk, "kind": kind, "target": target, "active": active},
    )
    return channel, secret


@transaction.atomic
def alert_channel_update(*, channel: AlertChannel, target: str, active: bool, kind: str | None = None) -> AlertChannel:
    """Change a channel's target or activity; its kind is fixed once saved."""
    if kind is not None and kind != channel.kind:
        raise DomainError(f"a {channel.kind} channel stays one: add a new {kind} channel instead", field="kind")
    before = {"target": channel.target, "active": channel.active}
    channel.target, channel.active = alert_channel_validate(kind=channel.kind, target=target), active
    channel.save(update_fields=["target", "active"])
    audit_record(
        action="alert_channel.updated",
        object_type="AlertChannel",
        object_id=channel.pk,
        project=channel.project,
        before=before,
        after={"target": channel.target, "active": channel.active},
    )
    return channel


@transaction.atomic
def alert_channel_delete(*, channel: AlertChannel) -> None:
    audit_record(
        action="alert_channel.deleted",
        object_type="AlertChannel",
        object_id=channel.pk,
        project=channel.project,
        before={"rule": channel.rule_id, "kind": channel.kind, "target": channel.target},
    )
    channel.delete()
