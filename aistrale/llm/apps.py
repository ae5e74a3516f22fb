from django.apps import AppConfig


class LlmConfig(AppConfig):
    name = "aistrale.llm"
    label = "llm"
    verbose_name = "LLM connections"
