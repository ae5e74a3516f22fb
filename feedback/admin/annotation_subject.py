"""What the annotation page shows of an item: the trace (tree, input/output, scores) or the session's turns
(and the session's own scores), with the comments on the item's objects.

Its media link to the queue's own download view (`annotation_media_url`): an annotator may see the items of
their queues and nothing else of the project, so the trace admin's download view would refuse them."""

from django.http import Http404
from django.urls import reverse

from evals.selectors import score_list_for_session, score_public
from feedback.models import AnnotationObjectType, CommentObjectType
from feedback.selectors.comments import comment_list_for_objects
from observability.admin.payloads import payload_view
from observability.admin.trace_page import trace_page_context
from observability.extensions import score_map_by_trace
from observability.media.files import media_file_response
from observability.media.selectors import media_map_for_trace
from observability.models import Observation, Trace
from observability.selectors import trace_observation_ids


def annotation_media_url(item):
    return lambda media: reverse("admin:feedback_annotationqueue_media", args=[item.queue_id, item.key, media.id])


def annotation_media_response(item, media_id: str):
    """Stream a media file of the item's trace (the caller has checked the user may annotate the item's queue)."""
    trace_id = item.object_id
    if item.object_type == AnnotationObjectType.OBSERVATION:
        trace_id = (
            Observation.objects.filter(project=item.project, id=item.object_id)
            .values_list("trace_id", flat=True)
            .first()
        )
    media = media_map_for_trace(project=item.project, trace_id=trace_id, media_ids=[media_id]).get(media_id)
    if item.object_type == AnnotationObjectType.SESSION or media is None:
        raise Http404("This item has no such media.")
    return media_file_response(media)


def _comments(project, objects: dict[str, list[str]]) -> list[dict]:
    """The comments on these objects, oldest first, each labelled with what it is on."""
    return [
        {"comment": comment, "on": f"{comment.object_type.lower()} {comment.object_id}"}
        for comment in comment_list_for_objects(project=project, objects=objects)
    ]


def annotation_subject(item) -> dict:
    """Template context for the item's subject; `missing` when it is not (or no longer) stored."""
    project = item.project
    if item.object_type == AnnotationObjectType.SESSION:
        traces = list(Trace.objects.filter(project=project, session_id=item.object_id).order_by("timestamp", "key"))
        trace_ids = [trace.id for trace in traces]
        scores = score_map_by_trace(project=project, trace_ids=trace_ids)
        return {
            "missing": not traces,
            "session_scores": [
                score_public(score) for score in score_list_for_session(project=project, session_id=item.object_id)
            ],
            "comments": _comments(
                project, {CommentObjectType.SESSION: [item.object_id], CommentObjectType.TRACE: trace_ids}
            ),
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
    context = trace_page_context(trace, url_for=annotation_media_url(item))
    observation_ids = trace_observation_ids(project=project, trace_ids=[trace.id]).get(trace.id, [])
    context["comments"] = _comments(
        project, {CommentObjectType.TRACE: [trace.id], CommentObjectType.OBSERVATION: observation_ids}
    )
    if observation is not None:
        context |= {
            "observation": observation,
            "observation_input": payload_view(observation.input),
            "observation_output": payload_view(observation.output),
        }
    return context
