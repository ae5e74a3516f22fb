"""Webhook endpoints (owners and admins manage them) and the read-only delivery log with its redeliver action."""

import json

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from aistrale.limits import column_length
from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import ManagersWriteAdmin, ReadOnlyProjectAdmin, managed_projects
from aistrale.tenancy.selectors import project_can_manage
from prompts.actors import enqueue_deliveries
from prompts.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from prompts.webhooks import (
    webhook_deliveries_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
    webhook_url_refusal,
)


def show_secret_once(request, endpoint: WebhookEndpoint, secret: str) -> None:
    messages.warning(
        request,
        format_html("Copy the signing secret of {} now, it is not shown again: <code>{}</code>", endpoint.url, secret),
    )


class WebhookEndpointForm(forms.ModelForm):
    """The services check the URL, the events and the secret; their errors come back on these fields."""

    url = forms.URLField(label="URL", max_length=column_length(WebhookEndpoint, "url"), assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)
    secret = forms.CharField(
        label="Signing secret",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave empty to generate one (new endpoint) or to keep the current one.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("project", "url", "description", "events", "active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(DomainErrorsAsFormErrors, ManagersWriteAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "project", "subscribed_events", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "description")
    list_select_related = ("project__organization",)
    readonly_fields = ("created_at", "updated_at", "deliveries_link")
    exclude = ("secret",)  # the model's column; the form's write-only `secret` field goes through the services
    actions = ["rotate_secrets"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("secret")

    @admin.display(description="Events")
    def subscribed_events(self, obj):
        return ", ".join(obj.events)

    @admin.display(description="Deliveries")
    def deliveries_link(self, obj):
        url = reverse("admin:prompts_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">delivery log</a>', url, obj.pk)

    def save_model(self, request, obj, form, change):
        fields = {key: form.cleaned_data[key] for key in ("url", "events", "description", "active")}
        secret = form.cleaned_data["secret"]
        if change:
            webhook_endpoint_update(endpoint=obj, **fields)
            if secret:
                webhook_endpoint_rotate_secret(endpoint=obj, secret=secret)
                messages.info(request, "The signing secret was replaced.")
        else:
            endpoint, secret = webhook_endpoint_create(project=form.cleaned_data["project"], secret=secret, **fields)
            obj.pk = endpoint.pk
            obj.refresh_from_db()
            show_secret_once(request, endpoint, secret)
        refusal = webhook_url_refusal(obj.url)
        if refusal:
            messages.warning(request, f"Deliveries to this URL will be refused: {refusal}.")

    def delete_model(self, request, obj):
        webhook_endpoint_delete(endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            webhook_endpoint_delete(endpoint=endpoint)

    @admin.action(description="Generate a new signing secret", permissions=["change"])
    def rotate_secrets(self, request, queryset):
        for endpoint in queryset.select_related("project"):
            if project_can_manage(request.user, endpoint.project):
                show_secret_once(request, endpoint, webhook_endpoint_rotate_secret(endpoint=endpoint))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyProjectAdmin):
    """The delivery log: read-only, with a redeliver action for the project's owners and admins."""

    list_display = ("created_at", "event", "endpoint", "status", "attempts_display", "response_code", "last_attempt_at")
    list_filter = ("status", "event", ("endpoint", admin.RelatedOnlyFieldListFilter))
    search_fields = ("id", "endpoint__url")
    list_select_related = ("endpoint",)
    date_hierarchy = "created_at"
    fields = (
        "id",
        "project",
        "endpoint",
        "event",
        "status",
        "attempts",
        "max_attempts",
        "response_code",
        "response_body",
        "error",
        "payload_pretty",
        "redelivery_of",
        "created_at",
        "last_attempt_at",
        "completed_at",
    )
    readonly_fields = fields
    actions = ["redeliver"]

    @admin.display(description="Attempts")
    def attempts_display(self, obj):
        return f"{obj.attempts} of {obj.max_attempts}"

    @admin.display(description="Payload")
    def payload_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False))

    def has_delete_permission(self, request, obj=None):
        return False

    def has_redeliver_permission(self, request):
        return managed_projects(request.user).exists()

    @admin.action(description="Redeliver the selected deliveries", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        outcome = webhook_deliveries_redeliver(deliveries=queryset, user=request.user)
        enqueue_deliveries(outcome.queued)
        for refusal in outcome.refused:
            self.message_user(request, refusal, messages.ERROR)
        if outcome.not_managed:
            self.message_user(
                request, f"{outcome.not_managed} deliveries skipped: only owners and admins redeliver.", messages.ERROR
            )
        if outcome.queued:
            self.message_user(request, f"{len(outcome.queued)} deliveries queued again.")
