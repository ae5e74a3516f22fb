from django.urls import path

from aistrale.llm.api import views

urlpatterns = [
    path("llm-connections", views.LlmConnectionsView.as_view()),
    path("llm-connections/<path:connection_id>", views.LlmConnectionDetailView.as_view()),
]
