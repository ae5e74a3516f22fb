"""LLM connections in the admin: added and edited through the services, keys write-only, a "Send a ping" button.

The key and the extra headers are never rendered: the key shows masked ("...abcd"), the headers by name;
leaving either blank keeps what is stored. Only the project's owners and admins change connections.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from aistrale.errors import DomainError
from aistrale.llm.models import SUPPORTED_ADAPTERS, LlmAdapter, LlmConnection
from aistrale.llm.selectors import extra_header_keys, secret_display
from aistrale.llm.services import llm_connection_delete, llm_connection_ping, llm_connection_upsert
from aistrale.llm.types import LlmError
from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import ManagersWriteAdmin

PING_ANSWER_SHOWN = 200


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders a value: what it holds is a secret."""

    def format_value(self, value):
        return ""


ADAPTER_CHOICES = [
    (value, label if value in SUPPORTED_ADAPTERS else f"{label} (not supported yet)")
    for value, label in LlmAdapter.choices
]


class OptionalJSONField(forms.JSONField):
    """A JSON input shown empty (not `null`) when it holds nothing."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class LlmConnectionForm(forms.ModelForm):
    adapter = forms.ChoiceField(
        choices=ADAPTER_CHOICES, help_text="OpenAI also serves any OpenAI-compatible server through the base URL."
    )
    secret_key = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Blank keeps the stored key.",
    )
    extra_headers = forms.JSONField(
        required=False,
        widget=WriteOnlyTextarea(attrs={"rows": 3, "placeholder": '{"X-Header": "value"}'}),
        help_text="Write-only JSON object of header names to values. Blank keeps the stored headers; {} removes them.",
    )
    base_url = forms.URLField(
        required=False,
        assume_scheme="https",
        max_length=2000,
        help_text="OpenAI-compatible servers: their /v1 URL. Azure: the resource endpoint. Blank: the provider's own.",
    )
    custom_models = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One model name per line (Azure: the deployment names). The first one is pinged.",
    )
    config = OptionalJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='Azure: {"apiVersion": "2024-10-21"}. OpenAI: {"useResponsesApi": false}. Others: blank.',
    )

    class Meta:
        model = LlmConnection
        fields = ("project", "provider", "adapter", "base_url", "with_default_models")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("secret_key", None)
        self.initial.pop("extra_headers", None)
        if self.instance.pk:
            self.initial["custom_models"] = "\n".join(self.instance.custom_models or [])
            self.initial["config"] = self.instance.config

    def clean_custom_models(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["custom_models"].splitlines() if line.strip()]


@admin.register(LlmConnection)
class LlmConnectionAdmin(DomainErrorsAsFormErrors, ManagersWriteAdmin):
    form = LlmConnectionForm
    change_form_template = "llm/admin/llmconnection_change_form.html"
    list_display = ("provider", "adapter", "base_url", "stored_key", "header_names", "project")
    list_filter = ("adapter",)
    search_fields = ("provider", "id", "base_url")
    list_select_related = ("project__organization",)
    readonly_fields = ("id", "stored_key", "header_names", "created_at", "updated_at")
    actions = ("ping",)

    def get_fields(self, request, obj=None):
        editable = ["adapter", "secret_key", "base_url", "custom_models", "with_default_models"]
        editable += ["extra_headers", "config"]
        if obj is None:
            return ["project", "provider", *editable]
        return ["project", "provider", "id", "stored_key", "header_names", *editable, "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "project", "provider") if obj else ()

    @admin.display(description="stored key")
    def stored_key(self, connection):
        return secret_display(connection.secret_key)

    @admin.display(description="stored header names")
    def header_names(self, connection):
        return ", ".join(extra_header_keys(connection)) or "—"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        connection, _ = llm_connection_upsert(
            project=obj.project if change else data["project"],
            provider=obj.provider if change else data["provider"],
            adapter=data["adapter"],
            secret_key=data.get("secret_key") or None,
            base_url=data.get("base_url") or None,
            custom_models=data["custom_models"],
            with_default_models=data["with_default_models"],
            extra_headers=data.get("extra_headers"),
            config=data.get("config"),
            must_be_new=not change,
        )
        obj.pk, obj.id = connection.pk, connection.id

    def delete_model(self, request, obj):
        llm_connection_delete(project=obj.project, connection_id=obj.id)

    def delete_queryset(self, request, queryset):
        for connection in queryset.select_related("project"):
            llm_connection_delete(project=connection.project, connection_id=connection.id)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:key>/ping/", view(self.ping_view), name="llm_llmconnection_ping"),
            *super().get_urls(),
        ]

    def _report_ping(self, request, connection) -> None:
        """Call the provider and show its answer, or the typed error, as a message."""
        try:
            result = llm_connection_ping(connection=connection)
        except LlmError as error:
            failure = f"Ping of {connection.provider} failed ({error.kind}): {error.message}"
            self.message_user(request, failure, messages.ERROR)
        except DomainError as error:
            self.message_user(request, f"Cannot ping {connection.provider}: {error.message}", messages.ERROR)
        else:
            answer = result.text[:PING_ANSWER_SHOWN] or json.dumps(result.parsed)
            self.message_user(
                request,
                f"{connection.provider} answered in {result.latency_ms:.0f} ms (model {result.model}, "
                f"{result.usage.total} tokens): {answer}",
                messages.SUCCESS,
            )

    def ping_view(self, request, key):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        connection = self.get_queryset(request).filter(key=key).first()
        if connection is None or not self.has_change_permission(request, connection):
            raise Http404("No LLM connection of yours has this id.")
        self._report_ping(request, connection)
        return HttpResponseRedirect(reverse("admin:llm_llmconnection_change", args=[key]))

    @admin.action(description="Send a ping to the selected connections")
    def ping(self, request, queryset):
        for connection in queryset:
            if self.has_change_permission(request, connection):
                self._report_ping(request, connection)
