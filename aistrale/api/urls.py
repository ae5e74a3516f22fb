from django.urls import path

from aistrale.api.views import HealthView, ProjectsView

urlpatterns = [
    path("health", HealthView.as_view()),
    path("projects", ProjectsView.as_view()),
]
