from django.urls import path

from evals.api.views import ScoresView

urlpatterns = [
    path("scores", ScoresView.as_view()),
]
