"""GET /api/public/sessions reads each session off its first trace: the same rows as grouping every trace."""

from datetime import timedelta

import pytest
from django.db.models import Min

from observability.models import Trace
from tests.observability.factories import T0, make_trace

pytestmark = pytest.mark.django_db


def grouped(project, *, environments=(), start=None, end=None) -> list[dict]:
    """The definition: group the session's traces (of these environments); first time and least environment."""
    traces = Trace.objects.filter(project=project, session_id__isnull=False).exclude(session_id="")
    if environments:
        traces = traces.filter(environment__in=environments)
    rows = traces.values("session_id").annotate(created_at=Min("timestamp"), environment=Min("environment"))
    if start:
        rows = rows.filter(created_at__gte=start)
    if end:
        rows = rows.filter(created_at__lt=end)
    return [
        {"id": row["session_id"], "createdAt": row["created_at"], "environment": row["environment"]}
        for row in rows.order_by("-created_at", "session_id")
    ]


def listed(api_client, **params) -> tuple[list[dict], int]:
    rows, page, total = [], 1, None
    while True:
        body = api_client.get("/api/public/sessions", {**params, "limit": 3, "page": page}).json()
        total = body["meta"]["totalItems"] if total is None else total
        assert body["meta"]["totalItems"] == total
        rows += body["data"]
        if page >= body["meta"]["totalPages"]:
            return rows, total
        page += 1


@pytest.fixture
def sessions(project):
    """Sessions spanning environments, with ties in time inside a session and across sessions."""
    at = {minutes: T0 + timedelta(minutes=minutes) for minutes in range(0, 200, 5)}
    layout = [
        ("a", 0, "production"),
        ("a", 50, "staging"),
        ("b", 10, "staging"),
        ("b", 10, "production"),
        ("c", 10, "production"),
        ("d", 30, "dev"),
        ("d", 20, "production"),
        ("e", 60, "staging"),
        ("f", 70, "production"),
        ("g", 70, "production"),
        ("h", 90, "dev"),
        ("", 95, "production"),
        (None, 100, "production"),
    ]
    for index, (session, minutes, environment) in enumerate(layout):
        make_trace(project, f"t{index}", at=at[minutes], session_id=session, environment=environment)


def as_rows(rows: list[dict]) -> list[dict]:
    return [{"id": row["id"], "createdAt": row["createdAt"], "environment": row["environment"]} for row in rows]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"environments": ["production"]},
        {"environments": ["staging", "dev"]},
        {"start": T0 + timedelta(minutes=10)},
        {"end": T0 + timedelta(minutes=70)},
        {"start": T0 + timedelta(minutes=10), "end": T0 + timedelta(minutes=71), "environments": ["production"]},
    ],
)
def test_sessions_are_those_grouping_their_traces_defines(api_client, project, sessions, filters):
    params = {}
    if "environments" in filters:
        params["environment"] = filters["environments"]
    if "start" in filters:
        params["fromTimestamp"] = filters["start"].isoformat()
    if "end" in filters:
        params["toTimestamp"] = filters["end"].isoformat()
    rows, total = listed(api_client, **params)
    expected = grouped(project, **filters)
    assert [row["id"] for row in rows] == [row["id"] for row in expected]
    assert total == len(expected)
    times = [Trace._meta.get_field("timestamp").to_python(row["createdAt"]) for row in rows]
    assert [{**row, "createdAt": time} for row, time in zip(as_rows(rows), times, strict=True)] == expected
