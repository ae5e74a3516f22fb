"""Hooks through which higher apps react to LLM connection changes without aistrale importing upward.

- connection deletion handlers: `register_connection_deletion_handler(handler)`; handler(connection=...) runs in
  the transaction that deletes the connection, before the row goes (evaluation rules pause on it).
"""

from collections.abc import Callable

ConnectionDeletionHandler = Callable[..., object]

_deletion_handlers: list[ConnectionDeletionHandler] = []


def register_connection_deletion_handler(handler: ConnectionDeletionHandler) -> None:
    if handler not in _deletion_handlers:
        _deletion_handlers.append(handler)


def connection_deletion_handlers() -> list[ConnectionDeletionHandler]:
    return list(_deletion_handlers)
