"""Writes of browser feedback settings."""

from urllib.parse import urlsplit

from django.db import transaction

from aistrale.errors import DomainError
from aistrale.generation_tokens import token_bump
from aistrale.tenancy.services import audit_record
from feedback.models import FeedbackSettings
from feedback.selectors.feedback import origins_token_name

MAX_ORIGINS = 100
MAX_ORIGIN_LENGTH = 255


def origin_normalize(origin: str) -> str:
    """An origin as browsers send it in the Origin header (lower-case scheme and host, no path), or DomainError."""
    text = origin.strip()
    if len(text) > MAX_ORIGIN_LENGTH:
        raise DomainError(f"{text[:40]}... is longer than {MAX_ORIGIN_LENGTH} characters", field="allowed_origins")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise DomainError(
            f"{text!r} is not an origin: write scheme://host[:port], e.g. https://app.example.com",
            field="allowed_origins",
        )
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def feedback_settings_update(*, project, allowed_origins: list[str]) -> FeedbackSettings:
    """Set the origins whose pages may post feedback to this project (replacing the previous list)."""
    origins = list(dict.fromkeys(origin_normalize(origin) for origin in allowed_origins if origin.strip()))
    if len(origins) > MAX_ORIGINS:
        raise DomainError(f"at most {MAX_ORIGINS} origins per project", field="allowed_origins")
    with transaction.atomic():
        settings, _ = FeedbackSettings.objects.select_for_update().get_or_create(project=project)
        before = settings.origins
        settings.allowed_origins = "\n".join(origins)
        settings.save()
        audit_record(
            action="update",
            object_type="feedback_settings",
            object_id=str(project.pk),
            project=project,
            before={"allowed_origins": before},
            after={"allowed_origins": origins},
        )
        token_bump(origins_token_name(project.pk))
    return settings
