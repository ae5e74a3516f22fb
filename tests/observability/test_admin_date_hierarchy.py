"""The trace explorer's date drill-down: the same links as Django's date hierarchy, dates found by probes."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from observability import selectors
from observability.models import Trace
from tests.observability.factories import make_trace
from tests.observability.test_admin_explorer import CHANGELIST, listed
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

MOMENTS = {
    "march-5": datetime(2024, 3, 5, 12, tzinfo=UTC),
    "march-20": datetime(2024, 3, 20, 12, tzinfo=UTC),
    "july-1": datetime(2024, 7, 1, 12, tzinfo=UTC),
    "new-year-eve": datetime(2024, 12, 31, 23, 30, tzinfo=UTC),
    "next-year": datetime(2025, 1, 15, 12, tzinfo=UTC),
}


@pytest.fixture
def traces(project):
    for trace_id, moment in MOMENTS.items():
        make_trace(project, trace_id, at=moment)


def hierarchy_links(response) -> list[str]:
    """The query strings of the date hierarchy's links, in page order."""
    assert response.status_code == 200, response.content[:500]
    toplinks = re.search(r'<nav class="toplinks">(.*?)</nav>', response.content.decode(), re.S)
    return re.findall(r'href="\?([^"]*)"', toplinks.group(1)) if toplinks else []


def test_drill_down_links_by_year_month_and_day(member_client, traces):
    assert hierarchy_links(member_client.get(CHANGELIST)) == ["timestamp__year=2024", "timestamp__year=2025"]
    months = hierarchy_links(member_client.get(f"{CHANGELIST}?timestamp__year=2024"))
    assert months == ["", *(f"timestamp__month={month}&amp;timestamp__year=2024" for month in (3, 7, 12))]
    days = hierarchy_links(member_client.get(f"{CHANGELIST}?timestamp__year=2024&timestamp__month=3"))
    assert days[1:] == [f"timestamp__day={day}&amp;timestamp__month=3&amp;timestamp__year=2024" for day in (5, 20)]
    assert listed(member_client.get(f"{CHANGELIST}?timestamp__year=2024&timestamp__month=3&timestamp__day=20")) == [
        "march-20"
    ]


def test_timestamp_range_lookups_filter_the_list(member_client, traces):
    response = member_client.get(
        CHANGELIST, {"timestamp__gte": "2024-07-01T00:00:00+00:00", "timestamp__lt": "2025-01-01T00:00:00+00:00"}
    )
    assert listed(response) == ["july-1", "new-year-eve"]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York"])
@pytest.mark.parametrize("kind", ["year", "month", "day"])
def test_buckets_are_those_of_datetimes(project, traces, zone, kind):
    rows = Trace.objects.filter(project=project)
    with timezone.override(zone):
        for chosen in (rows, rows.filter(id__in=["march-20", "new-year-eve"])):
            buckets = selectors.trace_time_buckets(chosen, field="timestamp", kind=kind)
            assert buckets == list(chosen.datetimes("timestamp", kind))


def test_no_rows_no_buckets(project):
    assert selectors.trace_time_buckets(Trace.objects.filter(project=project), field="timestamp", kind="day") == []


@pytest.mark.parametrize("years", [(1900, 2025), (9999,)])
def test_wide_spans_and_the_calendar_end_fall_back_to_datetimes(project, years):
    for year in years:
        make_trace(project, f"y{year}", at=datetime(year, 12, 31, 12, tzinfo=UTC))
    rows = Trace.objects.filter(project=project)
    for kind in ("year", "month", "day"):
        buckets = selectors.trace_time_buckets(rows, field="timestamp", kind=kind)
        assert buckets == list(rows.datetimes("timestamp", kind))


def test_drill_down_query_count_does_not_grow_with_rows_or_days(member_client, project):
    def add_trace(index):
        make_trace(project, f"t{index}", at=datetime(2024, 3, 1 + index % 28, 12, index % 60, tzinfo=UTC))

    url = f"{CHANGELIST}?timestamp__year=2024&timestamp__month=3"
    assert assert_queries_constant(lambda: member_client.get(url), rows_of(add_trace)) <= 50
    assert len(hierarchy_links(member_client.get(url))) > 1
