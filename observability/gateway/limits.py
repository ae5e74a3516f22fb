"""Per-key gateway limits: requests per minute (a counter per key and UTC minute) and spend per UTC day.

Counters live in the cache (Redis in production, shared by every worker). The day's spend starts from the
stored generations of that key when the cache does not hold it yet, so a restart forgets nothing.
"""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Sum

from observability.gateway.config import gateway_config_get
from observability.gateway.shapes import GatewayError
from observability.models import GatewayKeyLimit, Observation

MICROS = Decimal(1_000_000)


def limit_get(*, project_id, public_key: str) -> GatewayKeyLimit | None:
    return gateway_config_get(project_id=project_id).limits.get(public_key)


def _spend_key(public_key: str, day) -> str:
    return f"gateway:spend:{public_key}:{day.isoformat()}"


def spend_today(*, project_id, public_key: str, now: datetime) -> Decimal:
    """USD spent through the gateway with this key since UTC midnight."""
    day = now.astimezone(UTC).date()
    cached = cache.get(_spend_key(public_key, day))
    if cached is not None:
        return Decimal(cached) / MICROS
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    stored = Observation.objects.filter(
        project_id=project_id, start_time__gte=midnight, metadata__gateway__apiKey=public_key
    ).aggregate(total=Sum("total_cost"))["total"] or Decimal(0)
    cache.add(_spend_key(public_key, day), int(stored * MICROS), timeout=2 * 86400)
    return Decimal(cache.get(_spend_key(public_key, day), int(stored * MICROS))) / MICROS


def spend_add(*, public_key: str, cost: Decimal | None, now: datetime) -> None:
    """Count a call's cost into today's spend (when today's spend is being tracked)."""
    if not cost:
        return
    try:
        cache.incr(_spend_key(public_key, now.astimezone(UTC).date()), int(Decimal(cost) * MICROS))
    except ValueError:
        return


def limits_check(*, limit: GatewayKeyLimit | None, project_id, public_key: str, now: datetime) -> None:
    """Count this request; GatewayError 429 with Retry-After when the key is over one of its limits."""
    if limit is None:
        return
    now = now.astimezone(UTC)
    if limit.requests_per_minute:
        minute = now.replace(second=0, microsecond=0)
        key = f"gateway:rpm:{public_key}:{minute.isoformat()}"
        cache.add(key, 0, timeout=120)
        if cache.incr(key) > limit.requests_per_minute:
            retry = math.ceil((minute + timedelta(minutes=1) - now).total_seconds())
            raise GatewayError(
                429,
                f"Rate limit reached: {limit.requests_per_minute} requests per minute for this key",
                headers={"Retry-After": str(max(retry, 1))},
            )
    if limit.spend_per_day is not None:
        spent = spend_today(project_id=project_id, public_key=public_key, now=now)
        if spent >= limit.spend_per_day:
            tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            raise GatewayError(
                429,
                f"Spend limit reached: ${spent:.4f} of ${limit.spend_per_day} today (UTC) for this key",
                headers={"Retry-After": str(math.ceil((tomorrow - now).total_seconds()))},
            )
