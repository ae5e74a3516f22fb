"""OpenAPI description of the comments API."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from aistrale.api.schema import PAGE_PARAMETERS, page_of
from feedback.api.serializers import CommentCreateSerializer, CommentQuerySerializer
from feedback.models import CommentObjectType


class Comment(serializers.Serializer):
    id = serializers.CharField()
    projectId = serializers.CharField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    objectType = serializers.ChoiceField(choices=CommentObjectType.choices)
    objectId = serializers.CharField()
    content = serializers.CharField()
    authorUserId = serializers.CharField(allow_null=True, help_text="The user id of the comment's author")


class CreateCommentResponse(serializers.Serializer):
    id = serializers.CharField(help_text="The id of the created comment")


comments = extend_schema_view(
    post=extend_schema(
        operation_id="comments_create",
        description=(
            "Comment on a trace, observation, session or prompt version of the key's project. The object must "
            "exist (404 otherwise); projectId must be the key's project (403 otherwise); content holds 1-5000 "
            "characters."
        ),
        request=CommentCreateSerializer,
        responses={200: CreateCommentResponse},
    ),
    get=extend_schema(
        operation_id="comments_get",
        description="The project's comments, newest first; objectId needs objectType.",
        parameters=[CommentQuerySerializer, *PAGE_PARAMETERS],
        responses={200: page_of(Comment)},
    ),
)

comment_detail = extend_schema_view(
    get=extend_schema(operation_id="comments_get-by-id", responses={200: Comment}),
)
