"""Writes on stored traces that are not ingestion: deletion (with the media only those traces referenced),
sharing by public link."""

from django.db import transaction
from django.utils import timezone

from aistrale.tenancy.services import audit_record
from observability.analytics.rollups import rollups_mark
from observability.extensions import trace_deletion_handlers
from observability.media.services import media_unlink_traces
from observability.models import Observation, Trace


@transaction.atomic
def trace_delete_many(*, project, trace_ids: list[str]) -> list[str]:
    """Delete these traces of the project with their observations; return the ids that existed."""
    existing = list(Trace.objects.filter(project=project, id__in=set(trace_ids)).values_list("id", flat=True))
    if not existing:
        return []
    rollups_mark(project_id=project.pk, trace_ids=existing, observation_ids=[])
    Observation.objects.filter(project=project, trace_id__in=existing).delete()
    Trace.objects.filter(project=project, id__in=existing).delete()
    media_unlink_traces(project=project, trace_ids=existing)
    for handler in trace_deletion_handlers():
        handler(project=project, trace_ids=existing)
    audit_record(
        action="trace.deleted",
        object_type="Trace",
        object_id=existing[0] if len(existing) == 1 else f"{len(existing)} traces",
        project=project,
        before={"traceIds": sorted(existing)},
    )
    return existing


@transaction.atomic
def trace_public_set(*, trace: Trace, public: bool) -> Trace:
    """Share the trace by its public link (True) or revoke that link (False); a change is audited."""
    if trace.public == public:
        return trace
    trace.public, trace.updated_at = public, timezone.now()
    Trace.objects.filter(pk=trace.pk).update(public=public, updated_at=trace.updated_at)
    audit_record(
        action="trace.shared" if public else "trace.unshared",
        object_type="Trace",
        object_id=trace.id,
        project=trace.project,
        before={"public": not public},
        after={"public": public},
    )
    return trace
