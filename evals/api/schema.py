"""OpenAPI description of the scores API."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from evals.models import ScoreDataType, ScoreSource


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}]})
class ScoreValueField(serializers.JSONField):
    pass


def _text():
    return serializers.CharField(required=False, allow_null=True)


class CreateScore(serializers.Serializer):
    id = _text()
    traceId = _text()
    sessionId = _text()
    observationId = _text()
    datasetRunId = _text()
    name = serializers.CharField()
    value = ScoreValueField(help_text="A number for numeric and boolean scores, a string for categorical and text")
    comment = _text()
    metadata = serializers.JSONField(required=False, allow_null=True)
    environment = _text()
    queueId = _text()
    dataType = serializers.ChoiceField(choices=ScoreDataType.choices, required=False, allow_null=True)
    configId = _text()
    source = serializers.ChoiceField(choices=[ScoreSource.API, ScoreSource.ANNOTATION], required=False, allow_null=True)
    timestamp = serializers.DateTimeField(required=False, allow_null=True)


class CreateScoreResponse(serializers.Serializer):
    id = serializers.CharField()


class ScoresAccepted(serializers.Serializer):
    message = serializers.CharField()


class ScoreRejection(serializers.Serializer):
    message = serializers.CharField(help_text="scores.<index>: what is wrong")


class ScoresPartlyAccepted(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = ScoreRejection(many=True)


scores = extend_schema_view(
    post=extend_schema(
        operation_id="scores_create",
        description="One score answers 200 with its id; a list (as SDK v5 sends) answers 202, or 207 with errors.",
        request=PolymorphicProxySerializer(
            component_name="CreateScoreOrScores",
            serializers=[CreateScore, CreateScore(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={200: CreateScoreResponse, 202: ScoresAccepted, 207: ScoresPartlyAccepted},
    )
)
