"""What higher apps lend the playground: where a run may be opened from, and what a call costs.

`register_playground_source(kind, loader)`: loader(user, object_id) -> dict with `messages`, and optionally
`model`, `connection` (its provider name), `parameters`; None when the user may not see that object.
`register_playground_pricer(pricer)`: pricer(project_id, model, usage_details) -> Decimal | None.
"""

from collections.abc import Callable
from decimal import Decimal

_sources: dict[str, Callable] = {}
_pricers: list[Callable] = []


def register_playground_source(kind: str, loader: Callable) -> None:
    _sources[kind] = loader


def playground_source(kind: str) -> Callable | None:
    return _sources.get(kind)


def register_playground_pricer(pricer: Callable) -> None:
    if pricer not in _pricers:
        _pricers.append(pricer)


def playground_cost(*, project_id, model: str, usage: dict) -> Decimal | None:
    for pricer in _pricers:
        cost = pricer(project_id, model, usage)
        if cost is not None:
            return cost
    return None
