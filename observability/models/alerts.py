"""Alert rules (a metric over a window compared with warning and critical thresholds), their notification
channels, the history of their state changes and the notifications each change sent."""

from django.db import models

from aistrale.crypto import EncryptedTextField
from aistrale.tenancy.ids import new_id
from aistrale.tenancy.models import Project
from prompts.models import DeliveryStatus


class AlertDirection(models.TextChoices):
    ABOVE = "above", "Alert when the value is at or above the threshold"
    BELOW = "below", "Alert when the value is at or below the threshold"


class NoDataPolicy(models.TextChoices):
    OK = "ok", "Treat as OK"
    KEEP = "keep", "Keep the current state"
    ALERT = "alert", "Alert (no-data state)"


class AlertState(models.TextChoices):
    OK = "ok", "OK"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"
    NO_DATA = "no_data", "No data"


class AlertRule(models.Model):
    """`metric` is a key of the alert metric registry (observability.alerts.metrics); `metric_option` the
    argument some metrics take (the score name of an average score); `filter` a JSON filter on its rows."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    metric = models.CharField(max_length=64)
    metric_option = models.CharField(max_length=200, blank=True)
    filter = models.JSONField(default=list, blank=True)
    direction = models.CharField(max_length=8, choices=AlertDirection.choices, default=AlertDirection.ABOVE)
    warning_threshold = models.FloatField(null=True, blank=True)
    critical_threshold = models.FloatField(null=True, blank=True)
    window_seconds = models.PositiveIntegerField(default=3600, help_text="The metric is computed over this window.")
    no_data = models.CharField(max_length=8, choices=NoDataPolicy.choices, default=NoDataPolicy.OK)
    enabled = models.BooleanField(default=True)
    state = models.CharField(max_length=16, choices=AlertState.choices, default=AlertState.OK, editable=False)
    last_value = models.FloatField(null=True, blank=True, editable=False)
    last_evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    state_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="alert_rule_name_unique")]
        indexes = [models.Index(fields=["enabled"], name="alert_rule_enabled")]

    def __str__(self):
        return self.name


class ChannelKind(models.TextChoices):
    WEBHOOK = "webhook", "Webhook (signed)"
    SLACK = "slack", "Slack incoming webhook"
    EMAIL = "email", "Email"


class AlertChannel(models.Model):
    """Where a rule's state changes go: a URL (webhook, Slack) or comma-separated email addresses."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    target = models.CharField(max_length=2000, help_text="The URL, or email addresses separated by commas.")
    secret = EncryptedTextField(blank=True, editable=False, help_text="Webhook signing secret, encrypted at rest.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.get_kind_display()}: {self.target}"


class AlertEvent(models.Model):
    """One state change of a rule, with the value and threshold that caused it."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    previous_state = models.CharField(max_length=16, choices=AlertState.choices)
    state = models.CharField(max_length=16, choices=AlertState.choices)
    value = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["rule", "-created_at"], name="alert_event_rule_time")]

    def __str__(self):
        return f"{self.rule_id}: {self.previous_state} -> {self.state}"


class AlertNotification(models.Model):
    """One state change sent (or being sent) to one channel, with the outcome of its last attempt."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="notifications")
    channel = models.ForeignKey(AlertChannel, on_delete=models.CASCADE, related_name="notifications")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField()
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="alert_notification_status")]

    def __str__(self):
        return f"{self.channel} ({self.status})"
