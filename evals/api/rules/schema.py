"""OpenAPI description of the evaluation-rules API (the SDK 5.x evaluation_rules client, plus extensions)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from aistrale.api.schema import page_of
from evals.api.rules.serializers import (
    BackfillSerializer,
    EvaluationRuleCreateSerializer,
    EvaluationRuleUpdateSerializer,
    VariableMappingSerializer,
)
from evals.models import JobStatus, RuleTarget


def _text(**kwargs):
    return serializers.CharField(allow_null=True, **kwargs)


class CreatorBody(serializers.Serializer):
    id = serializers.CharField()
    name = _text()


class AssignmentBody(serializers.Serializer):
    evaluatorId = serializers.CharField()
    variableMapping = VariableMappingSerializer(many=True, allow_null=True)


class EvaluationRuleBody(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    createdBy = CreatorBody(allow_null=True)
    enabled = serializers.BooleanField()
    sampling = serializers.FloatField()
    filter = serializers.ListField(child=serializers.DictField())
    evaluatorAssignments = AssignmentBody(many=True)
    target = serializers.ChoiceField(choices=RuleTarget.values)
    settleDelaySeconds = serializers.IntegerField()
    dailyBudget = serializers.FloatField(allow_null=True)
    pausedAt = serializers.DateTimeField(allow_null=True)
    pausedReason = _text(help_text="Why the rule is paused, e.g. its daily budget is spent")
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class CursorMetaBody(serializers.Serializer):
    cursor = _text(help_text="The next page's cursor; null on the last page")


class EvaluationRulesPage(serializers.Serializer):
    data = EvaluationRuleBody(many=True)
    meta = CursorMetaBody()


class DeletedEvaluationRule(serializers.Serializer):
    id = serializers.CharField()


class EvaluationJobBody(serializers.Serializer):
    id = serializers.CharField()
    traceId = serializers.CharField()
    observationId = _text()
    evaluatorId = serializers.CharField()
    evaluatorVersion = serializers.IntegerField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    error = _text()
    attempts = serializers.IntegerField()
    dueAt = serializers.DateTimeField()
    startedAt = serializers.DateTimeField(allow_null=True)
    finishedAt = serializers.DateTimeField(allow_null=True)
    latencyMs = serializers.FloatField(allow_null=True)
    cost = serializers.FloatField(allow_null=True, help_text="USD")
    scoreId = _text()
    judgeTraceId = _text()


class ConfusionRow(serializers.Serializer):
    human = serializers.CharField()
    judge = serializers.DictField(child=serializers.IntegerField(), help_text="{judge label: count}")


class ConfusionMatrix(serializers.Serializer):
    labels = serializers.ListField(child=serializers.CharField())
    rows = ConfusionRow(many=True)


class CalibrationBody(serializers.Serializer):
    scoreName = serializers.CharField()
    dataType = serializers.CharField()
    count = serializers.IntegerField(help_text="Targets with both a judge and a human score")
    accuracy = serializers.FloatField(allow_null=True)
    confusionMatrix = ConfusionMatrix(allow_null=True)
    pearson = serializers.FloatField(allow_null=True)
    meanAbsoluteError = serializers.FloatField(allow_null=True)


class CalibrationList(serializers.Serializer):
    data = CalibrationBody(many=True)


class BackfillResult(serializers.Serializer):
    scheduled = serializers.IntegerField(help_text="New jobs; targets already judged by the version are skipped")


RULE_ID = OpenApiParameter("rule_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Evaluation rule id")

rules = extend_schema_view(
    get=extend_schema(
        operation_id="evaluationRules_list",
        description="The project's evaluation rules, newest first, by cursor.",
        parameters=[
            OpenApiParameter("limit", OpenApiTypes.INT, description="Default 50, at most 100"),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="meta.cursor of the previous page"),
        ],
        responses={200: EvaluationRulesPage},
    ),
    post=extend_schema(
        operation_id="evaluationRules_create",
        description="Create a rule; an enabled rule needs an evaluator. Jobs use each evaluator's latest version.",
        request=EvaluationRuleCreateSerializer,
        responses={200: EvaluationRuleBody},
    ),
)
rule_detail = extend_schema_view(
    get=extend_schema(operation_id="evaluationRules_get", parameters=[RULE_ID], responses={200: EvaluationRuleBody}),
    patch=extend_schema(
        operation_id="evaluationRules_update",
        description="Change the fields sent; evaluatorAssignments replaces the list (empty disables the rule).",
        parameters=[RULE_ID],
        request=EvaluationRuleUpdateSerializer,
        responses={200: EvaluationRuleBody},
    ),
    delete=extend_schema(
        operation_id="evaluationRules_delete", parameters=[RULE_ID], responses={200: DeletedEvaluationRule}
    ),
)
rule_jobs = extend_schema_view(
    get=extend_schema(
        operation_id="evaluationRules_jobs",
        description="The rule's jobs, newest first (this server's extension).",
        parameters=[
            RULE_ID,
            OpenApiParameter("status", OpenApiTypes.STR, description=f"One of {', '.join(JobStatus.values)}"),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1"),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Items per page"),
        ],
        responses={200: page_of(EvaluationJobBody)},
    )
)
rule_calibration = extend_schema_view(
    get=extend_schema(
        operation_id="evaluationRules_calibration",
        description="How the rule's judge agrees with human ANNOTATION scores of the same name (extension).",
        parameters=[RULE_ID],
        responses={200: CalibrationList},
    )
)
rule_backfill = extend_schema_view(
    post=extend_schema(
        operation_id="evaluationRules_backfill",
        description="Schedule the rule over existing targets of a time range, due at once (extension).",
        parameters=[RULE_ID],
        request=BackfillSerializer,
        responses={200: BackfillResult},
    )
)
