"""What the annotation page shows of an item: the trace (tree, input/output, scores) or the session's turns."""

from feedback.models import AnnotationObjectType
from observability.admin.media import admin_media_url
from observability.admin.payloads import payload_view
from observability.admin.trace_page import trace_page_context
from observability.extensions import score_map_by_trace
from observability.models import Observation, Trace


def _trace_context(trace: Trace) -> dict:
    return trace_page_context(trace, url_for=admin_media_url(trace))


def annotation_subject(item) -> dict:
    """Template context for the item's subject; `missing` when it is not (or no longer) stored."""
    project = item.project
    if item.object_type == AnnotationObjectType.SESSION:
        traces = list(Trace.objects.filter(project=project, session_id=item.object_id).order_by("timestamp", "key"))
        scores = score_map_by_trace(project=project, trace_ids=[trace.id for trace in traces])
        return {
            "missing": not traces,
            "turns": [
                {
                    "trace": trace,
                    "input": payload_view(trace.input),
                    "output": payload_view(trace.output),
                    "scores": scores.get(trace.id, []),
                }
                for trace in traces
            ],
        }
    trace_id, observation = item.object_id, None
    if item.object_type == AnnotationObjectType.OBSERVATION:
        observation = Observation.objects.filter(project=project, id=item.object_id).first()
        if observation is None:
            return {"missing": True}
        trace_id = observation.trace_id
    trace = Trace.objects.filter(project=project, id=trace_id).select_related("project").first()
    if trace is None:
        return {"missing": True}
    context = _trace_context(trace)
    if observation is not None:
        context |= {
            "observation": observation,
            "observation_input": payload_view(observation.input),
            "observation_output": payload_view(observation.output),
        }
    return context
