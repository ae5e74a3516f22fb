"""Fixtures of the feedback tests: a trace with an observation and a session, and a prompt version, in `project`."""

import pytest

from prompts.services import prompt_version_create
from tests.observability.factories import make_llm_trace


@pytest.fixture
def trace(project):
    return make_llm_trace(project, "t-1", name="support-chat", session_id="sess-1")


@pytest.fixture
def prompt_version(project):
    return prompt_version_create(project=project, name="greeting", content="Hello {{name}}")
