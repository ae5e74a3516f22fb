"""OpenAPI description of the scores API."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import serializers

from evals.api.serializers import ScoreCreateSerializer


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
            serializers=[ScoreCreateSerializer, ScoreCreateSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={200: CreateScoreResponse, 202: ScoresAccepted, 207: ScoresPartlyAccepted},
    )
)
