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
# The models a connection offers with `with_default_models` (all priced by the bundled price table). Azure
# connections name their deployments as custom models, so they have none.
DEFAULT_MODELS = {
    LlmAdapter.OPENAI: (
        "gpt-4o-mini",
        "gpt-4o",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-nano",
        "gpt-5",
        "gpt-5-mini",
        "gpt-5-nano",
        "o3",
        "o3-mini",
        "o4-mini",
    ),
    LlmAdapter.ANTHROPIC: (
        "claude-haiku-4-5-20251001",
        "claude-sonnet-4-5-20250929",
        "claude-sonnet-4-6",
        "claude-opus-4-1-20250805",
        "claude-opus-4-6",
    ),
}


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
