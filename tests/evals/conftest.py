"""Fixtures of the evals tests beyond tests/conftest.py's projects and API clients: provider call records."""

import pytest
from django.test import override_settings

from aistrale.llm import sink


@pytest.fixture
def reported(monkeypatch):
    """The provider call records the sinks receive (only this test's sink)."""
    records = []
    monkeypatch.setattr(sink, "_sinks", [records.append])
    return records


@pytest.fixture
def fast_retries():
    with override_settings(LLM_MAX_RETRIES=2, LLM_TIMEOUT_SECONDS=5):
        yield
