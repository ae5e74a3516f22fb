"""Model price table writes: the seed of global defaults and project model definitions (the /models API)."""

import json
import re
from pathlib import Path

from django.db import transaction
from django.utils.dateparse import parse_datetime

from aistrale.errors import DomainError
from aistrale.limits import column_length, float_check, json_depth_check, money_check, text_check, timestamp_check
from aistrale.tenancy.services import audit_record
from observability.ingestion.costs import price_table_invalidate
from observability.models import ModelDefinition, ModelUsageUnit, PricingTier

SEED_FILE = Path(__file__).resolve().parent.parent / "data" / "model-prices.json"
USAGE_OPERATORS = frozenset({"gt", "gte", "lt", "lte", "eq", "neq"})
ATTRIBUTE_SOURCES = frozenset({"model_parameters", "metadata"})
FLAT_PRICES = ("input", "output", "total")


def model_definition_seed(*, model_class=ModelDefinition, tier_class=PricingTier, path: Path = SEED_FILE) -> int:
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


def _compile_pattern(pattern: str, *, field: str = "match_pattern") -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise DomainError(f"is not a valid regular expression: {error}", field=field) from None


def _prices(prices: dict, *, field: str) -> dict[str, float]:
    return {key: float(money_check(value, field=f"{field}.{key}")) for key, value in prices.items()}


def _threshold(value, *, field: str) -> float:
    number = float_check(value, field=field)
    if number < 0:
        raise DomainError(f"must not be negative, got {value!r}", field=field)
    return number


def _condition(condition: dict, *, field: str) -> dict:
    """A tier condition in its stored (wire) shape: a usage-detail threshold or a model attribute match."""
    if condition.get("usage_detail_pattern") is not None:
        _compile_pattern(condition["usage_detail_pattern"], field=f"{field}.usage_detail_pattern")
        return {
            "usageDetailPattern": condition["usage_detail_pattern"],
            "operator": condition["operator"],
            "value": _threshold(condition["value"], field=f"{field}.value"),
            "caseSensitive": condition.get("case_sensitive", False),
        }
    return {"source": condition["source"], "key": condition["key"], "operator": "in", "values": condition["values"]}


def _tiers(*, flat: dict, pricing_tiers: list[dict] | None) -> list[dict]:
    """The pricing tiers to store: one default tier from flat prices, or the given tiers after their rules."""
    if pricing_tiers is not None and flat:
        raise DomainError("cannot be combined with inputPrice/outputPrice/totalPrice", field="pricing_tiers")
    if "total" in flat and len(flat) > 1:
        raise DomainError("cannot be set together with inputPrice or outputPrice", field="total_price")
    if pricing_tiers is None:
        if not flat:
            raise DomainError(
                "either pricingTiers or inputPrice/outputPrice/totalPrice is required", field="pricing_tiers"
            )
        prices = {key: float(money_check(value, field=f"{key}_price")) for key, value in flat.items()}
        return [{"name": "Standard", "is_default": True, "priority": 0, "conditions": [], "prices": prices}]
    if not pricing_tiers:
        raise DomainError("must be a non-empty list", field="pricing_tiers")
    name_length = column_length(PricingTier, "name")
    tiers = []
    for index, tier in enumerate(pricing_tiers):
        field = f"pricing_tiers.{index}"
        conditions = tier.get("conditions") or []
        tiers.append(
            {
                "name": text_check(tier["name"], field=f"{field}.name", max_length=name_length),
                "is_default": tier.get("is_default", False),
                "priority": tier["priority"],
                "conditions": [_condition(c, field=f"{field}.conditions.{i}") for i, c in enumerate(conditions)],
                "prices": _prices(tier["prices"], field=f"{field}.prices"),
            }
        )
    defaults = [tier for tier in tiers if tier["is_default"]]
    if len(defaults) != 1:
        raise DomainError("must include exactly one tier with isDefault=true", field="pricing_tiers")
    if defaults[0]["priority"] != 0 or defaults[0]["conditions"]:
        raise DomainError("the default pricing tier must have priority 0 and no conditions", field="pricing_tiers")
    if len({tier["name"] for tier in tiers}) != len(tiers):
        raise DomainError("tier names must be unique", field="pricing_tiers")
    if len({tier["priority"] for tier in tiers}) != len(tiers):
        raise DomainError("tier priorities must be unique", field="pricing_tiers")
    return tiers


@transaction.atomic
def model_definition_create(
    *,
    project,
    model_name: str,
    match_pattern: str,
    start_date=None,
    unit: str | None = None,
    tokenizer_id: str | None = None,
    tokenizer_config=None,
    input_price=None,
    output_price=None,
    total_price=None,
    pricing_tiers: list[dict] | None = None,
) -> ModelDefinition:
    """Create a project model definition with its pricing tiers; the price table reloads after commit."""
    model_name = text_check(
        model_name.strip(), field="model_name", max_length=column_length(ModelDefinition, "model_name")
    )
    if not model_name:
        raise DomainError("must not be empty", field="model_name")
    text_check(match_pattern, field="match_pattern", max_length=column_length(ModelDefinition, "match_pattern"))
    _compile_pattern(match_pattern)
    if start_date is not None:
        start_date = timestamp_check(start_date, field="start_date")
    if unit is not None and unit not in ModelUsageUnit.values:
        raise DomainError(f"must be one of {ModelUsageUnit.values}, got {unit!r}", field="unit")
    if tokenizer_id is not None:
        text_check(tokenizer_id, field="tokenizer_id", max_length=column_length(ModelDefinition, "tokenizer_id"))
    json_depth_check(tokenizer_config, field="tokenizer_config")
    flat = {
        key: value
        for key, value in zip(FLAT_PRICES, (input_price, output_price, total_price), strict=True)
        if value is not None
    }
    tiers = _tiers(flat=flat, pricing_tiers=pricing_tiers)
    model = ModelDefinition.objects.create(
        project=project,
        model_name=model_name,
        match_pattern=match_pattern,
        start_date=start_date,
        unit=unit or "TOKENS",
        tokenizer_id=tokenizer_id,
        tokenizer_config=tokenizer_config,
    )
    PricingTier.objects.bulk_create(PricingTier(model=model, **tier) for tier in tiers)
    audit_record(
        action="model.created",
        object_type="ModelDefinition",
        object_id=model.id,
        project=project,
        after={"modelName": model.model_name, "matchPattern": match_pattern, "pricingTiers": len(tiers)},
    )
    transaction.on_commit(price_table_invalidate)
    return model


@transaction.atomic
def model_definition_delete(*, model: ModelDefinition) -> None:
    """Delete a project model definition; built-in ones are refused."""
    if model.is_managed:
        raise DomainError(
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
    transaction.on_commit(price_table_invalidate)
