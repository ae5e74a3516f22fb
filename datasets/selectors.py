"""Dataset, item and run reads, project-scoped; items read as of any version of the dataset."""

import datetime as dt
from collections.abc import Callable, Iterator

from django.db.models import OuterRef, QuerySet, Subquery

from aistrale.errors import DomainError
from datasets.models import Dataset, DatasetItem, DatasetItemVersion, DatasetRun, DatasetRunItem
from observability.media.references import MAX_DEPTH, media_references
from observability.models import Media

MEDIA_FIELDS = (("input", "input"), ("expectedOutput", "expected_output"), ("metadata", "metadata"))
MediaUrl = Callable[[Media], tuple[str, dt.datetime]]


def dataset_list(*, project) -> QuerySet[Dataset]:
    """The project's datasets, newest first."""
    return Dataset.objects.filter(project=project).order_by("-created_at", "key")


def dataset_get(*, project, name: str) -> Dataset:
    """The dataset of that name (folder names with `/` included); DomainError 404 when missing."""
    dataset = Dataset.objects.filter(project=project, name=name).first()
    if dataset is None:
        raise DomainError(f"no dataset named {name!r} in this project", field="dataset_name", status=404)
    return dataset


def dataset_get_by_id(*, project, dataset_id: str) -> Dataset:
    """The dataset with that id; DomainError 404 when missing."""
    dataset = Dataset.objects.filter(project=project, id=dataset_id).first()
    if dataset is None:
        raise DomainError(f"no dataset with id {dataset_id!r} in this project", field="dataset_id", status=404)
    return dataset


def dataset_folders(*, datasets: QuerySet[Dataset]) -> list[str]:
    """Every folder (`a`, `a/b`, ...) the names of these datasets make, sorted."""
    folders = set()
    for name in datasets.filter(name__contains="/").values_list("name", flat=True):
        parts = name.split("/")[:-1]
        folders.update("/".join(parts[: depth + 1]) for depth in range(len(parts)))
    return sorted(folders)


def dataset_item_get(*, project, item_id: str) -> DatasetItem:
    """The item with that id, with its dataset; DomainError 404 when missing."""
    item = DatasetItem.objects.filter(project=project, id=item_id).select_related("dataset").first()
    if item is None:
        raise DomainError(f"no dataset item {item_id!r} in this project", field="id", status=404)
    return item


def dataset_items(
    *,
    project,
    dataset: Dataset | None = None,
    source_trace_id: str | None = None,
    source_observation_id: str | None = None,
) -> QuerySet[DatasetItem]:
    """The current items (of one dataset, or of every dataset), newest first, with their datasets.

    One dataset's items are filtered on the dataset alone (it is the project's), so that counting and paging
    them reads only the (dataset, created_at, id) index.
    """
    items = DatasetItem.objects.filter(project=project) if dataset is None else dataset.items.all()
    if source_trace_id:
        items = items.filter(source_trace_id=source_trace_id)
    if source_observation_id:
        items = items.filter(source_observation_id=source_observation_id)
    return items.select_related("dataset").order_by("-created_at", "id")


def dataset_items_slice(items: QuerySet[DatasetItem], *, project, start: int, stop: int) -> list[DatasetItem]:
    """Rows start:stop of `dataset_items(...)`: their ids first (on the index alone for one dataset, however
    deep the page), then only those rows."""
    ids = list(items.values_list("id", flat=True)[start:stop])
    rows = {row.id: row for row in DatasetItem.objects.filter(project=project, id__in=ids).select_related("dataset")}
    return [rows[item_id] for item_id in ids if item_id in rows]


def dataset_items_as_of(*, dataset: Dataset, version: dt.datetime) -> QuerySet[DatasetItemVersion]:
    """Each item's state as of `version`: its latest version row at or before then, unless that is a deletion.

    Rows read like items (`item_id` for the id, `item_created_at` for when the item was created), newest first.
    """
    latest = (
        DatasetItemVersion.objects.filter(dataset=dataset, item_id=OuterRef("item_id"), valid_from__lte=version)
        .order_by("-valid_from")
        .values("key")[:1]
    )
    return (
        DatasetItemVersion.objects.filter(dataset=dataset, valid_from__lte=version, key=Subquery(latest))
        .filter(is_deleted=False)
        .select_related("dataset")
        .order_by("-item_created_at", "item_id")
    )


def dataset_item_history(*, item: DatasetItem) -> QuerySet[DatasetItemVersion]:
    """Every version of the item, newest first (a deletion ends the history of a deleted item)."""
    return DatasetItemVersion.objects.filter(dataset_id=item.dataset_id, item_id=item.id).order_by("-valid_from")


def dataset_runs(*, dataset: Dataset) -> QuerySet[DatasetRun]:
    """The dataset's runs, newest first."""
    return DatasetRun.objects.filter(dataset=dataset).select_related("dataset").order_by("-created_at", "key")


def dataset_run_get(*, dataset: Dataset, name: str) -> DatasetRun:
    """The dataset's run of that name; DomainError 404 when missing."""
    run = DatasetRun.objects.filter(dataset=dataset, name=name).select_related("dataset").first()
    if run is None:
        raise DomainError(f"no run named {name!r} in dataset {dataset.name!r}", field="run_name", status=404)
    return run


def dataset_run_items(*, run: DatasetRun) -> QuerySet[DatasetRunItem]:
    """The run's items, oldest first, with their run."""
    return DatasetRunItem.objects.filter(run=run).select_related("run").order_by("created_at", "key")


def dataset_public(dataset: Dataset) -> dict:
    """A dataset as Dataset in the spec."""
    return {
        "id": dataset.id,
        "name": dataset.name,
        "description": dataset.description,
        "metadata": dataset.metadata,
        "inputSchema": dataset.input_schema,
        "expectedOutputSchema": dataset.expected_output_schema,
        "projectId": dataset.project_id,
        "createdAt": dataset.created_at,
        "updatedAt": dataset.updated_at,
    }


def _reference_strings(value) -> Iterator[tuple[str, str]]:
    """(JSONPath, string) of every string in a JSON value that holds a media reference."""
    stack = [(value, "$", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str) and "@@@langfuseMedia:" in item:
            yield path, item
        elif depth < MAX_DEPTH and isinstance(item, dict):
            stack.extend((child, f"{path}[{key!r}]", depth + 1) for key, child in reversed(item.items()))
        elif depth < MAX_DEPTH and isinstance(item, list):
            stack.extend((child, f"{path}[{index}]", depth + 1) for index, child in reversed(list(enumerate(item))))


def _references(item) -> list[tuple[str, str, str, str]]:
    """(wire field, reference string, JSONPath, media id) of the media references in an item's values."""
    found = []
    for wire, field in MEDIA_FIELDS:
        for path, text in _reference_strings(getattr(item, field)):
            found.extend((wire, reference.text, path, reference.media_id) for reference in media_references(text))
    return found


def dataset_items_public(items, *, project, media_url: MediaUrl) -> list[dict]:
    """Items as DatasetItem in the spec, their media references resolved to the project's uploaded media."""
    references = [_references(item) for item in items]
    media_ids = {media_id for found in references for *_, media_id in found}
    media = (
        {row.id: row for row in Media.objects.filter(project=project, id__in=media_ids, uploaded_at__isnull=False)}
        if media_ids
        else {}
    )
    bodies = []
    for item, found in zip(items, references, strict=True):
        body = dataset_item_public(item)
        for wire, text, path, media_id in found:
            if media_id in media:
                url, expiry = media_url(media[media_id])
                resolved = {
                    "mediaId": media_id,
                    "contentType": media[media_id].content_type,
                    "contentLength": media[media_id].content_length,
                    "url": url,
                    "urlExpiry": expiry,
                }
                body["mediaReferences"].append(
                    {"field": wire, "referenceString": text, "jsonPath": path, "media": resolved}
                )
        bodies.append(body)
    return bodies


def dataset_item_public(item: DatasetItem | DatasetItemVersion) -> dict:
    """An item, current or as of a version, as DatasetItem in the spec (its dataset loaded with it), without its
    media references resolved (dataset_items_public resolves them)."""
    is_version = isinstance(item, DatasetItemVersion)
    return {
        "id": item.item_id if is_version else item.id,
        "status": item.status,
        "input": item.input,
        "expectedOutput": item.expected_output,
        "metadata": item.metadata,
        "sourceTraceId": item.source_trace_id,
        "sourceObservationId": item.source_observation_id,
        "datasetId": item.dataset.id,
        "datasetName": item.dataset.name,
        "createdAt": item.item_created_at if is_version else item.created_at,
        "updatedAt": item.valid_from if is_version else item.updated_at,
        "version": item.valid_from if is_version else item.version,
        "mediaReferences": [],
    }


def dataset_run_public(run: DatasetRun) -> dict:
    """A run as DatasetRun in the spec (its dataset loaded with it)."""
    return {
        "id": run.id,
        "name": run.name,
        "description": run.description,
        "metadata": run.metadata,
        "datasetId": run.dataset.id,
        "datasetName": run.dataset.name,
        "createdAt": run.created_at,
        "updatedAt": run.updated_at,
    }


def dataset_run_item_public(run_item: DatasetRunItem) -> dict:
    """A run item as DatasetRunItem in the spec (its run loaded with it)."""
    return {
        "id": run_item.id,
        "datasetRunId": run_item.run.id,
        "datasetRunName": run_item.run.name,
        "datasetItemId": run_item.dataset_item_id,
        "traceId": run_item.trace_id,
        "observationId": run_item.observation_id,
        "createdAt": run_item.created_at,
        "updatedAt": run_item.updated_at,
    }
