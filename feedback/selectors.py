"""Project-scoped reads of comments."""

from django.db.models import QuerySet

from feedback.models import Comment


def comment_list(*, project) -> QuerySet[Comment]:
    """The project's comments, newest first."""
    return Comment.objects.filter(project=project).order_by("-created_at", "-id")


def comment_get(*, project, comment_id: str) -> Comment | None:
    return Comment.objects.filter(project=project, pk=comment_id).first()


def comment_list_for_objects(*, project, object_type: str, object_ids: list[str]) -> list[Comment]:
    """Comments on these objects, oldest first (as a conversation reads), with their authors."""
    return list(
        Comment.objects.filter(project=project, object_type=object_type, object_id__in=object_ids)
        .select_related("author")
        .order_by("created_at", "id")
    )
