"""Feedback settings in the admin: which origins' pages may post feedback, edited through the service."""

from django import forms
from django.contrib import admin
from django.urls import path, reverse

from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import ManagersWriteAdmin
from feedback.admin.overview import overview_view
from feedback.models import FeedbackSettings
from feedback.services.feedback_settings import feedback_settings_update


class FeedbackSettingsForm(forms.ModelForm):
    class Meta:
        model = FeedbackSettings
        fields = ["project", "allowed_origins"]
        widgets = {"allowed_origins": forms.Textarea(attrs={"rows": 4, "cols": 60})}


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(DomainErrorsAsFormErrors, ManagersWriteAdmin):
    form = FeedbackSettingsForm
    list_display = ["project", "origins_display", "updated_at"]
    list_select_related = ["project"]
    change_list_template = "feedback/admin/settings_change_list.html"

    @admin.display(description="Allowed origins")
    def origins_display(self, settings):
        return ", ".join(settings.origins) or "none (no browser may post feedback)"

    def save_model(self, request, obj, form, change):
        saved = feedback_settings_update(project=obj.project, allowed_origins=obj.allowed_origins.split())
        obj.pk, obj.allowed_origins = saved.pk, saved.allowed_origins

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("overview/", view(lambda request: overview_view(self, request)), name="feedback_overview"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "overview_url": reverse("admin:feedback_overview")}
        return super().changelist_view(request, extra_context)
