"""Prompts, their immutable versions and the deployment labels that point at them."""

from django.conf import settings
from django.db import models

from aistrale.tenancy.ids import new_id
from aistrale.tenancy.models import Project

PRODUCTION_LABEL = "production"
LATEST_LABEL = "latest"
LABEL_MAX_LENGTH = 36
COMMIT_MESSAGE_MAX_LENGTH = 500


class PromptType(models.TextChoices):
    TEXT = "text"
    CHAT = "chat"


class TemplateEngine(models.TextChoices):
    LANGFUSE = "langfuse", "Langfuse {{variables}}"
    JINJA2 = "jinja2", "Jinja2 (sandboxed, server-side)"


class Prompt(models.Model):
    """A named prompt; `/` in the name makes folders."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=500)
    tags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="prompt_name_unique_per_project")]
        indexes = [models.Index(fields=["project", "-updated_at"], name="prompt_project_updated")]

    def __str__(self):
        return self.name


class PromptVersion(models.Model):
    """One immutable version of a prompt: text (a string) or chat (a list of messages)."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    type = models.CharField(max_length=8, choices=PromptType.choices, default=PromptType.TEXT)
    content = models.JSONField()
    config = models.JSONField(default=dict, blank=True)
    template_engine = models.CharField(max_length=16, choices=TemplateEngine.choices, default=TemplateEngine.LANGFUSE)
    commit_message = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.CharField(max_length=200, default="API")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["prompt", "-version"]
        constraints = [models.UniqueConstraint(fields=["prompt", "version"], name="prompt_version_unique")]
        indexes = [models.Index(fields=["project", "-created_at"], name="promptversion_project_created")]

    def __str__(self):
        return f"{self.prompt.name} v{self.version}"


class PromptLabel(models.Model):
    """A deployment label; unique per prompt, so moving it takes it off the previous version."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="labels")
    version = models.ForeignKey(PromptVersion, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prompt", "name"], name="prompt_label_unique")]

    def __str__(self):
        return self.name


class ProtectedLabel(models.Model):
    """A label only a project's owners and admins may set or move."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="protected_label_unique")]

    def __str__(self):
        return self.name
