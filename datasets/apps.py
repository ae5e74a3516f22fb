from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets"

    def ready(self):
        from datasets.services.experiments import PREFIX, experiment_spans_record
        from observability import extensions

        extensions.register_span_attribute_handler(PREFIX, experiment_spans_record)
