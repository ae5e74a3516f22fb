"""OpenAPI description of the prompts API: components and one `extend_schema` per view method."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from aistrale.api.schema import PAGE_PARAMETERS, page_of
from prompts.api.serializers import (
    PromptCompileSerializer,
    PromptContentField,
    PromptCreateSerializer,
    PromptDeleteQuerySerializer,
    PromptFetchQuerySerializer,
    PromptLabelsUpdateSerializer,
    PromptListQuerySerializer,
)
from prompts.models import PromptType, TemplateEngine


class Prompt(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    type = serializers.ChoiceField(choices=PromptType.choices)
    prompt = PromptContentField()
    config = serializers.JSONField(allow_null=True)
    labels = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())
    commitMessage = serializers.CharField(allow_null=True)
    resolutionGraph = serializers.JSONField(allow_null=True, help_text="The prompts composed into this one, if any")
    createdAt = serializers.DateTimeField()
    createdBy = serializers.CharField(allow_null=True)
    projectId = serializers.CharField()
    templateEngine = serializers.ChoiceField(
        choices=TemplateEngine.choices, required=False, help_text="Present when not the Langfuse {{var}} engine"
    )


class PromptMeta(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=PromptType.choices)
    versions = serializers.ListField(child=serializers.IntegerField())
    labels = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())
    lastUpdatedAt = serializers.DateTimeField()
    lastConfig = serializers.JSONField(allow_null=True)


class CompiledPrompt(serializers.Serializer):
    engine = serializers.ChoiceField(choices=TemplateEngine.choices, help_text="The template engine that ran")
    name = serializers.CharField()
    version = serializers.IntegerField()
    type = serializers.ChoiceField(choices=PromptType.choices)
    prompt = PromptContentField()


VERSION_PATH = OpenApiParameter("version", OpenApiTypes.INT, OpenApiParameter.PATH)

prompts = extend_schema_view(
    get=extend_schema(
        operation_id="prompts_list",
        parameters=[PromptListQuerySerializer, *PAGE_PARAMETERS],
        responses={200: page_of(PromptMeta)},
    ),
    post=extend_schema(operation_id="prompts_create", request=PromptCreateSerializer, responses={200: Prompt}),
)

prompt = extend_schema_view(
    get=extend_schema(operation_id="prompts_get", parameters=[PromptFetchQuerySerializer], responses={200: Prompt}),
    delete=extend_schema(
        operation_id="prompts_delete", parameters=[PromptDeleteQuerySerializer], responses={204: None}
    ),
)

SHADOWED = "The prompt named {name}/versions/{version}, which this route's path would otherwise hide."

prompt_version = extend_schema_view(
    get=extend_schema(
        operation_id="promptVersion_get",
        description=SHADOWED,
        parameters=[VERSION_PATH, PromptFetchQuerySerializer],
        responses={200: Prompt},
    ),
    patch=extend_schema(
        operation_id="promptVersion_update",
        parameters=[VERSION_PATH],
        request=PromptLabelsUpdateSerializer,
        responses={200: Prompt},
    ),
    delete=extend_schema(
        operation_id="promptVersion_delete",
        description=SHADOWED,
        parameters=[VERSION_PATH, PromptDeleteQuerySerializer],
        responses={204: None},
    ),
)

prompt_compile = extend_schema_view(
    post=extend_schema(operation_id="prompts_compile", request=PromptCompileSerializer, responses={200: CompiledPrompt})
)
