"""The datasets API's wire bodies and queries (camelCase on the wire, Python names after validation)."""

from rest_framework import serializers

from datasets.models import DatasetStatus
from datasets.services import SOURCE_FIELDS


def _text(source: str | None = None, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_null=True, trim_whitespace=False, **({"source": source} if source else {}), **kwargs
    )


def _json(source: str | None = None) -> serializers.JSONField:
    return serializers.JSONField(required=False, allow_null=True, **({"source": source} if source else {}))


class DatasetCreateSerializer(serializers.Serializer):
    """CreateDatasetRequest: creates the dataset, or changes the fields sent of the one of that name."""

    name = serializers.CharField(trim_whitespace=False)
    description = _text(allow_blank=True)
    metadata = _json()
    inputSchema = _json("input_schema")
    expectedOutputSchema = _json("expected_output_schema")


class DatasetItemCreateSerializer(serializers.Serializer):
    """CreateDatasetItemRequest: upserts on `id`; fields not sent keep their value."""

    datasetName = serializers.CharField(source="dataset_name", trim_whitespace=False)
    id = _text("item_id")
    input = _json()
    expectedOutput = _json("expected_output")
    metadata = _json()
    sourceTraceId = _text("source_trace_id")
    sourceObservationId = _text("source_observation_id")
    status = serializers.ChoiceField(choices=DatasetStatus.choices, required=False, allow_null=True)
    inputFrom = serializers.ChoiceField(
        source="input_from",
        choices=SOURCE_FIELDS,
        required=False,
        help_text="Take the input from the source trace or observation's input, output, metadata or correction",
    )
    expectedOutputFrom = serializers.ChoiceField(
        source="expected_output_from",
        choices=SOURCE_FIELDS,
        required=False,
        help_text="Take the expected output from the source (e.g. `correction`: its CORRECTION score's output)",
    )

    def validate(self, attrs):
        for mapped, field, wire in (
            ("input_from", "input", "input"),
            ("expected_output_from", "expected_output", "expectedOutput"),
        ):
            if mapped in attrs and field in attrs:
                raise serializers.ValidationError({wire: f"give {wire} or {wire}From, not both"})
        if ("input_from" in attrs or "expected_output_from" in attrs) and not (
            attrs.get("source_trace_id") or attrs.get("source_observation_id")
        ):
            raise serializers.ValidationError({"sourceTraceId": "is required with inputFrom or expectedOutputFrom"})
        return attrs


class DatasetItemQuerySerializer(serializers.Serializer):
    datasetName = serializers.CharField(source="dataset_name", required=False, trim_whitespace=False)
    sourceTraceId = serializers.CharField(source="source_trace_id", required=False)
    sourceObservationId = serializers.CharField(source="source_observation_id", required=False)
    version = serializers.DateTimeField(required=False, help_text="The dataset as of this time; needs datasetName")

    def validate(self, attrs):
        if attrs.get("version") is not None and not attrs.get("dataset_name"):
            raise serializers.ValidationError({"datasetName": "is required with version"})
        return attrs


class RunItemCreateSerializer(serializers.Serializer):
    """CreateDatasetRunItemRequest: the run is created when missing; runDescription and metadata update it."""

    runName = serializers.CharField(source="run_name", trim_whitespace=False)
    runDescription = _text("run_description", allow_blank=True)
    metadata = _json()
    datasetItemId = serializers.CharField(source="dataset_item_id", trim_whitespace=False)
    observationId = _text("observation_id")
    traceId = _text("trace_id")
    datasetVersion = serializers.DateTimeField(source="dataset_version", required=False, allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at", required=False, allow_null=True)


class RunItemQuerySerializer(serializers.Serializer):
    datasetId = serializers.CharField(source="dataset_id")
    runName = serializers.CharField(source="run_name", trim_whitespace=False)
