"""Admin for organizations, projects, members, API keys and the audit log."""

from django.contrib import admin, messages
from django.utils.html import format_html

from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import ManagedProjectsAdmin, NoEditAdminMixin, is_staff_member
from aistrale.tenancy.models import MANAGING_ROLES, ApiKey, AuditEvent, Membership, Organization, Project
from aistrale.tenancy.selectors import project_can_manage, project_list_for_user
from aistrale.tenancy.services import api_key_create, api_key_revoke, api_key_update


class MembershipInline(admin.TabularInline):
    """Members in a table: their rows and the user choices are loaded once, whatever the number of members."""

    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "project__organization", "organization")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user":
            formfield.choices = list(formfield.choices)
        return formfield


class OrganizationMembershipInline(MembershipInline):
    fk_name = "organization"


class ProjectMembershipInline(MembershipInline):
    fk_name = "project"

    def _can_manage(self, request, obj):
        return obj is not None and project_can_manage(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return self._can_manage(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._can_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._can_manage(request, obj)

    def has_view_permission(self, request, obj=None):
        return True


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ("public_key", "display_secret_key", "note", "created_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "created_at")
    search_fields = ("name",)
    inlines = [OrganizationMembershipInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(memberships__user=request.user, memberships__role__in=MANAGING_ROLES)

    def has_module_permission(self, request):
        user = request.user
        return is_staff_member(user) and (user.is_superuser or self.get_queryset(request).exists())

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "id", "created_at")
    list_filter = ("organization",)
    search_fields = ("name", "id")
    readonly_fields = ("id", "created_at")
    inlines = [ProjectMembershipInline, ApiKeyInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=project_list_for_user(request.user).values("pk"))

    def has_module_permission(self, request):
        return is_staff_member(request.user) and project_list_for_user(request.user).exists()

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return project_can_manage(request.user, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ApiKey)
class ApiKeyAdmin(DomainErrorsAsFormErrors, ManagedProjectsAdmin):
    list_display = ("public_key", "display_secret_key", "project", "role", "note", "created_at", "status")
    list_filter = ("project",)
    search_fields = ("public_key", "note")
    fields = ("project", "role", "note", "public_key", "display_secret_key", "created_at", "revoked_at")
    readonly_fields = ("public_key", "display_secret_key", "created_at", "revoked_at")
    list_select_related = ("project__organization",)
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "project") if obj else self.readonly_fields

    @admin.display(description="Status")
    def status(self, obj):
        return "active" if obj.is_active else format_html("<b>revoked</b> {}", obj.revoked_at)

    def save_model(self, request, obj, form, change):
        if change:
            api_key_update(api_key=obj, role=form.cleaned_data["role"], note=form.cleaned_data["note"])
            return
        api_key, secret_key = api_key_create(project=obj.project, note=obj.note, role=obj.role)
        obj.pk = api_key.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            format_html(
                "Copy the secret key now, it is not shown again: "
                "public key <code>{}</code>, secret key <code>{}</code>",
                api_key.public_key,
                secret_key,
            ),
        )

    @admin.action(description="Revoke selected API keys")
    def revoke_selected(self, request, queryset):
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key)
        self.message_user(request, "Selected keys are revoked.")


@admin.register(AuditEvent)
class AuditEventAdmin(NoEditAdminMixin, ManagedProjectsAdmin):
    list_display = ("at", "action", "object_type", "object_id", "actor_label", "project", "ip")
    list_filter = ("action", "object_type", "project")
    search_fields = ("object_id", "actor_label", "action")
    date_hierarchy = "at"
    list_select_related = ("project__organization",)

    def has_delete_permission(self, request, obj=None):
        return False
