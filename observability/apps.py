from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "observability"

    def ready(self):
        from observability.selectors import prompt_version_insights
        from prompts.insights import register_version_insight

        register_version_insight(prompt_version_insights)
