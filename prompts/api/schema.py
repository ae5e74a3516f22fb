"""OpenAPI description of the prompts API: components and one `extend_schema` per view method."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from aistrale.api.schema import PAGE_PARAMETERS, page_of
from prompts.models import PromptType, TemplateEngine

CHAT_MESSAGE = {
    "type": "object",
    "description": 'A chat message {"role", "content"}, or a placeholder {"type": "placeholder", "name"}',
    "additionalProperties": True,
}
PROMPT_CONTENT = {"oneOf": [{"type": "string"}, {"type": "array", "items": CHAT_MESSAGE}]}


@extend_schema_field({**PROMPT_CONTENT, "description": "The text of a text prompt, the messages of a chat prompt"})
class PromptContentField(serializers.JSONField):
    pass


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


class CreatePrompt(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=PromptType.choices, required=False, help_text="Default: text")
    prompt = PromptContentField()
    config = serializers.JSONField(required=False, allow_null=True)
    labels = serializers.ListField(child=serializers.CharField(), required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    commitMessage = serializers.CharField(required=False, allow_null=True)
    templateEngine = serializers.ChoiceField(choices=TemplateEngine.choices, required=False)


class PromptVersionLabels(serializers.Serializer):
    newLabels = serializers.ListField(child=serializers.CharField())


class CompilePrompt(serializers.Serializer):
    label = serializers.CharField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False, allow_null=True)
    variables = serializers.DictField(required=False, help_text="Values of the template's variables")
    placeholders = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        required=False,
        help_text="Messages that replace each named placeholder of a chat prompt",
    )


class CompiledPrompt(serializers.Serializer):
    engine = serializers.ChoiceField(choices=TemplateEngine.choices, help_text="The template engine that ran")
    name = serializers.CharField()
    version = serializers.IntegerField()
    type = serializers.ChoiceField(choices=PromptType.choices)
    prompt = PromptContentField()


LABEL = OpenApiParameter("label", OpenApiTypes.STR, description="The version that carries this label")
VERSION = OpenApiParameter("version", OpenApiTypes.INT, description="The version number")
VERSION_PATH = OpenApiParameter("version", OpenApiTypes.INT, OpenApiParameter.PATH)
RESOLVE = OpenApiParameter("resolve", OpenApiTypes.BOOL, description="Compose referenced prompts; default true")

prompts = extend_schema_view(
    get=extend_schema(
        operation_id="prompts_list",
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR),
            OpenApiParameter("label", OpenApiTypes.STR),
            OpenApiParameter("tag", OpenApiTypes.STR),
            OpenApiParameter("fromUpdatedAt", OpenApiTypes.DATETIME),
            OpenApiParameter("toUpdatedAt", OpenApiTypes.DATETIME),
            OpenApiParameter("filter", OpenApiTypes.STR, description="A Langfuse JSON filter (a list of conditions)"),
            *PAGE_PARAMETERS,
        ],
        responses={200: page_of(PromptMeta)},
    ),
    post=extend_schema(operation_id="prompts_create", request=CreatePrompt, responses={200: Prompt}),
)

prompt = extend_schema_view(
    get=extend_schema(
        operation_id="prompts_get",
        parameters=[
            VERSION,
            LABEL,
            RESOLVE,
        ],
        responses={200: Prompt},
    ),
    delete=extend_schema(operation_id="prompts_delete", parameters=[LABEL, VERSION], responses={204: None}),
)

SHADOWED = "The prompt named {name}/versions/{version}, which this route's path would otherwise hide."

prompt_version = extend_schema_view(
    get=extend_schema(
        operation_id="promptVersion_get",
        description=SHADOWED,
        parameters=[VERSION_PATH, LABEL, OpenApiParameter("version", OpenApiTypes.INT), RESOLVE],
        responses={200: Prompt},
    ),
    patch=extend_schema(
        operation_id="promptVersion_update",
        parameters=[VERSION_PATH],
        request=PromptVersionLabels,
        responses={200: Prompt},
    ),
    delete=extend_schema(
        operation_id="promptVersion_delete",
        description=SHADOWED,
        parameters=[VERSION_PATH, LABEL, OpenApiParameter("version", OpenApiTypes.INT)],
        responses={204: None},
    ),
)

prompt_compile = extend_schema_view(
    post=extend_schema(operation_id="prompts_compile", request=CompilePrompt, responses={200: CompiledPrompt})
)
