"""Webhook endpoints and deliveries: create, sign, attempt, redeliver.

A delivery POSTs the JSON body {"id", "event", "createdAt", "projectId", "data"} with the headers
`X-Aistrale-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the endpoint secret>`,
`X-Aistrale-Timestamp` (Unix seconds of the attempt), `X-Aistrale-Event` and `X-Aistrale-Delivery`
(the delivery id, the same on every retry: receivers deduplicate on it). Any 2xx answer is a success.

Settings (optional): AISTRALE_WEBHOOK_MAX_ATTEMPTS (8), AISTRALE_WEBHOOK_MIN_BACKOFF_MS (10 s),
AISTRALE_WEBHOOK_MAX_BACKOFF_MS (1 h), AISTRALE_WEBHOOK_TIMEOUT_SECONDS (10), AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS
(False: URLs resolving to loopback, private or link-local addresses are refused).
"""

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from aistrale import json_text
from aistrale.errors import DomainError
from aistrale.tenancy.models import MANAGING_ROLES
from aistrale.tenancy.selectors import project_list_for_user
from aistrale.tenancy.services import audit_record
from prompts.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

SIGNATURE_HEADER = "X-Aistrale-Signature"
TIMESTAMP_HEADER = "X-Aistrale-Timestamp"
EVENT_HEADER = "X-Aistrale-Event"
DELIVERY_HEADER = "X-Aistrale-Delivery"
USER_AGENT = f"AISTRALE-Webhooks/{settings.VERSION}"
RESPONSE_EXCERPT_BYTES = 2000
SECRET_PREFIX = "whsec_"
SECRET_MIN_LENGTH = 16
FINISHED = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)


def webhook_setting(name: str):
    defaults = {
        "MAX_ATTEMPTS": 8,
        "MIN_BACKOFF_MS": 10_000,
        "MAX_BACKOFF_MS": 3_600_000,
        "TIMEOUT_SECONDS": 10,
        "ALLOW_PRIVATE_URLS": False,
    }
    return getattr(settings, f"AISTRALE_WEBHOOK_{name}", defaults[name])


def webhook_url_validate(url: str, *, field: str = "url") -> str:
    """The URL if it is an absolute http(s) one; DomainError naming `field` otherwise."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(f"must be an absolute http(s) URL, got {url!r}", field=field)
    return url


def webhook_endpoint_validate(*, url: str, events) -> list[str]:
    """The events as a sorted list of known values; DomainError naming the field otherwise."""
    webhook_url_validate(url)
    if not isinstance(events, (list, tuple)) or not events:
        raise DomainError(f"must be a non-empty list of: {', '.join(WebhookEvent.values)}", field="events")
    unknown = sorted({str(event) for event in events} - set(WebhookEvent.values))
    if unknown:
        raise DomainError(f"unknown events {unknown}; known: {', '.join(WebhookEvent.values)}", field="events")
    return sorted(set(events))


def webhook_secret_validate(secret: str | None) -> str:
    """The given signing secret, or a new random one; DomainError when it is too short to be safe."""
    if secret is None or secret == "":
        return SECRET_PREFIX + secrets.token_urlsafe(32)
    if not isinstance(secret, str) or len(secret) < SECRET_MIN_LENGTH:
        raise DomainError(f"must hold at least {SECRET_MIN_LENGTH} characters", field="secret")
    return secret


def _endpoint_state(endpoint: WebhookEndpoint) -> dict:
    return {
        "url": endpoint.url,
        "events": endpoint.events,
        "active": endpoint.active,
        "description": endpoint.description,
    }


@transaction.atomic
def webhook_endpoint_create(
    *, project, url: str, events, description: str = "", active: bool = True, secret: str | None = None
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; returns it with its plain signing secret (generated unless given)."""
    events = webhook_endpoint_validate(url=url, events=events)
    secret = webhook_secret_validate(secret)
    endpoint = WebhookEndpoint.objects.create(
        project=project, url=url, events=events, description=description, active=active, secret=secret
    )
    audit_record(
        action="webhook_endpoint.created",
        object_type="WebhookEndpoint",
        object_id=endpoint.pk,
        project=project,
        after=_endpoint_state(endpoint),
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, events, description: str, active: bool
) -> WebhookEndpoint:
    events = webhook_endpoint_validate(url=url, events=events)
    before = _endpoint_state(WebhookEndpoint.objects.get(pk=endpoint.pk))
    endpoint.url, endpoint.events, endpoint.description, endpoint.active = url, events, description, active
    endpoint.save(update_fields=["url", "events", "description", "active", "updated_at"])
    audit_record(
        action="webhook_endpoint.updated",
        object_type="WebhookEndpoint",
        object_id=endpoint.pk,
        project=endpoint.project,
        before=before,
        after=_endpoint_state(endpoint),
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, secret: str | None = None) -> str:
    """Replace the signing secret with the given one or a new random one; returns it (shown once)."""
    endpoint.secret = webhook_secret_validate(secret)
    endpoint.save(update_fields=["secret", "updated_at"])
    audit_record(
        action="webhook_endpoint.secret_rotated",
        object_type="WebhookEndpoint",
        object_id=endpoint.pk,
        project=endpoint.project,
    )
    return endpoint.secret


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    audit_record(
        action="webhook_endpoint.deleted",
        object_type="WebhookEndpoint",
        object_id=endpoint.pk,
        project=endpoint.project,
        before=_endpoint_state(endpoint),
    )
    endpoint.delete()


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes POSTed for a delivery: identical on every retry of it."""
    return json_text.dumps(
        {
            "id": delivery.pk,
            "event": delivery.event,
            "createdAt": delivery.created_at.isoformat().replace("+00:00", "Z"),
            "projectId": delivery.project_id,
            "data": delivery.payload,
        }
    )


def webhook_signature(*, secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@transaction.atomic
def webhook_deliveries_create(*, project, event: str, payload: dict) -> list[WebhookDelivery]:
    """A pending delivery for each active endpoint of the project that subscribes to the event."""
    endpoints = WebhookEndpoint.objects.filter(project=project, active=True).defer("secret")
    deliveries = [
        WebhookDelivery(
            project=project,
            endpoint=endpoint,
            event=event,
            payload=payload,
            max_attempts=webhook_setting("MAX_ATTEMPTS"),
        )
        for endpoint in endpoints
        if event in endpoint.events
    ]
    return WebhookDelivery.objects.bulk_create(deliveries)


def webhook_deliveries_stalled(*, older_than: timedelta) -> QuerySet[WebhookDelivery]:
    """Pending deliveries never attempted within `older_than` of their creation: their job was lost."""
    return WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, attempts=0, created_at__lt=timezone.now() - older_than
    ).order_by("created_at")


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """A new pending delivery of the same event and payload to the same endpoint."""
    if not delivery.endpoint.active:
        raise DomainError(f"endpoint {delivery.endpoint.url} is inactive: activate it before redelivering", status=409)
    return WebhookDelivery.objects.create(
        project=delivery.project,
        endpoint=delivery.endpoint,
        event=delivery.event,
        payload=delivery.payload,
        max_attempts=webhook_setting("MAX_ATTEMPTS"),
        redelivery_of=delivery,
    )


@dataclass
class Redelivery:
    """What a redelivery request did: the new deliveries, those refused and why, those not the user's to resend."""

    queued: list[WebhookDelivery] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    not_managed: int = 0


def webhook_deliveries_redeliver(*, deliveries: QuerySet[WebhookDelivery], user) -> Redelivery:
    """Redeliver those of the deliveries whose project the user owns or administers and whose endpoint is active."""
    managed = project_list_for_user(user, roles=MANAGING_ROLES).values("pk")
    outcome = Redelivery(not_managed=deliveries.exclude(project__in=managed).count())
    for delivery in deliveries.filter(project__in=managed).select_related("endpoint", "project"):
        try:
            outcome.queued.append(webhook_redeliver(delivery=delivery))
        except DomainError as error:
            outcome.refused.append(error.message)
    return outcome


def webhook_signed_headers(*, secret: str, body: bytes, event: str, delivery_id: str) -> dict[str, str]:
    """The headers of a signed delivery (other apps' webhooks sign theirs with these too)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: webhook_signature(secret=secret, body=body),
        TIMESTAMP_HEADER: str(int(time.time())),
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
    }


def webhook_post(*, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """(status code, response excerpt, error) of one POST; the error is "" on a 2xx answer."""
    try:
        with requests.post(
            url,
            data=body,
            headers=headers,
            timeout=webhook_setting("TIMEOUT_SECONDS"),
            allow_redirects=False,
            stream=True,
        ) as response:
            excerpt = next(response.iter_content(RESPONSE_EXCERPT_BYTES), b"").decode("utf-8", "replace")
            error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code} {response.reason}"
            return response.status_code, excerpt, error
    except requests.RequestException as error:
        return None, "", f"{type(error).__name__}: {error}"


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    body = webhook_body(delivery)
    headers = webhook_signed_headers(secret=endpoint.secret, body=body, event=delivery.event, delivery_id=delivery.pk)
    return webhook_post(url=endpoint.url, body=body, headers=headers)


def webhook_url_refusal(url: str) -> str | None:
    """Why the URL is not called, or None. Unless AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS is on, only public addresses
    are: a project admin must not make the server POST into its own network (loopback, private, link-local ...)."""
    if webhook_setting("ALLOW_PRIVATE_URLS"):
        return None
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0].split("%")[0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        return None
    for address in sorted(addresses):
        if not ipaddress.ip_address(address).is_global:
            return (
                f"{host} resolves to the non-public address {address}; "
                "set AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS to deliver to private networks"
            )
    return None


def webhook_delivery_attempt(*, delivery_id: str) -> WebhookDelivery | None:
    """POST a delivery once and record the outcome; the status says whether another attempt is due."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in FINISHED:
        return delivery
    endpoint = delivery.endpoint
    refusal = webhook_url_refusal(endpoint.url) if endpoint.active else "endpoint was deactivated before this attempt"
    if refusal is None:
        delivery.response_code, delivery.response_body, delivery.error = _post(endpoint, delivery)
    else:
        delivery.response_code, delivery.response_body, delivery.error = None, "", refusal
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    if not delivery.error:
        delivery.status = DeliveryStatus.SUCCEEDED
    elif delivery.attempts >= delivery.max_attempts or refusal is not None:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.status = DeliveryStatus.RETRYING
    if delivery.status in FINISHED:
        delivery.completed_at = delivery.last_attempt_at
    delivery.save(
        update_fields=[
            "response_code",
            "response_body",
            "error",
            "attempts",
            "last_attempt_at",
            "status",
            "completed_at",
        ]
    )
    return delivery
