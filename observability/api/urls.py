from django.urls import path

from observability.api import dashboard_widgets, dashboards, metrics, views

urlpatterns = [
    path("traces", views.TraceListView.as_view()),
    path("traces/<path:trace_id>", views.TraceDetailView.as_view()),
    path("observations", views.ObservationListView.as_view()),
    path("observations/<path:observation_id>", views.ObservationDetailView.as_view()),
    path("v2/observations", views.ObservationV2ListView.as_view()),
    path("sessions", views.SessionListView.as_view()),
    path("sessions/<path:session_id>", views.SessionDetailView.as_view()),
    path("models", views.ModelsView.as_view()),
    path("models/<str:model_id>", views.ModelDetailView.as_view()),
    path("metrics", metrics.MetricsView.as_view()),
    path("metrics/daily", metrics.DailyMetricsView.as_view()),
    path("v2/metrics", metrics.MetricsV2View.as_view()),
    path("unstable/dashboard-widgets", dashboard_widgets.WidgetsView.as_view()),
    path("unstable/dashboard-widgets/<str:widget_id>", dashboard_widgets.WidgetDetailView.as_view()),
    path("unstable/dashboards", dashboards.DashboardsView.as_view()),
    path("unstable/dashboards/<str:dashboard_id>", dashboards.DashboardDetailView.as_view()),
    path("unstable/dashboards/<str:dashboard_id>/placements", dashboards.PlacementsView.as_view()),
    path(
        "unstable/dashboards/<str:dashboard_id>/placements/<str:placement_id>",
        dashboards.PlacementDetailView.as_view(),
    ),
]
