"""Reads of saved dashboards: those a user may see in the admin, a project's shared ones for the API."""

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from aistrale.tenancy.models import READING_ROLES
from aistrale.tenancy.selectors import object_grants_exist, project_list_for_user
from observability.dashboards.charts import Chart, chart_get
from observability.dashboards.widget_selectors import WIDGET_KEY_PREFIX, placement_chart_key, widget_chart
from observability.models import Dashboard, DashboardWidget


def dashboard_list_for_user(user) -> QuerySet[Dashboard]:
    """Dashboards of the user's projects that are shared or theirs, plus those granted to them one by one."""
    dashboards = Dashboard.objects.all()
    if user.is_superuser:
        return dashboards
    members = project_list_for_user(user, roles=READING_ROLES).values("pk")
    visible = Q(project__in=members) & (Q(shared=True) | Q(owner=user))
    if object_grants_exist(user, Dashboard):
        granted = get_objects_for_user(user, "observability.view_dashboard", klass=Dashboard, accept_global_perms=False)
        visible |= Q(pk__in=granted.values("pk"))
    return dashboards.filter(visible)


def dashboard_list(*, project) -> QuerySet[Dashboard]:
    """The project's shared dashboards (what its API keys see), most recently updated first."""
    return Dashboard.objects.filter(project=project, shared=True).order_by("-updated_at", "id")


def dashboard_get(*, project, dashboard_id: str) -> Dashboard | None:
    return dashboard_list(project=project).filter(id=dashboard_id).first()


def dashboard_chart_keys(dashboard: Dashboard) -> list[str]:
    """The charts a dashboard shows (registry keys, `widget-<id>` for widgets), in grid order (top to bottom,
    left to right)."""
    placements = sorted(dashboard.definition, key=lambda placement: (placement["y"], placement["x"]))
    return [placement_chart_key(placement) for placement in placements]


def dashboard_charts(dashboard: Dashboard) -> list[Chart]:
    """The charts a dashboard shows in grid order: registered charts and the project's widgets (one query);
    placements of a chart or widget that no longer exists are left out."""
    keys = dashboard_chart_keys(dashboard)
    ids = [key.removeprefix(WIDGET_KEY_PREFIX) for key in keys if key.startswith(WIDGET_KEY_PREFIX)]
    widgets = DashboardWidget.objects.filter(project_id=dashboard.project_id, pk__in=ids) if ids else []
    charts = {chart.key: chart for chart in map(widget_chart, widgets)}
    return [chart for chart in (charts.get(key) or chart_get(key) for key in keys) if chart is not None]


def dashboard_public(dashboard: Dashboard) -> dict:
    """The Langfuse unstable Dashboard body."""
    return {
        "id": dashboard.id,
        "createdAt": dashboard.created_at,
        "updatedAt": dashboard.updated_at,
        "name": dashboard.name,
        "description": dashboard.description,
        "definition": {"widgets": dashboard.definition},
        "filters": [
            {part: item.get(part) for part in ("column", "operator", "type", "value", "key")}
            for item in dashboard.filters
        ],
    }
