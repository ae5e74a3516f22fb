"""The alert metric feedback registers: the positive rate of browser feedback, filterable like scores."""

from datetime import timedelta

import pytest

from observability.alerts.evaluation import alert_rule_evaluate
from tests.feedback.factories import feedback_score
from tests.observability.alerts.factories import NOW, make_rule

pytestmark = pytest.mark.django_db


def test_positive_rate_of_rated_feedback(project, other_project):
    at = NOW - timedelta(minutes=5)
    for value in (1.0, 0.0, 0.0, 0.0):
        feedback_score(project, value=value, when=at)
    feedback_score(project, value=5.0, data_type="NUMERIC", when=at)
    feedback_score(other_project, value=1.0, when=at)
    rule = make_rule(
        project, metric="feedback_positive_rate", direction="below", warning_threshold=50, critical_threshold=20
    )
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "warning"
    assert rule.last_value == pytest.approx(40.0)
    only_numeric = make_rule(
        project,
        name="stars",
        metric="feedback_positive_rate",
        direction="below",
        warning_threshold=50,
        filter=[{"type": "stringOptions", "column": "dataType", "operator": "any of", "value": ["NUMERIC"]}],
    )
    assert alert_rule_evaluate(rule=only_numeric, now=NOW) is None
    assert only_numeric.last_value == pytest.approx(100.0)


def test_no_feedback_is_no_data(project):
    rule = make_rule(project, metric="feedback_positive_rate", direction="below", warning_threshold=50, no_data="alert")
    assert alert_rule_evaluate(rule=rule, now=NOW).state == "no_data"
    assert rule.last_value is None
