"""Saved dashboards in the admin (create, edit, share; chosen charts and filters) and the dashboard pages:
the project home at dashboard/home/, a saved dashboard at dashboard/<id>/view/. Writes go through the
dashboard services; owners, the project's owners and admins, and users granted the object change them."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html

from aistrale.errors import DomainError
from aistrale.tenancy.admin_errors import DomainErrorsAsFormErrors
from aistrale.tenancy.admin_scoping import ProjectScopedAdmin, has_projects
from aistrale.tenancy.models import WRITING_ROLES
from aistrale.tenancy.selectors import project_can_manage, project_list_for_user
from observability.admin.dashboard_page import FORM_FIELDS, dashboard_page_view
from observability.dashboards import selectors, services
from observability.dashboards.charts import chart_list
from observability.dashboards.page import filters_from_params, params_from_filters
from observability.dashboards.widget_selectors import WIDGET_KEY_PREFIX, widget_list
from observability.models import Dashboard


class DashboardFormBase(forms.ModelForm):
    """The dashboard's fields, the charts it shows, and (declared below) one input per dashboard filter."""

    charts = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = Dashboard
        fields = ("project", "name", "description", "shared")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["charts"].choices = [(chart.key, chart.title) for chart in chart_list()]
        if self.instance.project_id:
            self.fields["charts"].choices += [
                (f"{WIDGET_KEY_PREFIX}{widget.pk}", f"Widget: {widget.name}")
                for widget in widget_list(project=self.instance.project)
            ]
            self.initial["charts"] = selectors.dashboard_chart_keys(self.instance)
            self.initial.update(params_from_filters(self.instance.filters))
        else:
            self.initial["charts"] = [chart.key for chart in chart_list()]

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["filters"] = filters_from_params({name: cleaned.get(name) for name, _ in FORM_FIELDS})
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


DashboardForm = type(
    "DashboardForm",
    (DashboardFormBase,),
    {parameter: forms.CharField(label=text, required=False) for parameter, text in FORM_FIELDS},
)


@admin.register(Dashboard)
class DashboardAdmin(DomainErrorsAsFormErrors, ProjectScopedAdmin):
    form = DashboardForm
    list_display = ("name", "project", "owner", "shared", "chart_count", "updated_at", "open_link")
    list_select_related = ("project__organization", "owner")
    search_fields = ("name", "description")
    change_list_template = "observability/admin/dashboard_change_list.html"

    def get_fieldsets(self, request, obj=None):
        filters = [parameter for parameter, _ in FORM_FIELDS]
        return [
            (None, {"fields": ("project", "name", "description", "shared")}),
            ("Charts", {"fields": ("charts",)}),
            ("Filters applied to every chart", {"fields": filters}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return ("project",) if obj else ()

    def get_queryset(self, request):
        return selectors.dashboard_list_for_user(request.user).select_related("project__organization", "owner")

    def has_view_permission(self, request, obj=None):
        if obj is None or not self.has_module_permission(request):
            return super().has_view_permission(request, obj)
        return selectors.dashboard_list_for_user(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return has_projects(request, WRITING_ROLES)
        user = request.user
        if obj.owner_id == user.pk or project_can_manage(user, obj.project):
            return True
        if self._has_object_perm(request, "change", obj):
            return True
        writable = project_list_for_user(user, roles=WRITING_ROLES)
        return obj.owner_id is None and writable.filter(pk=obj.project_id).exists()

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    @admin.display(description="Charts")
    def chart_count(self, dashboard):
        return len(dashboard.definition)

    @admin.display(description="")
    def open_link(self, dashboard):
        return format_html('<a href="{}">Open</a>', reverse("admin:observability_dashboard_view", args=[dashboard.pk]))

    def save_model(self, request, obj, form, change):
        fields = {
            "name": form.cleaned_data["name"],
            "description": form.cleaned_data.get("description") or "",
            "definition": services.definition_for_charts(form.cleaned_data["charts"]),
            "filters": form.cleaned_data["filters"],
            "shared": form.cleaned_data.get("shared", False),
        }
        if change:
            stored = Dashboard.objects.get(pk=obj.pk)  # the form already changed `obj`; audit from the stored row
            services.dashboard_update(dashboard=stored, **fields)
        else:
            created = services.dashboard_create(project=form.cleaned_data["project"], owner=request.user, **fields)
            obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        """A dashboard has no related rows; its charts and filters are saved by save_model."""

    def delete_model(self, request, obj):
        services.dashboard_delete(dashboard=obj)

    def delete_queryset(self, request, queryset):
        for dashboard in queryset:
            services.dashboard_delete(dashboard=dashboard)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("home/", view(self.home_view), name="observability_dashboard_home"),
            path("<path:object_id>/view/", view(self.saved_view), name="observability_dashboard_view"),
            *super().get_urls(),
        ]

    def home_view(self, request):
        if not self.has_module_permission(request):
            raise PermissionDenied
        return dashboard_page_view(self, request)

    def saved_view(self, request, object_id):
        dashboard = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if dashboard is None:
            raise Http404("No such dashboard among those you may see.")
        return dashboard_page_view(self, request, dashboard)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "home_url": reverse("admin:observability_dashboard_home")}
        return super().changelist_view(request, extra_context)
