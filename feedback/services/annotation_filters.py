"""Saved queue filters: compiled to the trace JSON filter (observability's columns) and run to fill a queue."""

import orjson
from django.db.models import Exists, OuterRef
from django.utils import timezone

from evals.models import Score
from feedback.models import AnnotationObjectType, AnnotationQueueFilter
from feedback.services.annotation_queues import annotation_items_add
from observability.api.filters import TRACE_FILTER
from observability.models import Trace

MAX_FILTER_ITEMS = 10_000
SCORE_LOOKUPS = {"<": "lt", "<=": "lte", "=": "exact", ">=": "gte", ">": "gt"}


def annotation_filter_conditions(queue_filter: AnnotationQueueFilter, *, now) -> list[dict]:
    """The saved filter as Langfuse JSON filter conditions on traces, its window counted back from `now`."""
    conditions = []
    if queue_filter.trace_name:
        conditions.append({"type": "string", "column": "name", "operator": "=", "value": queue_filter.trace_name})
    if queue_filter.tags:
        conditions.append({"type": "arrayOptions", "column": "tags", "operator": "any of", "value": queue_filter.tags})
    if queue_filter.user_id:
        conditions.append({"type": "string", "column": "userId", "operator": "=", "value": queue_filter.user_id})
    if queue_filter.window:
        since = (now - queue_filter.window).isoformat()
        conditions.append({"type": "datetime", "column": "timestamp", "operator": ">=", "value": since})
    return conditions


def annotation_filter_traces(queue_filter: AnnotationQueueFilter, *, now=None):
    """The ids of the project's traces the saved filter matches, newest first (at most MAX_FILTER_ITEMS)."""
    now = now or timezone.now()
    project = queue_filter.queue.project
    raw = orjson.dumps(annotation_filter_conditions(queue_filter, now=now)).decode()
    traces = TRACE_FILTER.filtered(Trace.objects.filter(project=project), raw)
    if queue_filter.score_name and queue_filter.score_operator and queue_filter.score_value is not None:
        lookup = SCORE_LOOKUPS[queue_filter.score_operator]
        scores = Score.objects.filter(
            project=project,
            trace_id=OuterRef("id"),
            name=queue_filter.score_name,
            **{f"value__{lookup}": queue_filter.score_value},
        )
        traces = traces.filter(Exists(scores))
    return traces.order_by("-timestamp").values_list("id", flat=True)[:MAX_FILTER_ITEMS]


def annotation_filter_run(*, queue_filter: AnnotationQueueFilter, now=None) -> int:
    """Add the traces the saved filter matches now to its queue; the number of items added."""
    now = now or timezone.now()
    trace_ids = list(annotation_filter_traces(queue_filter, now=now))
    added = annotation_items_add(
        queue=queue_filter.queue, objects=[(AnnotationObjectType.TRACE, trace_id) for trace_id in trace_ids]
    )
    queue_filter.last_run_at = now
    queue_filter.save(update_fields=["last_run_at"])
    return added
