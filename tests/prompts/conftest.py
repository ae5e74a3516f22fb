"""Fixtures of the prompts tests."""

import pytest

from prompts.models import Prompt
from prompts.services import prompt_version_create


@pytest.fixture
def greeting(project):
    """The prompt support/greeting with v1 (production) and v2 (staging)."""
    prompt_version_create(
        project=project,
        name="support/greeting",
        content="Hello {{name}}, how can I help?",
        config={"model": "gpt-4o", "temperature": 0.1},
        labels=["production"],
        tags=["support"],
        commit_message="first draft",
    )
    prompt_version_create(
        project=project,
        name="support/greeting",
        content="Hi {{name}}! How may I help today?",
        config={"model": "gpt-4o", "temperature": 0.7},
        labels=["staging"],
        commit_message="friendlier",
    )
    return Prompt.objects.get(project=project, name="support/greeting")
