"""Fixtures of the end-to-end tests: the real Langfuse SDK against the live server."""

import pytest
from langfuse import Langfuse


@pytest.fixture
def langfuse_for(live_server):
    """Makes Langfuse SDK clients (tracing off) for a key pair on the live server, shut down after the test."""
    clients = []

    def make(public_key: str, secret_key: str) -> Langfuse:
        client = Langfuse(public_key=public_key, secret_key=secret_key, base_url=live_server.url, tracing_enabled=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.shutdown()


@pytest.fixture
def langfuse(langfuse_for, key_pair):
    """The SDK client of `project`'s key pair."""
    return langfuse_for(*key_pair)
