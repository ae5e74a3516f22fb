"""The evaluator bodies on the wire, as the SDK 5.x `langfuse.api.evaluators` client sends them.

Definition fields are flat beside name and description (CreateEvaluatorRequest_LlmAsJudge,
UpdateLlmAsJudgeEvaluatorRequest); `modelConfig` = {provider, model} names an LLM connection and its model.
The services check the definition's rules; these serializers check shapes and types, and refuse code."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evals.services.evaluators import CODE_REFUSAL

DEFINITION_FIELDS = ("type", "prompt", "modelConfig", "variableMapping", "outputDefinition")
PUBLIC_TYPE = "llm_as_judge"
OTHER_TYPES = (
    "the public API creates llm_as_judge evaluators; deterministic and semantic_similarity evaluators are "
    "made in the admin"
)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "role": {"type": "string", "enum": ["system", "user", "assistant"]},
                        "content": {"type": "string"},
                    },
                    "required": ["role", "content"],
                },
            },
        ],
        "description": "A user prompt string, or the ordered chat messages; variables as {{variable}}",
    }
)
class PromptField(serializers.JSONField):
    """A string or a list of {role, content} messages (the service checks each message)."""

    default_error_messages = {"invalid": "must be a string or a list of chat messages"}

    def to_internal_value(self, data):
        if not isinstance(data, str | list):
            self.fail("invalid")
        return data


class ModelConfigSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text="The `provider` of one of the project's LLM connections")
    model = serializers.CharField()


class VariableMappingInputSerializer(serializers.Serializer):
    variable = serializers.CharField()
    source = serializers.CharField(
        help_text="input, output, metadata, tool_calls, expected_output or experiment_item_metadata"
    )
    jsonPath = serializers.CharField(required=False, allow_null=True)


class OutputDefinitionSerializer(serializers.Serializer):
    dataType = serializers.ChoiceField(choices=["NUMERIC", "BOOLEAN", "CATEGORICAL"])
    minValue = serializers.FloatField(required=False, allow_null=True)
    maxValue = serializers.FloatField(required=False, allow_null=True)
    categories = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    shouldAllowMultipleMatches = serializers.BooleanField(required=False)
    scoreReasoningInstructions = serializers.CharField(required=False, allow_null=True)
    scoreValueInstructions = serializers.CharField(required=False, allow_null=True)


def _refuse_code(data) -> None:
    if isinstance(data, dict) and (data.get("type") == "code" or "sourceCode" in data):
        raise serializers.ValidationError({"type": [CODE_REFUSAL]})
    if isinstance(data, dict) and data.get("type", PUBLIC_TYPE) != PUBLIC_TYPE:
        raise serializers.ValidationError({"type": [f"{OTHER_TYPES}, got {data.get('type')!r}"]})


class DefinitionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[PUBLIC_TYPE], required=False, default=PUBLIC_TYPE)
    prompt = PromptField()
    modelConfig = ModelConfigSerializer(required=False, allow_null=True)
    variableMapping = VariableMappingInputSerializer(many=True, required=False, allow_null=True)
    outputDefinition = OutputDefinitionSerializer()

    def to_internal_value(self, data):
        _refuse_code(data)
        return super().to_internal_value(data)


class EvaluatorCreateSerializer(DefinitionSerializer):
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class EvaluatorUpdateSerializer(DefinitionSerializer):
    """A metadata change (name, description), or a whole new definition (a new version) with them."""

    name = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)

    def __init__(self, *args, definition: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not definition:
            for name in DEFINITION_FIELDS:
                self.fields.pop(name)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("give at least one of name, description, or a whole definition")
        return attrs


class CursorQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)
    cursor = serializers.CharField(required=False, allow_blank=True)


def definition_arguments(data: dict) -> dict:
    """Service keyword arguments of a validated definition."""
    model = data.get("modelConfig") or {}
    output = {key: value for key, value in data["outputDefinition"].items() if value is not None}
    return {
        "prompt": data["prompt"],
        "model_provider": model.get("provider"),
        "model": model.get("model"),
        "variable_mapping": [dict(entry) for entry in data.get("variableMapping") or []],
        "output_definition": output,
    }
