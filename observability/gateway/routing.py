"""A model alias's targets in attempt order: the first drawn by weight (the route's seeded split), then
the others by position for failover."""

import random
import threading
from dataclasses import dataclass

from observability.gateway.config import gateway_config_get
from observability.gateway.shapes import GatewayError, Shape
from observability.models import GatewayRoute, GatewayTarget


@dataclass(frozen=True)
class Plan:
    route: GatewayRoute
    targets: list[GatewayTarget]


_draws: dict[tuple, random.Random] = {}
_lock = threading.Lock()


def split_draw(*, route: GatewayRoute) -> float:
    """The next number in [0, 1) of this route's seeded generator (one per process, per route state)."""
    key = (route.pk, route.split_seed, route.updated_at)
    with _lock:
        generator = _draws.get(key)
        if generator is None:
            generator = _draws[key] = random.Random(route.split_seed)
        return generator.random()


def attempt_order(*, targets: list[GatewayTarget], draw: float) -> list[GatewayTarget]:
    """The weighted pick for `draw` first, then the remaining targets by position."""
    weighted = [target for target in targets if target.weight > 0]
    if not weighted:
        return list(targets)
    point, first = draw * sum(target.weight for target in weighted), weighted[-1]
    for target in weighted:
        if point < target.weight:
            first = target
            break
        point -= target.weight
    return [first, *[target for target in targets if target is not first]]


def plan_for(*, project_id, alias: str, shape: Shape) -> Plan:
    """The targets to try for `alias`; GatewayError 404 for an unknown alias, 400 for one of the other shape."""
    route = gateway_config_get(project_id=project_id).routes.get(alias)
    if route is None or not route.ordered:
        known = "" if route is None else " has no targets"
        raise GatewayError(
            404,
            f"The model {alias!r} does not exist{known}: no gateway route of this project has that alias",
            param="model",
        )
    usable = [target for target in route.ordered if target.connection.adapter in shape.adapters]
    if not usable:
        raise GatewayError(
            400,
            f"The model {alias!r} routes to connections that do not speak the {shape.name} API",
            param="model",
        )
    return Plan(route=route, targets=attempt_order(targets=usable, draw=split_draw(route=route)))
