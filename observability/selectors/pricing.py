"""Model definitions and the prices observations were matched to."""

from django.db.models import F, Q, QuerySet

from observability.models import ModelDefinition


def model_definition_list(*, project) -> QuerySet[ModelDefinition]:
    """The project's own model definitions, then the built-in ones, tiers prefetched."""
    return (
        ModelDefinition.objects.filter(Q(project=project) | Q(project__isnull=True))
        .prefetch_related("pricing_tiers")
        .order_by(F("project_id").asc(nulls_last=True), "model_name", "id")
    )


def model_definition_get(*, project, model_id: str) -> ModelDefinition | None:
    """A model definition the project sees (its own or a built-in one), tiers prefetched."""
    return model_definition_list(project=project).filter(pk=model_id).first()


def pricing_tier_default_prices(*, observations) -> dict[str, dict]:
    """The default-tier prices (per usage type) of the price rows these observations were matched to."""
    from observability.models import PricingTier

    model_ids = {o.internal_model_id for o in observations if o.internal_model_id}
    if not model_ids:
        return {}
    tiers = PricingTier.objects.filter(model_id__in=model_ids, is_default=True).values_list("model_id", "prices")
    return {model_id: prices or {} for model_id, prices in tiers}
