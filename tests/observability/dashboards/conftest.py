"""Fixtures of the dashboard tests: the fixed dataset in `project`, a different row in `other_project`."""

import pytest

from tests.observability.analytics.factories import start
from tests.observability.dashboards.factories import load_dashboard_data
from tests.observability.factories import make_trace


@pytest.fixture
def data(project, other_project):
    load_dashboard_data(project)
    make_trace(other_project, "t0", at=start(0), name="chat", environment="production", release="r1")
    return project
