from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets"

    def ready(self):
        from datasets import actors  # noqa: F401  (declares the experiment actor for workers)
        from datasets.admin.actions import add_to_dataset
        from datasets.experiments.playground import add_to_dataset as playground_add_to_dataset
        from datasets.experiments.playground import run_over_dataset
        from datasets.services.experiments import PREFIX, experiment_spans_record
        from observability import extensions
        from prompts.playground.actions import register_playground_action

        extensions.register_span_attribute_handler(PREFIX, experiment_spans_record)
        for changelist in ("trace", "observation"):
            extensions.register_admin_action(changelist, add_to_dataset)
        register_playground_action("add_to_dataset", "Add to dataset", playground_add_to_dataset)
        register_playground_action("run_over_dataset", "Run over a dataset", run_over_dataset)
