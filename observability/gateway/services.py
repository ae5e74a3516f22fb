"""Writes of gateway routes and key limits, with their rules and audit events."""

from decimal import Decimal

from django.db import transaction

from aistrale.errors import DomainError
from aistrale.llm.models import LlmConnection
from aistrale.tenancy.models import ApiKey, Project
from aistrale.tenancy.services import audit_record
from observability.gateway.config import gateway_config_bump
from observability.gateway.shapes import ANTHROPIC, OPENAI
from observability.models import GatewayKeyLimit, GatewayRoute, GatewayTarget

GATEWAY_ADAPTERS = (*OPENAI.adapters, *ANTHROPIC.adapters)


def _state(route: GatewayRoute) -> dict:
    return {
        "alias": route.alias,
        "splitSeed": route.split_seed,
        "targets": [
            {"connection": t.connection.provider, "model": t.model, "position": t.position, "weight": t.weight}
            for t in route.targets.select_related("connection").order_by("position", "pk")
        ],
    }


def gateway_targets_check(*, project: Project, targets: list[dict]) -> None:
    """Targets are connections of the route's project that the gateway speaks, all of one API shape."""
    if not targets:
        raise DomainError("a route needs at least one target", field="targets")
    shapes = set()
    for index, target in enumerate(targets):
        connection: LlmConnection = target["connection"]
        if connection.project_id != project.pk:
            raise DomainError("is a connection of another project", field=f"targets.{index}.connection")
        if connection.adapter not in GATEWAY_ADAPTERS:
            supported = ", ".join(GATEWAY_ADAPTERS)
            message = f"uses the {connection.adapter} adapter; the gateway forwards to: {supported}"
            raise DomainError(message, field=f"targets.{index}.connection")
        if not str(target.get("model") or "").strip():
            raise DomainError("needs the provider's model name", field=f"targets.{index}.model")
        shapes.add(connection.adapter in ANTHROPIC.adapters)
    if len(shapes) > 1:
        raise DomainError("mixes OpenAI and Anthropic connections: a route serves one API shape", field="targets")


@transaction.atomic
def gateway_route_save(
    *,
    route: GatewayRoute | None,
    project: Project,
    alias: str,
    description: str = "",
    split_seed: int = 0,
    targets: list[dict],
) -> GatewayRoute:
    """Create (route None) or update a route and replace its targets."""
    alias = alias.strip()
    if not alias:
        raise DomainError("is required", field="alias")
    clash = GatewayRoute.objects.filter(project=project, alias=alias)
    if route is not None:
        clash = clash.exclude(pk=route.pk)
    if clash.exists():
        raise DomainError(f"{alias!r} is already a route of this project", field="alias", status=409)
    gateway_targets_check(project=project, targets=targets)
    before = None if route is None else _state(route)
    if route is None:
        route = GatewayRoute(project=project)
    route.alias, route.description, route.split_seed = alias, description, split_seed
    route.save()
    route.targets.all().delete()
    GatewayTarget.objects.bulk_create(
        GatewayTarget(
            route=route,
            connection=target["connection"],
            model=target["model"].strip(),
            position=target.get("position", index),
            weight=target.get("weight", 0),
        )
        for index, target in enumerate(targets)
    )
    gateway_config_bump(project_id=project.pk)
    audit_record(
        action="gateway_route.created" if before is None else "gateway_route.updated",
        object_type="GatewayRoute",
        object_id=route.pk,
        project=project,
        before=before,
        after=_state(route),
    )
    return route


@transaction.atomic
def gateway_route_delete(*, route: GatewayRoute) -> None:
    before, before_project = _state(route), route.project_id
    audit_record(
        action="gateway_route.deleted",
        object_type="GatewayRoute",
        object_id=route.pk,
        project=route.project,
        before=before,
    )
    route.delete()
    gateway_config_bump(project_id=before_project)


@transaction.atomic
def gateway_key_limit_set(
    *, api_key: ApiKey, requests_per_minute: int | None, spend_per_day: Decimal | None
) -> GatewayKeyLimit:
    """Set a key's gateway limits (None: no limit of that kind)."""
    if requests_per_minute is not None and requests_per_minute < 1:
        raise DomainError("must be at least 1 (or empty for no limit)", field="requests_per_minute")
    if spend_per_day is not None and spend_per_day < 0:
        raise DomainError("must be at least 0 (or empty for no limit)", field="spend_per_day")
    limit, _ = GatewayKeyLimit.objects.update_or_create(
        api_key=api_key,
        defaults={
            "project_id": api_key.project_id,
            "requests_per_minute": requests_per_minute,
            "spend_per_day": spend_per_day,
        },
    )
    gateway_config_bump(project_id=api_key.project_id)
    audit_record(
        action="gateway_key_limit.set",
        object_type="GatewayKeyLimit",
        object_id=limit.pk,
        project=api_key.project,
        after={
            "publicKey": api_key.public_key,
            "requestsPerMinute": requests_per_minute,
            "spendPerDay": None if spend_per_day is None else str(spend_per_day),
        },
    )
    return limit
