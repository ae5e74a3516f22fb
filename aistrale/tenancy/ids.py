"""Identifier helpers shared by every app."""

import uuid


def new_id() -> str:
    return uuid.uuid4().hex
