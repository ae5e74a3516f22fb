from django.urls import path

from prompts.api.views import PromptsView, PromptVersionView, prompt_view

urlpatterns = [
    path("v2/prompts", PromptsView.as_view()),
    path("v2/prompts/<path:name>/versions/<str:version>", PromptVersionView.as_view()),
    path("v2/prompts/<path:name>", prompt_view),
]
