"""What higher apps let a user do with a playground run: `register_playground_action(name, label, handler)`.

handler(*, user, project, data) -> dict answers a POST to the action's URL (`playground/action/<name>/`);
`data` is the request's JSON (the run's `messages`, `variables`, `variant`, `output`, `traceId` and the action's
own fields); a DomainError is refused naming its field.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlaygroundAction:
    name: str
    label: str
    handler: Callable


_actions: dict[str, PlaygroundAction] = {}


def register_playground_action(name: str, label: str, handler: Callable) -> None:
    _actions[name] = PlaygroundAction(name, label, handler)


def playground_action(name: str) -> PlaygroundAction | None:
    return _actions.get(name)


def playground_actions() -> list[PlaygroundAction]:
    return list(_actions.values())
