"""Gateway routes (alias, targets in failover order with split weights) and per-key limits in the admin;
writes go through the gateway services."""

from django import forms
from django.contrib import admin

from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import PartOfParentInline, ProjectScopedAdmin
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from observability.gateway.services import gateway_key_limit_set, gateway_route_delete, gateway_route_save
from observability.models import GatewayKeyLimit, GatewayRoute, GatewayTarget


class GatewayTargetInline(PartOfParentInline, admin.TabularInline):
    """Targets are part of their route: whoever may write the route may write them."""

    model = GatewayTarget
    extra = 1
    fields = ("position", "connection", "model", "weight")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["connection"].queryset = formset.form.base_fields["connection"].queryset.filter(
            project__in=GatewayRouteAdmin.visible_projects(request)
        )
        return formset


@admin.register(GatewayRoute)
class GatewayRouteAdmin(DomainErrorsAsFormErrors, ProjectScopedAdmin):
    list_display = ("alias", "project", "target_list", "split_seed", "updated_at")
    search_fields = ("alias", "description")
    list_select_related = ("project__organization",)
    readonly_fields = ("created_at", "updated_at")
    fields = ("project", "alias", "description", "split_seed", "created_at", "updated_at")
    inlines = (GatewayTargetInline,)

    @staticmethod
    def visible_projects(request):
        return project_list_for_user(request.user, roles=WRITING_ROLES)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("targets__connection")

    @admin.display(description="targets (failover order, weight)")
    def target_list(self, route):
        targets = sorted(route.targets.all(), key=lambda target: (target.position, target.pk))
        return ", ".join(f"{target} ×{target.weight}" for target in targets)

    def save_model(self, request, obj, form, change):
        """Saved with its targets in save_related, where the inline rows are known."""

    def save_related(self, request, form, formsets, change):
        [targets_formset] = formsets
        targets = [
            {
                "connection": row["connection"],
                "model": row["model"],
                "position": row.get("position") or 0,
                "weight": row.get("weight") or 0,
            }
            for row in targets_formset.cleaned_data
            if row and not row.get("DELETE")
        ]
        data = form.cleaned_data
        route = gateway_route_save(
            route=GatewayRoute.objects.get(pk=form.instance.pk) if change else None,
            project=data["project"],
            alias=data["alias"],
            description=data.get("description") or "",
            split_seed=data.get("split_seed") or 0,
            targets=targets,
        )
        form.instance.pk = route.pk
        targets_formset.new_objects, targets_formset.changed_objects, targets_formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        gateway_route_delete(route=obj)

    def delete_queryset(self, request, queryset):
        for route in queryset:
            gateway_route_delete(route=route)


class GatewayKeyLimitForm(forms.ModelForm):
    class Meta:
        model = GatewayKeyLimit
        fields = ("api_key", "requests_per_minute", "spend_per_day")


@admin.register(GatewayKeyLimit)
class GatewayKeyLimitAdmin(DomainErrorsAsFormErrors, ProjectScopedAdmin):
    form = GatewayKeyLimitForm
    list_display = ("api_key", "project", "requests_per_minute", "spend_per_day")
    list_select_related = ("project__organization", "api_key")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "api_key":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                project__in=GatewayRouteAdmin.visible_projects(request), revoked_at__isnull=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        limit = gateway_key_limit_set(
            api_key=data["api_key"],
            requests_per_minute=data.get("requests_per_minute"),
            spend_per_day=data.get("spend_per_day"),
        )
        obj.pk, obj.project_id = limit.pk, limit.project_id
