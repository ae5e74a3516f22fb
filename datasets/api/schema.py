"""OpenAPI description of the datasets API: datasets, items (as of a version), runs and run items."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from aistrale.api.schema import PAGE_PARAMETERS, page_of
from datasets.api.serializers import (
    DatasetCreateSerializer,
    DatasetItemCreateSerializer,
    DatasetItemQuerySerializer,
    RunItemCreateSerializer,
    RunItemQuerySerializer,
)
from datasets.experiment_selectors import EXPERIMENT_GROUPS, ITEM_GROUPS
from datasets.models import DatasetStatus
from evals.api.schema import ScoreV3Row
from observability.models import ObservationLevel


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


class ExperimentsCursorMeta(serializers.Serializer):
    cursor = _text(help_text="The next page's cursor; null on the last page")


class Experiment(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = _text()
    startTime = serializers.DateTimeField(help_text="The earliest item start within the requested range")
    endTime = serializers.DateTimeField(help_text="The latest item end within the requested range")
    itemCount = serializers.IntegerField()
    datasetId = _text(help_text="Null for experiments on local data")
    metadata = serializers.JSONField(allow_null=True, required=False, help_text="With fields=metadata")
    scores = ScoreV3Row(
        many=True, required=False, allow_null=True, help_text="With fields=scores: the experiment's own scores"
    )


class ExperimentsPage(serializers.Serializer):
    data = Experiment(many=True)
    meta = ExperimentsCursorMeta()


class ExperimentItem(serializers.Serializer):
    id = serializers.CharField()
    traceId = serializers.CharField()
    startTime = serializers.DateTimeField()
    endTime = serializers.DateTimeField(allow_null=True)
    level = serializers.ChoiceField(choices=ObservationLevel.choices)
    environment = serializers.CharField()
    experimentId = serializers.CharField()
    experimentName = serializers.CharField()
    experimentItemId = serializers.CharField()
    experimentDatasetId = _text(required=False, help_text="With fields=dataset")
    experimentItemVersion = serializers.DateTimeField(allow_null=True, required=False, help_text="With fields=dataset")
    input = serializers.JSONField(allow_null=True, required=False, help_text="With fields=io")
    output = serializers.JSONField(allow_null=True, required=False, help_text="With fields=io")
    expectedOutput = serializers.JSONField(allow_null=True, required=False, help_text="With fields=io")
    metadata = serializers.JSONField(allow_null=True, required=False, help_text="With fields=metadata")
    experimentItemMetadata = serializers.JSONField(
        allow_null=True, required=False, help_text="With fields=itemMetadata"
    )
    experimentMetadata = serializers.JSONField(
        allow_null=True, required=False, help_text="With fields=experimentMetadata"
    )
    experimentDescription = _text(required=False, help_text="With fields=experimentMetadata")
    scores = ScoreV3Row(
        many=True, required=False, allow_null=True, help_text="With fields=scores: the item's trace scores"
    )


class ExperimentItemsPage(serializers.Serializer):
    data = ExperimentItem(many=True)
    meta = ExperimentsCursorMeta()


def _param(name: str, description: str, kind=OpenApiTypes.STR, *, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(name, kind, description=description, required=required)


def _cursor_parameters(groups: tuple[str, ...], default: str) -> list[OpenApiParameter]:
    return [
        _param("fields", f"Comma-separated field groups: {', '.join(groups)} (default {default})"),
        _param("limit", "Rows per page, default 50, max 100", OpenApiTypes.INT),
        _param("scoreLimit", "Scores per row with fields=scores, default 50, max 50", OpenApiTypes.INT),
        _param("cursor", "The cursor of the previous page"),
        _param("fromStartTime", "Only items started at or after this time", OpenApiTypes.DATETIME, required=True),
        _param("toStartTime", "Only items started before this time", OpenApiTypes.DATETIME),
    ]


experiments = extend_schema_view(
    get=extend_schema(
        operation_id="experiments_list",
        description="Experiments (dataset runs, and runs on local data), latest activity first, by cursor.",
        parameters=[
            *_cursor_parameters(EXPERIMENT_GROUPS, "core"),
            _param("id", "Comma-separated experiment ids"),
            _param("name", "Comma-separated experiment names"),
            _param("datasetId", "Comma-separated dataset ids"),
            _param("filter", "A Langfuse JSON filter on id, name and datasetId"),
        ],
        responses={200: ExperimentsPage},
    )
)
experiment_items = extend_schema_view(
    get=extend_schema(
        operation_id="experiments_listItems",
        description="Experiment items (run items), latest start first, by cursor.",
        parameters=[
            *_cursor_parameters(ITEM_GROUPS, "core,dataset"),
            _param("experimentId", "Comma-separated experiment ids"),
            _param("experimentName", "Comma-separated experiment names"),
            _param("experimentItemId", "Comma-separated experiment item ids"),
            _param("datasetId", "Comma-separated dataset ids"),
            _param("filter", "A Langfuse JSON filter on experimentId, experimentName, experimentItemId and datasetId"),
        ],
        responses={200: ExperimentItemsPage},
    )
)
