"""Saved dashboards: created in the admin by their owner (charts, filters), private until shared, shared within
the project only, changed by their owner, the project's managers or a grantee; their page shows their charts
under their filters."""

import pytest
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from aistrale.tenancy.models import AuditEvent, Role
from observability.dashboards import services
from observability.models import Dashboard
from tests.observability.dashboards.factories import FIRST, LAST

pytestmark = pytest.mark.django_db
ADD = "/admin/observability/dashboard/add/"
CHANGELIST = "/admin/observability/dashboard/"


def change_url(dashboard) -> str:
    return reverse("admin:observability_dashboard_change", args=[dashboard.pk])


def view_url(dashboard) -> str:
    return reverse("admin:observability_dashboard_view", args=[dashboard.pk])


def listed(client) -> list[str]:
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    return sorted(dashboard.name for dashboard in response.context["cl"].result_list)


def logged_in(user) -> Client:
    """A client of its own (the `client` fixture is the one `member_client` logged in)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def colleague(make_user, project):
    return make_user("colleague", project=project, role=Role.MEMBER)


@pytest.fixture
def outsider(make_user, other_project):
    return make_user("outsider", project=other_project, role=Role.OWNER)


def create_in_admin(client, project, **fields):
    form = {
        "project": project.pk,
        "name": "Costs",
        "description": "",
        "charts": ["cost_by_model", "trace_volume"],
        "release": "r1",
        **fields,
    }
    response = client.post(ADD, form)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return Dashboard.objects.get(name=form["name"])


def test_a_member_saves_a_private_dashboard_with_charts_and_filters(member_client, member, project):
    dashboard = create_in_admin(member_client, project)
    assert dashboard.owner == member and not dashboard.shared
    assert [placement["presetId"] for placement in dashboard.definition] == ["cost_by_model", "trace_volume"]
    assert dashboard.filters == [{"column": "release", "operator": "=", "value": "r1", "type": "string"}]
    assert AuditEvent.objects.filter(action="dashboard.created", object_id=dashboard.pk).exists()
    form = member_client.get(change_url(dashboard)).context["adminform"].form
    assert form.initial["charts"] == ["cost_by_model", "trace_volume"] and form.initial["release"] == "r1"


def test_a_bad_filter_is_a_form_error(member_client, project):
    response = member_client.post(ADD, {"project": project.pk, "name": "x", "charts": [], "promptVersion": "two"})
    assert response.status_code == 200
    assert "must be an integer" in str(response.context["adminform"].form.errors["promptVersion"])


def test_private_dashboards_are_their_owners_until_shared(member_client, project, colleague, outsider):
    dashboard = create_in_admin(member_client, project)
    client = logged_in(colleague)
    assert listed(client) == []
    assert client.get(view_url(dashboard)).status_code == 404
    response = member_client.post(
        change_url(dashboard),
        {"name": "Costs", "description": "", "charts": ["cost_by_model"], "shared": "on"},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    dashboard.refresh_from_db()
    assert dashboard.shared
    assert listed(client) == ["Costs"]
    assert client.get(view_url(dashboard)).status_code == 200
    assert client.post(change_url(dashboard), {"name": "Mine now", "charts": []}).status_code == 403
    client = logged_in(outsider)
    assert listed(client) == []
    assert client.get(view_url(dashboard)).status_code == 404
    assert client.get(change_url(dashboard)).status_code == 302  # Django's "no such object" redirect


def test_project_managers_and_grantees_change_others_dashboards(member_client, project, owner, colleague):
    dashboard = create_in_admin(member_client, project, shared="on")
    client = logged_in(owner)
    response = client.post(change_url(dashboard), {"name": "Renamed", "description": "", "charts": ["trace_volume"]})
    assert response.status_code == 302
    dashboard.refresh_from_db()
    assert dashboard.name == "Renamed" and dashboard.filters == []
    audit = AuditEvent.objects.filter(action="dashboard.updated", object_id=dashboard.pk).latest("pk")
    assert (audit.before["name"], audit.after["name"]) == ("Costs", "Renamed")
    assert (audit.before["charts"], audit.after["charts"]) == (["cost_by_model", "trace_volume"], ["trace_volume"])
    assign_perm("observability.change_dashboard", colleague, dashboard)
    client = logged_in(colleague)
    assert client.post(change_url(dashboard), {"name": "Again", "charts": []}).status_code == 302


def test_a_grant_shows_a_private_dashboard_to_one_colleague(member_client, project, colleague):
    dashboard = create_in_admin(member_client, project)
    assign_perm("observability.view_dashboard", colleague, dashboard)
    client = logged_in(colleague)
    assert listed(client) == ["Costs"]


def test_a_saved_dashboard_shows_its_charts_under_its_filters(member_client, project, data):
    dashboard = services.dashboard_create(
        project=project,
        name="Search",
        definition=services.definition_for_charts(["trace_volume"]),
        filters=[{"column": "traceName", "operator": "=", "value": "search", "type": "string"}],
    )
    response = member_client.get(view_url(dashboard), {"from": FIRST, "to": LAST})
    html = response.content.decode()
    assert 'id="chart-trace_volume"' in html and 'id="chart-cost_by_model"' not in html
    assert "2025-03-11 · traces: 1" in html and "2025-03-12 · traces: 3" in html and "2025-03-10 · traces" not in html
    assert "traceName = search" in html
    csv = member_client.get(view_url(dashboard), {"from": FIRST, "to": LAST, "csv": "trace_volume"})
    assert csv.content.decode().splitlines()[1:] == ["2025-03-11,traces,1", "2025-03-12,traces,3"]
    assert member_client.get(view_url(dashboard), {"csv": "cost_by_model"}).status_code == 404


def test_the_dashboard_list_makes_a_fixed_number_of_queries(member_client, member, project):
    from tests.query_counts import assert_queries_constant, rows_of

    def make(index):
        services.dashboard_create(project=project, owner=member, name=f"d{index}", shared=index % 2 == 0)

    assert assert_queries_constant(lambda: member_client.get(CHANGELIST), rows_of(make)) <= 30
