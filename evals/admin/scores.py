"""The Score changelist: filters by name, source, data type and time; each row links to what it scores."""

from django.contrib import admin
from django.utils.html import format_html

from aistrale.tenancy.admin_scoping import ReadOnlyProjectAdmin
from evals.models import Score
from observability.admin.links import session_url, trace_id_url
from observability.admin.list_filters import DistinctValueFilter, TimeRangeFilter, field_filter

ScoreNameFilter = field_filter(DistinctValueFilter, "name", "name")


@admin.register(Score)
class ScoreAdmin(ReadOnlyProjectAdmin):
    list_display = ("name", "shown_value", "data_type", "source", "subject_link", "comment", "timestamp", "project")
    list_filter = (ScoreNameFilter, "source", "data_type", TimeRangeFilter)
    search_fields = ("id", "name", "trace_id", "session_id", "string_value", "comment")
    list_select_related = ("project__organization",)
    ordering = ("-timestamp", "-key")
    show_full_result_count = False

    @admin.display(description="value")
    def shown_value(self, score):
        return score.string_value if score.string_value is not None else score.value

    @admin.display(description="on")
    def subject_link(self, score):
        if score.trace_id:
            label = f"observation {score.observation_id}" if score.observation_id else f"trace {score.trace_id}"
            return format_html('<a href="{}">{}</a>', trace_id_url(score.project_id, score.trace_id), label)
        if score.session_id:
            return format_html(
                '<a href="{}">session {}</a>', session_url(score.project_id, score.session_id), score.session_id
            )
        return f"dataset run {score.dataset_run_id}"
