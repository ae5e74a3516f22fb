from aistrale.llm.models import LlmAdapter
from observability.gateway.services import gateway_route_save
from tests.llm.factories import make_connection


def connection_to(project, provider, *, adapter=LlmAdapter.OPENAI, name=None):
    """A connection of `project` to this fake provider, named `name`."""
    return make_connection(
        project, provider, adapter=adapter, provider=name or f"fake-{adapter}-{provider.base_url[-5:]}"
    )


def make_route(project, alias, *targets, split_seed=0):
    """A route; each target is (connection, model) or (connection, model, weight)."""
    rows = [
        {"connection": target[0], "model": target[1], "position": index, "weight": target[2] if len(target) > 2 else 0}
        for index, target in enumerate(targets)
    ]
    return gateway_route_save(route=None, project=project, alias=alias, split_seed=split_seed, targets=rows)
