from observability.models.media import Media, MediaLink
from observability.models.pricing import ModelDefinition, ModelUsageUnit, PricingTier
from observability.models.traces import Observation, ObservationLevel, ObservationType, Session, Trace, seconds_between

__all__ = [
    "Media",
    "MediaLink",
    "ModelDefinition",
    "ModelUsageUnit",
    "Observation",
    "ObservationLevel",
    "ObservationType",
    "PricingTier",
    "Session",
    "Trace",
    "seconds_between",
]
