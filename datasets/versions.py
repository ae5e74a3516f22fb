"""The version rows every item write adds: the item's state from a point in time on."""

from datasets.models import DatasetItem, DatasetItemVersion


def item_version(item: DatasetItem, *, deleted: bool = False) -> DatasetItemVersion:
    """The (unsaved) version row of this item's state as of `item.version`; `deleted` marks its deletion."""
    return DatasetItemVersion(
        project_id=item.project_id,
        dataset_id=item.dataset_id,
        item_id=item.id,
        valid_from=item.version,
        input=item.input,
        expected_output=item.expected_output,
        metadata=item.metadata,
        source_trace_id=item.source_trace_id,
        source_observation_id=item.source_observation_id,
        status=item.status,
        is_deleted=deleted,
        item_created_at=item.created_at,
    )
