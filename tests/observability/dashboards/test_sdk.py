"""The installed langfuse SDK's (5.x) unstable dashboards client against a live server, every operation."""

import pytest
from langfuse.api.core.api_error import ApiError

pytestmark = pytest.mark.django_db(transaction=True)


def test_sdk_manages_dashboards_and_placements(langfuse):
    dashboards = langfuse.api.unstable.dashboards
    created = dashboards.create(
        name="Quality",
        definition={
            "widgets": [
                {"type": "preset", "id": "p1", "presetId": "score_averages", "x": 0, "y": 0, "width": 12, "height": 6}
            ]
        },
        filters=[{"column": "environment", "operator": "=", "value": "production", "type": "string"}],
    )
    assert created.name == "Quality" and created.description == ""
    assert created.definition.widgets[0].preset_id == "score_averages"
    assert created.filters[0].column == "environment"
    assert [d.id for d in dashboards.list().data] == [created.id]
    placement = dashboards.add_placement(created.id, request={"type": "preset", "presetId": "feedback_positive_rate"})
    assert (placement.preset_id, placement.y) == ("feedback_positive_rate", 6)
    moved = dashboards.update_placement(created.id, placement.id, width=4)
    assert moved.width == 4
    dashboards.delete_placement(created.id, placement.id)
    updated = dashboards.update(created.id, description="weekly")
    assert updated.description == "weekly" and len(updated.definition.widgets) == 1
    assert dashboards.get(created.id).description == "weekly"
    assert dashboards.delete(created.id).message
    with pytest.raises(ApiError) as missing:
        dashboards.get(created.id)
    assert missing.value.status_code == 404
