"""A project's gateway configuration (routes with their targets and connections, key limits), memoized per
process under a generation token, so the hot path of a call reads no rows while nothing changed.

Every write of a route, a key limit or an LLM connection of the project bumps the token
(`gateway_config_bump`); the next request of any worker then loads the configuration again. As with the
API-key memo, the token is read before the rows are loaded, so a write racing a load retires it.
"""

from dataclasses import dataclass

from aistrale.generation_tokens import token_bump, token_current, tokens_read, tokens_shared
from observability.models import GatewayKeyLimit, GatewayRoute, GatewayTarget

MAX_MEMOIZED_PROJECTS = 10_000


@dataclass(frozen=True)
class GatewayConfig:
    token: bytes | None
    routes: dict[str, GatewayRoute]
    limits: dict[str, GatewayKeyLimit]


_memo: dict[str, GatewayConfig] = {}


def _token_name(project_id) -> str:
    return f"gateway-config:{project_id}"


def gateway_config_bump(*, project_id) -> None:
    """Retire every worker's memo of this project's gateway configuration."""
    token_bump(_token_name(project_id))


def _load(project_id, token: bytes | None) -> GatewayConfig:
    routes = {route.alias: route for route in GatewayRoute.objects.filter(project_id=project_id)}
    for route in routes.values():
        route.ordered = []
    targets = GatewayTarget.objects.filter(route__project_id=project_id).select_related("connection")
    by_pk = {route.pk: route for route in routes.values()}
    for target in targets.order_by("position", "pk"):
        by_pk[target.route_id].ordered.append(target)
    limits = GatewayKeyLimit.objects.filter(project_id=project_id).select_related("api_key")
    return GatewayConfig(token, routes, {limit.api_key.public_key: limit for limit in limits})


def gateway_config_get(*, project_id) -> GatewayConfig:
    """The project's routes (by alias, targets in `route.ordered`) and key limits (by public key)."""
    name = _token_name(project_id)
    [read] = tokens_read([name])
    known = _memo.get(project_id)
    if known is not None and read is not None and read == known.token:
        return known
    token = token_current(name, read) if tokens_shared() else read
    config = _load(project_id, token)
    if len(_memo) >= MAX_MEMOIZED_PROJECTS:
        _memo.clear()
    _memo[project_id] = config
    return config
