"""The runs changelist carrying dsio's pages: the run comparison (and its action) and the dataset import."""

from django.contrib import admin
from django.urls import reverse

from aistrale.tenancy.admin_scoping import ReadOnlyProjectAdmin
from datasets.admin.comparison import RunComparisonAdminMixin
from datasets.admin.imports import DatasetImportAdminMixin
from datasets.models import DatasetRun


@admin.register(DatasetRun)
class DatasetRunAdmin(RunComparisonAdminMixin, DatasetImportAdminMixin, ReadOnlyProjectAdmin):
    list_display = ("name", "dataset", "description", "created_at", "project")
    list_filter = ("dataset",)
    search_fields = ("name", "id", "dataset__name")
    list_select_related = ("dataset", "project__organization")
    ordering = ("-created_at", "-key")
    change_list_template = "datasets/admin/run_change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "comparison_url": reverse("admin:datasets_run_comparison"),
            "import_url": reverse("admin:datasets_import"),
        }
        return super().changelist_view(request, extra_context)
