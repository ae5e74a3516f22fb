"""The feedback overview admin page: volume and positive rate per day, the worst-rated traces, comments.

Every figure is aggregated in the database (feedback.selectors); the page makes a fixed number of queries
whatever the volume.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from aistrale import display
from aistrale.tenancy.models import READING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from feedback.selectors import feedback as selectors
from observability.models import Trace

RANGES = (7, 30, 90)
DEFAULT_RANGE = 30


def _days(request) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_RANGE))
    except ValueError:
        return DEFAULT_RANGE
    return days if days in RANGES else DEFAULT_RANGE


def _project(request):
    projects = list(project_list_for_user(request.user, roles=READING_ROLES).order_by("name", "pk"))
    if not projects:
        raise PermissionDenied
    wanted = request.GET.get("project")
    if wanted is None:
        return projects[0], projects
    for project in projects:
        if str(project.pk) == wanted:
            return project, projects
    raise Http404("No such project among yours.")


def _trace_links(project, trace_ids) -> dict[str, str]:
    rows = Trace.objects.filter(project=project, id__in=set(trace_ids)).values_list("id", "key")
    return {trace_id: reverse("admin:observability_trace_change", args=[key]) for trace_id, key in rows}


def _day_rows(days, start: dt.date, count: int) -> list[dict]:
    by_day = {day.day: day for day in days}
    peak = max((day.volume for day in days), default=0)
    rows = []
    for offset in range(count):
        date = start + dt.timedelta(days=offset)
        day = by_day.get(date, selectors.FeedbackDay(day=date, volume=0, rated=0, positive=0))
        rows.append(
            {
                "day": date,
                "volume": day.volume,
                "rated": day.rated,
                "positive": display.percent(day.positive_rate),
                "bar": round(100 * day.volume / peak) if peak else 0,
            }
        )
    return rows


def overview_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    project, projects = _project(request)
    days = _days(request)
    today = timezone.now().astimezone(dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    daily = selectors.feedback_daily(project=project, start=start, end=end)
    worst = selectors.feedback_worst_traces(project=project, start=start, end=end)
    comments = list(selectors.feedback_comments(project=project, start=start, end=end))
    links = _trace_links(project, [row["trace_id"] for row in worst] + [score.trace_id for score in comments])
    volume = sum(day.volume for day in daily)
    rated = sum(day.rated for day in daily)
    positive = sum(day.positive for day in daily)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Feedback overview: {project.name}",
        "project": project,
        "projects": projects,
        "days": days,
        "ranges": RANGES,
        "volume": volume,
        "rated": rated,
        "positive_rate": display.percent(positive / rated if rated else None),
        "day_rows": _day_rows(daily, first, days),
        "worst": [
            {**row, "url": links.get(row["trace_id"]), "positive_rate": display.percent(row["rate"])} for row in worst
        ],
        "comments": [
            {"score": score, "url": links.get(score.trace_id), "positive": selectors.positive(score)}
            for score in comments
        ],
    }
    return TemplateResponse(request, "feedback/admin/overview.html", context)
