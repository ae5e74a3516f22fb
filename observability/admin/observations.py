"""The observation list; an observation opens on its trace's page, scrolled to it."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from aistrale import display
from aistrale.tenancy.admin_scoping import ReadOnlyProjectAdmin
from aistrale.tenancy.selectors import object_filter_visible
from observability import selectors
from observability.admin.extension_points import RegisteredActionsMixin
from observability.admin.links import trace_id_url
from observability.admin.list_filters import DistinctValueFilter, EnvironmentFilter, field_filter
from observability.models import Observation, Trace


@admin.register(Observation)
class ObservationAdmin(RegisteredActionsMixin, ReadOnlyProjectAdmin):
    extension_changelist = "observation"
    list_display = ("start_time", "name", "type", "trace_link", "model", "level", "total_tokens", "cost_display")
    list_filter = ("type", "level", EnvironmentFilter, field_filter(DistinctValueFilter, "model", "model"))
    search_fields = ("=id", "=trace_id", "name", "=model")
    ordering = ("-start_time", "-key")
    show_full_result_count = False
    list_select_related = ("project",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("input", "output", "metadata")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Trace")
    def trace_link(self, observation):
        if not observation.trace_id:
            return ""
        url = trace_id_url(observation.project_id, observation.trace_id)
        return format_html('<a href="{}">{}</a>', url, observation.trace_id)

    @admin.display(description="Cost", ordering="total_cost")
    def cost_display(self, observation):
        return display.money(observation.total_cost)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "trace/<str:project_id>/<path:trace_id>/",
                view(self.trace_redirect_view),
                name="observability_observation_trace",
            ),
            *super().get_urls(),
        ]

    def trace_redirect_view(self, request, project_id, trace_id):
        visible = object_filter_visible(request.user, Trace.objects.all())
        key = selectors.trace_key_find(visible, project_id=project_id, trace_id=trace_id)
        if key is None:
            raise Http404("No such trace is visible to you.")
        anchor = request.GET.get("observation", "")
        anchor = f"#obs-{anchor}" if anchor.isdigit() else ""
        return redirect(reverse("admin:observability_trace_change", args=[key]) + anchor)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        observation = self.get_object(request, unquote(object_id))
        if observation is None or not observation.trace_id:
            return super().change_view(request, object_id, form_url, extra_context)
        url = trace_id_url(observation.project_id, observation.trace_id)
        return redirect(f"{url}?observation={observation.key}")
