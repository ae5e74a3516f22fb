"""The installed langfuse SDK's (5.x) unstable dashboard-widgets client against a live server: every operation,
widgets placed on dashboards both ways, and bad inputs answered as the client's typed errors."""

import pytest
from langfuse.api.unstable.errors import BadRequestError, ConflictError, NotFoundError

pytestmark = pytest.mark.django_db(transaction=True)
COST_BY_MODEL = {
    "name": "Cost by model",
    "view": "observations",
    "dimensions": [{"field": "providedModelName"}],
    "metrics": [{"measure": "totalCost", "agg": "sum"}, {"measure": "latency", "agg": "p95"}],
    "filters": [{"column": "type", "operator": "=", "value": "GENERATION", "type": "string"}],
    "chart_type": "VERTICAL_BAR",
}


def test_sdk_manages_widgets(langfuse):
    widgets = langfuse.api.unstable.dashboard_widgets
    created = widgets.create(**COST_BY_MODEL, chart_config={"row_limit": 20})
    assert (created.name, created.description, created.view) == ("Cost by model", "", "observations")
    assert [(m.measure, m.agg) for m in created.metrics] == [("totalCost", "sum"), ("latency", "p95")]
    assert [d.field for d in created.dimensions] == ["providedModelName"]
    assert (created.filters[0].column, created.filters[0].value) == ("type", "GENERATION")
    assert (created.chart_type, created.chart_config.type, created.chart_config.row_limit) == (
        "VERTICAL_BAR",
        "VERTICAL_BAR",
        20,
    )
    scores = widgets.create(
        name="Quality over time",
        description="daily average",
        view="scores-numeric",
        dimensions=[{"field": "name"}],
        metrics=[{"measure": "value", "agg": "avg"}],
        filters=[],
        chart_type="LINE_TIME_SERIES",
    )
    assert scores.chart_config.type == "LINE_TIME_SERIES" and scores.chart_config.row_limit is None
    listing = widgets.list(limit=1)
    assert [w.id for w in listing.data] == [scores.id] and listing.meta.total_items == 2
    assert [w.id for w in widgets.list(page=2, limit=1).data] == [created.id]
    assert widgets.get(created.id).updated_at == created.updated_at
    renamed = widgets.update(created.id, name="Spend", chart_type="HORIZONTAL_BAR")
    assert (renamed.name, renamed.chart_type, renamed.chart_config.type) == (
        "Spend",
        "HORIZONTAL_BAR",
        "HORIZONTAL_BAR",
    )
    assert renamed.chart_config.row_limit is None, "a new chart type without a config resets the config"
    assert renamed.metrics == created.metrics
    assert widgets.delete(scores.id).message == f"Dashboard widget {scores.id} deleted"
    with pytest.raises(NotFoundError):
        widgets.get(scores.id)


def test_widgets_are_placed_on_dashboards_both_ways(langfuse):
    widgets, dashboards = langfuse.api.unstable.dashboard_widgets, langfuse.api.unstable.dashboards
    widget = widgets.create(**COST_BY_MODEL)
    dashboard = dashboards.create(
        name="Spend",
        definition={
            "widgets": [{"type": "widget", "id": "w", "widgetId": widget.id, "x": 0, "y": 0, "width": 12, "height": 4}]
        },
    )
    [placed] = dashboard.definition.widgets
    assert (placed.type, placed.widget_id, placed.width) == ("widget", widget.id, 12)
    added = dashboards.add_placement(dashboard.id, request={"type": "widget", "widgetId": widget.id})
    assert (added.type, added.widget_id, added.x, added.y, added.width, added.height) == (
        "widget",
        widget.id,
        0,
        4,
        6,
        6,
    )
    assert [p.type for p in dashboards.get(dashboard.id).definition.widgets] == ["widget", "widget"]
    with pytest.raises(ConflictError) as placed_still:
        widgets.delete(widget.id)
    assert "'Spend'" in placed_still.value.body.message
    dashboards.delete_placement(dashboard.id, "w")
    dashboards.delete_placement(dashboard.id, added.id)
    assert widgets.delete(widget.id).message
    with pytest.raises(BadRequestError) as gone:
        dashboards.add_placement(dashboard.id, request={"type": "widget", "widgetId": widget.id})
    assert [issue.path for issue in gone.value.body.details.issues] == [["widgetId"]]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"view": "traces"}, ["view"]),
        ({"dimensions": [{"field": "colour"}]}, ["dimensions", "0", "field"]),
        ({"metrics": [{"measure": "totalCost", "agg": "uniq"}]}, ["metrics", "0", "agg"]),
        ({"metrics": []}, ["metrics"]),
        (
            {"filters": [{"column": "type", "operator": ">", "value": "x", "type": "string"}]},
            ["filters", "0", "operator"],
        ),
        ({"chart_type": "RADAR"}, ["chartType"]),
        ({"chart_config": {"type": "PIE"}}, ["chartConfig", "type"]),
        ({"chart_config": {"row_limit": 5000}}, ["chartConfig"]),
        ({"chart_config": {"colour": "red"}}, ["chartConfig"]),
    ],
)
def test_bad_widgets_are_400s_naming_the_field(langfuse, change, path):
    with pytest.raises(BadRequestError) as bad:
        langfuse.api.unstable.dashboard_widgets.create(**(COST_BY_MODEL | change))
    assert bad.value.body.code == "invalid_body"
    assert [issue.path for issue in bad.value.body.details.issues] == [path], bad.value.body
    assert langfuse.api.unstable.dashboard_widgets.list().data == []
