"""Writes on stored traces that are not ingestion: deletion (with the media only those traces referenced)."""

from django.db import transaction

from aistrale.tenancy.services import audit_record
from observability.extensions import trace_deletion_handlers
from observability.media.services import media_unlink_traces
from observability.models import Observation, Trace


@transaction.atomic
def trace_delete_many(*, project, trace_ids: list[str]) -> list[str]:
    """Delete these traces of the project with their observations; return the ids that existed."""
    existing = list(Trace.objects.filter(project=project, id__in=set(trace_ids)).values_list("id", flat=True))
    if not existing:
        return []
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
