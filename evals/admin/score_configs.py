"""Score configs in the admin: created, edited, archived and restored through the services."""

from django import forms
from django.contrib import admin, messages

from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import ProjectScopedAdmin
from evals.models import ScoreConfig
from evals.services import score_config_create, score_config_set_archived, score_config_update
from evals.services.score_configs import CONFIG_DATA_TYPES

EDITABLE = ("name", "categories", "min_value", "max_value", "description", "is_archived")


class OptionalJSONField(forms.JSONField):
    """A JSON input shown empty (not `null`) when it holds nothing."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class ScoreConfigForm(forms.ModelForm):
    data_type = forms.ChoiceField(choices=[(value, value) for value in CONFIG_DATA_TYPES])
    categories = OptionalJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text='CATEGORICAL only: [{"label": "good", "value": 1}, ...]. BOOLEAN configs get True/False.',
    )

    class Meta:
        model = ScoreConfig
        fields = ("project", "name", "data_type", "min_value", "max_value", "categories", "description", "is_archived")


@admin.register(ScoreConfig)
class ScoreConfigAdmin(DomainErrorsAsFormErrors, ProjectScopedAdmin):
    form = ScoreConfigForm
    list_display = ("name", "data_type", "range", "category_labels", "is_archived", "project", "updated_at")
    list_filter = ("data_type", "is_archived")
    search_fields = ("name", "id", "description")
    list_select_related = ("project__organization",)
    readonly_fields = ("id", "created_at", "updated_at")
    actions = ("archive", "restore")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "project", "data_type") if obj else ()

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj else [field for field in fields if field not in (*self.readonly_fields, "is_archived")]

    @admin.display(description="range")
    def range(self, config):
        if config.min_value is None and config.max_value is None:
            return ""
        low = "-∞" if config.min_value is None else f"{config.min_value:g}"
        high = "+∞" if config.max_value is None else f"{config.max_value:g}"
        return f"{low} … {high}"

    @admin.display(description="categories")
    def category_labels(self, config):
        return ", ".join(str(category["label"]) for category in config.categories or [])

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = score_config_create(
                project=data["project"],
                name=data["name"],
                data_type=data["data_type"],
                categories=data.get("categories"),
                min_value=data.get("min_value"),
                max_value=data.get("max_value"),
                description=data.get("description") or None,
            )
            obj.pk, obj.id = created.pk, created.id
            return
        stored = ScoreConfig.objects.get(pk=obj.pk)
        changes = {field: data[field] for field in EDITABLE if field in form.changed_data}
        if "description" in changes:
            changes["description"] = changes["description"] or None
        if changes:
            score_config_update(config=stored, **changes)

    def _set_archived(self, request, queryset, archived: bool):
        for config in queryset:
            if self.has_change_permission(request, config):
                score_config_set_archived(config=config, archived=archived)
        verb = "Archived" if archived else "Restored"
        self.message_user(request, f"{verb} the selected score configs.", messages.SUCCESS)

    @admin.action(description="Archive the selected configs (no new scores may name them)")
    def archive(self, request, queryset):
        self._set_archived(request, queryset, True)

    @admin.action(description="Restore the selected configs")
    def restore(self, request, queryset):
        self._set_archived(request, queryset, False)
