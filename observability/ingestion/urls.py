from django.urls import path

from observability.ingestion.views import IngestionView, OtlpTracesView

urlpatterns = [
    path("ingestion", IngestionView.as_view()),
    path("otel/v1/traces", OtlpTracesView.as_view()),
]
