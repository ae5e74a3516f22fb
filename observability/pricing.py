"""Model price table writes: the seed of global defaults and project model definitions (the /models API)."""

import json
import re
from pathlib import Path

from django.db import transaction
from django.db.models import F, Q
from django.utils.dateparse import parse_datetime

from aistrale.tenancy.services import audit_record
from observability.models import ModelDefinition, ModelUsageUnit, PricingTier

SEED_FILE = Path(__file__).resolve().parent / "data" / "model-prices.json"
USAGE_OPERATORS = frozenset({"gt", "gte", "lt", "lte", "eq", "neq"})
ATTRIBUTE_SOURCES = frozenset({"model_parameters", "metadata"})


class ModelDefinitionError(ValueError):
    """A model definition that cannot be stored; the message names the field."""


def seed_model_prices(*, model_class=ModelDefinition, tier_class=PricingTier, path: Path = SEED_FILE) -> int:
    """Load the bundled price list into the global rows (project None); idempotent on the ids in the file."""
    entries = json.loads(path.read_text())
    for entry in entries:
        model, _ = model_class.objects.update_or_create(
            id=entry["id"],
            defaults={
                "project": None,
                "model_name": entry["modelName"],
                "match_pattern": entry["matchPattern"],
                "start_date": parse_datetime(entry["startDate"]) if entry.get("startDate") else None,
                "unit": entry.get("unit") or "TOKENS",
                "tokenizer_id": entry.get("tokenizerId"),
                "tokenizer_config": entry.get("tokenizerConfig"),
            },
        )
        tier_ids = []
        for tier in entry["pricingTiers"]:
            tier_class.objects.update_or_create(
                id=tier["id"],
                defaults={
                    "model": model,
                    "name": tier["name"],
                    "is_default": tier["isDefault"],
                    "priority": tier["priority"],
                    "conditions": tier["conditions"],
                    "prices": tier["prices"],
                },
            )
            tier_ids.append(tier["id"])
        tier_class.objects.filter(model=model).exclude(id__in=tier_ids).delete()
    return len(entries)


def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ModelDefinitionError(f"{field} must be a number, got {value!r}")
    if value < 0:
        raise ModelDefinitionError(f"{field} must not be negative, got {value!r}")
    return float(value)


def _validate_condition(condition, field: str) -> dict:
    if not isinstance(condition, dict):
        raise ModelDefinitionError(f"{field} must be an object")
    if "usageDetailPattern" in condition:
        pattern = condition["usageDetailPattern"]
        if not isinstance(pattern, str) or not pattern:
            raise ModelDefinitionError(f"{field}.usageDetailPattern must be a non-empty string")
        compile_pattern(pattern, f"{field}.usageDetailPattern")
        if condition.get("operator") not in USAGE_OPERATORS:
            raise ModelDefinitionError(f"{field}.operator must be one of {sorted(USAGE_OPERATORS)}")
        return {
            "usageDetailPattern": pattern,
            "operator": condition["operator"],
            "value": _number(condition.get("value"), f"{field}.value"),
            "caseSensitive": bool(condition.get("caseSensitive", False)),
        }
    if condition.get("source") not in ATTRIBUTE_SOURCES:
        raise ModelDefinitionError(f"{field} needs usageDetailPattern, or source one of {sorted(ATTRIBUTE_SOURCES)}")
    values = condition.get("values")
    if not isinstance(condition.get("key"), str) or not condition["key"]:
        raise ModelDefinitionError(f"{field}.key must be a non-empty string")
    if condition.get("operator", "in") != "in":
        raise ModelDefinitionError(f"{field}.operator must be 'in' for attribute conditions")
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ModelDefinitionError(f"{field}.values must be a non-empty list of strings")
    return {"source": condition["source"], "key": condition["key"], "operator": "in", "values": values}


def compile_pattern(pattern: str, field: str = "matchPattern") -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ModelDefinitionError(f"{field} is not a valid regular expression: {error}") from None


def _tiers_from_request(data: dict) -> list[dict]:
    flat = {key: data.get(f"{key}Price") for key in ("input", "output", "total")}
    flat = {key: _number(value, f"{key}Price") for key, value in flat.items() if value is not None}
    tiers = data.get("pricingTiers")
    if tiers is not None and flat:
        raise ModelDefinitionError("pricingTiers cannot be combined with inputPrice/outputPrice/totalPrice")
    if "total" in flat and len(flat) > 1:
        raise ModelDefinitionError("totalPrice cannot be set together with inputPrice or outputPrice")
    if tiers is None:
        if not flat:
            raise ModelDefinitionError("either pricingTiers or inputPrice/outputPrice/totalPrice is required")
        return [{"name": "Standard", "isDefault": True, "priority": 0, "conditions": [], "prices": flat}]
    if not isinstance(tiers, list) or not tiers:
        raise ModelDefinitionError("pricingTiers must be a non-empty list")
    cleaned = []
    for index, tier in enumerate(tiers):
        field = f"pricingTiers.{index}"
        if not isinstance(tier, dict):
            raise ModelDefinitionError(f"{field} must be an object")
        name, priority, prices = tier.get("name"), tier.get("priority"), tier.get("prices")
        if not isinstance(name, str) or not name:
            raise ModelDefinitionError(f"{field}.name must be a non-empty string")
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise ModelDefinitionError(f"{field}.priority must be an integer")
        if not isinstance(prices, dict) or not prices:
            raise ModelDefinitionError(f"{field}.prices must define at least one price")
        conditions = tier.get("conditions") or []
        if not isinstance(conditions, list):
            raise ModelDefinitionError(f"{field}.conditions must be a list")
        cleaned.append(
            {
                "name": name,
                "isDefault": bool(tier.get("isDefault")),
                "priority": priority,
                "conditions": [_validate_condition(c, f"{field}.conditions.{i}") for i, c in enumerate(conditions)],
                "prices": {key: _number(value, f"{field}.prices.{key}") for key, value in prices.items()},
            }
        )
    defaults = [tier for tier in cleaned if tier["isDefault"]]
    if len(defaults) != 1:
        raise ModelDefinitionError("pricingTiers must include exactly one tier with isDefault=true")
    if defaults[0]["priority"] != 0 or defaults[0]["conditions"]:
        raise ModelDefinitionError("the default pricing tier must have priority 0 and no conditions")
    if len({tier["name"] for tier in cleaned}) != len(cleaned):
        raise ModelDefinitionError("pricingTiers names must be unique")
    if len({tier["priority"] for tier in cleaned}) != len(cleaned):
        raise ModelDefinitionError("pricingTiers priorities must be unique")
    return cleaned


@transaction.atomic
def model_definition_create(*, project, data: dict) -> ModelDefinition:
    """Create a project model definition from a CreateModelRequest body."""
    if not isinstance(data, dict):
        raise ModelDefinitionError("body must be a JSON object")
    model_name, pattern = data.get("modelName"), data.get("matchPattern")
    if not isinstance(model_name, str) or not model_name.strip():
        raise ModelDefinitionError("modelName is required and must be a non-empty string")
    if not isinstance(pattern, str) or not pattern:
        raise ModelDefinitionError("matchPattern is required and must be a non-empty string")
    compile_pattern(pattern)
    start_date = data.get("startDate")
    if start_date is not None:
        parsed = parse_datetime(start_date) if isinstance(start_date, str) else None
        if parsed is None:
            raise ModelDefinitionError(f"startDate must be an ISO 8601 date-time, got {start_date!r}")
        start_date = parsed
    unit = data.get("unit")
    if unit is not None and unit not in ModelUsageUnit.values:
        raise ModelDefinitionError(f"unit must be one of {ModelUsageUnit.values}, got {unit!r}")
    tokenizer_id = data.get("tokenizerId")
    if tokenizer_id is not None and not isinstance(tokenizer_id, str):
        raise ModelDefinitionError("tokenizerId must be a string")
    tiers = _tiers_from_request(data)
    model = ModelDefinition.objects.create(
        project=project,
        model_name=model_name.strip(),
        match_pattern=pattern,
        start_date=start_date,
        unit=unit or "TOKENS",
        tokenizer_id=tokenizer_id,
        tokenizer_config=data.get("tokenizerConfig"),
    )
    created = PricingTier.objects.bulk_create(
        PricingTier(
            model=model,
            name=tier["name"],
            is_default=tier["isDefault"],
            priority=tier["priority"],
            conditions=tier["conditions"],
            prices=tier["prices"],
        )
        for tier in tiers
    )
    audit_record(
        action="model.created",
        object_type="ModelDefinition",
        object_id=model.id,
        project=project,
        after={"modelName": model.model_name, "matchPattern": pattern, "pricingTiers": len(created)},
    )
    return model


@transaction.atomic
def model_definition_delete(*, model: ModelDefinition) -> None:
    if model.is_managed:
        raise ModelDefinitionError(
            "Cannot delete a built-in model definition; create your own with the same modelName to override it"
        )
    audit_record(
        action="model.deleted",
        object_type="ModelDefinition",
        object_id=model.id,
        project=model.project,
        before={"modelName": model.model_name, "matchPattern": model.match_pattern},
    )
    model.delete()


def model_definitions_visible(*, project):
    """The project's own model definitions, then the built-in ones, tiers prefetched."""
    return (
        ModelDefinition.objects.filter(Q(project=project) | Q(project__isnull=True))
        .prefetch_related("pricing_tiers")
        .order_by(F("project_id").asc(nulls_last=True), "model_name", "id")
    )
