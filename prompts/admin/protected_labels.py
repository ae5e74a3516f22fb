"""Protected labels: a project setting that only the project's owners and admins change."""

from django.contrib import admin

from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import ManagersWriteAdmin
from prompts.models import ProtectedLabel
from prompts.services import protected_label_set


@admin.register(ProtectedLabel)
class ProtectedLabelAdmin(DomainErrorsAsFormErrors, ManagersWriteAdmin):
    """Owners and admins add and remove protected labels, members read them; a protected label is not edited."""

    list_display = ("name", "project")
    list_select_related = ("project__organization",)
    search_fields = ("name",)
    fields = ("project", "name")

    def has_change_permission(self, request, obj=None):
        return obj is None and self.has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        protected_label_set(
            project=obj.project, name=obj.name, protected=True, actor_role=None, actor_user=request.user
        )
        obj.pk = ProtectedLabel.objects.get(project=obj.project, name=obj.name).pk

    def delete_model(self, request, obj):
        protected_label_set(
            project=obj.project, name=obj.name, protected=False, actor_role=None, actor_user=request.user
        )

    def delete_queryset(self, request, queryset):
        for protected in queryset.select_related("project"):
            self.delete_model(request, protected)
