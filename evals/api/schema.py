"""OpenAPI description of the scores API: POST /scores, reads by id, the v2 and v3 lists, score configs."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers

from aistrale.api.schema import page_of
from evals.api.filters import MAX_PAGE_SIZE
from evals.api.serializers import (
    ScoreConfigCreateSerializer,
    ScoreConfigUpdateSerializer,
    ScoreCreateSerializer,
)
from evals.models import ScoreDataType, ScoreSource
from evals.selectors import V3_FIELD_GROUPS

SOURCES = f"One of {', '.join(ScoreSource.values)}"


def _text(**kwargs):
    return serializers.CharField(allow_null=True, **kwargs)


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


class ScoreBody(serializers.Serializer):
    """Score (v1 and v2 reads, and the scores of a trace)."""

    id = serializers.CharField()
    traceId = _text()
    sessionId = _text()
    observationId = _text()
    datasetRunId = _text()
    name = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="Null for TEXT; the category's value for CATEGORICAL")
    stringValue = _text(help_text="CATEGORICAL label, True/False for BOOLEAN, the text of TEXT and CORRECTION")
    source = serializers.CharField(help_text=SOURCES)
    dataType = serializers.ChoiceField(choices=ScoreDataType.values)
    timestamp = serializers.DateTimeField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    authorUserId = _text()
    comment = _text()
    metadata = serializers.JSONField(allow_null=True)
    configId = _text()
    queueId = _text()
    environment = serializers.CharField()


class ScoreTraceData(serializers.Serializer):
    userId = _text()
    tags = serializers.ListField(child=serializers.CharField(), allow_null=True)
    environment = _text()
    sessionId = _text()


class ScoreV2Row(ScoreBody):
    trace = ScoreTraceData(allow_null=True, required=False, help_text="With the trace field group; null off traces")


class ScoreSubject(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["trace", "observation", "session", "experiment"])
    id = serializers.CharField()
    traceId = _text(required=False, help_text="For observation subjects")


class ScoreV3Row(serializers.Serializer):
    id = serializers.CharField()
    projectId = serializers.CharField()
    name = serializers.CharField()
    value = serializers.JSONField(help_text="number (NUMERIC), boolean (BOOLEAN), string (the other types)")
    dataType = serializers.ChoiceField(choices=ScoreDataType.values)
    source = serializers.CharField(help_text=SOURCES)
    timestamp = serializers.DateTimeField()
    environment = serializers.CharField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    comment = _text(required=False, help_text="With the details field group")
    configId = _text(required=False, help_text="With the details field group")
    metadata = serializers.JSONField(allow_null=True, required=False, help_text="With the details field group")
    subject = ScoreSubject(required=False, help_text="With the subject field group")
    authorUserId = _text(required=False, help_text="With the annotation field group")
    queueId = _text(required=False, help_text="With the annotation field group")


class ScoreCursorMeta(serializers.Serializer):
    limit = serializers.IntegerField()
    cursor = serializers.CharField(allow_null=True, help_text="null on the last page")


class ScoreV3Page(serializers.Serializer):
    data = ScoreV3Row(many=True)
    meta = ScoreCursorMeta()


class ConfigCategory(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.FloatField()


class ScoreConfigBody(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    projectId = serializers.CharField()
    dataType = serializers.ChoiceField(choices=ScoreDataType.values, help_text="Any but CORRECTION")
    isArchived = serializers.BooleanField()
    minValue = serializers.FloatField(allow_null=True)
    maxValue = serializers.FloatField(allow_null=True)
    categories = ConfigCategory(many=True, allow_null=True)
    description = _text()


def _param(name: str, description: str, kind=OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, kind, description=description)


LIMIT = _param("limit", f"Items per page, default 50, max {MAX_PAGE_SIZE}", OpenApiTypes.INT)
V2_PARAMETERS = [
    _param("page", "Page number, from 1", OpenApiTypes.INT),
    LIMIT,
    _param("userId", "Scores on traces of this user"),
    _param("name", "Score name"),
    _param("fromTimestamp", "Scores at or after this time (ISO 8601)", OpenApiTypes.DATETIME),
    _param("toTimestamp", "Scores before this time (ISO 8601)", OpenApiTypes.DATETIME),
    OpenApiParameter("environment", OpenApiTypes.STR, many=True, description="Any of these environments"),
    _param("source", f"One of {', '.join(ScoreSource.values)}"),
    _param("operator", "Compare value with this operator: <, >, <=, >=, =, !="),
    _param("value", "The number operator compares with", OpenApiTypes.DOUBLE),
    _param("scoreIds", "Comma-separated score ids"),
    _param("configId", "Score config id"),
    _param("sessionId", "Session id"),
    _param("datasetRunId", "Dataset run id"),
    _param("traceId", "Trace id"),
    _param("observationId", "Comma-separated observation ids"),
    _param("queueId", "Annotation queue id"),
    _param("dataType", f"One of {', '.join(ScoreDataType.values)}"),
    OpenApiParameter("traceTags", OpenApiTypes.STR, many=True, description="Scores on traces with all these tags"),
    _param("fields", "Comma-separated field groups: score, trace (default both)"),
    _param("filter", "A Langfuse JSON filter (a list of conditions) on score columns and metadata"),
]
V3_PARAMETERS = [
    LIMIT,
    _param("cursor", "The cursor of the previous page"),
    _param("fields", f"Comma-separated field groups besides core: {', '.join(V3_FIELD_GROUPS[1:])}"),
    _param("id", "Comma-separated score ids"),
    _param("name", "Comma-separated names"),
    _param("source", "Comma-separated sources (case-insensitive)"),
    _param("dataType", "Comma-separated data types (case-insensitive); a single one with value/valueMin/valueMax"),
    _param("environment", "Comma-separated environments"),
    _param("configId", "Comma-separated score config ids"),
    _param("queueId", "Comma-separated annotation queue ids"),
    _param("authorUserId", "Comma-separated author user ids"),
    _param("value", "Comma-separated exact values; needs one dataType of NUMERIC, BOOLEAN (true/false), CATEGORICAL"),
    _param("valueMin", "Inclusive lower bound; needs dataType=NUMERIC", OpenApiTypes.DOUBLE),
    _param("valueMax", "Inclusive upper bound; needs dataType=NUMERIC", OpenApiTypes.DOUBLE),
    _param("traceId", "Comma-separated trace ids; not with sessionId or experimentId"),
    _param("sessionId", "Comma-separated session ids; not with traceId, observationId or experimentId"),
    _param("observationId", "Comma-separated observation ids; needs traceId"),
    _param("experimentId", "Comma-separated dataset run (experiment) ids; not with the other subjects"),
    _param("fromTimestamp", "Inclusive lower bound on the score time", OpenApiTypes.DATETIME),
    _param("toTimestamp", "Exclusive upper bound on the score time", OpenApiTypes.DATETIME),
]

scores = extend_schema_view(
    post=extend_schema(
        operation_id="scores_create",
        description=(
            "One score answers 200 with its id; a list (as SDK v5 sends) answers 202, or 207 with errors. "
            "Sending a score again with the same id replaces it. A score naming a configId takes the config's "
            "name and data type and must fit its range or categories; ANNOTATION scores need a configId "
            "(CORRECTION scores excepted); EVAL is refused (only the platform's evaluators write it)."
        ),
        request=PolymorphicProxySerializer(
            component_name="CreateScoreOrScores",
            serializers=[ScoreCreateSerializer, ScoreCreateSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={200: CreateScoreResponse, 202: ScoresAccepted, 207: ScoresPartlyAccepted},
    )
)
score_detail = extend_schema_view(
    get=extend_schema(operation_id="score_get", description="One score by id", responses={200: ScoreBody}),
    delete=extend_schema(
        operation_id="score_delete",
        description="Delete a score (on a trace, observation, session or dataset run)",
        responses={204: OpenApiResponse(description="Deleted")},
    ),
)
score_v2_detail = extend_schema_view(
    get=extend_schema(operation_id="score_v2_get", description="One score by id", responses={200: ScoreBody})
)
score_v2_list = extend_schema_view(
    get=extend_schema(
        operation_id="score_v2_getMany",
        description="Scores, newest first, page by page, with their trace's user, tags, environment and session.",
        parameters=V2_PARAMETERS,
        responses={200: page_of(ScoreV2Row)},
    )
)
score_v3_list = extend_schema_view(
    get=extend_schema(
        operation_id="scores_getMany",
        description=(
            "Scores, newest first, by cursor, with a typed value. Unknown parameters and field groups are 400; "
            "userId and traceTags are on /v2/scores only."
        ),
        parameters=V3_PARAMETERS,
        responses={200: ScoreV3Page},
    )
)
score_configs = extend_schema_view(
    get=extend_schema(
        operation_id="scoreConfigs_get",
        description="The project's score configs, newest first",
        parameters=[_param("page", "Page number, from 1", OpenApiTypes.INT), LIMIT],
        responses={200: page_of(ScoreConfigBody)},
    ),
    post=extend_schema(
        operation_id="scoreConfigs_create",
        description=(
            "Name: at most 35 letters, numbers, underscores, spaces, periods, parentheses and hyphens. "
            "Categories only for CATEGORICAL (unique labels and values); BOOLEAN gets True (1) and False (0); "
            "a range only for NUMERIC, maxValue greater than minValue."
        ),
        request=ScoreConfigCreateSerializer,
        responses={200: ScoreConfigBody},
    ),
)
score_config_detail = extend_schema_view(
    get=extend_schema(operation_id="scoreConfigs_getById", responses={200: ScoreConfigBody}),
    patch=extend_schema(
        operation_id="scoreConfigs_update",
        description="Change the fields sent (isArchived archives or restores); the result must hold the create rules.",
        request=ScoreConfigUpdateSerializer,
        responses={200: ScoreConfigBody},
    ),
)
