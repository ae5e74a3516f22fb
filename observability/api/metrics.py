"""The metrics API: GET /metrics (v1, every view), /v2/metrics (no traces view, no high-cardinality groupings)
and /metrics/daily."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from aistrale.api.base import ProjectApiView, ProjectListApiView
from aistrale.api.schema import PAGE_PARAMETERS, page_of
from observability.analytics.daily import (
    daily_days,
    daily_details,
    daily_model_totals,
    daily_rollups_refresh,
    daily_traces,
)
from observability.analytics.query import metrics_query, query_decode
from observability.api.filters import DailyMetricsFilter

QUERY = OpenApiParameter(
    "query",
    OpenApiTypes.STR,
    required=True,
    description="The JSON query object: view, dimensions, metrics, filters, timeDimension, fromTimestamp, "
    "toTimestamp, orderBy, config (bins, row_limit)",
)


class MetricsResponse(serializers.Serializer):
    data = serializers.ListField(child=serializers.DictField(), help_text="One object per group")


class UsageByModel(serializers.Serializer):
    model = serializers.CharField(allow_null=True)
    inputUsage = serializers.IntegerField()
    outputUsage = serializers.IntegerField()
    totalUsage = serializers.IntegerField()
    countTraces = serializers.IntegerField()
    countObservations = serializers.IntegerField()
    totalCost = serializers.FloatField()


class DailyMetricsDetails(serializers.Serializer):
    date = serializers.DateField()
    countTraces = serializers.IntegerField()
    countObservations = serializers.IntegerField()
    totalCost = serializers.FloatField()
    usage = UsageByModel(many=True)


@extend_schema_view(
    get=extend_schema(operation_id="legacy_metricsV1_metrics", parameters=[QUERY], responses={200: MetricsResponse})
)
class MetricsView(ProjectApiView):
    v2 = False

    def get(self, request):
        query = query_decode(request.query_params.get("query"))
        return Response({"data": metrics_query(project=request.auth.project, query=query, v2=self.v2)})


@extend_schema_view(
    get=extend_schema(operation_id="metrics_metrics", parameters=[QUERY], responses={200: MetricsResponse})
)
class MetricsV2View(MetricsView):
    v2 = True


@extend_schema_view(
    get=extend_schema(
        operation_id="metrics_daily", parameters=PAGE_PARAMETERS, responses={200: page_of(DailyMetricsDetails)}
    )
)
class DailyMetricsView(ProjectListApiView):
    filterset_class = DailyMetricsFilter

    def get_queryset(self):
        return daily_traces(project=self.request.auth.project)

    def list(self, request, *args, **kwargs):
        daily_rollups_refresh(project=request.auth.project)
        traces = self.filter_queryset(self.get_queryset())
        days = self.paginate_queryset(daily_days(traces))
        model_totals = self.filter_queryset(daily_model_totals(project=request.auth.project))
        return self.get_paginated_response(daily_details(model_totals=model_totals, days=days))
