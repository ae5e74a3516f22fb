from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "aistrale.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        from aistrale.tenancy import signals  # noqa: F401
