from prompts.models.prompts import (
    LATEST_LABEL,
    PRODUCTION_LABEL,
    Prompt,
    PromptLabel,
    PromptType,
    PromptVersion,
    ProtectedLabel,
    TemplateEngine,
)
from prompts.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "LATEST_LABEL",
    "PRODUCTION_LABEL",
    "DeliveryStatus",
    "Prompt",
    "PromptLabel",
    "PromptType",
    "PromptVersion",
    "ProtectedLabel",
    "TemplateEngine",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
