"""The comment panels feedback registers on the trace, session and prompt admin pages."""

from django.template.loader import render_to_string
from django.urls import reverse

from feedback.models import COMMENT_MAX_CHARS, CommentObjectType
from feedback.selectors.comments import comment_list_for_objects, prompt_version_numbers
from feedback.services.comments import comment_can_create
from observability.selectors import trace_observation_ids


def _panel(request, project, *, targets: list[tuple[str, str, str]], comments) -> str:
    """The panel: the comments (each labelled with what it is on), and a form for members.

    targets: (object type, object id, label) a new comment may go on; the first is preselected.
    """
    labels = {(object_type, object_id): label for object_type, object_id, label in targets}
    return render_to_string(
        "feedback/admin/comments_panel.html",
        {
            "comments": [
                {"comment": comment, "on": labels.get((comment.object_type, comment.object_id), comment.object_id)}
                for comment in comments
            ],
            "targets": [
                {"value": f"{object_type}:{object_id}", "type": object_type, "id": object_id, "label": label}
                for object_type, object_id, label in targets
            ],
            "can_comment": comment_can_create(request.user, project),
            "project": project,
            "post_url": reverse("admin:feedback_comment_post"),
            "next": request.get_full_path(),
            "max_chars": COMMENT_MAX_CHARS,
        },
        request=request,
    )


def trace_comments_panel(*, request, project, subject_id: str) -> str:
    """Comments on the trace and on each of its observations."""
    observation_ids = trace_observation_ids(project=project, trace_ids=[subject_id]).get(subject_id, [])
    targets = [(CommentObjectType.TRACE, subject_id, "this trace")]
    targets += [
        (CommentObjectType.OBSERVATION, observation_id, f"observation {observation_id}")
        for observation_id in observation_ids
    ]
    comments = comment_list_for_objects(
        project=project,
        objects={CommentObjectType.TRACE: [subject_id], CommentObjectType.OBSERVATION: observation_ids},
    )
    return _panel(request, project, targets=targets, comments=comments)


def session_comments_panel(*, request, project, subject_id: str) -> str:
    comments = comment_list_for_objects(project=project, objects={CommentObjectType.SESSION: [subject_id]})
    return _panel(
        request, project, targets=[(CommentObjectType.SESSION, subject_id, "this session")], comments=comments
    )


def prompt_comments_panel(*, request, project, subject_id: str) -> str:
    """Comments on the prompt's versions (Langfuse comments a prompt version by its id), newest version first."""
    versions = prompt_version_numbers(project=project, prompt_id=subject_id)
    targets = [(CommentObjectType.PROMPT, pk, f"v{number}") for pk, number in versions]
    comments = comment_list_for_objects(project=project, objects={CommentObjectType.PROMPT: [pk for pk, _ in versions]})
    return _panel(request, project, targets=targets, comments=comments)
