from observability.models.alerts import (
    AlertChannel,
    AlertDirection,
    AlertEvent,
    AlertNotification,
    AlertRule,
    AlertState,
    ChannelKind,
    NoDataPolicy,
)
from observability.models.dashboards import Dashboard, DashboardWidget
from observability.models.gateway import GatewayKeyLimit, GatewayRoute, GatewayTarget
from observability.models.media import Media, MediaLink
from observability.models.pricing import ModelDefinition, ModelUsageUnit, PricingTier
from observability.models.rollups import (
    ObservationHour,
    RollupDirtyHour,
    TraceHour,
    TraceModelTotals,
    TraceTotals,
)
from observability.models.traces import (
    Observation,
    ObservationLevel,
    ObservationType,
    Session,
    Trace,
    TraceTag,
    seconds_between,
)

__all__ = [
    "AlertChannel",
    "AlertDirection",
    "AlertEvent",
    "AlertNotification",
    "AlertRule",
    "AlertState",
    "ChannelKind",
    "NoDataPolicy",
    "Dashboard",
    "DashboardWidget",
    "GatewayKeyLimit",
    "GatewayRoute",
    "GatewayTarget",
    "Media",
    "MediaLink",
    "ModelDefinition",
    "ModelUsageUnit",
    "Observation",
    "ObservationHour",
    "ObservationLevel",
    "ObservationType",
    "PricingTier",
    "RollupDirtyHour",
    "Session",
    "Trace",
    "TraceTag",
    "TraceHour",
    "TraceModelTotals",
    "TraceTotals",
    "seconds_between",
]
