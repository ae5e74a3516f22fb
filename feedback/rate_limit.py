"""A fixed-window request limit per (public key, client address) in Django's cache.

The cache is Redis when REDIS_URL is set (one count across every worker and machine), local memory
otherwise (a count per process). `now` is the clock, replaceable in tests.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

now = time.time


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int


def rate_limit_hit(*, public_key: str, address: str | None) -> Verdict:
    """Count one request of this key from this address; refused once the window's limit is reached."""
    limit = settings.AISTRALE_FEEDBACK_RATE_LIMIT
    window = settings.AISTRALE_FEEDBACK_RATE_WINDOW_SECONDS
    moment = now()
    slot = int(moment // window)
    key = f"feedback-rate:{public_key}:{address or '-'}:{slot}"
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first request from here (or its key just expired)
        count = 1 if cache.add(key, 1, timeout=window + 1) else cache.incr(key)
    retry_after = max(1, math.ceil((slot + 1) * window - moment))
    return Verdict(allowed=count <= limit, retry_after=retry_after)
