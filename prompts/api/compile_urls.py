from django.urls import path

import prompts.api.converters  # noqa: F401 (registers prompt_name)
from prompts.api.views import PromptCompileView

urlpatterns = [
    path("prompts/<prompt_name:name>/compile", PromptCompileView.as_view()),
]
