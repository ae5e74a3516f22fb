"""The dashboard page: the project home dashboard (every registered chart) or a saved dashboard's charts, under
a date range and filters from the query string; `?csv=<chart>` downloads one chart's data.

Each chart is one metrics query; the page makes a fixed number of queries whatever the volume of data.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils.http import urlencode

from aistrale.errors import DomainError
from aistrale.tenancy.models import READING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from observability.dashboards.charts import chart_list, chart_points, chart_rows
from observability.dashboards.page import (
    FILTER_PARAMETERS,
    chart_csv,
    chart_render,
    filters_from_params,
    params_from_filters,
    range_from_params,
)
from observability.dashboards.selectors import dashboard_charts

FORM_FIELDS = (
    ("environment", "Environment"),
    ("release", "Release"),
    ("traceName", "Trace name"),
    ("userId", "User"),
    ("tag", "Tag"),
    ("promptName", "Prompt"),
    ("promptVersion", "Prompt version"),
)


def _home_project(request):
    """The project of the home dashboard (`?project=`, else the user's first) and the user's projects."""
    projects = list(project_list_for_user(request.user, roles=READING_ROLES).order_by("name", "pk"))
    if not projects:
        raise PermissionDenied
    wanted = request.GET.get("project")
    chosen = projects[0] if wanted is None else next((p for p in projects if str(p.pk) == wanted), None)
    if chosen is None:
        raise Http404("No such project among yours.")
    return chosen, projects


def _query_string(request, **changes) -> str:
    params = {key: value for key, value in request.GET.items() if key != "csv"} | changes
    return urlencode({key: value for key, value in params.items() if value})


def dashboard_page_view(model_admin, request, dashboard=None):
    """Render the charts (or one chart's CSV); a 400 naming the bad parameter or filter."""
    if dashboard is None:
        project, projects = _home_project(request)
        saved_filters, charts = [], chart_list()
    else:
        project, projects = dashboard.project, [dashboard.project]
        saved_filters = dashboard.filters
        charts = dashboard_charts(dashboard)
    try:
        days = range_from_params(request.GET)
        filters = [*saved_filters, *filters_from_params(request.GET)]
        wanted = request.GET.get("csv")
        if wanted:
            chart = next((chart for chart in charts if chart.key == wanted), None)
            if chart is None:
                raise Http404(f"No chart {wanted!r} on this dashboard.")
            return _csv_response(chart, project=project, filters=filters, days=days)
        rendered = [chart_render(chart, project=project, filters=filters, days=days) for chart in charts]
    except DomainError as error:
        return HttpResponseBadRequest(f"{error.field}: {error.message}" if error.field else error.message)
    values = {parameter: request.GET.get(parameter, "") for parameter, _ in FORM_FIELDS}
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": dashboard.name if dashboard else f"Project home: {project.name}",
        "dashboard": dashboard,
        "project": project,
        "projects": projects,
        "first": days.first.isoformat(),
        "last": days.last.isoformat(),
        "fields": [(parameter, text, values[parameter]) for parameter, text in FORM_FIELDS],
        "saved_filters": _saved_filter_texts(saved_filters),
        "charts": [
            {"chart": item.chart, "svg": item.svg, "csv": "?" + _query_string(request, csv=item.chart.key)}
            for item in rendered
        ],
    }
    return TemplateResponse(request, "observability/admin/dashboard.html", context)


def _csv_response(chart, *, project, filters, days) -> HttpResponse:
    rows = chart_rows(chart, project=project, filters=filters, start=days.start, end=days.end)
    response = HttpResponse(chart_csv(chart, chart_points(chart, rows)), content_type="text/csv; charset=utf-8")
    name = f"{chart.key}_{days.first.isoformat()}_{days.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _saved_filter_texts(filters: list[dict]) -> list[str]:
    texts = []
    for item in filters:
        shown = params_from_filters([item])
        parameter = FILTER_PARAMETERS[item["column"]][0]
        value = shown.get(parameter, item.get("value"))
        texts.append(f"{item['column']} {item['operator']} {value}")
    return texts
