"""Evaluation-rule bodies on the wire: CreateEvaluationRuleRequest, UpdateEvaluationRuleRequest (SDK 5.x),
plus this server's target, settle delay and daily budget, and the backfill request. The services hold the
values to their rules; these check the JSON types and rename to Python names."""

from rest_framework import serializers

from evals.live.mapping import SOURCES
from evals.models import JobStatus, RuleTarget


class VariableMappingSerializer(serializers.Serializer):
    variable = serializers.CharField(trim_whitespace=False)
    source = serializers.ChoiceField(choices=SOURCES)
    jsonPath = serializers.CharField(required=False, allow_null=True, trim_whitespace=False, help_text="e.g. $.a[0]")


class AssignmentSerializer(serializers.Serializer):
    evaluatorId = serializers.CharField(source="evaluator_id", trim_whitespace=False)
    variableMapping = VariableMappingSerializer(
        source="variable_mapping",
        many=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="Null or omitted: the evaluator's latest default mapping",
    )


class _RuleFields(serializers.Serializer):
    sampling = serializers.FloatField(min_value=0, max_value=1, required=False, help_text="0 to 1, default 1")
    filter = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Langfuse JSON filter conditions {type, column, operator, value, key} of the target's list",
    )
    target = serializers.ChoiceField(choices=RuleTarget.values, required=False, help_text="default observation")
    settleDelaySeconds = serializers.IntegerField(
        source="settle_delay_seconds",
        min_value=0,
        max_value=86_400,
        required=False,
        help_text="Judge a target once no write touched it for this long (default 10)",
    )
    dailyBudget = serializers.DecimalField(
        source="daily_budget",
        max_digits=18,
        decimal_places=8,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="USD per UTC day; past it the rule pauses",
    )


class EvaluationRuleCreateSerializer(_RuleFields):
    name = serializers.CharField(trim_whitespace=False)
    enabled = serializers.BooleanField()
    evaluatorAssignments = AssignmentSerializer(source="evaluator_assignments", many=True, allow_empty=True)


class EvaluationRuleUpdateSerializer(_RuleFields):
    """Only the fields sent change; at least one."""

    name = serializers.CharField(required=False, trim_whitespace=False)
    enabled = serializers.BooleanField(required=False)
    evaluatorAssignments = AssignmentSerializer(
        source="evaluator_assignments", many=True, allow_empty=True, required=False
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("send at least one field to change")
        return attrs


class BackfillSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="Targets from this time (included)")
    end = serializers.DateTimeField(help_text="Up to this time (excluded)")


class JobListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=JobStatus.values, required=False)
