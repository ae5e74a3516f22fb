"""/api/public/unstable/dashboards: CRUD and placements, 400s naming the field, 409 on a placed id, and
another project's key seeing and changing nothing."""

import pytest

from aistrale.tenancy.models import AuditEvent
from observability.dashboards import services
from observability.models import Dashboard

pytestmark = pytest.mark.django_db
BASE = "/api/public/unstable/dashboards"
RELEASE = {"column": "release", "operator": "=", "value": "r1", "type": "string"}


def created(api_client, **body) -> dict:
    response = api_client.post(BASE, {"name": "Costs", **body}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_create_get_list_update_delete(api_client, project):
    body = created(
        api_client,
        description="spend",
        definition={"widgets": [{"type": "preset", "presetId": "cost_by_model"}, {"presetId": "trace_volume"}]},
        filters=[RELEASE],
    )
    assert set(body) == {"id", "createdAt", "updatedAt", "name", "description", "definition", "filters"}
    widgets = body["definition"]["widgets"]
    assert [(w["presetId"], w["x"], w["y"], w["width"], w["height"]) for w in widgets] == [
        ("cost_by_model", 0, 0, 6, 6),
        ("trace_volume", 0, 6, 6, 6),
    ]
    assert body["filters"] == [{**RELEASE, "key": None}] and body["description"] == "spend"
    assert api_client.get(f"{BASE}/{body['id']}").json() == body
    listing = api_client.get(BASE).json()
    assert [d["id"] for d in listing["data"]] == [body["id"]] and listing["meta"]["totalItems"] == 1
    patched = api_client.patch(f"{BASE}/{body['id']}", {"name": "Spend", "filters": []}, format="json").json()
    assert (patched["name"], patched["filters"], patched["definition"]) == ("Spend", [], body["definition"])
    assert api_client.delete(f"{BASE}/{body['id']}").json() == {"message": f"Dashboard {body['id']} deleted"}
    assert api_client.get(f"{BASE}/{body['id']}").status_code == 404
    actions = AuditEvent.objects.filter(object_id=body["id"]).values_list("action", "actor_label")
    assert [action for action, _ in actions.order_by("pk")] == [
        "dashboard.created",
        "dashboard.updated",
        "dashboard.deleted",
    ]
    assert all(label.startswith("API key") for _, label in actions)


def test_dashboards_written_through_the_api_are_shared(api_client, project):
    body = created(api_client)
    assert Dashboard.objects.get(pk=body["id"]).shared


def test_private_dashboards_of_users_are_not_listed(api_client, project, member):
    services.dashboard_create(project=project, owner=member, name="mine")
    assert api_client.get(BASE).json()["data"] == []


def test_placements_add_move_and_remove(api_client, project):
    dashboard = created(api_client, definition={"widgets": [{"type": "preset", "presetId": "trace_volume"}]})
    placements = f"{BASE}/{dashboard['id']}/placements"
    added = api_client.post(placements, {"type": "preset", "presetId": "error_rate", "id": "err"}, format="json")
    assert added.json() == {
        "type": "preset",
        "id": "err",
        "presetId": "error_rate",
        "x": 0,
        "y": 6,
        "width": 6,
        "height": 6,
    }
    again = api_client.post(placements, {"type": "preset", "presetId": "error_rate", "id": "err"}, format="json")
    assert again.status_code == 409
    moved = api_client.patch(f"{placements}/err", {"x": 6, "y": 0}, format="json").json()
    assert (moved["x"], moved["y"], moved["width"]) == (6, 0, 6)
    assert api_client.patch(f"{placements}/err", {"width": 7}, format="json").status_code == 400
    assert api_client.delete(f"{placements}/err").json() == {"message": "Placement err removed"}
    assert api_client.delete(f"{placements}/err").status_code == 404
    assert [w["presetId"] for w in api_client.get(f"{BASE}/{dashboard['id']}").json()["definition"]["widgets"]] == [
        "trace_volume"
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        (
            {"name": "x", "definition": {"widgets": [{"type": "preset", "presetId": "nope"}]}},
            "definition.widgets.0.presetId",
        ),
        (
            {"name": "x", "definition": {"widgets": [{"type": "widget", "widgetId": "w1"}]}},
            "definition.widgets.0.widgetId",
        ),
        (
            {"name": "x", "definition": {"widgets": [{"type": "tile", "presetId": "error_rate"}]}},
            "definition.widgets.0.type",
        ),
        ({"name": "x", "definition": {"widgets": [{"presetId": "error_rate", "x": 10}]}}, "definition.widgets.0.width"),
        ({"name": "x", "definition": []}, "definition"),
        (
            {"name": "x", "filters": [{"column": "model", "operator": "=", "value": "a", "type": "string"}]},
            "filters[0].column",
        ),
        (
            {"name": "x", "filters": [{"column": "release", "operator": ">", "value": "a", "type": "string"}]},
            "filters[0].operator",
        ),
    ],
)
def test_bad_bodies_are_400_naming_the_field(api_client, project, body, field):
    response = api_client.post(BASE, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["message"] or field in str(response.json().get("details")), response.json()


def test_another_projects_key_sees_and_changes_nothing(api_client, other_client, project):
    body = created(api_client)
    url = f"{BASE}/{body['id']}"
    assert other_client.get(BASE).json()["data"] == []
    assert other_client.get(url).status_code == 404
    assert other_client.patch(url, {"name": "taken"}, format="json").status_code == 404
    assert (
        other_client.post(f"{url}/placements", {"type": "preset", "presetId": "error_rate"}, format="json").status_code
        == 404
    )
    assert other_client.delete(url).status_code == 404
    assert api_client.get(url).json()["name"] == "Costs"
