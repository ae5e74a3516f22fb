"""/api/public/unstable/dashboards (the SDK 5.x unstable dashboards client): CRUD of a project's shared
dashboards and their grid placements. Placements show registered charts ("preset" placements) or the
project's dashboard widgets ("widget" placements)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from aistrale.api.pagination import LangfusePagination
from aistrale.api.public_errors import PublicApiErrorView
from aistrale.api.schema import PAGE_PARAMETERS, page_of
from observability.dashboards import selectors, services


class PlacementBody(serializers.Serializer):
    type = serializers.ChoiceField(choices=["preset", "widget"])
    id = serializers.CharField()
    presetId = serializers.CharField(required=False, help_text="A preset's chart: a key of the chart registry")
    widgetId = serializers.CharField(required=False, help_text="A widget placement's dashboard widget")
    x = serializers.IntegerField()
    y = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class DefinitionBody(serializers.Serializer):
    widgets = PlacementBody(many=True)


class DashboardBody(serializers.Serializer):
    id = serializers.CharField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    name = serializers.CharField()
    description = serializers.CharField()
    definition = DefinitionBody()
    filters = serializers.ListField(child=serializers.DictField(), help_text="Applied to every chart")


class DeletedBody(serializers.Serializer):
    message = serializers.CharField()


def _optional_text():
    return serializers.CharField(required=False, allow_null=True, allow_blank=True, trim_whitespace=False)


def _filters():
    return serializers.ListField(child=serializers.DictField(), required=False, allow_null=True)


class DashboardCreateSerializer(serializers.Serializer):
    name = serializers.CharField(trim_whitespace=False)
    description = _optional_text()
    definition = serializers.JSONField(required=False, allow_null=True, help_text="{widgets: [placement]}")
    filters = _filters()


class DashboardUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_null=True, trim_whitespace=False)
    description = _optional_text()
    definition = serializers.JSONField(required=False, allow_null=True, help_text="{widgets: [placement]}")
    filters = _filters()


def _position(**kwargs):
    return serializers.IntegerField(required=False, allow_null=True, **kwargs)


class PlacementUpdateSerializer(serializers.Serializer):
    x = _position(help_text="Grid column (12-column grid)")
    y = _position(help_text="Grid row")
    width = _position(help_text="Width in grid columns")
    height = _position(help_text="Height in grid rows")


class PlacementCreateSerializer(PlacementUpdateSerializer):
    type = serializers.ChoiceField(choices=["preset", "widget"])
    id = serializers.CharField(required=False, allow_null=True, help_text="Server-generated when omitted")
    presetId = serializers.CharField(required=False)
    widgetId = serializers.CharField(required=False)


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _dashboard_or_404(request, dashboard_id):
    dashboard = selectors.dashboard_get(project=request.auth.project, dashboard_id=dashboard_id)
    if dashboard is None:
        raise NotFound(f"Dashboard {dashboard_id!r} not found in this project")
    return dashboard


@extend_schema_view(
    get=extend_schema(
        operation_id="unstable_dashboards_list", parameters=PAGE_PARAMETERS, responses={200: page_of(DashboardBody)}
    ),
    post=extend_schema(
        operation_id="unstable_dashboards_create",
        request=DashboardCreateSerializer,
        responses={200: DashboardBody},
    ),
)
class DashboardsView(PublicApiErrorView):
    def get(self, request):
        paginator = LangfusePagination()
        page = paginator.paginate_queryset(selectors.dashboard_list(project=request.auth.project), request, self)
        return paginator.get_paginated_response([selectors.dashboard_public(dashboard) for dashboard in page])

    def post(self, request):
        fields = validated(DashboardCreateSerializer, request.data)
        dashboard = services.dashboard_create(project=request.auth.project, **fields)
        return Response(selectors.dashboard_public(dashboard))


@extend_schema_view(
    get=extend_schema(operation_id="unstable_dashboards_get", responses={200: DashboardBody}),
    patch=extend_schema(
        operation_id="unstable_dashboards_update", request=DashboardUpdateSerializer, responses={200: DashboardBody}
    ),
    delete=extend_schema(operation_id="unstable_dashboards_delete", responses={200: DeletedBody}),
)
class DashboardDetailView(PublicApiErrorView):
    def get(self, request, dashboard_id):
        return Response(selectors.dashboard_public(_dashboard_or_404(request, dashboard_id)))

    def patch(self, request, dashboard_id):
        dashboard = _dashboard_or_404(request, dashboard_id)
        services.dashboard_update(dashboard=dashboard, **validated(DashboardUpdateSerializer, request.data))
        return Response(selectors.dashboard_public(_dashboard_or_404(request, dashboard_id)))

    def delete(self, request, dashboard_id):
        services.dashboard_delete(dashboard=_dashboard_or_404(request, dashboard_id))
        return Response({"message": f"Dashboard {dashboard_id} deleted"})


@extend_schema_view(
    post=extend_schema(
        operation_id="unstable_dashboards_addPlacement",
        request=PlacementCreateSerializer,
        responses={200: PlacementBody},
    )
)
class PlacementsView(PublicApiErrorView):
    def post(self, request, dashboard_id):
        dashboard = _dashboard_or_404(request, dashboard_id)
        fields = validated(PlacementCreateSerializer, request.data)
        return Response(services.placement_add(dashboard=dashboard, placement=dict(fields)))


@extend_schema_view(
    patch=extend_schema(
        operation_id="unstable_dashboards_updatePlacement",
        request=PlacementUpdateSerializer,
        responses={200: PlacementBody},
    ),
    delete=extend_schema(operation_id="unstable_dashboards_deletePlacement", responses={200: DeletedBody}),
)
class PlacementDetailView(PublicApiErrorView):
    def patch(self, request, dashboard_id, placement_id):
        dashboard = _dashboard_or_404(request, dashboard_id)
        position = validated(PlacementUpdateSerializer, request.data)
        placement = services.placement_update(dashboard=dashboard, placement_id=placement_id, **position)
        if placement is None:
            raise NotFound(f"Placement {placement_id!r} not found on this dashboard")
        return Response(placement)

    def delete(self, request, dashboard_id, placement_id):
        dashboard = _dashboard_or_404(request, dashboard_id)
        if not services.placement_delete(dashboard=dashboard, placement_id=placement_id):
            raise NotFound(f"Placement {placement_id!r} not found on this dashboard")
        return Response({"message": f"Placement {placement_id} removed"})
