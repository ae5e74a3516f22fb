"""Alert rules (owners and admins manage them, with their channels inline), "evaluate now", and the history of
state changes with the notifications each one sent."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from aistrale.errors import DomainError
from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import (
    ManagersWriteAdmin,
    PartOfParentInline,
    ReadOnlyProjectAdmin,
    managed_projects,
)
from observability.actors import alert_rule_evaluate_and_notify
from observability.alerts.metrics import alert_metric_choices
from observability.alerts.services import (
    RULE_FIELDS,
    alert_channel_create,
    alert_channel_delete,
    alert_channel_update,
    alert_rule_create,
    alert_rule_delete,
    alert_rule_update,
)
from observability.models import AlertChannel, AlertEvent, AlertNotification, AlertRule

HISTORY_ROWS = 20


class AlertRuleForm(forms.ModelForm):
    """The services check every field; their errors come back on these fields."""

    metric = forms.ChoiceField(choices=alert_metric_choices)
    filter = forms.JSONField(
        required=False,
        initial=list,
        help_text='A JSON filter on the metric\'s rows, e.g. [{"type": "string", "column": "name", '
        '"operator": "=", "value": "chat"}]',
    )

    class Meta:
        model = AlertRule
        fields = ("project", *RULE_FIELDS)


class AlertChannelInline(PartOfParentInline, admin.TabularInline):
    model = AlertChannel
    fields = ("kind", "target", "active", "created_at")
    readonly_fields = ("created_at",)
    extra = 1


def _history(rule: AlertRule):
    events = rule.events.order_by("-created_at")[:HISTORY_ROWS]
    if not events:
        return "No state change yet."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                event.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                event.get_previous_state_display(),
                event.get_state_display(),
                "no data" if event.value is None else f"{event.value:.6g}",
                "" if event.threshold is None else f"{event.threshold:.6g}",
            )
            for event in events
        ),
    )
    return format_html(
        "<table><thead><tr><th>At</th><th>Change</th><th>Value</th><th>Threshold</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        rows,
    )


@admin.register(AlertRule)
class AlertRuleAdmin(DomainErrorsAsFormErrors, ManagersWriteAdmin):
    form = AlertRuleForm
    list_display = ("name", "project", "metric", "thresholds", "window_seconds", "state", "last_value", "enabled")
    list_filter = ("state", "enabled", "metric")
    search_fields = ("name",)
    list_select_related = ("project__organization",)
    readonly_fields = ("state", "last_value", "last_evaluated_at", "state_changed_at", "history", "created_at")
    inlines = (AlertChannelInline,)
    actions = ["evaluate_now"]
    change_form_template = "observability/admin/alertrule_change_form.html"

    @admin.display(description="warning / critical")
    def thresholds(self, rule):
        return " / ".join(
            "–" if value is None else f"{value:g}" for value in (rule.warning_threshold, rule.critical_threshold)
        )

    @admin.display(description="History (latest first)")
    def history(self, rule):
        if rule.pk is None or rule._state.adding:
            return "–"
        url = reverse("admin:observability_alertevent_changelist") + f"?rule__id__exact={rule.pk}"
        return format_html('{}<p><a href="{}">Every state change and its notifications</a></p>', _history(rule), url)

    def save_model(self, request, obj, form, change):
        fields = {key: form.cleaned_data[key] for key in RULE_FIELDS}
        fields["filter"] = fields["filter"] or []
        if change:
            alert_rule_update(rule=AlertRule.objects.get(pk=obj.pk), **fields)
        else:
            rule = alert_rule_create(project=form.cleaned_data["project"], **fields)
            obj.pk = rule.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        """Each channel row through the services (the admin's change message then lists none of them)."""
        rule = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None)
            if not data:
                continue
            channel = row.instance
            if channel._state.adding:
                if not data.get("DELETE"):
                    created, secret = alert_channel_create(
                        rule=rule, kind=data["kind"], target=data["target"], active=data["active"]
                    )
                    if secret:
                        messages.warning(
                            request,
                            format_html(
                                "Copy the signing secret of {} now, it is not shown again: <code>{}</code>",
                                created.target,
                                secret,
                            ),
                        )
            elif data.get("DELETE"):
                alert_channel_delete(channel=AlertChannel.objects.get(pk=channel.pk))
            elif row.has_changed():
                alert_channel_update(
                    channel=AlertChannel.objects.get(pk=channel.pk),
                    target=data["target"],
                    active=data["active"],
                    kind=data["kind"],
                )

    def delete_model(self, request, obj):
        alert_rule_delete(rule=obj)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            alert_rule_delete(rule=rule)

    def _report_evaluation(self, request, rule: AlertRule) -> None:
        """Evaluate the rule, send what a state change notifies, and show the state and value as a message."""
        try:
            event = alert_rule_evaluate_and_notify(rule=rule)
        except DomainError as error:
            self.message_user(request, f"{rule.name}: {error.message}", messages.ERROR)
            return
        value = "no data" if rule.last_value is None else f"{rule.last_value:.6g}"
        if event is None:
            self.message_user(request, f"{rule.name}: still {rule.get_state_display()} (value {value}).")
        else:
            change = f"{event.get_previous_state_display()} → {event.get_state_display()}"
            channels = event.notifications.count()
            notified = f"{channels} notification(s) queued" if channels else "no active channel to notify"
            self.message_user(request, f"{rule.name}: {change} (value {value}); {notified}.")

    @admin.action(description="Evaluate now", permissions=["change"])
    def evaluate_now(self, request, queryset):
        for rule in queryset.filter(project__in=managed_projects(request.user)).select_related("project"):
            self._report_evaluation(request, rule)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/evaluate/", view(self.evaluate_view), name="observability_alertrule_evaluate"),
            *super().get_urls(),
        ]

    def evaluate_view(self, request, object_id):
        """The change page's "Evaluate now" button: evaluate this rule, then back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        rule = self.get_queryset(request).select_related("project").filter(pk=unquote(object_id)).first()
        if rule is None or not self.has_change_permission(request, rule):
            raise Http404("No alert rule you manage has this id.")
        self._report_evaluation(request, rule)
        return HttpResponseRedirect(reverse("admin:observability_alertrule_change", args=[rule.pk]))


class AlertNotificationInline(PartOfParentInline, admin.TabularInline):
    model = AlertNotification
    fields = ("channel", "status", "attempts", "response_code", "error", "last_attempt_at")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnlyProjectAdmin):
    """The history: each state change of each rule, with the notification it sent to each channel."""

    list_display = ("created_at", "rule", "previous_state", "state", "value", "threshold", "notified")
    list_filter = ("state", ("rule", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("rule", "project__organization")
    date_hierarchy = "created_at"
    fields = ("rule", "project", "previous_state", "state", "value", "threshold", "window_start", "window_end")
    inlines = (AlertNotificationInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("notifications__channel")

    @admin.display(description="Notifications")
    def notified(self, event):
        return ", ".join(f"{n.channel.kind}: {n.status}" for n in event.notifications.all()) or "–"
