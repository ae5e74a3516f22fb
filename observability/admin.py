"""The trace explorer: trace list, trace detail with tree and waterfall, sessions, users, observations."""

from datetime import timedelta

import orjson
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery, TextField
from django.db.models.functions import Cast, Coalesce, Substr
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from aistrale.tenancy.admin_scoping import NoEditAdminMixin, ProjectScopedAdmin
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import projects_for_user, visible_to_user
from observability import selectors, services
from observability.extensions import scores_for_traces
from observability.models import Observation, ObservationLevel, Session, Trace

PREVIEW_CHARS = 120
PAYLOAD_PREVIEW_CHARS = 200
PAYLOAD_RENDER_CHARS = 100_000
DISTINCT_CHOICES_LIMIT = 100


# Payload display


def payload_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


def _message_content(content) -> str:
    """Chat message content as text: strings as is, OpenAI content parts joined, other JSON pretty."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(part, dict) for part in content):
        texts = [part.get("text") for part in content if isinstance(part.get("text"), str)]
        if len(texts) == len(content):
            return "\n".join(texts)
    return payload_text(content)


def chat_messages(value) -> list[dict] | None:
    """Chat messages ({role, content}) in a payload, or None when it is not a chat."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, dict) and "role" in value and ("content" in value or "tool_calls" in value):
        value = [value]
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(message, dict) and "role" in message for message in value):
        return None
    messages = []
    for message in value:
        extra = {key: item for key, item in message.items() if key not in ("role", "content")}
        messages.append(
            {
                "role": str(message["role"]),
                "content": _message_content(message.get("content")),
                "extra": payload_text(extra) if extra else None,
            }
        )
    return messages


def payload_view(value) -> dict:
    """What the detail pages show of an input/output: chat messages, or (pretty) JSON cut at a size."""
    text = payload_text(value)
    cut = f"\n… cut here: {len(text)} characters in all" if len(text) > PAYLOAD_RENDER_CHARS else ""
    return {
        "empty": value is None,
        "messages": chat_messages(value),
        "text": text[:PAYLOAD_RENDER_CHARS] + cut,
        "preview": text[:PAYLOAD_PREVIEW_CHARS] + ("…" if len(text) > PAYLOAD_PREVIEW_CHARS else ""),
        "size": len(text),
    }


def short(text: str | None) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


def money(value) -> str:
    return "" if value is None else f"${value:.6f}"


def seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}s"


# List filters


class InputFilter(admin.SimpleListFilter):
    """A free-text filter: a small form instead of a list of choices."""

    template = "observability/admin/input_filter.html"

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def choices(self, changelist):
        others = [
            (key, value)
            for key, values in changelist.get_filters_params().items()
            if key != self.parameter_name
            for value in values
        ]
        yield {"parameter_name": self.parameter_name, "value": self.value() or "", "others": others}


class FieldInputFilter(InputFilter):
    field = ""

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


def field_filter(base: type, field: str, title: str) -> type:
    """A `base` filter on one model field, its query parameter named after the field."""
    return type(
        f"{field.title().replace('_', '')}Filter", (base,), {"title": title, "parameter_name": field, "field": field}
    )


class TagFilter(InputFilter):
    title = "tag"
    parameter_name = "tag"

    def queryset(self, request, queryset):
        return selectors.with_tags(queryset, [self.value()]) if self.value() else queryset


class TimeRangeFilter(admin.SimpleListFilter):
    title = "time range"
    parameter_name = "since"
    field = "timestamp"
    RANGES = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}

    def lookups(self, request, model_admin):
        return [("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days")]

    def queryset(self, request, queryset):
        delta = self.RANGES.get(self.value())
        if delta is None:
            return queryset
        return queryset.filter(**{f"{self.field}__gte": timezone.now() - delta})


class DistinctValueFilter(admin.SimpleListFilter):
    """Choices are the distinct values of a field among the rows this user may see."""

    field = ""

    def lookups(self, request, model_admin):
        values = (
            model_admin.get_queryset(request)
            .exclude(**{f"{self.field}__isnull": True})
            .order_by(self.field)
            .values_list(self.field, flat=True)
            .distinct()[:DISTINCT_CHOICES_LIMIT]
        )
        return [(value, value) for value in values]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


EnvironmentFilter = field_filter(DistinctValueFilter, "environment", "environment")


class LevelFilter(admin.SimpleListFilter):
    title = "level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [(ObservationLevel.ERROR, "Has errors"), (ObservationLevel.WARNING, "Has warnings")]

    def queryset(self, request, queryset):
        return selectors.traces_with_level(queryset, self.value()) if self.value() else queryset


class ModelFilter(admin.SimpleListFilter):
    title = "model"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        models = (
            visible_to_user(request.user, Observation.objects.filter(model__isnull=False))
            .order_by("model")
            .values_list("model", flat=True)
            .distinct()[:DISTINCT_CHOICES_LIMIT]
        )
        return [(model, model) for model in models]

    def queryset(self, request, queryset):
        return selectors.traces_with_model(queryset, self.value()) if self.value() else queryset


class ReadOnlyAdmin(NoEditAdminMixin, ProjectScopedAdmin):
    """Rows come from ingestion: nobody adds or edits them here."""


# Traces


def _preview(field: str) -> Subquery:
    """The payload's first characters, as a subquery so that only the rows of the page compute it."""
    cut = Substr(Cast(field, TextField()), 1, PREVIEW_CHARS + 1)
    return Subquery(Trace.objects.filter(key=OuterRef("key")).annotate(cut=cut).values("cut"))


class TraceChangeList(ChangeList):
    """Lists load previews cut in the database, never the full payloads."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.defer("input", "output", "metadata").annotate(
            input_preview=_preview("input"), output_preview=_preview("output")
        )


@admin.register(Trace)
class TraceAdmin(ReadOnlyAdmin):
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
        return selectors.traces_with_metrics(super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return TraceChangeList

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return projects_for_user(request.user, roles=WRITING_ROLES).exists()
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.traces_delete(project=obj.project, trace_ids=[obj.id])

    def delete_queryset(self, request, queryset):
        by_project: dict = {}
        for trace in queryset.select_related("project").only("id", "project"):
            by_project.setdefault(trace.project, []).append(trace.id)
        for project, trace_ids in by_project.items():
            services.traces_delete(project=project, trace_ids=trace_ids)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("users/", view(self.users_view), name="observability_trace_users"),
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
        return seconds(selectors.seconds_between(trace.obs_start, trace.obs_end))

    @admin.display(description="Tokens (in/out)", ordering="total_tokens")
    def tokens_display(self, trace):
        if not trace.total_tokens:
            return ""
        return f"{trace.total_tokens} ({trace.input_tokens}/{trace.output_tokens})"

    @admin.display(description="Cost", ordering="total_cost")
    def cost_display(self, trace):
        return money(trace.total_cost)

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
        observations = selectors.trace_observations(trace=trace)
        rows, span = waterfall(observations)
        metrics = selectors.trace_metrics(project=trace.project, trace_ids=[trace.id]).get(trace.id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Trace {trace.name or trace.id}",
            "trace": trace,
            "metrics": metrics or selectors.TraceMetrics(),
            "latency": seconds(metrics.latency if metrics else None),
            "cost": money(metrics.total_cost if metrics else None),
            "rows": rows,
            "axis": time_axis(span),
            "scores": scores_for_traces(project=trace.project, trace_ids=[trace.id]).get(trace.id, []),
            "trace_input": payload_view(trace.input),
            "trace_output": payload_view(trace.output),
            "trace_metadata": payload_text(trace.metadata),
            "session_url": session_url(trace.project_id, trace.session_id) if trace.session_id else None,
            "has_delete_permission": self.has_delete_permission(request, trace),
            "delete_url": reverse("admin:observability_trace_delete", args=[trace.key]),
        }
        return TemplateResponse(request, "observability/admin/trace_detail.html", context)

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
            "session": selectors.session_row(project=traces[0].project, session_id=session_id),
            "turns": [
                {
                    "trace": trace,
                    "url": reverse("admin:observability_trace_change", args=[trace.key]),
                    "input": payload_view(trace.input),
                    "output": payload_view(trace.output),
                    "latency": seconds(selectors.seconds_between(trace.obs_start, trace.obs_end)),
                    "cost": money(trace.total_cost),
                }
                for trace in traces
            ],
            "total_cost": money(total_cost),
            "total_tokens": sum(trace.total_tokens for trace in traces),
        }
        return TemplateResponse(request, "observability/admin/session_detail.html", context)

    def users_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        users = selectors.user_list(visible_to_user(request.user, Trace.objects.all()))
        page = Paginator(users, 100).get_page(request.GET.get("p"))
        usage = selectors.user_usage(list(page.object_list))
        changelist = reverse("admin:observability_trace_changelist")
        rows = []
        for row in page.object_list:
            sums = usage.get((row["project"], row["user_id"]), {})
            rows.append(
                {
                    **row,
                    **sums,
                    "traces_url": changelist + "?" + urlencode({"user_id": row["user_id"]}),
                    "cost": money(sums.get("total_cost")),
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


def session_url(project_id: str, session_id: str) -> str:
    return reverse("admin:observability_trace_session", args=[project_id, session_id])


def time_axis(span: float) -> list[dict]:
    return [{"left": percent, "label": seconds(span * percent / 100)} for percent in (0, 25, 50, 75)]


def waterfall(observations: list[Observation]) -> tuple[list[dict], float]:
    """Tree rows with bar offsets and widths in percent of the observations' time span, and that span."""
    if not observations:
        return [], 0.0
    start = min(o.start_time for o in observations)
    end = max(o.end_time or o.start_time for o in observations)
    span = max((end - start).total_seconds(), 1e-6)
    rows = []
    for observation, depth in selectors.observation_tree(observations):
        duration = selectors.seconds_between(observation.start_time, observation.end_time)
        offset = (observation.start_time - start).total_seconds() / span * 100
        rows.append(
            {
                "observation": observation,
                "depth": depth,
                "indent": depth * 16,
                "offset": f"{min(offset, 99.5):.3f}",
                "width": f"{max(min((duration or 0) / span * 100, 100 - offset), 0.5):.3f}",
                "duration": seconds(duration),
                "ttft": seconds(selectors.seconds_between(observation.start_time, observation.completion_start_time)),
                "cost": money(observation.total_cost),
                "input": payload_view(observation.input),
                "output": payload_view(observation.output),
                "metadata": payload_text(observation.metadata),
                "model_parameters": payload_text(observation.model_parameters),
                "usage": observation.usage_details or {},
                "cost_details": observation.cost_details or {},
            }
        )
    return rows, span


# Sessions


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ("id", "project", "environment", "trace_count", "created_at", "replay_link")
    search_fields = ("=id",)
    ordering = ("-created_at",)
    list_select_related = ("project__organization",)
    show_full_result_count = False

    def get_queryset(self, request):
        traces = (
            Trace.objects.filter(project=OuterRef("project"), session_id=OuterRef("id"))
            .order_by()
            .values("session_id")
            .annotate(count=Count("key"))
            .values("count")
        )
        return super().get_queryset(request).annotate(trace_count=Coalesce(Subquery(traces), 0))

    @admin.display(description="Traces", ordering="trace_count")
    def trace_count(self, session):
        return session.trace_count

    @admin.display(description="Replay")
    def replay_link(self, session):
        return format_html('<a href="{}">Replay</a>', session_url(session.project_id, session.id))


# Observations


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
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
        return money(observation.total_cost)

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
        trace = (
            visible_to_user(request.user, Trace.objects.filter(project_id=project_id, id=trace_id)).only("key").first()
        )
        if trace is None:
            raise Http404("No such trace is visible to you.")
        anchor = request.GET.get("observation", "")
        anchor = f"#obs-{anchor}" if anchor.isdigit() else ""
        return redirect(reverse("admin:observability_trace_change", args=[trace.key]) + anchor)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        observation = self.get_object(request, unquote(object_id))
        if observation is None or not observation.trace_id:
            return super().change_view(request, object_id, form_url, extra_context)
        url = trace_id_url(observation.project_id, observation.trace_id)
        return redirect(f"{url}?observation={observation.key}")


def trace_id_url(project_id: str, trace_id: str) -> str:
    return reverse("admin:observability_observation_trace", args=[project_id, trace_id])
