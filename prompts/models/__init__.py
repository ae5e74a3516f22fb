from prompts.models.prompts import (
    COMMIT_MESSAGE_MAX_LENGTH,
    LABEL_MAX_LENGTH,
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
    "COMMIT_MESSAGE_MAX_LENGTH",
    "LABEL_MAX_LENGTH",
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
