"""Score config writes, with Langfuse's rules: the name, the categories and range each data type allows."""

import math
import uuid

from django.db import transaction

from aistrale.errors import DomainError
from aistrale.limits import column_length, text_check
from aistrale.tenancy.services import audit_record
from evals.models import ScoreConfig, ScoreDataType

CONFIG_DATA_TYPES = (ScoreDataType.NUMERIC, ScoreDataType.BOOLEAN, ScoreDataType.CATEGORICAL, ScoreDataType.TEXT)
NAME_PUNCTUATION = frozenset("_ .()-")
BOOLEAN_CATEGORIES = [{"label": "True", "value": 1}, {"label": "False", "value": 0}]
UPDATABLE = ("name", "categories", "min_value", "max_value", "description", "is_archived")


def _name_check(name) -> str:
    if not isinstance(name, str) or not name:
        raise DomainError("must be a non-empty string", field="name")
    limit = column_length(ScoreConfig, "name")
    if len(name) > limit:
        raise DomainError(f"must be at most {limit} characters, got {len(name)}", field="name")
    if any(not (char.isalnum() or char in NAME_PUNCTUATION) for char in name):
        raise DomainError(
            "may hold only letters, numbers, underscores, spaces, periods, parentheses and hyphens", field="name"
        )
    return name


def _bound_check(value, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DomainError(f"must be a finite number, got {value!r}", field=field)
    return float(value)


def _categories_check(categories) -> list[dict]:
    if not isinstance(categories, list) or not categories:
        raise DomainError("CATEGORICAL configs need a non-empty list of {label, value} categories", field="categories")
    labels, values = set(), set()
    for index, category in enumerate(categories):
        field = f"categories.{index}"
        if not isinstance(category, dict) or set(category) != {"label", "value"}:
            raise DomainError("must be an object with exactly a label and a value", field=field)
        label, value = category["label"], category["value"]
        if not isinstance(label, str) or not label:
            raise DomainError("must be a non-empty string", field=f"{field}.label")
        text_check(label, field=f"{field}.label")
        _bound_check(value, f"{field}.value")
        if label in labels:
            raise DomainError(f"duplicate category label {label!r}: labels must be unique", field=f"{field}.label")
        if value in values:
            raise DomainError(f"duplicate category value {value!r}: values must be unique", field=f"{field}.value")
        labels.add(label)
        values.add(value)
    return [{"label": category["label"], "value": category["value"]} for category in categories]


def _config_check(config: ScoreConfig, *, categories_given: bool) -> None:
    """Hold the (new or changed) config to the rules of its data type; normalise its fields in place."""
    config.name = _name_check(config.name)
    if config.data_type not in CONFIG_DATA_TYPES:
        raise DomainError(f"must be one of {', '.join(CONFIG_DATA_TYPES)}, got {config.data_type!r}", field="data_type")
    if config.description is not None:
        text_check(config.description, field="description")
    config.min_value = _bound_check(config.min_value, "min_value")
    config.max_value = _bound_check(config.max_value, "max_value")
    if config.data_type != ScoreDataType.NUMERIC:
        for field in ("min_value", "max_value"):
            if getattr(config, field) is not None:
                raise DomainError(f"only NUMERIC configs have a range, not {config.data_type}", field=field)
    elif config.min_value is not None and config.max_value is not None and config.max_value <= config.min_value:
        raise DomainError(
            f"must be greater than minValue ({config.min_value:g}), got {config.max_value:g}", field="max_value"
        )
    if config.data_type == ScoreDataType.CATEGORICAL:
        config.categories = _categories_check(config.categories)
    elif config.data_type == ScoreDataType.BOOLEAN:
        if categories_given and config.categories != BOOLEAN_CATEGORIES:
            raise DomainError(
                "BOOLEAN configs take no categories: they are always True (1) and False (0)", field="categories"
            )
        config.categories = BOOLEAN_CATEGORIES
    elif config.categories is not None:
        raise DomainError(f"only CATEGORICAL configs take categories, not {config.data_type}", field="categories")


def _snapshot(config: ScoreConfig) -> dict:
    return {
        "name": config.name,
        "dataType": config.data_type,
        "minValue": config.min_value,
        "maxValue": config.max_value,
        "categories": config.categories,
        "description": config.description,
        "isArchived": config.is_archived,
    }


@transaction.atomic
def score_config_create(
    *,
    project,
    name: str,
    data_type: str,
    categories: list | None = None,
    min_value: float | None = None,
    max_value: float | None = None,
    description: str | None = None,
) -> ScoreConfig:
    """A new config; BOOLEAN configs get their True/False categories, the others what the rules allow."""
    config = ScoreConfig(
        project=project,
        id=str(uuid.uuid4()),
        name=name,
        data_type=data_type,
        categories=categories,
        min_value=min_value,
        max_value=max_value,
        description=description,
    )
    _config_check(config, categories_given=categories is not None)
    config.save()
    audit_record(
        action="score_config.created",
        object_type="ScoreConfig",
        object_id=config.id,
        project=project,
        after=_snapshot(config),
    )
    return config


@transaction.atomic
def score_config_update(*, config: ScoreConfig, **changes) -> ScoreConfig:
    """Apply `changes` (name, categories, min_value, max_value, description, is_archived) if the result holds."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise DomainError(f"cannot be changed on a score config (only {', '.join(UPDATABLE)})", field=unknown[0])
    if not changes:
        raise DomainError("the update is empty: give at least one field to change")
    before = _snapshot(config)
    for field, value in changes.items():
        setattr(config, field, value)
    if not isinstance(config.is_archived, bool):
        raise DomainError("must be true or false", field="is_archived")
    _config_check(config, categories_given="categories" in changes)
    config.save()
    audit_record(
        action="score_config.updated",
        object_type="ScoreConfig",
        object_id=config.id,
        project=config.project,
        before=before,
        after=_snapshot(config),
    )
    return config


def score_config_set_archived(*, config: ScoreConfig, archived: bool) -> ScoreConfig:
    """Archive a config (scores can no longer name it) or restore it."""
    if config.is_archived == archived:
        return config
    return score_config_update(config=config, is_archived=archived)
