"""Comments people and API clients leave on traces, observations, sessions and prompt versions."""

from django.conf import settings
from django.db import models

from aistrale.tenancy.ids import new_id
from aistrale.tenancy.models import Project

COMMENT_MAX_CHARS = 5000


class CommentObjectType(models.TextChoices):
    TRACE = "TRACE"
    OBSERVATION = "OBSERVATION"
    SESSION = "SESSION"
    PROMPT = "PROMPT"


class Comment(models.Model):
    """A note on one object of a project, named by its type and client-facing id (a prompt: a version's id)."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=16, choices=CommentObjectType.choices)
    object_id = models.CharField(max_length=1000)
    content = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["project", "object_type", "object_id", "-created_at"], name="comment_project_object"),
            models.Index(fields=["project", "-created_at"], name="comment_project_created"),
        ]

    def __str__(self):
        return f"{self.object_type} {self.object_id}: {self.content[:40]}"
