"""Fixtures of the alert tests: local HTTP receivers of notifications."""

import pytest

from tests.receiver import receivers


@pytest.fixture
def receiver(settings):
    yield from receivers(settings)
