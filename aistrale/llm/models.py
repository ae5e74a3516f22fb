"""A project's connection to an LLM provider: adapter, endpoint, encrypted key and headers, models offered."""

from django.db import models

from aistrale.crypto import EncryptedTextField
from aistrale.tenancy.models import Project


class LlmAdapter(models.TextChoices):
    OPENAI = "openai", "OpenAI"
    ANTHROPIC = "anthropic", "Anthropic"
    AZURE = "azure", "Azure OpenAI"
    BEDROCK = "bedrock", "AWS Bedrock"
    GOOGLE_VERTEX_AI = "google-vertex-ai", "Google Vertex AI"
    GOOGLE_AI_STUDIO = "google-ai-studio", "Google AI Studio"


SUPPORTED_ADAPTERS = (LlmAdapter.OPENAI, LlmAdapter.ANTHROPIC, LlmAdapter.AZURE)


class LlmConnection(models.Model):
    """One provider per project (`provider` is the connection's unique name within it)."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255)
    provider = models.CharField(max_length=255)
    adapter = models.CharField(max_length=32, choices=LlmAdapter.choices)
    secret_key = EncryptedTextField()
    base_url = models.URLField(max_length=2000, null=True, blank=True)
    custom_models = models.JSONField(default=list, blank=True)
    with_default_models = models.BooleanField(default=True)
    extra_headers = EncryptedTextField(null=True, blank=True)
    config = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "LLM connection"
        constraints = [
            models.UniqueConstraint(fields=["project", "id"], name="llm_connection_id_unique_per_project"),
            models.UniqueConstraint(fields=["project", "provider"], name="llm_connection_provider_unique"),
        ]

    def __str__(self):
        return f"{self.provider} ({self.adapter})"
