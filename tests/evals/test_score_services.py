"""Direct tests of the score service: Python-named arguments, rules as DomainError, the upsert."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from aistrale.errors import DomainError
from evals.models import Score, ScoreSource
from evals.services import score_build, score_upsert_many

pytestmark = pytest.mark.django_db


def test_build_types_the_value_and_converts_the_timestamp_to_utc(project):
    at = datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=-5)))
    score = score_build(project=project, name="ok", value=1, data_type="BOOLEAN", trace_id="t", timestamp=at)
    assert (score.value, score.string_value, score.environment) == (1.0, "True", "default")
    assert score.timestamp == datetime(2026, 3, 1, 17, tzinfo=UTC) and score.timestamp.tzinfo == UTC
    categorical = score_build(project=project, name="tone", value="calm", session_id="s", score_id="")
    assert (categorical.data_type, categorical.string_value, categorical.value) == ("CATEGORICAL", "calm", None)
    assert categorical.id, "an id is chosen when the client sends none"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"value": 2, "data_type": "BOOLEAN"}, "value"),
        ({"value": "x", "data_type": "NUMERIC"}, "value"),
        ({"value": 1e308 * 10}, "value"),
        ({"name": "   "}, "name"),
        ({"trace_id": None, "session_id": "s", "observation_id": "o"}, "observation_id"),
        ({"trace_id": ""}, "trace_id"),
        ({"source": ScoreSource.EVAL, "allowed_sources": (ScoreSource.API,)}, "source"),
        ({"timestamp": datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))}, "timestamp"),
    ],
)
def test_broken_rules_raise_domain_error_naming_the_field(project, arguments, field):
    with pytest.raises(DomainError) as raised:
        score_build(project=project, **{"name": "q", "value": 1, "trace_id": "t", **arguments})
    assert raised.value.field == field


def test_upsert_replaces_by_project_and_id(project):
    score_upsert_many(scores=[score_build(project=project, score_id="s", name="q", value=1, trace_id="t")])
    score_upsert_many(scores=[score_build(project=project, score_id="s", name="q", value=2, trace_id="t")])
    assert list(Score.objects.filter(project=project).values_list("id", "value")) == [("s", 2.0)]
