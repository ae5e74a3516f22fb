"""Each chart's numbers against values computed here from the fixed dataset's own constants, unfiltered and
under every dashboard filter."""

import statistics
from collections import defaultdict
from datetime import date

import pytest

from aistrale.errors import DomainError
from observability.dashboards.charts import chart_get, chart_list, chart_points, chart_rows, dashboard_filters_check
from observability.dashboards.page import Range, filters_from_params
from tests.observability.dashboards.factories import (
    COSTS,
    DAYS,
    LATENCIES,
    QUALITY,
    THUMBS,
    day,
    model,
    prompt_version,
    release,
    tagged,
    tone,
    trace_name,
    user,
)

pytestmark = pytest.mark.django_db
ALL = range(10)
DAYS_RANGE = Range(date.fromisoformat(DAYS[0]), date.fromisoformat(DAYS[-1]))


def points(project, key: str, filters=()) -> dict:
    chart = chart_get(key)
    rows = chart_rows(chart, project=project, filters=list(filters), start=DAYS_RANGE.start, end=DAYS_RANGE.end)
    return {(point.x, point.series): point.value for point in chart_points(chart, rows)}


def percentile(values, fraction):
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return cuts[round(fraction * 100) - 1]


def grouped(indexes, key, value) -> dict:
    groups = defaultdict(list)
    for index in indexes:
        groups[key(index)].append(value(index))
    return groups


def sums(indexes, key, value) -> dict:
    return {group: pytest.approx(sum(values)) for group, values in grouped(indexes, key, value).items()}


def expected(key: str, traces, *, generations_only: bool = False) -> dict:
    """The chart's (x, series) -> value over these traces (indexes of the dataset), computed independently.

    A prompt filter keeps, on the observation charts, only the observations that used the prompt (generations).
    """
    traces = list(traces)
    if key == "cost_by_model":
        return sums(traces, lambda i: (day(i), model(i)), lambda i: float(COSTS[i]))
    if key == "tokens_per_day":
        return sums(traces, lambda i: (day(i), "tokens"), lambda i: 110 * (i + 1))
    if key == "trace_volume":
        return sums(traces, lambda i: (day(i), "traces"), lambda i: 1)
    if key in ("latency_by_trace_name", "latency_by_model"):
        of = trace_name if key == "latency_by_trace_name" else model
        groups = grouped(traces, of, lambda i: max(LATENCIES[i], 0.1) * 1000)
        return {
            (group, name): pytest.approx(percentile(values, fraction))
            for group, values in groups.items()
            for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        }
    if key == "error_rate":
        return {
            (d, chart_get(key).title): pytest.approx(
                0 if generations_only else sum(i == 7 for i in group) / (2 * len(group))
            )
            for d, group in grouped(traces, day, lambda i: i).items()
        }
    if key == "top_users_by_cost":
        return sums(traces, lambda i: (user(i), "cost"), lambda i: float(COSTS[i]))
    if key == "cost_per_prompt_version":
        prompted = [i for i in traces if prompt_version(i)]
        return sums(prompted, lambda i: (f"qa v{prompt_version(i)}", "cost"), lambda i: float(COSTS[i]))
    if key == "score_averages":
        quality = grouped(traces, lambda i: (day(i), "quality"), lambda i: QUALITY[i])
        thumbs = grouped(traces, lambda i: (day(i), "thumbs"), lambda i: THUMBS[i])
        return {group: pytest.approx(statistics.mean(v)) for group, v in (quality | thumbs).items()}
    if key == "score_categories":
        return sums(traces, lambda i: (day(i), f"tone · {tone(i)}"), lambda i: 1)
    if key == "quality_per_prompt_version":
        prompted = [i for i in traces if prompt_version(i)]
        groups = grouped(prompted, lambda i: (f"qa v{prompt_version(i)}", "quality"), lambda i: QUALITY[i])
        return {group: pytest.approx(statistics.mean(v)) for group, v in groups.items()}
    if key == "feedback_positive_rate":
        groups = grouped(traces, lambda i: (day(i), chart_get(key).title), lambda i: THUMBS[i])
        return {group: pytest.approx(sum(v) / len(v)) for group, v in groups.items()}
    if key == "score_distribution":
        values = [QUALITY[i] for i in traces] + [THUMBS[i] for i in traces]
        low, high = min(values), max(values)
        width = (high - low) / 10
        counts = {}
        for name, of in (("quality", QUALITY), ("thumbs", THUMBS)):
            bins = [0] * 10
            for i in traces:
                bins[min(int((of[i] - low) / width), 9)] += 1
            for b in range(10):
                x = f"{low + b * width:.3g}–{(high if b == 9 else low + (b + 1) * width):.3g}"
                counts[(x, name)] = bins[b]
        return counts
    raise AssertionError(f"no expectation for {key}")


def test_every_chart_has_an_independent_expectation():
    assert {chart.key for chart in chart_list()} == {
        "cost_by_model",
        "tokens_per_day",
        "trace_volume",
        "latency_by_trace_name",
        "latency_by_model",
        "error_rate",
        "top_users_by_cost",
        "cost_per_prompt_version",
        "score_averages",
        "score_distribution",
        "score_categories",
        "quality_per_prompt_version",
        "feedback_positive_rate",
    }


@pytest.mark.parametrize("key", [chart.key for chart in chart_list()])
def test_chart_numbers_match_the_dataset(data, key):
    assert points(data, key) == expected(key, ALL)


FILTERS = {
    "release": ({"release": "r1"}, lambda i: release(i) == "r1"),
    "trace name": ({"traceName": "search"}, lambda i: trace_name(i) == "search"),
    "user": ({"userId": "user-1"}, lambda i: user(i) == "user-1"),
    "tag": ({"tag": "beta"}, tagged),
    "prompt version": ({"promptName": "qa", "promptVersion": "2"}, lambda i: prompt_version(i) == 2),
}


@pytest.mark.parametrize("key", [chart.key for chart in chart_list()])
@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_applies_to_every_chart(data, key, name):
    params, keep = FILTERS[name]
    kept = [i for i in ALL if keep(i)]
    only = name == "prompt version"
    assert points(data, key, filters_from_params(params)) == expected(key, kept, generations_only=only)


def test_an_environment_matching_nothing_empties_every_chart(data):
    filters = filters_from_params({"environment": "staging"})
    for chart in chart_list():
        assert points(data, chart.key, filters) == {}, chart.key


def test_each_project_counts_only_its_own_rows(data, other_project):
    assert points(other_project, "trace_volume") == {(DAYS[0], "traces"): 1}
    assert points(data, "trace_volume") == expected("trace_volume", ALL)


def test_bad_filters_name_the_problem():
    with pytest.raises(DomainError) as bad_column:
        dashboard_filters_check([{"column": "model", "operator": "=", "value": "x", "type": "string"}])
    assert bad_column.value.field == "filters[0].column"
    with pytest.raises(DomainError) as bad_version:
        filters_from_params({"promptVersion": "two"})
    assert bad_version.value.field == "promptVersion"
