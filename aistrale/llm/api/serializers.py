"""The LLM connection bodies on the wire: UpsertLlmConnectionRequest in, LlmConnection out (no secret)."""

from rest_framework import serializers

from aistrale.llm.models import LlmAdapter


class LlmConnectionUpsertSerializer(serializers.Serializer):
    """UpsertLlmConnectionRequest; the service holds it to the connection rules (adapters, URL, models, headers)."""

    provider = serializers.CharField(trim_whitespace=False, help_text="Unique in the project; the upsert key")
    adapter = serializers.ChoiceField(
        choices=LlmAdapter.values, help_text="openai, anthropic and azure work; the others answer 400 for now"
    )
    secretKey = serializers.CharField(source="secret_key", trim_whitespace=False, write_only=True)
    baseURL = serializers.CharField(source="base_url", required=False, allow_null=True, allow_blank=True)
    customModels = serializers.ListField(
        source="custom_models", child=serializers.CharField(trim_whitespace=False), required=False, allow_null=True
    )
    withDefaultModels = serializers.BooleanField(source="with_default_models", required=False, allow_null=True)
    extraHeaders = serializers.DictField(
        source="extra_headers",
        child=serializers.CharField(trim_whitespace=False, allow_blank=True),
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Omitted or null keeps the stored headers; {} removes them",
    )
    config = serializers.JSONField(required=False, allow_null=True)


class LlmConnectionBody(serializers.Serializer):
    """LlmConnection in the spec (secrets excluded)."""

    id = serializers.CharField()
    provider = serializers.CharField()
    adapter = serializers.CharField()
    displaySecretKey = serializers.CharField(help_text='The key masked: "..." and its last 4 characters')
    baseURL = serializers.CharField(allow_null=True)
    customModels = serializers.ListField(child=serializers.CharField())
    withDefaultModels = serializers.BooleanField()
    extraHeaderKeys = serializers.ListField(child=serializers.CharField(), help_text="Header names, never values")
    config = serializers.JSONField(allow_null=True)
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class DeleteLlmConnectionResponse(serializers.Serializer):
    message = serializers.CharField()
