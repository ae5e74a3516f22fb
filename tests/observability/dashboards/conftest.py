"""Fixtures of the dashboard tests: the fixed dataset in `project`, a different row in `other_project`."""

import pytest
from langfuse import Langfuse

from tests.observability.analytics.factories import start
from tests.observability.dashboards.factories import load_dashboard_data
from tests.observability.factories import make_trace


@pytest.fixture
def data(project, other_project):
    load_dashboard_data(project)
    make_trace(other_project, "t0", at=start(0), name="chat", environment="production", release="r1")
    return project


@pytest.fixture
def langfuse(live_server, key_pair):
    """The installed SDK's client on the live server, authenticated as `project`."""
    client = Langfuse(public_key=key_pair[0], secret_key=key_pair[1], base_url=live_server.url, tracing_enabled=False)
    yield client
    client.shutdown()
