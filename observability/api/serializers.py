"""Response bodies in the Langfuse public API shapes (camelCase, ISO UTC timestamps with microseconds)."""

from datetime import UTC, datetime
from decimal import Decimal

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aistrale import json_text
from aistrale.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from observability.api.legacy_usage import legacy_tokens
from observability.models import ModelDefinition, ModelUsageUnit, Observation, Trace, seconds_between
from observability.selectors import TraceMetrics
from observability.services.pricing import ATTRIBUTE_SOURCES, USAGE_OPERATORS

METADATA_VALUE_LIMIT = 200

TRACE_FIELD_GROUPS = frozenset({"core", "io", "scores", "observations", "metrics"})
OBSERVATION_V2_GROUPS = frozenset(
    {"core", "basic", "time", "io", "metadata", "model", "usage", "prompt", "metrics", "trace_context"}
)
DEFAULT_V2_GROUPS = frozenset({"core", "basic"})
MAX_DELETE_IDS = 1000


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def money(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def decimal_string(value) -> str | None:
    """v2 prices are decimal strings: "0.0000025", not 2.5e-06."""
    return None if value is None else format(Decimal(str(value)).normalize(), "f")


def trace_html_path(trace: Trace) -> str:
    return reverse("admin:observability_trace_change", args=[trace.key])


def trace_core(trace: Trace, *, include_io: bool = True) -> dict:
    """The Trace body; input, output and metadata are null without `include_io`."""
    return {
        "id": trace.id,
        "externalId": None,
        "projectId": trace.project_id,
        "timestamp": iso(trace.timestamp),
        "name": trace.name,
        "sessionId": trace.session_id,
        "release": trace.release,
        "version": trace.version,
        "userId": trace.user_id,
        "tags": sorted(trace.tags or []),
        "public": trace.public,
        "bookmarked": trace.bookmarked,
        "environment": trace.environment,
        "createdAt": iso(trace.created_at),
        "updatedAt": iso(trace.updated_at),
        "input": trace.input if include_io else None,
        "output": trace.output if include_io else None,
        "metadata": trace.metadata if include_io else None,
    }


def trace_with_details(
    trace: Trace, *, metrics: TraceMetrics | None, observations: list, scores: list, groups: frozenset[str]
) -> dict:
    """TraceWithDetails / TraceWithFullDetails: `observations` and `scores` are ids or full bodies."""
    body = trace_core(trace, include_io="io" in groups)
    body["htmlPath"] = trace_html_path(trace)
    if "metrics" in groups:
        metrics = metrics or TraceMetrics()
        body["latency"] = metrics.latency
        body["totalCost"] = money(metrics.total_cost) or 0.0
    else:
        body["latency"] = -1
        body["totalCost"] = -1
    body["observations"] = observations if "observations" in groups else []
    body["scores"] = scores if "scores" in groups else []
    return body


def observation_view(observation: Observation, *, prompt_id: str | None = None, prices: dict | None = None) -> dict:
    """ObservationsView: the Observation schema plus prompt, price (per unit), cost and timing fields, and the
    legacy token fields (promptTokens, completionTokens, totalTokens, unit) Langfuse keeps for older clients."""
    cost = observation.cost_details or {}
    prices = prices or {}
    total_cost = money(observation.total_cost)
    tokens = legacy_tokens(observation.usage_details)
    return {
        "id": observation.id,
        "projectId": observation.project_id,
        "traceId": observation.trace_id,
        "parentObservationId": observation.parent_observation_id,
        "type": observation.type,
        "name": observation.name,
        "startTime": iso(observation.start_time),
        "endTime": iso(observation.end_time),
        "completionStartTime": iso(observation.completion_start_time),
        "model": observation.model,
        "modelParameters": observation.model_parameters,
        "input": observation.input,
        "output": observation.output,
        "metadata": observation.metadata,
        "version": observation.version,
        "level": observation.level,
        "statusMessage": observation.status_message,
        "environment": observation.environment,
        "usageDetails": observation.usage_details or {},
        "costDetails": cost,
        "usage": {
            **tokens,
            "unit": "TOKENS",
            "inputCost": cost.get("input"),
            "outputCost": cost.get("output"),
            "totalCost": total_cost,
        },
        "unit": "TOKENS",
        "promptTokens": tokens["input"],
        "completionTokens": tokens["output"],
        "totalTokens": tokens["total"],
        "usagePricingTierName": None,
        "usagePricingTierId": None,
        "promptId": prompt_id,
        "promptName": observation.prompt_name,
        "promptVersion": observation.prompt_version,
        "modelId": observation.internal_model_id,
        "inputPrice": prices.get("input"),
        "outputPrice": prices.get("output"),
        "totalPrice": prices.get("total"),
        "calculatedInputCost": cost.get("input"),
        "calculatedOutputCost": cost.get("output"),
        "calculatedTotalCost": total_cost,
        "latency": seconds_between(observation.start_time, observation.end_time),
        "timeToFirstToken": seconds_between(observation.start_time, observation.completion_start_time),
        "createdAt": iso(observation.created_at),
        "updatedAt": iso(observation.updated_at),
    }


def session_body(row: dict, project_id: str) -> dict:
    return {
        "id": row["session_id"],
        "createdAt": iso(row["created_at"]),
        "projectId": project_id,
        "environment": row["session_environment"],
    }


def raw_string(value) -> str | None:
    """v2 returns input/output as the raw string: strings as sent, other JSON encoded."""
    if value is None or isinstance(value, str):
        return value
    return json_text.dumps(value).decode()


def truncated_metadata(metadata, expand: frozenset[str]):
    def shorten(key, value):
        if key in expand:
            return value
        text = raw_string(value)
        return text[:METADATA_VALUE_LIMIT] + "..." if text is not None and len(text) > METADATA_VALUE_LIMIT else value

    if isinstance(metadata, dict):
        return {key: shorten(key, value) for key, value in metadata.items()}
    return shorten(None, metadata)


def observation_v2(
    observation: Observation,
    *,
    groups: frozenset[str],
    trace: Trace | None,
    prompt_id: str | None,
    expand_metadata: frozenset[str],
    prices: dict | None = None,
) -> dict:
    """ObservationV2 with only the requested field groups (core always)."""
    body = {
        "id": observation.id,
        "traceId": observation.trace_id,
        "startTime": iso(observation.start_time),
        "endTime": iso(observation.end_time),
        "projectId": observation.project_id,
        "parentObservationId": observation.parent_observation_id,
        "type": observation.type,
        "modelId": None,
        "inputPrice": None,
        "outputPrice": None,
        "totalPrice": None,
    }
    if "basic" in groups:
        body.update(
            name=observation.name,
            level=observation.level,
            statusMessage=observation.status_message,
            version=observation.version,
            environment=observation.environment,
            bookmarked=trace.bookmarked if trace else False,
            public=trace.public if trace else False,
            userId=trace.user_id if trace else None,
            sessionId=trace.session_id if trace else None,
            isRootObservation=observation.parent_observation_id is None,
        )
    if "time" in groups:
        body.update(
            completionStartTime=iso(observation.completion_start_time),
            createdAt=iso(observation.created_at),
            updatedAt=iso(observation.updated_at),
        )
    if "io" in groups:
        body.update(input=raw_string(observation.input), output=raw_string(observation.output))
    if "metadata" in groups:
        body["metadata"] = truncated_metadata(observation.metadata, expand_metadata)
    if "model" in groups:
        body.update(
            providedModelName=observation.model,
            model=observation.model,
            internalModelId=observation.internal_model_id,
            modelId=observation.internal_model_id,
            modelParameters=observation.model_parameters,
            **{f"{usage}Price": decimal_string((prices or {}).get(usage)) for usage in ("input", "output", "total")},
        )
    if "usage" in groups:
        body.update(
            usageDetails=observation.usage_details or {},
            costDetails=observation.cost_details or {},
            totalCost=money(observation.total_cost),
            usagePricingTierName=None,
        )
    if "prompt" in groups:
        body.update(promptId=prompt_id, promptName=observation.prompt_name, promptVersion=observation.prompt_version)
    if "metrics" in groups:
        body.update(
            latency=seconds_between(observation.start_time, observation.end_time),
            timeToFirstToken=seconds_between(observation.start_time, observation.completion_start_time),
        )
    if "trace_context" in groups:
        body.update(
            traceName=trace.name if trace else None,
            tags=sorted(trace.tags or []) if trace else [],
            release=trace.release if trace else None,
        )
    return body


def model_public(model: ModelDefinition) -> dict:
    """The Model body of /api/public/models."""
    tiers = sorted(model.pricing_tiers.all(), key=lambda tier: tier.priority)
    default = next((tier for tier in tiers if tier.is_default), None)
    prices = dict(default.prices) if default else {}
    return {
        "id": model.id,
        "modelName": model.model_name,
        "matchPattern": model.match_pattern,
        "startDate": model.start_date,
        "unit": model.unit,
        "inputPrice": prices.get("input"),
        "outputPrice": prices.get("output"),
        "totalPrice": prices.get("total"),
        "tokenizerId": model.tokenizer_id,
        "tokenizerConfig": model.tokenizer_config,
        "isLangfuseManaged": model.is_managed,
        "createdAt": model.created_at,
        "prices": {usage_type: {"price": price} for usage_type, price in prices.items()},
        "pricingTiers": [
            {
                "id": tier.id,
                "name": tier.name,
                "isDefault": tier.is_default,
                "priority": tier.priority,
                "conditions": tier.conditions,
                "prices": tier.prices,
            }
            for tier in tiers
        ],
    }


class PricingConditionSerializer(serializers.Serializer):
    """A tier condition: a usage-detail threshold (usageDetailPattern) or a model attribute match (source)."""

    usageDetailPattern = serializers.CharField(source="usage_detail_pattern", required=False, trim_whitespace=False)
    operator = serializers.CharField(required=False)
    value = serializers.FloatField(required=False)
    caseSensitive = serializers.BooleanField(source="case_sensitive", required=False, default=False)
    source = serializers.ChoiceField(choices=sorted(ATTRIBUTE_SOURCES), required=False)
    key = serializers.CharField(required=False)
    values = serializers.ListField(
        child=serializers.CharField(trim_whitespace=False), required=False, allow_empty=False
    )

    def validate(self, attrs):
        if "usage_detail_pattern" in attrs:
            if attrs.get("operator") not in USAGE_OPERATORS:
                raise serializers.ValidationError({"operator": f"must be one of {sorted(USAGE_OPERATORS)}"})
            if "value" not in attrs:
                raise serializers.ValidationError({"value": "is required with usageDetailPattern"})
            return attrs
        if "source" not in attrs:
            raise serializers.ValidationError({"source": "is required when usageDetailPattern is not given"})
        if attrs.get("operator", "in") != "in":
            raise serializers.ValidationError({"operator": "must be 'in' for attribute conditions"})
        for name in ("key", "values"):
            if name not in attrs:
                raise serializers.ValidationError({name: "is required for attribute conditions"})
        return attrs


class PricingTierSerializer(serializers.Serializer):
    name = serializers.CharField()
    isDefault = serializers.BooleanField(source="is_default", required=False, default=False)
    priority = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    conditions = PricingConditionSerializer(many=True, required=False, default=list)
    prices = serializers.DictField(child=serializers.FloatField(), allow_empty=False)


class ModelCreateSerializer(serializers.Serializer):
    """CreateModelRequest: flat prices, or pricingTiers."""

    modelName = serializers.CharField(source="model_name")
    matchPattern = serializers.CharField(source="match_pattern", trim_whitespace=False)
    startDate = serializers.DateTimeField(source="start_date", required=False, allow_null=True)
    unit = serializers.ChoiceField(choices=ModelUsageUnit.values, required=False, allow_null=True)
    inputPrice = serializers.FloatField(source="input_price", required=False, allow_null=True)
    outputPrice = serializers.FloatField(source="output_price", required=False, allow_null=True)
    totalPrice = serializers.FloatField(source="total_price", required=False, allow_null=True)
    pricingTiers = PricingTierSerializer(source="pricing_tiers", many=True, required=False, allow_null=True)
    tokenizerId = serializers.CharField(source="tokenizer_id", required=False, allow_null=True)
    tokenizerConfig = serializers.JSONField(source="tokenizer_config", required=False, allow_null=True)


class StrictCharField(serializers.CharField):
    """A string, never a number turned into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TracesDeleteSerializer(serializers.Serializer):
    traceIds = serializers.ListField(
        source="trace_ids",
        child=StrictCharField(trim_whitespace=False),
        allow_empty=False,
        max_length=MAX_DELETE_IDS,
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"traceIds": ["is required in a JSON object body"]})
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.STR)
class CommaSeparatedField(serializers.Field):
    """A comma-separated query parameter as a set; with `choices`, only those values; `always` is added."""

    def __init__(self, *, choices: frozenset[str] | None = None, always: frozenset[str] = frozenset(), **kwargs):
        self.choices, self.always = choices, always
        super().__init__(required=False, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        values = frozenset(part.strip() for part in data.split(",") if part.strip())
        if not values:
            return self.get_default()
        unknown = sorted(values - self.choices) if self.choices is not None else []
        if unknown:
            raise serializers.ValidationError(
                f"unknown field group(s) {', '.join(unknown)}; use {', '.join(sorted(self.choices))}"
            )
        return values | self.always

    def to_representation(self, value):
        return ",".join(sorted(value))


class TraceQuerySerializer(serializers.Serializer):
    """Query parameters of GET /traces and /traces/{id} besides the filters."""

    fields = CommaSeparatedField(
        choices=TRACE_FIELD_GROUPS,
        always=frozenset({"core"}),
        default=TRACE_FIELD_GROUPS,
        help_text=f"Comma-separated field groups of {', '.join(sorted(TRACE_FIELD_GROUPS))}",
    )


class ObservationV2QuerySerializer(serializers.Serializer):
    """Query parameters of GET /v2/observations besides the filters."""

    fields = CommaSeparatedField(
        choices=OBSERVATION_V2_GROUPS,
        always=frozenset({"core"}),
        default=DEFAULT_V2_GROUPS,
        help_text=f"Comma-separated field groups of {', '.join(sorted(OBSERVATION_V2_GROUPS))}",
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)
    cursor = serializers.CharField(required=False, default=None, help_text="meta.cursor of the previous page")
    expandMetadata = CommaSeparatedField(
        source="expand_metadata", default=frozenset(), help_text="Comma-separated metadata keys shown untruncated"
    )
    parseIoAsJson = serializers.BooleanField(
        source="parse_io_as_json", required=False, default=False, help_text="Deprecated; true is refused"
    )

    def validate_parseIoAsJson(self, value):
        if value:
            raise serializers.ValidationError("is deprecated: input/output are returned as raw strings")
        return value


def query_params(serializer_class, request) -> dict:
    """The endpoint's query parameters, validated by its serializer (a 400 naming the parameter)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
