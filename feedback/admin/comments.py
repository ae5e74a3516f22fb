"""The comment list, and the view every comment panel's form posts to."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from aistrale.errors import DomainError
from aistrale.tenancy.admin_scoping import ReadOnlyProjectAdmin
from aistrale.tenancy.selectors import project_list_for_user
from feedback.models import Comment
from feedback.services.comments import comment_can_create, comment_create


@admin.register(Comment)
class CommentAdmin(ReadOnlyProjectAdmin):
    list_display = ("created_at", "object_type", "object_id", "author", "short_content", "project")
    list_filter = ("object_type",)
    search_fields = ("=object_id", "content")
    list_select_related = ("author", "project__organization")
    ordering = ("-created_at",)
    show_full_result_count = False

    @admin.display(description="Comment")
    def short_content(self, comment):
        return comment.content if len(comment.content) <= 120 else comment.content[:120] + "…"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("post/", view(require_POST(self.post_view)), name="feedback_comment_post"), *super().get_urls()]

    def _back(self, request) -> str:
        target = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target + "#comments"
        return reverse("admin:feedback_comment_changelist")

    def post_view(self, request):
        project = project_list_for_user(request.user).filter(pk=request.POST.get("project", "")).first()
        if project is None or not comment_can_create(request.user, project):
            raise PermissionDenied("Only members of the project comment on its objects.")
        object_type, _, object_id = request.POST.get("target", "").partition(":")
        try:
            comment_create(
                project=project,
                object_type=object_type,
                object_id=object_id,
                content=request.POST.get("content", ""),
                author=request.user,
            )
        except DomainError as error:
            problem = f"{error.field}: {error.message}" if error.field else error.message
            messages.error(request, f"Comment not added: {problem}")
        else:
            messages.success(request, "Comment added.")
        return HttpResponseRedirect(self._back(request))
