from django.urls import path

from observability.ingestion.views import IngestionView, ModelDetailView, ModelsView, OtlpTracesView

urlpatterns = [
    path("ingestion", IngestionView.as_view()),
    path("otel/v1/traces", OtlpTracesView.as_view()),
    path("models", ModelsView.as_view()),
    path("models/<str:model_id>", ModelDetailView.as_view()),
]
