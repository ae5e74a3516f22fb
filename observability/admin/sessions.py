"""The session list; a session opens as its replay on the trace pages."""

from django.contrib import admin
from django.utils.html import format_html

from aistrale.tenancy.admin_scoping import ReadOnlyProjectAdmin
from observability import selectors
from observability.admin.extension_points import RegisteredActionsMixin
from observability.admin.links import session_url
from observability.models import Session


@admin.register(Session)
class SessionAdmin(RegisteredActionsMixin, ReadOnlyProjectAdmin):
    extension_changelist = "session"
    list_display = ("id", "project", "environment", "trace_count", "created_at", "replay_link")
    search_fields = ("=id",)
    ordering = ("-created_at",)
    list_select_related = ("project__organization",)
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.session_annotate_trace_count(super().get_queryset(request))

    @admin.display(description="Traces", ordering="trace_count")
    def trace_count(self, session):
        return session.trace_count

    @admin.display(description="Replay")
    def replay_link(self, session):
        return format_html('<a href="{}">Replay</a>', session_url(session.project_id, session.id))
