from django.apps import AppConfig


class EvalsConfig(AppConfig):
    name = "evals"

    def ready(self):
        from evals.api.ingestion import ingestion_score_events
        from evals.selectors import scores_for_traces
        from evals.services import scores_delete_for_traces
        from observability.extensions import (
            register_ingestion_handler,
            register_score_loader,
            register_trace_deletion_handler,
        )

        register_ingestion_handler("score-create", ingestion_score_events)
        register_score_loader(scores_for_traces)
        register_trace_deletion_handler(scores_delete_for_traces)
