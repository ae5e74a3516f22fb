"""Fixtures of the feedback tests: a trace with an observation and a session, a prompt version, a project
that allows the test origin, and a clock for the rate limit."""

import pytest

from feedback import rate_limit
from prompts.services import prompt_version_create
from tests.feedback.factories import ORIGIN, allow_origins
from tests.observability.factories import make_llm_trace


@pytest.fixture
def trace(project):
    return make_llm_trace(project, "t-1", name="support-chat", session_id="sess-1")


@pytest.fixture
def prompt_version(project):
    return prompt_version_create(project=project, name="greeting", content="Hello {{name}}")


@pytest.fixture
def public_key(key_pair):
    return key_pair[0]


@pytest.fixture
def allowed(project):
    """`project` lets pages of ORIGIN post feedback."""
    return allow_origins(project, ORIGIN)


class Clock:
    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The rate limit's clock, at the start of a window; tests move `clock.now` on."""
    fake = Clock(1_800_000_000.0)
    monkeypatch.setattr(rate_limit, "now", fake)
    return fake
