from django.apps import AppConfig


class PromptsConfig(AppConfig):
    name = "prompts"

    def ready(self):
        from prompts import receivers

        receivers.connect()
