"""Dataset writes: create, update (renames and schema changes re-check the items), upsert by name, delete."""

import uuid

from django.db import IntegrityError, transaction

from aistrale.errors import DomainError
from aistrale.limits import column_length, json_depth_check, text_check
from aistrale.tenancy.services import audit_record
from datasets.models import Dataset, DatasetItem
from datasets.validation import item_check, schema_check

UNSET = object()


def _name_check(name: str) -> str:
    text_check(name, field="name", max_length=column_length(Dataset, "name"))
    if not name.strip():
        raise DomainError("must be a non-empty string", field="name")
    if name.startswith("/") or name.endswith("/") or "//" in name:
        raise DomainError("must not start or end with '/' nor hold an empty folder ('//')", field="name")
    return name


def _fields_check(*, description, metadata, input_schema, expected_output_schema) -> None:
    if description is not None and description is not UNSET:
        text_check(description, field="description")
    if metadata is not UNSET:
        json_depth_check(metadata, field="metadata")
    for field, schema in (("input_schema", input_schema), ("expected_output_schema", expected_output_schema)):
        if schema is not UNSET:
            if schema is not None and not isinstance(schema, dict):
                raise DomainError("must be a JSON Schema object", field=field)
            schema_check(schema, field=field)


def _items_recheck(dataset: Dataset) -> None:
    """Refuse a schema change that the dataset's current items break, naming the first such item."""
    if dataset.input_schema is None and dataset.expected_output_schema is None:
        return
    items = DatasetItem.objects.filter(dataset=dataset).only("id", "input", "expected_output").order_by("key")
    for item in items.iterator(chunk_size=1000):
        try:
            item_check(dataset, input=item.input, expected_output=item.expected_output)
        except DomainError as error:
            field = "input_schema" if error.field == "input" else "expected_output_schema"
            raise DomainError(
                f"existing item {item.id!r} breaks the new schema: {error.message}", field=field
            ) from None


@transaction.atomic
def dataset_create(
    *,
    project,
    name: str,
    description: str | None = None,
    metadata=None,
    input_schema: dict | None = None,
    expected_output_schema: dict | None = None,
) -> Dataset:
    """A new dataset; DomainError (409) when the project already has one of that name."""
    _name_check(name)
    _fields_check(
        description=description,
        metadata=metadata,
        input_schema=input_schema,
        expected_output_schema=expected_output_schema,
    )
    try:
        with transaction.atomic():
            dataset = Dataset.objects.create(
                project=project,
                id=str(uuid.uuid4()),
                name=name,
                description=description,
                metadata=metadata,
                input_schema=input_schema,
                expected_output_schema=expected_output_schema,
            )
    except IntegrityError:
        raise DomainError(
            f"a dataset named {name!r} already exists in this project", field="name", status=409
        ) from None
    audit_record(
        action="dataset.created", object_type="Dataset", object_id=dataset.id, project=project, after={"name": name}
    )
    return dataset


@transaction.atomic
def dataset_update(
    *,
    dataset: Dataset,
    name: str = UNSET,
    description: str | None = UNSET,
    metadata=UNSET,
    input_schema: dict | None = UNSET,
    expected_output_schema: dict | None = UNSET,
) -> Dataset:
    """Change the given fields; a new schema must hold for every current item (else DomainError naming it)."""
    _fields_check(
        description=description,
        metadata=metadata,
        input_schema=input_schema,
        expected_output_schema=expected_output_schema,
    )
    changes = {
        field: value
        for field, value in (
            ("name", name),
            ("description", description),
            ("metadata", metadata),
            ("input_schema", input_schema),
            ("expected_output_schema", expected_output_schema),
        )
        if value is not UNSET and getattr(dataset, field) != value
    }
    if not changes:
        return dataset
    if "name" in changes:
        _name_check(name)
        if Dataset.objects.filter(project_id=dataset.project_id, name=name).exclude(key=dataset.key).exists():
            raise DomainError(f"a dataset named {name!r} already exists in this project", field="name", status=409)
    before = {field: getattr(dataset, field) for field in changes}
    for field, value in changes.items():
        setattr(dataset, field, value)
    if "input_schema" in changes or "expected_output_schema" in changes:
        _items_recheck(dataset)
    dataset.save()
    audit_record(
        action="dataset.updated",
        object_type="Dataset",
        object_id=dataset.id,
        project=dataset.project,
        before=before,
        after=changes,
    )
    return dataset


def dataset_upsert(
    *,
    project,
    name: str,
    description: str | None = UNSET,
    metadata=UNSET,
    input_schema: dict | None = UNSET,
    expected_output_schema: dict | None = UNSET,
) -> Dataset:
    """Create the dataset of that name, or change the given fields of the existing one (POST /v2/datasets)."""
    dataset = Dataset.objects.filter(project=project, name=name).first()
    fields = {
        "description": description,
        "metadata": metadata,
        "input_schema": input_schema,
        "expected_output_schema": expected_output_schema,
    }
    if dataset is not None:
        return dataset_update(dataset=dataset, **fields)
    return dataset_create(
        project=project, name=name, **{field: None if value is UNSET else value for field, value in fields.items()}
    )


@transaction.atomic
def dataset_delete(*, dataset: Dataset) -> None:
    """Delete the dataset with its items, their versions, its runs and their run items."""
    audit_record(
        action="dataset.deleted",
        object_type="Dataset",
        object_id=dataset.id,
        project=dataset.project,
        before={"name": dataset.name},
    )
    dataset.delete()
