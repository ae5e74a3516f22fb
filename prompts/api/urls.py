from django.urls import path

import prompts.api.converters  # noqa: F401 (registers prompt_name)
from prompts.api.views import PromptsView, PromptVersionView, prompt_view

urlpatterns = [
    path("v2/prompts", PromptsView.as_view()),
    path("v2/prompts/<prompt_name:name>/versions/<str:version>", PromptVersionView.as_view()),
    path("v2/prompts/<prompt_name:name>", prompt_view),
]
