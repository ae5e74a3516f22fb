"""/api/public/comments: create, list (filtered, paged) and read comments of the key's project."""

from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from aistrale.api.base import ProjectApiView, ProjectListApiView
from aistrale.api.pagination import LangfusePagination
from aistrale.errors import DomainError
from feedback.api import schema
from feedback.api.serializers import CommentCreateSerializer, CommentQuerySerializer, comment_public
from feedback.selectors import comments as selectors
from feedback.services import comments as services


@schema.comments
class CommentsView(ProjectListApiView):
    pagination_class = LangfusePagination

    def post(self, request):
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        project = request.auth.project
        if fields["project_id"] != project.pk:
            raise DomainError("must be the project of the API key", field="project_id", status=403)
        author_user_id = fields.get("author_user_id")
        author = (
            services.comment_author_find(project=project, author_user_id=author_user_id) if author_user_id else None
        )
        comment = services.comment_create(
            project=project,
            object_type=fields["object_type"],
            object_id=fields["object_id"],
            content=fields["content"],
            author=author,
        )
        return Response({"id": comment.id})

    def get_queryset(self):
        query = CommentQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        comments = selectors.comment_list(project=self.request.auth.project)
        filters = query.validated_data
        if "object_type" in filters:
            comments = comments.filter(object_type=services.comment_object_type_check(filters["object_type"]))
        if "object_id" in filters:
            comments = comments.filter(object_id=filters["object_id"])
        if "author_user_id" in filters:
            author_id = filters["author_user_id"]
            comments = comments.filter(author_id=int(author_id)) if author_id.isdigit() else comments.none()
        return comments

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([comment_public(comment) for comment in page])


@schema.comment_detail
class CommentDetailView(ProjectApiView):
    def get(self, request, comment_id):
        comment = selectors.comment_get(project=request.auth.project, comment_id=comment_id)
        if comment is None:
            raise NotFound(f"Comment {comment_id} not found in this project")
        return Response(comment_public(comment))
