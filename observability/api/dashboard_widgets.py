"""/api/public/unstable/dashboard-widgets (the SDK 5.x unstable dashboard-widgets client): CRUD of a project's
dashboard widgets, which dashboards show through "widget" placements."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from aistrale.api.pagination import LangfusePagination
from aistrale.api.public_errors import PublicApiErrorView
from aistrale.api.schema import PAGE_PARAMETERS, page_of
from observability.api.dashboards import DeletedBody, validated
from observability.dashboards import widget_selectors, widgets


class WidgetBody(serializers.Serializer):
    id = serializers.CharField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    name = serializers.CharField()
    description = serializers.CharField()
    view = serializers.ChoiceField(choices=[*widgets.VIEWS, widgets.LEGACY_VIEW])
    dimensions = serializers.ListField(child=serializers.DictField(), help_text="[{field}]")
    metrics = serializers.ListField(child=serializers.DictField(), help_text="[{measure, agg}]")
    filters = serializers.ListField(child=serializers.DictField(), help_text="Langfuse filter state")
    chartType = serializers.ChoiceField(choices=widgets.CHART_TYPES)
    chartConfig = serializers.DictField(help_text="{type, row_limit, show_value_labels, bins, defaultSort}")


def _json(text: str, *, required: bool = False, **kwargs):
    return serializers.JSONField(required=required, allow_null=not required, help_text=text, **kwargs)


def _description():
    return serializers.CharField(required=False, allow_null=True, allow_blank=True, trim_whitespace=False)


class WidgetCreateSerializer(serializers.Serializer):
    name = serializers.CharField(trim_whitespace=False)
    description = _description()
    view = serializers.CharField(help_text=", ".join(widgets.VIEWS))
    dimensions = _json("[{field}]", required=True)
    metrics = _json("[{measure, agg}]", required=True)
    filters = _json("Langfuse filter state on the view's columns", required=True)
    chartType = serializers.CharField(source="chart_type", help_text=", ".join(widgets.CHART_TYPES))
    chartConfig = _json("Defaults to the plain config of chartType", source="chart_config")


class WidgetUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_null=True, trim_whitespace=False)
    description = _description()
    view = serializers.CharField(required=False, allow_null=True, help_text=", ".join(widgets.VIEWS))
    dimensions = _json("[{field}]")
    metrics = _json("[{measure, agg}]")
    filters = _json("Langfuse filter state on the view's columns")
    chartType = serializers.CharField(source="chart_type", required=False, allow_null=True)
    chartConfig = _json("A changed chartType without it resets the config", source="chart_config")


def _widget_or_404(request, widget_id):
    widget = widget_selectors.widget_get(project=request.auth.project, widget_id=widget_id)
    if widget is None:
        raise NotFound(f"Dashboard widget {widget_id!r} not found in this project")
    return widget


@extend_schema_view(
    get=extend_schema(
        operation_id="unstable_dashboardWidgets_list", parameters=PAGE_PARAMETERS, responses={200: page_of(WidgetBody)}
    ),
    post=extend_schema(
        operation_id="unstable_dashboardWidgets_create", request=WidgetCreateSerializer, responses={200: WidgetBody}
    ),
)
class WidgetsView(PublicApiErrorView):
    def get(self, request):
        paginator = LangfusePagination()
        page = paginator.paginate_queryset(widget_selectors.widget_list(project=request.auth.project), request, self)
        return paginator.get_paginated_response([widget_selectors.widget_public(widget) for widget in page])

    def post(self, request):
        fields = validated(WidgetCreateSerializer, request.data)
        widget = widgets.widget_create(project=request.auth.project, **fields)
        return Response(widget_selectors.widget_public(widget))


@extend_schema_view(
    get=extend_schema(operation_id="unstable_dashboardWidgets_get", responses={200: WidgetBody}),
    patch=extend_schema(
        operation_id="unstable_dashboardWidgets_update", request=WidgetUpdateSerializer, responses={200: WidgetBody}
    ),
    delete=extend_schema(operation_id="unstable_dashboardWidgets_delete", responses={200: DeletedBody}),
)
class WidgetDetailView(PublicApiErrorView):
    def get(self, request, widget_id):
        return Response(widget_selectors.widget_public(_widget_or_404(request, widget_id)))

    def patch(self, request, widget_id):
        widget = _widget_or_404(request, widget_id)
        widgets.widget_update(widget=widget, **validated(WidgetUpdateSerializer, request.data))
        return Response(widget_selectors.widget_public(_widget_or_404(request, widget_id)))

    def delete(self, request, widget_id):
        widgets.widget_delete(widget=_widget_or_404(request, widget_id))
        return Response({"message": f"Dashboard widget {widget_id} deleted"})
