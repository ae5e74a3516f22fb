"""Run comparison: outputs, scores, latency and cost per item and run, aggregates, paired differences."""

from datetime import timedelta
from decimal import Decimal

import pytest

from aistrale.errors import DomainError
from datasets.comparison import comparison_runs, run_comparison
from tests.datasets.io_rows import executed, make_dataset, make_item, make_run, make_two_runs
from tests.observability.factories import T0
from tests.query_counts import assert_queries_constant

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs(project):
    return make_two_runs(project)


def test_rows_side_by_side(runs):
    dataset, a, b = runs
    comparison = run_comparison(dataset=dataset, runs=[a, b])
    assert [row.item_id for row in comparison.rows] == ["i1", "i2", "i3", "i4"]
    first = comparison.rows[0]
    assert (first.input, first.expected_output) == ("q1", "e1")
    baseline, candidate = first.cells
    assert baseline.output == {"answer": "a-0"} and candidate.output == {"answer": "b-0"}
    assert candidate.scores == {"acc": 1.0, "tone": 0.5, "verdict": "good"}
    assert (candidate.latency, candidate.cost) == (2.0, Decimal("0.02"))
    assert comparison.rows[1].cells[1].trace_id == "b1"
    on_observation = comparison.rows[2].cells[1]
    assert (on_observation.output, on_observation.observation_id, on_observation.cost) == ("b-2", "b2-gen", None)
    assert comparison.rows[3].cells[0] is None
    assert comparison.score_names == ["acc", "tone", "verdict"]


def test_run_aggregates(runs):
    dataset, a, b = runs
    baseline, candidate = run_comparison(dataset=dataset, runs=[a, b]).summaries
    assert (baseline.items, baseline.scores["acc"], baseline.mean_latency) == (3, 0.0, 1.0)
    assert baseline.total_cost == Decimal("0.03")
    assert (candidate.items, candidate.scores, candidate.total_cost) == (4, {"acc": 1.0, "tone": 0.5}, Decimal("0.06"))
    assert candidate.run_scores == {"accuracy": 0.75}


def test_differences_pair_the_items_both_runs_scored(runs):
    dataset, a, b = runs
    differences = {
        (d.name, d.candidate.name): d.interval for d in run_comparison(dataset=dataset, runs=[a, b]).differences
    }
    accuracy = differences[("acc", "b")]
    assert (accuracy.difference, accuracy.low, accuracy.high, accuracy.items) == (1.0, 1.0, 1.0, 3)
    assert accuracy.significant
    assert differences[("tone", "b")] is None


def test_the_first_run_given_is_the_baseline(runs):
    dataset, a, b = runs
    comparison = run_comparison(dataset=dataset, runs=[b, a])
    assert comparison.differences[0].interval.difference == -1.0


def test_runs_are_picked_from_the_dataset(runs, project):
    dataset, a, b = runs
    other = make_run(make_dataset(project, "other"), "x")
    assert comparison_runs(dataset=dataset, run_keys=[b.key, a.key]) == [a, b]
    with pytest.raises(DomainError, match="at least two runs"):
        comparison_runs(dataset=dataset, run_keys=[a.key, a.key])
    with pytest.raises(DomainError, match=f"no run {other.key} in dataset 'qa'"):
        comparison_runs(dataset=dataset, run_keys=[a.key, other.key])


def test_a_fixed_number_of_queries(project):
    dataset = make_dataset(project, "big")
    a, b = make_run(dataset, "a"), make_run(dataset, "b")

    def make_rows(count):
        start = dataset.items.count()
        for n in range(start, start + count):
            item = make_item(dataset, f"item{n}", input=n, expected_output=n, at=T0 + timedelta(seconds=n))
            for run in (a, b):
                executed(project, run, item, f"{run.name}{n}", answer=n, seconds=1, cost=None, scores={"acc": n % 2})

    class Done:
        status_code = 200

    def compare():
        run_comparison(dataset=dataset, runs=[a, b])
        return Done()

    assert assert_queries_constant(compare, make_rows) <= 8
