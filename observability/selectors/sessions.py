"""Project-scoped reads of sessions, as their traces define them."""

from django.db.models import Count, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from observability.models import Session, Trace


def session_list(*, project) -> QuerySet:
    """Sessions as their traces define them: id, first trace time and environment, newest first."""
    return (
        Trace.objects.filter(project=project, session_id__isnull=False)
        .exclude(session_id="")
        .values("session_id")
        .annotate(created_at=Min("timestamp"), session_environment=Min("environment"))
        .order_by("-created_at", "session_id")
    )


def session_trace_list(*, project, session_id: str) -> list[Trace]:
    return list(Trace.objects.filter(project=project, session_id=session_id).order_by("timestamp", "key"))


def session_get(*, project, session_id: str) -> Session | None:
    return Session.objects.filter(project=project, id=session_id).first()


def session_annotate_trace_count(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Annotated with `trace_count`, the number of traces of each session (sortable)."""
    traces = (
        Trace.objects.filter(project=OuterRef("project"), session_id=OuterRef("id"))
        .order_by()
        .values("session_id")
        .annotate(count=Count("key"))
        .values("count")
    )
    return queryset.annotate(trace_count=Coalesce(Subquery(traces), 0))
