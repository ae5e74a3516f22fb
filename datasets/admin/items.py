"""Dataset items in the admin: written through the item upsert, each with its version history."""

from django import forms
from django.contrib import admin, messages
from django.template.loader import render_to_string

from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import ProjectScopedAdmin
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from datasets.admin.forms import OptionalJSONField
from datasets.models import Dataset, DatasetItem, DatasetStatus
from datasets.selectors import dataset_item_history
from datasets.services import item_delete, item_set_status, item_upsert
from observability.admin.payloads import payload_text, short

EDITABLE = ("input", "expected_output", "metadata", "source_trace_id", "source_observation_id", "status")


class DatasetItemForm(forms.ModelForm):
    id = forms.CharField(required=False, help_text="Leave empty for a generated id; ids are unique in the project")
    input = OptionalJSONField()
    expected_output = OptionalJSONField()
    metadata = OptionalJSONField()

    class Meta:
        model = DatasetItem
        fields = ("dataset", "id", *EDITABLE)


@admin.register(DatasetItem)
class DatasetItemAdmin(DomainErrorsAsFormErrors, ProjectScopedAdmin):
    form = DatasetItemForm
    list_display = ("id", "dataset", "status", "input_preview", "expected_output_preview", "version", "project")
    list_filter = ("status", ("dataset", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=id", "=source_trace_id", "=source_observation_id")
    list_select_related = ("dataset", "project__organization")
    readonly_fields = ("project", "version", "created_at", "updated_at", "history")
    ordering = ("-created_at",)
    actions = ("archive", "restore")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "dataset", "id") if obj else ()

    def get_fields(self, request, obj=None):
        return ("dataset", "id", *EDITABLE, *(self.readonly_fields if obj else ()))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "dataset":
            projects = project_list_for_user(request.user, roles=WRITING_ROLES)
            kwargs["queryset"] = Dataset.objects.filter(project__in=projects).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="input")
    def input_preview(self, item):
        return short(payload_text(item.input))

    @admin.display(description="expected output")
    def expected_output_preview(self, item):
        return short(payload_text(item.expected_output))

    @admin.display(description="history")
    def history(self, item):
        versions = [
            {
                "version": version,
                "input": payload_text(version.input),
                "expected_output": payload_text(version.expected_output),
                "metadata": payload_text(version.metadata),
            }
            for version in dataset_item_history(item=item)
        ]
        return render_to_string("datasets/admin/item_history.html", {"versions": versions})

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            fields = {field: data.get(field) for field in EDITABLE}
            fields["status"] = fields["status"] or DatasetStatus.ACTIVE
            for field in ("source_trace_id", "source_observation_id"):
                fields[field] = fields[field] or None
            created = item_upsert(dataset=data["dataset"], item_id=data.get("id") or None, **fields)
            obj.pk, obj.id = created.pk, created.id
            return
        stored = DatasetItem.objects.select_related("dataset").get(pk=obj.pk)
        changes = {field: data[field] for field in EDITABLE if field in form.changed_data}
        for field in ("source_trace_id", "source_observation_id"):
            if field in changes:
                changes[field] = changes[field] or None
        item_upsert(dataset=stored.dataset, item_id=stored.id, **changes)

    def delete_model(self, request, obj):
        item_delete(item=obj)

    def delete_queryset(self, request, queryset):
        for item in queryset.select_related("project"):
            item_delete(item=item)

    def _set_status(self, request, queryset, status: str):
        changed = 0
        for item in queryset.select_related("dataset"):
            if self.has_change_permission(request, item):
                item_set_status(item=item, status=status)
                changed += 1
        self.message_user(request, f"{changed} items now {status}.", messages.SUCCESS)

    @admin.action(description="Archive the selected items (a new dataset version)")
    def archive(self, request, queryset):
        self._set_status(request, queryset, DatasetStatus.ARCHIVED)

    @admin.action(description="Restore the selected items")
    def restore(self, request, queryset):
        self._set_status(request, queryset, DatasetStatus.ACTIVE)
