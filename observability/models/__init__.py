from observability.models.dashboards import Dashboard
from observability.models.gateway import GatewayKeyLimit, GatewayRoute, GatewayTarget
from observability.models.media import Media, MediaLink
from observability.models.pricing import ModelDefinition, ModelUsageUnit, PricingTier
from observability.models.traces import Observation, ObservationLevel, ObservationType, Session, Trace, seconds_between

__all__ = [
    "Dashboard",
    "GatewayKeyLimit",
    "GatewayRoute",
    "GatewayTarget",
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
