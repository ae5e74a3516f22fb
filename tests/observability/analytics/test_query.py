"""The metrics query engine on a fixed dataset, against values computed here independently."""

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from observability.analytics.query import metrics_query
from tests.observability.analytics.factories import COSTS, LATENCIES, RANGE, load, model, start, trace_name
from tests.observability.factories import make_observation, make_trace

pytestmark = pytest.mark.django_db

GENERATIONS = [{"column": "type", "type": "string", "operator": "=", "value": "GENERATION"}]


def quantile(values, fraction: float) -> float:
    """Percentile with linear interpolation between closest ranks (statistics' inclusive method)."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


@pytest.fixture
def dataset(project, other_project):
    load(project)
    load(other_project)
    make_observation(other_project, "extra", "t0", start=start(0), duration=99.0, type="GENERATION")


def test_percentiles_of_generation_latency_are_exact(project, dataset):
    aggregations = ["p50", "p75", "p90", "p95", "p99"]
    metrics = [{"measure": "latency", "aggregation": name} for name in aggregations]
    (row,) = metrics_query(
        project=project, query={**RANGE, "view": "observations", "metrics": metrics, "filters": GENERATIONS}
    )
    milliseconds = [seconds * 1000 for seconds in LATENCIES]
    for name in aggregations:
        assert row[f"latency_{name}"] == pytest.approx(quantile(milliseconds, int(name[1:]) / 100))


def test_sum_avg_min_max_count_per_model(project, dataset):
    metrics = [{"measure": "totalCost", "aggregation": name} for name in ("sum", "avg", "min", "max", "count")]
    metrics.append({"measure": "inputTokens", "aggregation": "sum"})
    query = {**RANGE, "view": "observations", "metrics": metrics, "dimensions": [{"field": "providedModelName"}]}
    rows = metrics_query(project=project, query={**query, "filters": GENERATIONS})
    assert [row["providedModelName"] for row in rows] == ["claude-3", "gpt-4o"]
    for row in rows:
        indexes = [index for index in range(10) if model(index) == row["providedModelName"]]
        costs = [float(COSTS[index]) for index in indexes]
        assert row["totalCost_sum"] == pytest.approx(sum(costs))
        assert row["totalCost_avg"] == pytest.approx(sum(costs) / len(costs))
        assert (row["totalCost_min"], row["totalCost_max"]) == (pytest.approx(min(costs)), pytest.approx(max(costs)))
        assert row["totalCost_count"] == len(indexes)
        assert row["inputTokens_sum"] == sum(100 * (index + 1) for index in indexes)


def test_traces_view_aggregates_each_traces_observations(project, dataset):
    metrics = [
        {"measure": "count", "aggregation": "count"},
        {"measure": "latency", "aggregation": "p95"},
        {"measure": "totalCost", "aggregation": "sum"},
        {"measure": "observationsCount", "aggregation": "sum"},
        {"measure": "uniqueUserIds", "aggregation": "count"},
    ]
    rows = metrics_query(
        project=project, query={**RANGE, "view": "traces", "metrics": metrics, "dimensions": [{"field": "name"}]}
    )
    assert [row["name"] for row in rows] == ["chat", "search"]
    for row in rows:
        indexes = [index for index in range(10) if trace_name(index) == row["name"]]
        assert row["count_count"] == len(indexes)
        assert row["latency_p95"] == pytest.approx(quantile([LATENCIES[i] * 1000 for i in indexes], 0.95))
        assert row["totalCost_sum"] == pytest.approx(sum(float(COSTS[i]) for i in indexes))
        assert row["observationsCount_sum"] == 2 * len(indexes)
        assert row["uniqueUserIds_count"] == len({index % 3 for index in indexes})


def test_day_buckets_in_utc(project, dataset):
    query = {**RANGE, "view": "observations", "metrics": [{"measure": "count", "aggregation": "count"}]}
    rows = metrics_query(
        project=project, query={**query, "timeDimension": {"granularity": "day"}, "filters": GENERATIONS}
    )
    counts = Counter(start(index).strftime("%Y-%m-%dT00:00:00.000Z") for index in range(10))
    days = [
        (datetime(2025, 3, 1, tzinfo=UTC) + timedelta(days=n)).strftime("%Y-%m-%dT00:00:00.000Z") for n in range(32)
    ]
    assert [(row["time_dimension"], row["count_count"]) for row in rows] == [(day, counts[day]) for day in days]


def test_hour_buckets_split_a_day(project, dataset):
    day0 = {"fromTimestamp": "2025-03-10T00:00:00Z", "toTimestamp": "2025-03-10T23:59:59.999Z"}
    query = {**day0, "view": "traces", "metrics": [{"measure": "count", "aggregation": "count"}]}
    rows = metrics_query(project=project, query={**query, "timeDimension": {"granularity": "hour"}})
    counts = Counter(start(index).strftime("%Y-%m-%dT%H:00:00.000Z") for index in range(4))
    hours = [f"2025-03-10T{hour:02d}:00:00.000Z" for hour in range(24)]
    assert [(row["time_dimension"], row["count_count"]) for row in rows] == [(hour, counts[hour]) for hour in hours]


def test_day_buckets_follow_the_time_zone_across_a_dst_change(project):
    paris = ZoneInfo("Europe/Paris")  # clocks go forward at 2025-03-30 01:00 UTC
    moments = [datetime(2025, 3, 29, 23, 30, tzinfo=UTC), datetime(2025, 3, 30, 21, 30, tzinfo=UTC)]
    moments += [datetime(2025, 3, 30, 22, 30, tzinfo=UTC), datetime(2025, 3, 29, 22, 30, tzinfo=UTC)]
    for index, moment in enumerate(moments):
        make_trace(project, f"dst{index}", at=moment)
    query = {**RANGE, "view": "traces", "metrics": [{"measure": "count", "aggregation": "count"}]}
    rows = metrics_query(
        project=project, query={**query, "timeDimension": {"granularity": "day", "timeZone": "Europe/Paris"}}
    )
    local_days = Counter(moment.astimezone(paris).date() for moment in moments)
    expected = {
        datetime(day.year, day.month, day.day, tzinfo=paris).isoformat(timespec="milliseconds"): count
        for day, count in local_days.items()
    }
    assert {row["time_dimension"]: row["count_count"] for row in rows if row["count_count"]} == expected
    assert "2025-03-31T00:00:00.000+02:00" in expected and "2025-03-30T00:00:00.000+01:00" in expected
    local_midnights = [datetime(2025, 3, day, tzinfo=paris) for day in range(1, 32)] + [
        datetime(2025, 4, 1, tzinfo=paris)
    ]
    assert [row["time_dimension"] for row in rows] == [
        day.isoformat(timespec="milliseconds") for day in local_midnights
    ]


def test_auto_granularity_picks_about_fifty_buckets(project, dataset):
    query = {
        "view": "traces",
        "metrics": [{"measure": "count", "aggregation": "count"}],
        "timeDimension": {"granularity": "auto"},
    }
    two_days = {"fromTimestamp": "2025-03-10T00:00:00Z", "toTimestamp": "2025-03-12T00:00:00Z"}
    rows = metrics_query(project=project, query={**query, **two_days})
    assert all(row["time_dimension"].endswith(":00:00.000Z") for row in rows)
    assert len(rows) == 49  # every hour from the 10th 00:00 to the 12th 00:00, both included
    assert sum(row["count_count"] for row in rows) == sum(
        1 for i in range(10) if start(i) < datetime(2025, 3, 12, tzinfo=UTC)
    )


def test_an_empty_range_gives_one_zero_row_and_no_groups(project, dataset):
    empty = {"fromTimestamp": "2024-01-01T00:00:00Z", "toTimestamp": "2024-02-01T00:00:00Z"}
    metrics = [{"measure": "count", "aggregation": "count"}, {"measure": "latency", "aggregation": "p50"}]
    metrics.append({"measure": "latency", "aggregation": "histogram"})
    query = {**empty, "view": "observations", "metrics": metrics}
    assert metrics_query(project=project, query=query) == [
        {"count_count": 0, "latency_p50": None, "latency_histogram": []}
    ]
    assert metrics_query(project=project, query={**query, "dimensions": [{"field": "name"}]}) == []
    days = metrics_query(project=project, query={**query, "timeDimension": {"granularity": "day"}})
    assert [day.pop("time_dimension") for day in days][:2] == ["2024-01-01T00:00:00.000Z", "2024-01-02T00:00:00.000Z"]
    assert days == [{"count_count": 0, "latency_p50": None, "latency_histogram": []}] * 32


def test_range_bounds_are_inclusive(project, dataset):
    moment = start(3).isoformat()
    query = {"view": "traces", "metrics": [{"measure": "count", "aggregation": "count"}], "fromTimestamp": moment}
    (row,) = metrics_query(
        project=project, query={**query, "toTimestamp": (start(3) + timedelta(microseconds=1)).isoformat()}
    )
    assert row["count_count"] == 1


def test_histogram_counts_equal_width_bins(project, dataset):
    metrics = [{"measure": "latency", "aggregation": "histogram"}]
    query = {**RANGE, "view": "observations", "metrics": metrics, "filters": GENERATIONS, "config": {"bins": 4}}
    (row,) = metrics_query(project=project, query=query)
    milliseconds = [seconds * 1000 for seconds in LATENCIES]
    low, width = min(milliseconds), (max(milliseconds) - min(milliseconds)) / 4
    counts = Counter(min(int((value - low) // width), 3) for value in milliseconds)
    assert row["latency_histogram"] == [
        [pytest.approx(low + i * width), pytest.approx(low + (i + 1) * width), counts[i]] for i in range(4)
    ]


def test_filters_on_trace_fields_and_tags(project, dataset):
    count = [{"measure": "count", "aggregation": "count"}]
    search = [{"column": "traceName", "type": "string", "operator": "=", "value": "search"}]
    (row,) = metrics_query(
        project=project, query={**RANGE, "view": "observations", "metrics": count, "filters": search}
    )
    assert row["count_count"] == 2 * sum(1 for index in range(10) if trace_name(index) == "search")
    beta = [{"column": "tags", "type": "arrayOptions", "operator": "any of", "value": ["beta"]}]
    (row,) = metrics_query(project=project, query={**RANGE, "view": "traces", "metrics": count, "filters": beta})
    assert row["count_count"] == sum(1 for index in range(10) if index % 3 == 0)


def test_order_by_a_metric_and_row_limit(project, dataset):
    query = {
        **RANGE,
        "view": "traces",
        "metrics": [{"measure": "totalCost", "aggregation": "sum"}],
        "dimensions": [{"field": "userId"}],
        "orderBy": [{"field": "totalCost_sum", "direction": "desc"}],
        "config": {"row_limit": 2},
    }
    rows = metrics_query(project=project, query=query)
    per_user = Counter()
    for index in range(10):
        per_user[f"user-{index % 3}"] += float(COSTS[index])
    assert [row["userId"] for row in rows] == [user for user, _ in per_user.most_common(2)]


def test_error_levels_and_root_observations_group(project, dataset):
    count = [{"measure": "count", "aggregation": "count"}]
    query = {
        **RANGE,
        "view": "observations",
        "metrics": count,
        "dimensions": [{"field": "level"}, {"field": "isRootObservation"}],
    }
    rows = metrics_query(project=project, query=query)
    assert {(row["level"], row["isRootObservation"]): row["count_count"] for row in rows} == {
        ("DEFAULT", False): 9,
        ("DEFAULT", True): 10,
        ("ERROR", False): 1,
    }
