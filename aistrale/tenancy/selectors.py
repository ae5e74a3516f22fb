"""Reads: which projects a user may see, and their role there."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from aistrale.tenancy.models import MANAGING_ROLES, READING_ROLES, Membership, Project, Role


def project_list_for_user(user, *, roles=None) -> QuerySet[Project]:
    """Projects the user is a member of, directly or through their organization (optionally in these roles)."""
    if not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    memberships = _memberships(user)
    if roles is not None:
        memberships = [
            (project_id, organization_id, role) for project_id, organization_id, role in memberships if role in roles
        ]
    project_ids = [project_id for project_id, _, _ in memberships if project_id]
    organization_ids = [organization_id for _, organization_id, _ in memberships if organization_id]
    return Project.objects.filter(Q(pk__in=project_ids) | Q(organization_id__in=organization_ids))


def _user_cache(user) -> dict:
    """Per-user-instance memo, like Django's own permission cache: a request loads its user afresh."""
    return user.__dict__.setdefault("_aistrale_scope_cache", {})


def _memberships(user) -> list[tuple]:
    cache = _user_cache(user)
    if "memberships" not in cache:
        cache["memberships"] = list(
            Membership.objects.filter(user=user).values_list("project_id", "organization_id", "role")
        )
    return cache["memberships"]


def project_role(user, project: Project) -> Role | None:
    """The strongest role the user holds on the project, or None."""
    if user.is_superuser:
        return Role.OWNER
    roles = {
        role
        for project_id, organization_id, role in _memberships(user)
        if project_id == project.pk or organization_id == project.organization_id
    }
    for role in (Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER, Role.ANNOTATOR):
        if role in roles:
            return role
    return None


def project_can_manage(user, project: Project) -> bool:
    return project_role(user, project) in MANAGING_ROLES


def object_filter_visible(user, queryset: QuerySet, *, project_field: str = "project") -> QuerySet:
    """Rows of the projects the user reads (annotators read only their queues), plus rows granted to them one by
    one (django-guardian)."""
    if user.is_superuser:
        return queryset
    model = queryset.model
    members_rows = Q(**{f"{project_field}__in": project_list_for_user(user, roles=READING_ROLES).values("pk")})
    if not object_grants_exist(user, model):
        return queryset.filter(members_rows)
    granted = get_objects_for_user(
        user, f"{model._meta.app_label}.view_{model._meta.model_name}", klass=model, accept_global_perms=False
    ).values("pk")
    return queryset.filter(members_rows | Q(pk__in=granted))


def object_grants_exist(user, model) -> bool:
    """Whether any object permission on this model reaches the user (keeps the common query simple)."""
    cache = _user_cache(user)
    if "granted_types" not in cache:
        cache["granted_types"] = set(
            UserObjectPermission.objects.filter(user=user).values_list("content_type_id", flat=True).distinct()
        ) | set(
            GroupObjectPermission.objects.filter(group__user=user).values_list("content_type_id", flat=True).distinct()
        )
    return ContentType.objects.get_for_model(model).pk in cache["granted_types"]


def object_can_view(user, obj: Model, *, project_field: str = "project") -> bool:
    return object_filter_visible(
        user, type(obj)._default_manager.filter(pk=obj.pk), project_field=project_field
    ).exists()
