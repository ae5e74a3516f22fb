"""Dataset runs in the admin: read-only, each with its items linked to their traces; deleted through the service."""

from django.contrib import admin
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse

from aistrale.display import figure
from aistrale.tenancy.admin_scoping import NoEditAdminMixin, ProjectScopedAdmin
from datasets.admin.comparison import RunComparisonAdminMixin
from datasets.models import DatasetRun
from datasets.selectors import dataset_run_items
from datasets.services import run_delete
from evals.models import Score
from observability.admin.links import trace_id_url


@admin.register(DatasetRun)
class DatasetRunAdmin(RunComparisonAdminMixin, NoEditAdminMixin, ProjectScopedAdmin):
    list_display = ("name", "dataset", "item_count", "description", "created_at", "project")
    list_filter = (("dataset", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "=id")
    list_select_related = ("dataset", "project__organization")
    fields = ("id", "name", "dataset", "description", "metadata", "created_at", "run_scores", "run_items")
    readonly_fields = fields
    ordering = ("-created_at",)
    change_list_template = "datasets/admin/run_change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "comparison_url": reverse("admin:datasets_run_comparison"),
            "import_url": reverse("admin:datasets_import"),
        }
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("run_items"))

    @admin.display(description="items", ordering="item_count")
    def item_count(self, run):
        return run.item_count

    @admin.display(description="run-level scores")
    def run_scores(self, run):
        scores = Score.objects.filter(project_id=run.project_id, dataset_run_id=run.id).order_by("name", "timestamp")
        return ", ".join(f"{score.name}: {score.string_value or figure(score.value)}" for score in scores) or "-"

    @admin.display(description="run items")
    def run_items(self, run):
        run_items = list(dataset_run_items(run=run))
        scores = {}
        traces = {run_item.trace_id for run_item in run_items}
        for score in Score.objects.filter(project_id=run.project_id, trace_id__in=traces).order_by("name"):
            scores.setdefault(score.trace_id, []).append(f"{score.name}: {score.string_value or figure(score.value)}")
        rows = [
            {
                "run_item": run_item,
                "trace_url": trace_id_url(run.project_id, run_item.trace_id),
                "scores": ", ".join(scores.get(run_item.trace_id, [])),
            }
            for run_item in run_items
        ]
        return render_to_string("datasets/admin/run_items.html", {"rows": rows})

    def has_delete_permission(self, request, obj=None):
        return ProjectScopedAdmin.has_delete_permission(self, request, obj)

    def delete_model(self, request, obj):
        run_delete(run=obj)

    def delete_queryset(self, request, queryset):
        for run in queryset.select_related("project", "dataset"):
            run_delete(run=run)
