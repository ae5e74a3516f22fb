"""Datasets in the admin: a folder filter from the `/` in their names; writes go through the services."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import ProjectScopedAdmin
from datasets.admin.forms import OptionalJSONField
from datasets.admin.imports import DatasetImportAdminMixin
from datasets.models import Dataset
from datasets.selectors import dataset_folders
from datasets.services import dataset_create, dataset_delete, dataset_update

EDITABLE = ("name", "description", "metadata", "input_schema", "expected_output_schema")


class FolderFilter(admin.SimpleListFilter):
    title = "folder"
    parameter_name = "folder"

    def lookups(self, request, model_admin):
        visible = Dataset.objects.filter(key__in=model_admin.get_queryset(request).values("key"))
        return [(folder, folder) for folder in dataset_folders(datasets=visible)]

    def queryset(self, request, queryset):
        return queryset.filter(name__startswith=f"{self.value()}/") if self.value() else queryset


class DatasetForm(forms.ModelForm):
    metadata = OptionalJSONField()
    input_schema = OptionalJSONField(help_text="A JSON Schema every item's input must match")
    expected_output_schema = OptionalJSONField(help_text="A JSON Schema every item's expected output must match")

    class Meta:
        model = Dataset
        fields = ("project", *EDITABLE)


@admin.register(Dataset)
class DatasetAdmin(DatasetImportAdminMixin, DomainErrorsAsFormErrors, ProjectScopedAdmin):
    form = DatasetForm
    list_display = ("name", "folder", "item_count", "run_count", "project", "updated_at")
    list_filter = (FolderFilter,)
    search_fields = ("name", "=id", "description")
    list_select_related = ("project__organization",)
    readonly_fields = ("id", "links", "created_at", "updated_at")
    ordering = ("name",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(item_count=Count("items", distinct=True), run_count=Count("runs", distinct=True))
        )

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "project") if obj else ()

    @admin.display(description="folder")
    def folder(self, dataset):
        return dataset.name.rpartition("/")[0]

    @admin.display(description="items", ordering="item_count")
    def item_count(self, dataset):
        return dataset.item_count

    @admin.display(description="runs", ordering="run_count")
    def run_count(self, dataset):
        return dataset.run_count

    @admin.display(description="open")
    def links(self, dataset):
        items = reverse("admin:datasets_datasetitem_changelist") + f"?dataset__key__exact={dataset.key}"
        runs = reverse("admin:datasets_datasetrun_changelist") + f"?dataset__key__exact={dataset.key}"
        return format_html('<a href="{}">items</a> · <a href="{}">runs</a>', items, runs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = dataset_create(project=data["project"], **{field: data.get(field) for field in EDITABLE})
            obj.pk, obj.id = created.pk, created.id
            return
        stored = Dataset.objects.get(pk=obj.pk)
        changes = {field: data[field] for field in EDITABLE if field in form.changed_data}
        if "description" in changes:
            changes["description"] = changes["description"] or None
        dataset_update(dataset=stored, **changes)

    def delete_model(self, request, obj):
        dataset_delete(dataset=obj)

    def delete_queryset(self, request, queryset):
        for dataset in queryset:
            dataset_delete(dataset=dataset)
