"""What observability lends the prompts playground (which may not import it): opening a run from a
generation of the trace explorer, and the price of a playground call."""

import json
from decimal import Decimal

from django.utils import timezone

from aistrale.tenancy.selectors import project_list_for_user
from observability.ingestion.costs import calculate_cost, price_table
from observability.models import Observation, ObservationType

PARAMETERS = ("temperature", "max_tokens", "top_p", "stop")


def _messages(value) -> list[dict]:
    """A generation's input as chat messages: its messages when it holds them, else one user message."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        system = [{"role": "system", "content": value["system"]}] if isinstance(value.get("system"), str) else []
        value = system + value["messages"]
    if isinstance(value, list) and value and all(isinstance(m, dict) and "role" in m for m in value):
        return [
            {
                "role": m["role"] if m["role"] in ("system", "user", "assistant") else "user",
                "content": m["content"] if isinstance(m.get("content"), str) else json.dumps(m.get("content")),
            }
            for m in value
        ]
    return [{"role": "user", "content": value if isinstance(value, str) else json.dumps(value)}]


def generation_for_playground(user, object_id) -> dict | None:
    """A generation (by its row key) the user may see, as the playground's starting point."""
    if not str(object_id).isdigit():
        return None
    observation = Observation.objects.filter(
        key=int(object_id), project__in=project_list_for_user(user), type=ObservationType.GENERATION
    ).first()
    if observation is None:
        return None
    parameters = observation.model_parameters if isinstance(observation.model_parameters, dict) else {}
    metadata = observation.metadata if isinstance(observation.metadata, dict) else {}
    gateway = metadata.get("gateway") if isinstance(metadata.get("gateway"), dict) else {}
    return {
        "project_id": observation.project_id,
        "messages": _messages(observation.input),
        "model": observation.model or "",
        "connection": gateway.get("connection") or metadata.get("connection") or "",
        "parameters": {key: parameters[key] for key in PARAMETERS if key in parameters},
        "title": f"generation {observation.name or observation.id}",
    }


def playground_price(project_id, model: str, usage: dict) -> Decimal | None:
    priced = calculate_cost(table=price_table(project_id), model_name=model, usage=usage, at=timezone.now())
    if priced is None or priced[1].get("total") is None:
        return None
    return Decimal(str(priced[1]["total"]))
