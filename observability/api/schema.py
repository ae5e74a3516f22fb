"""OpenAPI description of the observability API (traces, observations, sessions, ingestion, OTLP, models)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from aistrale.api.schema import PAGE_PARAMETERS, page_of
from observability.api.serializers import (
    ModelCreateSerializer,
    ObservationV2QuerySerializer,
    TraceQuerySerializer,
    TracesDeleteSerializer,
)
from observability.models import ObservationLevel, ObservationType


def _text(**kwargs):
    return serializers.CharField(allow_null=True, **kwargs)


def _number(**kwargs):
    return serializers.FloatField(allow_null=True, **kwargs)


class TraceCore(serializers.Serializer):
    id = serializers.CharField()
    externalId = _text(help_text="Always null; Langfuse keeps it for older clients")
    projectId = serializers.CharField()
    timestamp = serializers.DateTimeField()
    name = _text()
    sessionId = _text()
    release = _text()
    version = _text()
    userId = _text()
    tags = serializers.ListField(child=serializers.CharField(), help_text="Sorted")
    public = serializers.BooleanField()
    bookmarked = serializers.BooleanField()
    environment = _text()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    input = serializers.JSONField(allow_null=True, help_text="Null without the io field group")
    output = serializers.JSONField(allow_null=True, help_text="Null without the io field group")
    metadata = serializers.JSONField(allow_null=True, help_text="Null without the io field group")


class TraceWithDetails(TraceCore):
    htmlPath = serializers.CharField()
    latency = _number(help_text="Seconds; -1 without the metrics field group")
    totalCost = _number(help_text="USD; -1 without the metrics field group")
    observations = serializers.ListField(child=serializers.CharField(), help_text="Observation ids")
    scores = serializers.ListField(child=serializers.CharField(), help_text="Score ids")


class Usage(serializers.Serializer):
    input = serializers.IntegerField()
    output = serializers.IntegerField()
    total = serializers.IntegerField()
    unit = serializers.CharField()
    inputCost = _number()
    outputCost = _number()
    totalCost = _number()


class ObservationView(serializers.Serializer):
    id = serializers.CharField()
    projectId = serializers.CharField()
    traceId = serializers.CharField()
    parentObservationId = _text()
    type = serializers.ChoiceField(choices=ObservationType.choices)
    name = _text()
    startTime = serializers.DateTimeField()
    endTime = serializers.DateTimeField(allow_null=True)
    completionStartTime = serializers.DateTimeField(allow_null=True)
    model = _text()
    modelParameters = serializers.JSONField(allow_null=True)
    input = serializers.JSONField(allow_null=True)
    output = serializers.JSONField(allow_null=True)
    metadata = serializers.JSONField(allow_null=True)
    version = _text()
    level = serializers.ChoiceField(choices=ObservationLevel.choices)
    statusMessage = _text()
    environment = _text()
    usageDetails = serializers.DictField(child=serializers.IntegerField())
    costDetails = serializers.DictField(child=serializers.FloatField())
    usage = Usage(help_text="Deprecated: usageDetails and costDetails")
    unit = _text(help_text="Deprecated: TOKENS")
    promptTokens = serializers.IntegerField(help_text="Deprecated: the input units of usageDetails")
    completionTokens = serializers.IntegerField(help_text="Deprecated: the output units of usageDetails")
    totalTokens = serializers.IntegerField(help_text="Deprecated: the total units of usageDetails")
    usagePricingTierName = _text()
    usagePricingTierId = _text()
    promptId = _text()
    promptName = _text()
    promptVersion = serializers.IntegerField(allow_null=True)
    modelId = _text()
    inputPrice = _number()
    outputPrice = _number()
    totalPrice = _number()
    calculatedInputCost = _number()
    calculatedOutputCost = _number()
    calculatedTotalCost = _number()
    latency = _number(help_text="Seconds")
    timeToFirstToken = _number(help_text="Seconds")
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class TraceWithFullDetails(TraceCore):
    htmlPath = serializers.CharField()
    latency = _number()
    totalCost = _number()
    observations = ObservationView(many=True)
    scores = serializers.ListField(child=serializers.DictField(), help_text="The trace's scores")


class ObservationV2(serializers.Serializer):
    """Core fields always; each other field only with its field group."""

    id = serializers.CharField()
    traceId = serializers.CharField()
    startTime = serializers.DateTimeField()
    endTime = serializers.DateTimeField(allow_null=True)
    projectId = serializers.CharField()
    parentObservationId = _text()
    type = serializers.ChoiceField(choices=ObservationType.choices)
    modelId = _text()
    inputPrice = _text(help_text="Decimal string, with the model group")
    outputPrice = _text(help_text="Decimal string, with the model group")
    totalPrice = _text(help_text="Decimal string, with the model group")
    name = _text(required=False)
    level = serializers.ChoiceField(choices=ObservationLevel.choices, required=False)
    statusMessage = _text(required=False)
    version = _text(required=False)
    environment = _text(required=False)
    bookmarked = serializers.BooleanField(required=False)
    public = serializers.BooleanField(required=False)
    userId = _text(required=False)
    sessionId = _text(required=False)
    isRootObservation = serializers.BooleanField(required=False)
    completionStartTime = serializers.DateTimeField(allow_null=True, required=False)
    createdAt = serializers.DateTimeField(required=False)
    updatedAt = serializers.DateTimeField(required=False)
    input = _text(required=False, help_text="The raw string: strings as sent, other JSON encoded")
    output = _text(required=False, help_text="The raw string: strings as sent, other JSON encoded")
    metadata = serializers.JSONField(allow_null=True, required=False)
    providedModelName = _text(required=False)
    model = _text(required=False)
    internalModelId = _text(required=False)
    modelParameters = serializers.JSONField(allow_null=True, required=False)
    usageDetails = serializers.DictField(child=serializers.IntegerField(), required=False)
    costDetails = serializers.DictField(child=serializers.FloatField(), required=False)
    totalCost = _number(required=False)
    usagePricingTierName = _text(required=False)
    promptId = _text(required=False)
    promptName = _text(required=False)
    promptVersion = serializers.IntegerField(allow_null=True, required=False)
    latency = _number(required=False)
    timeToFirstToken = _number(required=False)
    traceName = _text(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    release = _text(required=False)


class CursorMeta(serializers.Serializer):
    cursor = _text(help_text="The next page's cursor; null on the last page")


class ObservationV2Page(serializers.Serializer):
    data = ObservationV2(many=True)
    meta = CursorMeta()


class Session(serializers.Serializer):
    id = serializers.CharField()
    createdAt = serializers.DateTimeField()
    projectId = serializers.CharField()
    environment = _text()


class SessionWithTraces(Session):
    traces = TraceCore(many=True)


class DeleteTraceResponse(serializers.Serializer):
    message = serializers.CharField()


class IngestionEvent(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField(help_text="trace-create, span-create, generation-create, score-create, ...")
    timestamp = serializers.DateTimeField()
    body = serializers.DictField()
    metadata = serializers.JSONField(required=False, allow_null=True)


class IngestionBatch(serializers.Serializer):
    batch = IngestionEvent(many=True)
    metadata = serializers.JSONField(required=False, allow_null=True)


class IngestionSuccess(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.IntegerField()


class IngestionError(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.IntegerField()
    message = serializers.CharField(required=False, allow_null=True)
    error = serializers.JSONField(required=False, allow_null=True)


class IngestionResult(serializers.Serializer):
    successes = IngestionSuccess(many=True)
    errors = IngestionError(many=True)


class OtlpExportRequest(serializers.Serializer):
    resourceSpans = serializers.ListField(child=serializers.DictField(), required=False)


class OtlpPartialSuccess(serializers.Serializer):
    rejectedSpans = serializers.IntegerField()
    errorMessage = serializers.CharField()


class OtlpExportResponse(serializers.Serializer):
    partialSuccess = OtlpPartialSuccess(required=False, help_text="Present when spans were rejected")


class OtlpStatus(serializers.Serializer):
    code = serializers.IntegerField(help_text="A google.rpc.Code")
    message = serializers.CharField()


class PricingTier(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = serializers.CharField()
    isDefault = serializers.BooleanField()
    priority = serializers.IntegerField()
    conditions = serializers.ListField(child=serializers.DictField())
    prices = serializers.DictField(child=serializers.FloatField())


class Price(serializers.Serializer):
    price = serializers.FloatField()


class Model(serializers.Serializer):
    id = serializers.CharField()
    modelName = serializers.CharField()
    matchPattern = serializers.CharField()
    startDate = serializers.DateTimeField(allow_null=True)
    unit = _text()
    inputPrice = _number()
    outputPrice = _number()
    totalPrice = _number()
    tokenizerId = _text()
    tokenizerConfig = serializers.JSONField(allow_null=True)
    isLangfuseManaged = serializers.BooleanField()
    createdAt = serializers.DateTimeField()
    prices = serializers.DictField(child=Price())
    pricingTiers = PricingTier(many=True)


FILTER = OpenApiParameter("filter", OpenApiTypes.STR, description="A Langfuse JSON filter (a list of conditions)")

trace_list = extend_schema_view(
    get=extend_schema(
        operation_id="trace_list",
        parameters=[TraceQuerySerializer, FILTER, *PAGE_PARAMETERS],
        responses={200: page_of(TraceWithDetails)},
    ),
    delete=extend_schema(
        operation_id="trace_deleteMultiple", request=TracesDeleteSerializer, responses={200: DeleteTraceResponse}
    ),
)

trace_detail = extend_schema_view(
    get=extend_schema(
        operation_id="trace_get", parameters=[TraceQuerySerializer], responses={200: TraceWithFullDetails}
    ),
    delete=extend_schema(operation_id="trace_delete", responses={200: DeleteTraceResponse}),
)

observation_list = extend_schema_view(
    get=extend_schema(
        operation_id="observations_list",
        parameters=[FILTER, *PAGE_PARAMETERS],
        responses={200: page_of(ObservationView)},
    )
)

observation_detail = extend_schema_view(
    get=extend_schema(
        operation_id="observations_get",
        responses={200: ObservationView},
    )
)

observation_v2_list = extend_schema_view(
    get=extend_schema(
        operation_id="observations_getMany",
        parameters=[ObservationV2QuerySerializer, FILTER],
        responses={200: ObservationV2Page},
    )
)

session_list = extend_schema_view(
    get=extend_schema(operation_id="sessions_list", parameters=PAGE_PARAMETERS, responses={200: page_of(Session)})
)

session_detail = extend_schema_view(
    get=extend_schema(
        operation_id="sessions_get",
        responses={200: SessionWithTraces},
    )
)

ingestion = extend_schema_view(
    post=extend_schema(operation_id="ingestion_batch", request=IngestionBatch, responses={207: IngestionResult})
)

PROTOBUF = "application/x-protobuf"
OTLP_FAILURES = (400, 401, 403, 404, 411, 413, 415, 429, 503)

otlp_traces = extend_schema_view(
    post=extend_schema(
        operation_id="opentelemetry_exportTraces",
        description="OTLP/HTTP: an ExportTraceServiceRequest, protobuf or JSON, optionally gzip-encoded; "
        "failures answer a google.rpc.Status in the request's encoding.",
        request={PROTOBUF: OpenApiTypes.BINARY, "application/json": OtlpExportRequest},
        responses={
            (200, PROTOBUF): OpenApiResponse(OpenApiTypes.BINARY, description="ExportTraceServiceResponse"),
            (200, "application/json"): OtlpExportResponse,
            **{(status, PROTOBUF): OpenApiResponse(OpenApiTypes.BINARY) for status in OTLP_FAILURES},
            **{(status, "application/json"): OtlpStatus for status in OTLP_FAILURES},
        },
    )
)

models = extend_schema_view(
    get=extend_schema(operation_id="models_list", parameters=PAGE_PARAMETERS, responses={200: page_of(Model)}),
    post=extend_schema(operation_id="models_create", request=ModelCreateSerializer, responses={200: Model}),
)

model_detail = extend_schema_view(
    get=extend_schema(operation_id="models_get", responses={200: Model}),
    delete=extend_schema(operation_id="models_delete", responses={204: None}),
)
