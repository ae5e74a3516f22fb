"""OpenAPI description of the datasets API: datasets, items (as of a version), runs and run items."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from aistrale.api.schema import PAGE_PARAMETERS, page_of
from datasets.api.serializers import (
    DatasetCreateSerializer,
    DatasetItemCreateSerializer,
    DatasetItemQuerySerializer,
    RunItemCreateSerializer,
    RunItemQuerySerializer,
)
from datasets.models import DatasetStatus


def _text(**kwargs):
    return serializers.CharField(allow_null=True, **kwargs)


class Dataset(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField(help_text="`/` makes folders")
    description = _text()
    metadata = serializers.JSONField(allow_null=True)
    inputSchema = serializers.JSONField(allow_null=True)
    expectedOutputSchema = serializers.JSONField(allow_null=True)
    projectId = serializers.CharField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class DatasetItemMediaReference(serializers.Serializer):
    field = serializers.ChoiceField(choices=["input", "expectedOutput", "metadata"])
    referenceString = serializers.CharField()
    jsonPath = serializers.CharField()
    media = serializers.JSONField()


class DatasetItem(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=DatasetStatus.choices)
    input = serializers.JSONField(allow_null=True)
    expectedOutput = serializers.JSONField(allow_null=True)
    metadata = serializers.JSONField(allow_null=True)
    sourceTraceId = _text()
    sourceObservationId = _text()
    datasetId = serializers.CharField()
    datasetName = serializers.CharField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    version = serializers.DateTimeField(help_text="When this state of the item became current")
    mediaReferences = DatasetItemMediaReference(many=True)


class DatasetRun(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = _text()
    metadata = serializers.JSONField(allow_null=True)
    datasetId = serializers.CharField()
    datasetName = serializers.CharField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class DatasetRunItem(serializers.Serializer):
    id = serializers.CharField()
    datasetRunId = serializers.CharField()
    datasetRunName = serializers.CharField()
    datasetItemId = serializers.CharField()
    traceId = serializers.CharField()
    observationId = _text()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class DatasetRunWithItems(DatasetRun):
    datasetRunItems = DatasetRunItem(many=True)


class DeleteResponse(serializers.Serializer):
    message = serializers.CharField()


datasets = extend_schema_view(
    get=extend_schema(
        operation_id="datasets_list",
        description="The project's datasets, newest first.",
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(Dataset)},
    ),
    post=extend_schema(
        operation_id="datasets_create",
        description=(
            "Create a dataset, or change the fields sent of the dataset of that name. A schema must be a valid "
            "JSON Schema, and every current item must match it."
        ),
        request=DatasetCreateSerializer,
        responses={200: Dataset},
    ),
)
dataset_detail = extend_schema_view(
    get=extend_schema(operation_id="datasets_get", description="One dataset by name.", responses={200: Dataset})
)
dataset_items = extend_schema_view(
    get=extend_schema(
        operation_id="datasetItems_list",
        description="Items, newest first; with `version` (and datasetName), the dataset as of that time.",
        parameters=[DatasetItemQuerySerializer, *PAGE_PARAMETERS],
        responses={200: page_of(DatasetItem)},
    ),
    post=extend_schema(
        operation_id="datasetItems_create",
        description=(
            "Create an item, or change the fields sent of the item with that id (ids are unique in the project). "
            "Each change is a new version of the dataset. Items must match the dataset's schemas."
        ),
        request=DatasetItemCreateSerializer,
        responses={200: DatasetItem},
    ),
)
dataset_item_detail = extend_schema_view(
    get=extend_schema(operation_id="datasetItems_get", description="One item by id.", responses={200: DatasetItem}),
    delete=extend_schema(
        operation_id="datasetItems_delete",
        description="Delete the item and its run items; its history ends in a deletion.",
        responses={200: DeleteResponse},
    ),
)
dataset_runs = extend_schema_view(
    get=extend_schema(
        operation_id="datasets_getRuns",
        description="The dataset's runs, newest first.",
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(DatasetRun)},
    )
)
dataset_run_detail = extend_schema_view(
    get=extend_schema(
        operation_id="datasets_getRun", description="One run with its items.", responses={200: DatasetRunWithItems}
    ),
    delete=extend_schema(
        operation_id="datasets_deleteRun",
        description="Delete the run and its run items.",
        responses={200: DeleteResponse},
    ),
)
dataset_run_items = extend_schema_view(
    get=extend_schema(
        operation_id="datasetRunItems_list",
        description="The items of a dataset's run, oldest first.",
        parameters=[RunItemQuerySerializer, *PAGE_PARAMETERS],
        responses={200: page_of(DatasetRunItem)},
    ),
    post=extend_schema(
        operation_id="datasetRunItems_create",
        description=(
            "Record that a run (created when missing) ran an item, producing a trace. The same run, item, trace and "
            "observation give back the stored run item."
        ),
        request=RunItemCreateSerializer,
        responses={200: DatasetRunItem},
    ),
)
