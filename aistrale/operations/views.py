"""The operations `/metrics` endpoint: Prometheus text, for a bearer token or an allowed client network.

AISTRALE_METRICS_TOKEN: scrapers send `Authorization: Bearer <token>`. AISTRALE_METRICS_ALLOWED_NETWORKS:
CIDRs (`10.0.0.0/8,127.0.0.1/32`) whose clients need no token. A wrong or missing token answers 401 when a
token is configured; a client outside the networks answers 403, and so does every client when neither is set.
"""

import hmac
import ipaddress
import os
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from aistrale.operations.metrics import QueueDepthCollector
from aistrale.tasks import broker

QUEUE_DEPTH = QueueDepthCollector(broker)
REGISTRY.register(QUEUE_DEPTH)


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)
    except ValueError as error:
        raise ImproperlyConfigured(f"AISTRALE_METRICS_ALLOWED_NETWORKS: {error}") from None


def _in_networks(address: str) -> bool:
    networks = _networks(tuple(settings.AISTRALE_METRICS_ALLOWED_NETWORKS))
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in networks)


def metrics_refusal(request) -> HttpResponse | None:
    """The 401/403 answer for a request that may not read the metrics, or None."""
    token = settings.AISTRALE_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return None
    if _in_networks(request.META.get("REMOTE_ADDR", "")):
        return None
    if token:
        message = "a wrong bearer token" if header else "no bearer token"
        response = JsonResponse({"message": f"/metrics needs AISTRALE_METRICS_TOKEN: the request sent {message}"})
        response.status_code = 401
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if settings.AISTRALE_METRICS_ALLOWED_NETWORKS:
        message = f"client {request.META.get('REMOTE_ADDR')} is not in AISTRALE_METRICS_ALLOWED_NETWORKS"
    else:
        message = "/metrics is off: set AISTRALE_METRICS_TOKEN or AISTRALE_METRICS_ALLOWED_NETWORKS"
    return JsonResponse({"message": message}, status=403)


def _registry():
    """This process's registry, or with PROMETHEUS_MULTIPROC_DIR every process's values merged."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(QUEUE_DEPTH)
    return registry


@require_GET
def metrics_view(request):
    refusal = metrics_refusal(request)
    if refusal is not None:
        return refusal
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
