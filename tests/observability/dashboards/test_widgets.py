"""Dashboard widgets through the API (audit, updates re-checked against the view, other projects' keys) and as
charts of saved dashboards: drawn under the dashboard's filters, downloadable, chosen in the admin form."""

import csv
import io

import pytest
from django.urls import reverse

from aistrale.errors import DomainError
from aistrale.tenancy.models import AuditEvent
from observability.dashboards import services, widgets
from observability.models import Dashboard
from tests.observability.dashboards.factories import FIRST, LAST

pytestmark = pytest.mark.django_db
BASE = "/api/public/unstable/dashboard-widgets"
GENERATIONS = [{"column": "type", "operator": "=", "value": "GENERATION", "type": "string"}]
COST = {
    "name": "Cost by model",
    "view": "observations",
    "dimensions": [{"field": "providedModelName"}],
    "metrics": [{"measure": "totalCost", "agg": "sum"}],
    "filters": GENERATIONS,
    "chartType": "VERTICAL_BAR",
}
RELEASE_R1 = [{"column": "release", "operator": "=", "value": "r1", "type": "string"}]


def _snake(body: dict) -> dict:
    """A wire body as the service's keyword arguments."""
    return {("chart_type" if key == "chartType" else key): value for key, value in body.items()}


def posted(client, body) -> dict:
    response = client.post(BASE, body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_widget_is_created_changed_and_deleted_with_audit_events(api_client, project):
    body = posted(api_client, COST)
    assert set(body) == {
        "id",
        "createdAt",
        "updatedAt",
        "name",
        "description",
        "view",
        "dimensions",
        "metrics",
        "filters",
        "chartType",
        "chartConfig",
    }
    assert body["chartConfig"] == {
        "type": "VERTICAL_BAR",
        "row_limit": None,
        "show_value_labels": None,
        "bins": None,
        "defaultSort": None,
    }
    assert body["filters"] == [{**GENERATIONS[0], "key": None}]
    url = f"{BASE}/{body['id']}"
    config = {"show_value_labels": True, "defaultSort": {"column": "totalCost_sum", "order": "DESC"}}
    patched = api_client.patch(url, {"chartConfig": config}, format="json").json()
    assert patched["chartConfig"] == {**body["chartConfig"], **config}
    assert (patched["name"], patched["metrics"]) == (body["name"], body["metrics"])
    moved = api_client.patch(url, {"view": "scores-numeric"}, format="json")
    assert moved.status_code == 400
    assert moved.json()["message"].startswith("dimensions.0.field: must be one of"), moved.json()
    empty = api_client.patch(url, {}, format="json")
    assert (empty.status_code, empty.json()["message"]) == (400, "at least one field is required")
    limit = api_client.patch(url, {"chartConfig": {"row_limit": 0}}, format="json").json()
    assert limit["message"] == "chartConfig: row_limit must be an integer from 1 to 1000, got 0"
    assert api_client.get(url).json() == patched
    assert api_client.delete(url).json() == {"message": f"Dashboard widget {body['id']} deleted"}
    assert api_client.delete(url).status_code == 404
    actions = AuditEvent.objects.filter(object_id=body["id"]).order_by("pk").values_list("action", "actor_label")
    assert [action for action, _ in actions] == [
        "dashboard_widget.created",
        "dashboard_widget.updated",
        "dashboard_widget.deleted",
    ]
    assert all(label.startswith("API key") for _, label in actions)


def test_missing_required_fields_are_named(api_client, project):
    response = api_client.post(BASE, {"name": "x"}, format="json")
    assert response.status_code == 400
    paths = {tuple(issue["path"]) for issue in response.json()["details"]["issues"]}
    assert paths == {("view",), ("dimensions",), ("metrics",), ("filters",), ("chartType",)}


def test_another_projects_key_sees_changes_and_places_nothing(api_client, other_client, project):
    body = posted(api_client, COST)
    url = f"{BASE}/{body['id']}"
    assert other_client.get(BASE).json()["data"] == []
    assert other_client.get(url).status_code == 404
    assert other_client.patch(url, {"name": "taken"}, format="json").status_code == 404
    assert other_client.delete(url).status_code == 404
    placed = {"name": "theirs", "definition": {"widgets": [{"type": "widget", "widgetId": body["id"]}]}}
    response = other_client.post("/api/public/unstable/dashboards", placed, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("definition.widgets.0.widgetId: must be the id of a dashboard widget")
    assert api_client.get(url).json()["name"] == "Cost by model"


def _thumbs(project):
    return widgets.widget_create(
        project=project,
        name="Thumbs up rate",
        view="scores-boolean",
        dimensions=[{"field": "name"}],
        metrics=[{"measure": "value", "agg": "avg"}],
        filters=[],
        chart_type="PIE",
    )


def _csv(response) -> dict[str, float]:
    assert response.status_code == 200, response.content
    return {row["x"]: float(row["value"]) for row in csv.DictReader(io.StringIO(response.content.decode()))}


def test_widgets_are_charts_of_a_saved_dashboard_under_its_filters(member_client, project, data):
    cost = widgets.widget_create(project=project, **_snake(COST))
    thumbs = _thumbs(project)
    dashboard = services.dashboard_create(
        project=project,
        name="Widgets",
        definition=services.definition_for_charts(["trace_volume", f"widget-{cost.pk}", f"widget-{thumbs.pk}"]),
        filters=RELEASE_R1,
    )
    assert [p["type"] for p in dashboard.definition] == ["preset", "widget", "widget"]
    url = reverse("admin:observability_dashboard_view", args=[dashboard.pk])
    html = member_client.get(url, {"from": FIRST, "to": LAST}).content.decode()
    assert all(f'id="chart-{key}"' in html for key in ("trace_volume", f"widget-{cost.pk}", f"widget-{thumbs.pk}"))
    assert "Cost by model" in html and "Thumbs up rate" in html
    costs = _csv(member_client.get(url, {"from": FIRST, "to": LAST, "csv": f"widget-{cost.pk}"}))
    assert costs == pytest.approx({"claude-3": 0.002 + 0.01, "gpt-4o": 0.001 + 0.0035 + 0.0005})
    rates = _csv(member_client.get(url, {"from": FIRST, "to": LAST, "csv": f"widget-{thumbs.pk}"}))
    assert rates == pytest.approx({"thumbs": 3 / 5})


def test_the_admin_form_offers_the_projects_widgets(member_client, member, project):
    thumbs = _thumbs(project)
    dashboard = services.dashboard_create(project=project, owner=member, name="Mine")
    change = reverse("admin:observability_dashboard_change", args=[dashboard.pk])
    choices = dict(member_client.get(change).context["adminform"].form.fields["charts"].choices)
    assert choices[f"widget-{thumbs.pk}"] == "Widget: Thumbs up rate"
    form = {"name": "Mine", "description": "", "charts": ["error_rate", f"widget-{thumbs.pk}"]}
    assert member_client.post(change, form).status_code == 302
    placements = Dashboard.objects.get(pk=dashboard.pk).definition
    assert [(p["type"], p.get("presetId"), p.get("widgetId")) for p in placements] == [
        ("preset", "error_rate", None),
        ("widget", None, thumbs.pk),
    ]
    assert member_client.get(change).context["adminform"].form.initial["charts"] == [
        "error_rate",
        f"widget-{thumbs.pk}",
    ]


def test_the_widget_list_makes_a_fixed_number_of_queries(api_client, project):
    from tests.query_counts import assert_queries_constant, rows_of

    def make(index):
        widgets.widget_create(project=project, **(_snake(COST) | {"name": f"w{index}"}))

    assert_queries_constant(lambda: api_client.get(BASE, {"limit": 50}), rows_of(make))


def test_a_placement_of_a_deleted_widget_is_refused_and_a_placed_one_kept(api_client, project):
    widget = widgets.widget_create(project=project, **_snake(COST))
    dashboard = services.dashboard_create(project=project, name="d")
    services.placement_add(dashboard=dashboard, placement={"type": "widget", "widgetId": widget.pk, "id": "tile"})
    with pytest.raises(DomainError) as placed:
        widgets.widget_delete(widget=widget)
    assert (placed.value.status, placed.value.message) == (
        409,
        "is placed on the dashboards 'd'; remove those placements first",
    )
    services.placement_delete(dashboard=dashboard, placement_id="tile")
    widgets.widget_delete(widget=widget)
    with pytest.raises(DomainError) as gone:
        services.placement_add(dashboard=dashboard, placement={"type": "widget", "widgetId": widget.pk})
    assert gone.value.field == "widgetId"
