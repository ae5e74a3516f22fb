from django.urls import path

from aistrale.api.views import HealthView, OpenApiDocsView, OpenApiSchemaView, ProjectsView

urlpatterns = [
    path("health", HealthView.as_view()),
    path("projects", ProjectsView.as_view()),
    path("openapi.json", OpenApiSchemaView.as_view(), name="openapi-schema"),
    path("docs", OpenApiDocsView.as_view(), name="openapi-docs"),
]
