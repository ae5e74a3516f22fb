"""Writes of feedback: comments (validated against the object they name, audited)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef

from aistrale.errors import DomainError
from aistrale.limits import column_length, text_check
from aistrale.tenancy.models import Role
from aistrale.tenancy.selectors import project_role
from aistrale.tenancy.services import audit_record
from feedback.models import COMMENT_MAX_CHARS, Comment, CommentObjectType
from observability.models import Observation, Session, Trace
from prompts.models import PromptVersion

COMMENTING_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER, Role.ANNOTATOR})


def comment_can_create(user, project) -> bool:
    """Members of the project comment; viewers only read."""
    return project_role(user, project) in COMMENTING_ROLES


def comment_object_type_check(object_type) -> str:
    """The object type in upper case (the SDK docs write it in lower case), or a DomainError naming the choices."""
    normalized = object_type.upper() if isinstance(object_type, str) else None
    if normalized not in CommentObjectType.values:
        choices = ", ".join(CommentObjectType.values)
        raise DomainError(f"must be one of {choices}, got {object_type!r}", field="object_type")
    return normalized


def _object_exists(*, project, object_type: str, object_id: str) -> bool:
    if object_type == CommentObjectType.TRACE:
        return Trace.objects.filter(project=project, id=object_id).exists()
    if object_type == CommentObjectType.OBSERVATION:
        return Observation.objects.filter(project=project, id=object_id).exists()
    if object_type == CommentObjectType.SESSION:
        return (
            Session.objects.filter(project=project, id=object_id).exists()
            or Trace.objects.filter(project=project, session_id=object_id).exists()
        )
    return PromptVersion.objects.filter(project=project, pk=object_id).exists()


def comment_author_find(*, project, author_user_id: str):
    """The user an API client names as a comment's author: a member of the project."""
    user = None
    if author_user_id.isdigit():
        user = get_user_model().objects.filter(pk=int(author_user_id), is_active=True).first()
    if user is None or project_role(user, project) is None:
        raise DomainError(f"no member of this project has the user id {author_user_id!r}", field="author_user_id")
    return user


@transaction.atomic
def comment_create(*, project, object_type: str, object_id: str, content: str, author=None) -> Comment:
    """Comment on an object of the project (a prompt: one of its versions, by id)."""
    object_type = comment_object_type_check(object_type)
    if not object_id:
        raise DomainError("must not be empty", field="object_id")
    text_check(object_id, field="object_id", max_length=column_length(Comment, "object_id"))
    if not content.strip():
        raise DomainError("must not be empty", field="content")
    text_check(content, field="content", max_length=COMMENT_MAX_CHARS)
    if not _object_exists(project=project, object_type=object_type, object_id=object_id):
        raise DomainError(
            f"no {object_type.lower()} with id {object_id!r} in this project", field="object_id", status=404
        )
    comment = Comment.objects.create(
        project=project, object_type=object_type, object_id=object_id, content=content, author=author
    )
    audit_record(
        action="comment.created",
        object_type="Comment",
        object_id=comment.pk,
        project=project,
        after={"objectType": object_type, "objectId": object_id, "authorUserId": author.pk if author else None},
    )
    return comment


def comment_delete_for_traces(*, project, trace_ids: list[str]) -> None:
    """Comments go with the traces they are on, and with observations no longer stored (deleted with them)."""
    Comment.objects.filter(project=project, object_type=CommentObjectType.TRACE, object_id__in=trace_ids).delete()
    stored = Observation.objects.filter(project=project, id=OuterRef("object_id"))
    Comment.objects.filter(project=project, object_type=CommentObjectType.OBSERVATION).exclude(Exists(stored)).delete()
