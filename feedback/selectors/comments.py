"""Project-scoped reads of comments."""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from feedback.models import Comment
from prompts.models import PromptVersion


def comment_list(*, project) -> QuerySet[Comment]:
    """The project's comments, newest first."""
    return Comment.objects.filter(project=project).order_by("-created_at", "-id")


def comment_get(*, project, comment_id: str) -> Comment | None:
    return Comment.objects.filter(project=project, pk=comment_id).first()


def comment_list_for_objects(*, project, objects: dict[str, list[str]]) -> list[Comment]:
    """Comments on these objects ({object type: [ids]}), oldest first as a conversation reads, with their authors."""
    matches = [Q(object_type=object_type, object_id__in=ids) for object_type, ids in objects.items() if ids]
    if not matches:
        return []
    return list(
        Comment.objects.filter(reduce(or_, matches), project=project)
        .select_related("author")
        .order_by("created_at", "id")
    )


def prompt_version_numbers(*, project, prompt_id: str) -> list[tuple[str, int]]:
    """(version id, number) of a prompt's versions, newest first: what prompt comments attach to."""
    versions = PromptVersion.objects.filter(project=project, prompt_id=prompt_id).order_by("-version")
    return list(versions.values_list("pk", "version"))
