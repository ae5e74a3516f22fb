"""The dashboard page in the admin: every chart rendered as SVG with tooltips and links, one CSV per chart,
click-through to the matching traces, bad parameters answered 400, a fixed number of queries."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse

from observability.analytics.rollups import rollups_refresh_all
from observability.dashboards.charts import chart_list
from tests.evals.factories import make_score
from tests.observability.analytics.factories import start
from tests.observability.dashboards.factories import FIRST, LAST
from tests.observability.factories import make_observation, make_trace
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db
HOME = "/admin/observability/dashboard/home/"
RANGE = {"from": FIRST, "to": LAST}


def page(client, **params):
    response = client.get(HOME, {**RANGE, **params})
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def section(html: str, key: str) -> str:
    match = re.search(rf'<section class="dash-card" id="chart-{key}".*?</section>', html, re.S)
    assert match, f"chart {key} is not on the page"
    return match[0]


def links_titled(html: str) -> dict[str, str]:
    """{tooltip: link} of the chart's marks."""
    return {
        unescape(title): unescape(href)
        for href, title in re.findall(r'<a href="([^"]+)"><(?:rect|circle)[^>]*><title>([^<]*)</title>', html)
    }


def listed(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return sorted(trace.id for trace in response.context["cl"].result_list)


def test_the_admin_index_reaches_the_home_dashboard(member_client):
    changelist = member_client.get(reverse("admin:observability_dashboard_changelist")).content.decode()
    assert f'href="{HOME}"' in changelist
    assert reverse("admin:observability_dashboard_changelist") in member_client.get("/admin/").content.decode()


def test_every_chart_renders_with_axes_legend_and_tooltips(member_client, data):
    html = page(member_client)
    for chart in chart_list():
        card = section(html, chart.key)
        assert chart.title in card
        assert "<svg" in card and 'class="tick"' in card and "dash-legend" in card
        assert "<title>" in card, chart.key
    assert "2025-03-10 · gpt-4o: $0.0045" in section(html, "cost_by_model")
    assert "chat · p50: 1,250 ms" in section(html, "latency_by_trace_name")
    assert "2025-03-12 · Error rate (observations at level ERROR): 16.7%" in section(html, "error_rate")


def test_an_empty_range_says_so(member_client, data):
    html = page(member_client, **{"from": "2024-01-01", "to": "2024-01-02"})
    assert html.count("No data in this range.") == len(chart_list())


def test_csv_download_holds_the_charts_points(member_client, data):
    response = member_client.get(HOME, {**RANGE, "csv": "cost_by_model", "release": "r1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="cost_by_model_2025-03-10_2025-03-12.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["day", "series", "value"]
    # release r1 is traces 0-4: day 0 gpt-4o t0+t2, claude-3 t1+t3; day 1 gpt-4o t4
    assert {(d, s): float(v) for d, s, v in rows[1:]} == pytest.approx(
        {("2025-03-10", "gpt-4o"): 0.0045, ("2025-03-10", "claude-3"): 0.012, ("2025-03-11", "gpt-4o"): 0.0005}
    )


def test_csv_of_an_unknown_chart_is_404(member_client, data):
    assert member_client.get(HOME, {**RANGE, "csv": "nope"}).status_code == 404


def test_clicking_a_point_opens_its_traces(member_client, data):
    html = page(member_client)
    cost = links_titled(section(html, "cost_by_model"))
    assert listed(member_client, cost["2025-03-10 · gpt-4o: $0.0045"]) == ["t0", "t2"]
    latency = links_titled(section(html, "latency_by_model"))
    assert listed(member_client, latency["claude-3 · p95: 9,250 ms"]) == ["t1", "t3", "t5", "t7", "t9"]
    users = links_titled(section(html, "top_users_by_cost"))
    assert listed(member_client, users["user-1 · cost: $0.0060"]) == ["t1", "t4", "t7"]
    prompts = links_titled(section(html, "cost_per_prompt_version"))
    assert listed(member_client, prompts["qa v2 · cost: $0.0065"]) == ["t5", "t6", "t7"]
    errors = links_titled(section(html, "error_rate"))
    assert listed(member_client, errors["2025-03-12 · Error rate (observations at level ERROR): 16.7%"]) == ["t7"]


def test_a_click_keeps_the_dashboard_filters(member_client, data):
    html = page(member_client, tag="beta", traceName="chat")
    volume = links_titled(section(html, "trace_volume"))
    assert listed(member_client, volume["2025-03-10 · traces: 2"]) == ["t0", "t3"]


def test_the_explorer_filters_by_prompt_version(member_client, data):
    explorer = reverse("admin:observability_trace_changelist")
    assert listed(member_client, f"{explorer}?prompt=qa&prompt_version=1") == ["t0", "t1", "t2", "t3", "t4"]
    assert listed(member_client, f"{explorer}?prompt_version=2") == ["t5", "t6", "t7"]
    assert member_client.get(f"{explorer}?prompt_version=two").url.endswith("?e=1")


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-13-01"}, "to"),
        ({"from": "2025-03-12", "to": "2025-03-10"}, "from"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, "from"),
        ({"promptVersion": "v2"}, "promptVersion"),
    ],
)
def test_bad_parameters_answer_400_naming_them(member_client, data, params, named):
    response = member_client.get(HOME, {**RANGE, **params})
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{named}:")


def test_another_projects_member_sees_none_of_its_data(client, make_user, data, other_project):
    outsider = make_user("outsider", project=other_project)
    client.force_login(outsider)
    html = page(client)
    assert "Project home: Billing Assistant" in html and "gpt-4o" not in html
    assert client.get(HOME, {**RANGE, "project": data.pk}).status_code == 404


def add_day_of_data(project, index: int) -> None:
    trace_id = f"extra{index}"
    make_trace(project, trace_id, at=start(index % 10), name=f"n{index}", user_id=f"u{index}")
    make_observation(project, f"{trace_id}-g", trace_id, start=start(index % 10), type="GENERATION", model=f"m{index}")
    make_score(project, score_id=f"s{index}", name=f"score{index}", value=0.5, trace_id=trace_id, timestamp=start(0))


def test_the_page_makes_a_fixed_number_of_queries(member_client, data):
    def add_refreshed(index):
        add_day_of_data(data, index)
        rollups_refresh_all()  # as the periodic job does; a read refreshes the hours still marked

    count = assert_queries_constant(lambda: member_client.get(HOME, RANGE), rows_of(add_refreshed))
    # per chart one metrics query and, answered from rollups, the check for marked hours (a histogram adds its
    # bounds and bins); the rest is the admin's own
    assert count <= 2 * len(chart_list()) + 2 + 15
