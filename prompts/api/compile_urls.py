from django.urls import path

from prompts.api.views import PromptCompileView

urlpatterns = [
    path("prompts/<path:name>/compile", PromptCompileView.as_view()),
]
