"""OpenAPI description of the evaluators API (/v2/evaluators, /{id}, /{id}/versions), SDK 5.x shapes."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from evals.api.evaluator_serializers import (
    EvaluatorCreateSerializer,
    ModelConfigSerializer,
    PromptField,
)
from evals.models import EvaluatorStatus


class EvaluatorCreator(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField(allow_null=True)


class EvaluatorChatMessage(serializers.Serializer):
    role = serializers.ChoiceField(choices=["system", "user", "assistant"])
    content = serializers.CharField()


class EvaluatorVariableMapping(serializers.Serializer):
    variable = serializers.CharField()
    source = serializers.CharField(allow_null=True)
    jsonPath = serializers.CharField(allow_null=True)


class EvaluatorOutputDefinitionBody(serializers.Serializer):
    dataType = serializers.ChoiceField(choices=["NUMERIC", "BOOLEAN", "CATEGORICAL"])
    minValue = serializers.FloatField(required=False, allow_null=True, help_text="NUMERIC only")
    maxValue = serializers.FloatField(required=False, allow_null=True, help_text="NUMERIC only")
    categories = serializers.ListField(child=serializers.CharField(), required=False, help_text="CATEGORICAL only")
    shouldAllowMultipleMatches = serializers.BooleanField(required=False, help_text="CATEGORICAL only")
    scoreReasoningInstructions = serializers.CharField(allow_null=True)
    scoreValueInstructions = serializers.CharField(allow_null=True)


class EvaluatorRuleAssignment(serializers.Serializer):
    evaluationRuleId = serializers.CharField()
    variableMappingOverride = EvaluatorVariableMapping(many=True, required=False, allow_null=True)


class EvaluatorVersionBody(serializers.Serializer):
    type = serializers.ChoiceField(choices=["llm_as_judge"])
    prompt = EvaluatorChatMessage(many=True)
    variables = serializers.ListField(child=serializers.CharField())
    variableMapping = EvaluatorVariableMapping(many=True, allow_null=True)
    modelConfig = ModelConfigSerializer(allow_null=True)
    outputDefinition = EvaluatorOutputDefinitionBody()
    id = serializers.CharField()
    version = serializers.IntegerField()
    createdAt = serializers.DateTimeField()
    createdBy = EvaluatorCreator(allow_null=True)


class EvaluatorBody(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    createdBy = EvaluatorCreator(allow_null=True)
    status = serializers.ChoiceField(choices=EvaluatorStatus.choices)
    pausedAt = serializers.DateTimeField(allow_null=True)
    pausedReason = serializers.CharField(allow_null=True)
    pausedMessage = serializers.CharField(allow_null=True)
    evaluationRuleAssignments = EvaluatorRuleAssignment(many=True)
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    versionId = serializers.CharField()
    version = serializers.IntegerField()
    versionCreatedAt = serializers.DateTimeField()
    versionCreatedBy = EvaluatorCreator(allow_null=True)
    type = serializers.ChoiceField(choices=["llm_as_judge"])
    prompt = EvaluatorChatMessage(many=True)
    variables = serializers.ListField(child=serializers.CharField())
    variableMapping = EvaluatorVariableMapping(many=True, allow_null=True)
    modelConfig = ModelConfigSerializer(allow_null=True)
    outputDefinition = EvaluatorOutputDefinitionBody()


class EvaluatorCursorMeta(serializers.Serializer):
    cursor = serializers.CharField(required=False, help_text="The next page's cursor; absent on the last page")


class EvaluatorsPage(serializers.Serializer):
    data = EvaluatorBody(many=True)
    meta = EvaluatorCursorMeta()


class EvaluatorVersionsPage(serializers.Serializer):
    data = EvaluatorVersionBody(many=True)
    meta = EvaluatorCursorMeta()


class DeletedEvaluator(serializers.Serializer):
    id = serializers.CharField()


class EvaluatorUpdateBody(serializers.Serializer):
    """Name and description only, or with a whole definition (type, prompt, outputDefinition, ...)."""

    name = serializers.CharField(required=False)
    description = serializers.CharField(required=False, allow_null=True)
    type = serializers.ChoiceField(choices=["llm_as_judge"], required=False)
    prompt = PromptField(required=False)
    modelConfig = ModelConfigSerializer(required=False, allow_null=True)
    variableMapping = EvaluatorVariableMapping(many=True, required=False, allow_null=True)
    outputDefinition = EvaluatorOutputDefinitionBody(required=False)


PAGE = [
    OpenApiParameter("limit", OpenApiTypes.INT, description="Items per page, default 50, at most 100"),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="The cursor of the previous page's meta"),
]

evaluators = extend_schema_view(
    get=extend_schema(
        operation_id="evaluators_list",
        description="The project's LLM-as-a-judge evaluators, newest first, each flattened with its latest version.",
        parameters=PAGE,
        responses={200: EvaluatorsPage},
    ),
    post=extend_schema(
        operation_id="evaluators_create",
        description=(
            "A new evaluator at version 1. Code evaluators (and any sourceCode) are refused: AISTRALE runs no "
            "user-supplied code. modelConfig must name one of the project's LLM connections."
        ),
        request=EvaluatorCreateSerializer,
        responses={201: EvaluatorBody},
    ),
)
evaluator_detail = extend_schema_view(
    get=extend_schema(operation_id="evaluators_get", responses={200: EvaluatorBody}),
    patch=extend_schema(
        operation_id="evaluators_update",
        description="Name/description change in place; a whole definition makes the next version.",
        request=EvaluatorUpdateBody,
        responses={200: EvaluatorBody},
    ),
    delete=extend_schema(
        operation_id="evaluators_delete",
        description="Archives the evaluator: gone from the API, its versions, jobs and scores kept.",
        responses={200: DeletedEvaluator},
    ),
)
evaluator_versions = extend_schema_view(
    get=extend_schema(
        operation_id="evaluators_listVersions",
        description="The evaluator's versions, newest first.",
        parameters=PAGE,
        responses={200: EvaluatorVersionsPage},
    )
)
