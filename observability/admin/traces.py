"""The trace list and a trace's page (tree, waterfall, payloads, scores), session replay and the users page."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from aistrale import display
from aistrale.tenancy.admin_scoping import ReadOnlyProjectAdmin
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import object_filter_visible, project_list_for_user, project_role
from observability import selectors, services
from observability.admin.extension_points import RegisteredActionsMixin
from observability.admin.links import session_url
from observability.admin.list_filters import (
    DistinctValueFilter,
    EnvironmentFilter,
    FieldInputFilter,
    LevelFilter,
    ModelFilter,
    PromptFilter,
    PromptVersionFilter,
    TagFilter,
    TimeRangeFilter,
    field_filter,
)
from observability.admin.media import admin_media_url, trace_media_view
from observability.admin.payloads import PREVIEW_CHARS, payload_view, short
from observability.admin.trace_page import trace_page_context
from observability.extensions import page_panels
from observability.models import Trace, seconds_between
from observability.public.links import trace_public_path


class TraceChangeList(ChangeList):
    """Lists load previews cut in the database, never the full payloads."""

    def get_queryset(self, request, exclude_parameters=None):
        return selectors.trace_annotate_previews(super().get_queryset(request, exclude_parameters), chars=PREVIEW_CHARS)


@admin.register(Trace)
class TraceAdmin(RegisteredActionsMixin, ReadOnlyProjectAdmin):
    extension_changelist = "trace"
    list_display = (
        "timestamp_display",
        "name_display",
        "user_display",
        "session_display",
        "tags_display",
        "environment",
        "latency_display",
        "tokens_display",
        "cost_display",
        "errors_display",
        "input_display",
        "output_display",
    )
    list_filter = (
        TimeRangeFilter,
        field_filter(FieldInputFilter, "name", "name"),
        field_filter(FieldInputFilter, "user_id", "user"),
        field_filter(FieldInputFilter, "session_id", "session"),
        TagFilter,
        EnvironmentFilter,
        field_filter(DistinctValueFilter, "release", "release"),
        LevelFilter,
        ModelFilter,
        PromptFilter,
        PromptVersionFilter,
    )
    search_fields = ("=id", "name", "=user_id", "=session_id")
    date_hierarchy = "timestamp"
    ordering = ("-timestamp", "-key")
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ("project",)
    change_list_template = "observability/admin/trace_change_list.html"

    class Media:
        css = {"all": ["observability/trace_explorer.css"]}

    def get_queryset(self, request):
        return selectors.trace_annotate_metrics(super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return TraceChangeList

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return project_list_for_user(request.user, roles=WRITING_ROLES).exists()
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.trace_delete_many(project=obj.project, trace_ids=[obj.id])

    def delete_queryset(self, request, queryset):
        by_project: dict = {}
        for trace in queryset.select_related("project").only("id", "project"):
            by_project.setdefault(trace.project, []).append(trace.id)
        for project, trace_ids in by_project.items():
            services.trace_delete_many(project=project, trace_ids=trace_ids)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("users/", view(self.users_view), name="observability_trace_users"),
            path("<path:object_id>/public/", view(self.public_view), name="observability_trace_public"),
            path(
                "<path:object_id>/media/<str:media_id>/",
                view(self.media_view),
                name="observability_trace_media",
            ),
            path(
                "session/<str:project_id>/<path:session_id>/",
                view(self.session_view),
                name="observability_trace_session",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Time", ordering="timestamp")
    def timestamp_display(self, trace):
        return timezone.localtime(trace.timestamp).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]

    @admin.display(description="Name", ordering="name")
    def name_display(self, trace):
        return trace.name or trace.id

    @admin.display(description="User", ordering="user_id")
    def user_display(self, trace):
        if not trace.user_id:
            return ""
        url = reverse("admin:observability_trace_changelist") + "?" + urlencode({"user_id": trace.user_id})
        return format_html('<a href="{}">{}</a>', url, trace.user_id)

    @admin.display(description="Session", ordering="session_id")
    def session_display(self, trace):
        if not trace.session_id:
            return ""
        return format_html('<a href="{}">{}</a>', session_url(trace.project_id, trace.session_id), trace.session_id)

    @admin.display(description="Tags")
    def tags_display(self, trace):
        return format_html_join(" ", '<span class="obs-tag">{}</span>', ((tag,) for tag in trace.tags or []))

    @admin.display(description="Latency", ordering="latency")
    def latency_display(self, trace):
        return display.duration(seconds_between(trace.obs_start, trace.obs_end))

    @admin.display(description="Tokens (in/out)", ordering="total_tokens")
    def tokens_display(self, trace):
        return display.tokens(trace.total_tokens, trace.input_tokens, trace.output_tokens)

    @admin.display(description="Cost", ordering="total_cost")
    def cost_display(self, trace):
        return display.money(trace.total_cost)

    @admin.display(description="Errors", ordering="error_count")
    def errors_display(self, trace):
        if not trace.error_count:
            return ""
        return format_html('<span class="obs-level obs-level-ERROR">{} error(s)</span>', trace.error_count)

    @admin.display(description="Input")
    def input_display(self, trace):
        return short(getattr(trace, "input_preview", None))

    @admin.display(description="Output")
    def output_display(self, trace):
        return short(getattr(trace, "output_preview", None))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "users_url": reverse("admin:observability_trace_users")}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        trace = self.get_object(request, unquote(object_id))
        if trace is None:
            # Django's own "doesn't exist" message and redirect; ModelAdmin has no public form of it.
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, trace):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **trace_page_context(trace, url_for=admin_media_url(trace)),
            "opts": self.opts,
            "title": f"Trace {trace.name or trace.id}",
            "playground_links": True,
            "panels": page_panels("trace", request=request, project=trace.project, subject_id=trace.id),
            "session_url": session_url(trace.project_id, trace.session_id) if trace.session_id else None,
            "share": {
                "url": request.build_absolute_uri(trace_public_path(trace)),
                "can_change": self.has_share_permission(request, trace),
                "toggle_url": reverse("admin:observability_trace_public", args=[trace.key]),
            },
            "has_delete_permission": self.has_delete_permission(request, trace),
            "delete_url": reverse("admin:observability_trace_delete", args=[trace.key]),
        }
        return TemplateResponse(request, "observability/admin/trace_detail.html", context)

    def media_view(self, request, object_id, media_id):
        return trace_media_view(self, request, object_id, media_id)

    def has_share_permission(self, request, trace) -> bool:
        """Writers of the trace's project may share it by link and revoke that link."""
        return project_role(request.user, trace.project) in WRITING_ROLES

    @method_decorator(require_POST)
    def public_view(self, request, object_id):
        trace = self.get_object(request, unquote(object_id))
        if trace is None:
            raise Http404("No such trace is visible to you.")
        if not self.has_share_permission(request, trace):
            raise PermissionDenied
        choice = request.POST.get("public")
        if choice not in ("0", "1"):
            return HttpResponseBadRequest("public must be 1 (share by link) or 0 (revoke the link)")
        trace = services.trace_public_set(trace=trace, public=choice == "1")
        state = "public: anyone with its link can read it" if trace.public else "private: its link no longer opens"
        self.message_user(request, f"Trace {trace.name or trace.id} is {state}.")
        return HttpResponseRedirect(reverse("admin:observability_trace_change", args=[trace.key]) + "#obs-share")

    def session_view(self, request, project_id, session_id):
        traces = list(
            self.get_queryset(request)
            .filter(project_id=project_id, session_id=session_id)
            .select_related("project")
            .order_by("timestamp", "key")
        )
        if not traces:
            raise Http404("No trace of this session is visible to you.")
        total_cost = sum((trace.total_cost or 0) for trace in traces)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Session {session_id}",
            "session_id": session_id,
            "project": traces[0].project,
            "session": selectors.session_get(project=traces[0].project, session_id=session_id),
            "panels": page_panels("session", request=request, project=traces[0].project, subject_id=session_id),
            "turns": [
                {
                    "trace": trace,
                    "url": reverse("admin:observability_trace_change", args=[trace.key]),
                    "input": payload_view(trace.input),
                    "output": payload_view(trace.output),
                    "latency": display.duration(seconds_between(trace.obs_start, trace.obs_end)),
                    "cost": display.money(trace.total_cost),
                }
                for trace in traces
            ],
            "total_cost": display.money(total_cost),
            "total_tokens": sum(trace.total_tokens for trace in traces),
        }
        return TemplateResponse(request, "observability/admin/session_detail.html", context)

    def users_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        users = selectors.user_list(object_filter_visible(request.user, Trace.objects.all()))
        page = Paginator(users, 100).get_page(request.GET.get("p"))
        usage = selectors.user_usage_stats(list(page.object_list))
        changelist = reverse("admin:observability_trace_changelist")
        rows = []
        for row in page.object_list:
            sums = usage.get((row["project"], row["user_id"]), {})
            rows.append(
                {
                    **row,
                    **sums,
                    "traces_url": changelist + "?" + urlencode({"user_id": row["user_id"]}),
                    "tokens": display.tokens(
                        sums.get("total_tokens"), sums.get("input_tokens"), sums.get("output_tokens")
                    ),
                    "cost": display.money(sums.get("total_cost")),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Users",
            "rows": rows,
            "page": page,
        }
        return TemplateResponse(request, "observability/admin/users.html", context)
