"""Comments on the wire: CreateCommentRequest in, Comment out (camelCase)."""

from rest_framework import serializers

from feedback.models import Comment


class CommentCreateSerializer(serializers.Serializer):
    projectId = serializers.CharField(source="project_id")
    objectType = serializers.CharField(
        source="object_type", help_text="TRACE, OBSERVATION, SESSION or PROMPT (any case)"
    )
    objectId = serializers.CharField(
        source="object_id",
        trim_whitespace=False,
        help_text="must name an object of the project; a prompt: a version id",
    )
    content = serializers.CharField(trim_whitespace=False, allow_blank=True, help_text="1-5000 characters, markdown")
    authorUserId = serializers.CharField(
        source="author_user_id", required=False, allow_null=True, help_text="a member of the project"
    )


class CommentQuerySerializer(serializers.Serializer):
    objectType = serializers.CharField(source="object_type", required=False)
    objectId = serializers.CharField(source="object_id", required=False)
    authorUserId = serializers.CharField(source="author_user_id", required=False)

    def validate(self, attrs):
        if "object_id" in attrs and "object_type" not in attrs:
            raise serializers.ValidationError({"objectType": "is required when objectId is given"})
        return attrs


def comment_public(comment: Comment) -> dict:
    return {
        "id": comment.id,
        "projectId": comment.project_id,
        "createdAt": comment.created_at,
        "updatedAt": comment.updated_at,
        "objectType": comment.object_type,
        "objectId": comment.object_id,
        "content": comment.content,
        "authorUserId": str(comment.author_id) if comment.author_id else None,
    }
