"""The admin permission bases: who sees and changes which rows, decided once for every app's admin.

- `ProjectScopedAdmin`: members see their projects' rows and the rows granted to them (django-guardian);
  writers change them; annotators see only what is granted to them (their queues, in feedback).
- `ReadOnlyProjectAdmin`: the same rows, shown only (ingestion, delivery logs).
- `ManagersWriteAdmin`: members see the rows, only the project's owners and admins change them.
- `PartOfParentInline`: inline rows with the permissions of their parent row.
- `ManagedProjectsAdmin`: tenancy rows (API keys, the audit log) shown only to their project's owners and admins.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from guardian.admin import GuardedModelAdmin

from aistrale.tenancy.models import MANAGING_ROLES, READING_ROLES, WRITING_ROLES
from aistrale.tenancy.selectors import (
    object_can_view,
    object_filter_visible,
    object_grants_exist,
    project_can_manage,
    project_list_for_user,
)


def is_staff_member(user) -> bool:
    """May use the admin at all: active staff."""
    return user.is_active and user.is_staff


def managed_projects(user):
    """The projects whose owners or admins the user is (every project for a superuser)."""
    return project_list_for_user(user, roles=MANAGING_ROLES)


def has_projects(request, roles=None) -> bool:
    """Whether the user is in any project (with one of these roles): asked once per request, however many
    admins of the sidebar and the page ask it."""
    memo = request.__dict__.setdefault("_aistrale_has_projects", {})
    key = frozenset(roles) if roles else None
    if key not in memo:
        memo[key] = project_list_for_user(request.user, roles=roles).exists()
    return memo[key]


class NoEditAdminMixin:
    """For rows written elsewhere (ingestion, the audit trail, delivery jobs): the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PartOfParentInline:
    """InlineModelAdmin mixin for rows that are part of their parent: whoever may write the parent may write
    them, whoever may see it sees them."""

    def _parent_writable(self, request, obj) -> bool:
        parent = self.admin_site._registry[self.parent_model]
        return parent.has_change_permission(request, obj) if obj else parent.has_add_permission(request)

    def has_add_permission(self, request, obj=None):
        return self._parent_writable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_writable(request, obj)

    def has_view_permission(self, request, obj=None):
        return self.admin_site._registry[self.parent_model].has_view_permission(request, obj)


class ProjectScopedAdmin(GuardedModelAdmin):
    """Rows are shown to members of their project and to users granted them by object permission."""

    project_field = "project"

    def _project_of(self, obj):
        return getattr(obj, self.project_field)

    def _has_object_perm(self, request, action: str, obj) -> bool:
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}", obj)

    def get_queryset(self, request):
        return object_filter_visible(request.user, super().get_queryset(request), project_field=self.project_field)

    def has_module_permission(self, request):
        user = request.user
        return is_staff_member(user) and (
            user.is_superuser or has_projects(request, READING_ROLES) or object_grants_exist(user, self.model)
        )

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or object_can_view(request.user, obj, project_field=self.project_field)

    def has_add_permission(self, request):
        return has_projects(request, WRITING_ROLES)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return has_projects(request, WRITING_ROLES)
        writable = project_list_for_user(request.user, roles=WRITING_ROLES)
        return writable.filter(pk=self._project_of(obj).pk).exists() or self._has_object_perm(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return self.has_change_permission(request)
        writable = project_list_for_user(request.user, roles=WRITING_ROLES)
        return writable.filter(pk=self._project_of(obj).pk).exists() or self._has_object_perm(request, "delete", obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.project_field:
            kwargs["queryset"] = project_list_for_user(request.user, roles=WRITING_ROLES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _require_grant_manager(self, request, object_pk):
        obj = self.get_object(request, object_pk)
        if obj is None or not project_can_manage(request.user, self._project_of(obj)):
            raise PermissionDenied("Only the project's owners and admins manage grants.")

    def obj_perms_manage_view(self, request, object_pk):
        self._require_grant_manager(request, object_pk)
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        self._require_grant_manager(request, object_pk)
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        self._require_grant_manager(request, object_pk)
        return super().obj_perms_manage_group_view(request, object_pk, group_id)


class ReadOnlyProjectAdmin(NoEditAdminMixin, ProjectScopedAdmin):
    """Project rows written elsewhere (ingestion, delivery jobs): members see them, nobody edits them here."""


class ManagersWriteAdmin(ProjectScopedAdmin):
    """Members see the rows; only the project's owners and admins change them."""

    def has_add_permission(self, request):
        return has_projects(request, MANAGING_ROLES)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_add_permission(request)
        return project_can_manage(request.user, self._project_of(obj))

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.project_field:
            kwargs["queryset"] = managed_projects(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, self.project_field) if obj else ()


class ManagedProjectsAdmin(admin.ModelAdmin):
    """Rows of the projects the user owns or administers; a superuser sees every row, project or not."""

    project_field = "project"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.project_field}__in": managed_projects(request.user).values("pk")})

    def has_module_permission(self, request):
        user = request.user
        return is_staff_member(user) and (user.is_superuser or has_projects(request, MANAGING_ROLES))

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.project_field:
            kwargs["queryset"] = managed_projects(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
