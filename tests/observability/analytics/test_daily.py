"""GET /metrics/daily: per UTC day of the trace, its traces, observations, cost and usage per model."""

from collections import defaultdict

import pytest

from tests.observability.analytics.factories import COSTS, load, model, start

pytestmark = pytest.mark.django_db

URL = "/api/public/metrics/daily"


def expected_days(indexes) -> dict:
    days = defaultdict(lambda: {"traces": 0, "cost": 0.0, "models": defaultdict(lambda: [0, 0.0, 0])})
    for index in indexes:
        day = days[start(index).date().isoformat()]
        day["traces"] += 1
        day["cost"] += float(COSTS[index])
        usage = day["models"][model(index)]
        usage[0] += 1
        usage[1] += float(COSTS[index])
        usage[2] += 110 * (index + 1)
    return days


def test_days_newest_first_with_usage_per_model(api_client, project, other_project):
    load(project)
    load(other_project)
    body = api_client.get(URL).json()
    expected = expected_days(range(10))
    assert [day["date"] for day in body["data"]] == sorted(expected, reverse=True)
    assert body["meta"] == {"page": 1, "limit": 50, "totalItems": 3, "totalPages": 1}
    for day in body["data"]:
        wanted = expected[day["date"]]
        assert day["countTraces"] == wanted["traces"]
        assert day["countObservations"] == 2 * wanted["traces"]
        assert day["totalCost"] == pytest.approx(wanted["cost"])
        assert [usage["model"] for usage in day["usage"]] == sorted(wanted["models"])
        for usage in day["usage"]:
            traces, cost, tokens = wanted["models"][usage["model"]]
            assert (usage["countTraces"], usage["countObservations"], usage["totalUsage"]) == (traces, traces, tokens)
            assert usage["totalCost"] == pytest.approx(cost)
            assert usage["inputUsage"] + usage["outputUsage"] == tokens


@pytest.mark.parametrize(
    ("params", "indexes"),
    [
        ({"traceName": "search"}, range(6, 10)),
        ({"userId": "user-1"}, [1, 4, 7]),
        ({"tags": "beta"}, [0, 3, 6, 9]),
        ({"environment": ["production", "staging"]}, range(10)),
        ({"environment": "staging"}, []),
        ({"fromTimestamp": start(4).isoformat(), "toTimestamp": start(7).isoformat()}, [4, 5, 6]),
    ],
)
def test_filters(api_client, project, params, indexes):
    load(project)
    body = api_client.get(URL, params).json()
    assert {day["date"]: day["countTraces"] for day in body["data"]} == {
        date: day["traces"] for date, day in expected_days(indexes).items()
    }


def test_pages_of_days(api_client, project):
    load(project)
    body = api_client.get(URL, {"limit": 2, "page": 2}).json()
    assert [day["date"] for day in body["data"]] == [start(0).date().isoformat()]
    assert body["meta"] == {"page": 2, "limit": 2, "totalItems": 3, "totalPages": 2}


@pytest.mark.parametrize(("params", "field"), [({"fromTimestamp": "soon"}, "fromTimestamp"), ({"limit": 0}, "limit")])
def test_bad_parameters_are_a_400_naming_them(api_client, params, field):
    response = api_client.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["message"]


def test_another_project_sees_nothing(other_client, project):
    load(project)
    assert other_client.get(URL).json()["data"] == []
