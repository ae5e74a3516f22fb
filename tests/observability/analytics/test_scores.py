"""The score views evals registers, and the score counts it adds to the traces and observations views."""

import statistics

import pytest

from observability.analytics.query import metrics_query
from tests.evals.factories import make_score
from tests.observability.analytics.factories import RANGE, load, start, trace_name

pytestmark = pytest.mark.django_db

QUALITY = [0.1, 0.4, 0.35, 0.8, 0.9, 0.6, 0.2, 0.75, 0.5, 0.95]


@pytest.fixture
def scored(project, other_project):
    load(project)
    for index, value in enumerate(QUALITY):
        at = start(index)
        make_score(project, score_id=f"q{index}", name="quality", value=value, trace_id=f"t{index}", timestamp=at)
        make_score(
            project,
            score_id=f"h{index}",
            name="helpful",
            value=1 if index % 3 else 0,
            data_type="BOOLEAN",
            trace_id=f"t{index}",
            observation_id=f"t{index}-gen",
            timestamp=at,
        )
        label = "good" if value >= 0.5 else "bad"
        make_score(
            project,
            score_id=f"c{index}",
            name="verdict",
            value=label,
            data_type="CATEGORICAL",
            trace_id=f"t{index}",
            timestamp=at,
        )
    make_score(other_project, score_id="x", name="quality", value=100.0, trace_id="t0", timestamp=start(0))


def query(view, metrics, **parts):
    return {**RANGE, "view": view, "metrics": metrics, **parts}


def test_numeric_scores_average_and_percentile_per_trace_name(project, scored):
    metrics = [{"measure": "value", "aggregation": "avg"}, {"measure": "value", "aggregation": "p90"}]
    name = [{"column": "name", "type": "string", "operator": "=", "value": "quality"}]
    rows = metrics_query(
        project=project, query=query("scores-numeric", metrics, dimensions=[{"field": "traceName"}], filters=name)
    )
    for row in rows:
        values = [value for index, value in enumerate(QUALITY) if trace_name(index) == row["traceName"]]
        assert row["value_avg"] == pytest.approx(statistics.mean(values))
        assert row["value_p90"] == pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[8])
    assert {row["traceName"] for row in rows} == {"chat", "search"}


def test_numeric_view_holds_boolean_scores_and_the_boolean_view_gives_the_true_rate(project, scored):
    count = [{"measure": "count", "aggregation": "count"}]
    rows = metrics_query(project=project, query=query("scores-numeric", count, dimensions=[{"field": "dataType"}]))
    assert {row["dataType"]: row["count_count"] for row in rows} == {"BOOLEAN": 10, "NUMERIC": 10}
    (row,) = metrics_query(project=project, query=query("scores-boolean", [{"measure": "value", "aggregation": "avg"}]))
    assert row["value_avg"] == pytest.approx(sum(1 for index in range(10) if index % 3 != 0) / 10)
    rows = metrics_query(project=project, query=query("scores-boolean", count, dimensions=[{"field": "booleanValue"}]))
    assert {row["booleanValue"]: row["count_count"] for row in rows} == {True: 6, False: 4}


def test_categorical_scores_count_per_value_and_day(project, scored):
    count = [{"measure": "count", "aggregation": "count"}]
    parts = {"dimensions": [{"field": "stringValue"}], "timeDimension": {"granularity": "day"}}
    rows = metrics_query(project=project, query=query("scores-categorical", count, **parts))
    expected = {}
    for index, value in enumerate(QUALITY):
        key = ("good" if value >= 0.5 else "bad", start(index).strftime("%Y-%m-%dT00:00:00.000Z"))
        expected[key] = expected.get(key, 0) + 1
    assert {(row["stringValue"], row["time_dimension"]): row["count_count"] for row in rows} == expected


def test_score_counts_on_traces_and_observations(project, scored):
    (row,) = metrics_query(project=project, query=query("traces", [{"measure": "scoresCount", "aggregation": "sum"}]))
    assert row["scoresCount_sum"] == 30
    metrics = [{"measure": "countScores", "aggregation": "sum"}]
    rows = metrics_query(project=project, query=query("observations", metrics, dimensions=[{"field": "type"}]))
    assert {row["type"]: row["countScores_sum"] for row in rows} == {"GENERATION": 10, "SPAN": 0}


def test_score_filters_reach_the_trace(project, scored):
    metrics = [{"measure": "count", "aggregation": "count"}]
    filters = [{"column": "userId", "type": "string", "operator": "=", "value": "user-0"}]
    (row,) = metrics_query(project=project, query=query("scores-categorical", metrics, filters=filters))
    assert row["count_count"] == sum(1 for index in range(10) if index % 3 == 0)
