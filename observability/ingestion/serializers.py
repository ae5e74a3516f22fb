"""The public API shape of a model definition."""

from observability.models import ModelDefinition


def model_public(model: ModelDefinition) -> dict:
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
