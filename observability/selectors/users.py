"""The users of a project: per-user trace counts and usage, from their traces."""

from django.db.models import Count, Max, Min, OuterRef, QuerySet, Subquery, Sum

from observability.models import Observation, Trace


def user_list(traces: QuerySet[Trace]) -> QuerySet:
    """Per (project, user): trace count and first/last seen, most recently active first."""
    return (
        traces.filter(user_id__isnull=False)
        .exclude(user_id="")
        .order_by()
        .values("project", "project__name", "user_id")
        .annotate(traces=Count("key"), first_seen=Min("timestamp"), last_seen=Max("timestamp"))
        .order_by("-last_seen", "user_id")
    )


def user_usage_stats(rows: list[dict]) -> dict[tuple[str, str], dict]:
    """Token and cost sums over the observations of these (project, user) rows' traces."""
    if not rows:
        return {}
    projects = {row["project"] for row in rows}
    users = {row["user_id"] for row in rows}
    owner = Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id")).values("user_id")[:1]
    their_traces = Trace.objects.filter(project_id__in=projects, user_id__in=users).values("id")
    sums = (
        Observation.objects.filter(project_id__in=projects, trace_id__in=their_traces)
        .annotate(owner=Subquery(owner))
        .order_by()
        .values("project", "owner")
        .annotate(
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            total_tokens=Sum("total_tokens"),
            total_cost=Sum("total_cost"),
        )
    )
    return {(row.pop("project"), row.pop("owner")): row for row in sums}
