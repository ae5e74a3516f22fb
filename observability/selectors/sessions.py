"""Project-scoped reads of sessions, as their traces define them."""

from datetime import datetime

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from observability.models import Session, Trace


def session_traces(*, project) -> QuerySet[Trace]:
    """The project's traces that belong to a session: what `session_rows` reads sessions from."""
    return Trace.objects.filter(project=project, session_id__isnull=False).exclude(session_id="")


class SessionRows:
    """Sessions as these traces define them, newest first: rows of id, first trace time (`created_at`) and least
    environment, as a countable, sliceable sequence for the paginator.

    A session's row is read off its first trace (no trace of the session is earlier, ties broken by key), so a page
    walks the traces' time index and probes the session index instead of grouping every trace.
    """

    def __init__(self, traces: QuerySet[Trace], *, start: datetime | None = None, end: datetime | None = None):
        self._traces = traces.order_by()
        self._bounded = start is not None or end is not None
        earlier = self._traces.filter(session_id=OuterRef("session_id")).filter(
            Q(timestamp__lt=OuterRef("timestamp")) | Q(timestamp=OuterRef("timestamp"), key__lt=OuterRef("key"))
        )
        firsts = self._traces.filter(~Exists(earlier))
        if start is not None:
            firsts = firsts.filter(timestamp__gte=start)
        if end is not None:
            firsts = firsts.filter(timestamp__lt=end)
        self._firsts = firsts

    def count(self) -> int:
        if self._bounded:
            return self._firsts.count()
        return self._traces.values("session_id").distinct().count()

    def __getitem__(self, window: slice) -> list[dict]:
        environment = (
            self._traces.filter(session_id=OuterRef("session_id"))
            .values("session_id")
            .annotate(least=Min("environment"))
            .values("least")
        )
        rows = (
            self._firsts.order_by("-timestamp", "session_id")
            .values("session_id")
            .annotate(created_at=F("timestamp"), session_environment=Subquery(environment))
        )
        return list(rows[window])


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
