"""The explorer's choice filters list the distinct values the user may see, sorted, by a skip scan."""

import pytest

from observability.admin.list_filters import distinct_values
from observability.models import Trace
from tests.observability.factories import make_observation, make_trace
from tests.observability.test_admin_explorer import CHANGELIST

pytestmark = pytest.mark.django_db


def choices(response, title: str) -> list[str]:
    assert response.status_code == 200
    spec = next(spec for spec in response.context["cl"].filter_specs if spec.title == title)
    return [value for value, _ in spec.lookup_choices]


def test_choices_are_the_members_distinct_values_sorted(member_client, project, other_project):
    for index, (environment, release) in enumerate(
        [("prod", "r2"), ("dev", None), ("prod", "r1"), ("staging", "r2"), ("dev", "r10")]
    ):
        make_trace(project, f"t{index}", environment=environment, release=release)
        make_observation(project, f"o{index}", f"t{index}", model=["gpt-4o", None, "claude-3"][index % 3])
    make_trace(other_project, "theirs", environment="secret", release="hidden")
    make_observation(other_project, "theirs-o", "theirs", model="secret-model")
    response = member_client.get(CHANGELIST)
    assert choices(response, "environment") == ["dev", "prod", "staging"]
    assert choices(response, "release") == ["r1", "r10", "r2"]
    assert choices(response, "model") == ["claude-3", "gpt-4o"]


def test_choices_stop_at_the_limit_and_survive_no_rows(project):
    for index, environment in enumerate(["c", "a", "d", "b", "a"]):
        make_trace(project, f"t{index}", environment=environment)
    rows = Trace.objects.filter(project=project)
    assert distinct_values(rows, "environment", limit=3) == ["a", "b", "c"]
    assert distinct_values(rows.filter(environment="zzz"), "environment", limit=3) == []
