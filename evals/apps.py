from django.apps import AppConfig


class EvalsConfig(AppConfig):
    name = "evals"

    def ready(self):
        from aistrale.llm.extensions import register_connection_deletion_handler
        from evals.admin.panels import session_scores_panel, trace_scores_panel
        from evals.api.ingestion import ingestion_score_delete_events, ingestion_score_events
        from evals.evaluators.deterministic import deterministic_run
        from evals.evaluators.runner import register_evaluator_type
        from evals.evaluators.similarity import similarity_run
        from evals.live import actors  # noqa: F401  (declares the evaluation actor for workers)
        from evals.live.jobs import live_writes_handle
        from evals.live.services import evaluation_rules_pause_for_connection
        from evals.models import EvaluatorType
        from evals.selectors import score_map_by_trace
        from evals.services import score_delete_for_traces
        from observability.extensions import (
            register_ingestion_handler,
            register_page_panel,
            register_score_loader,
            register_trace_deletion_handler,
            register_trace_write_handler,
        )

        register_ingestion_handler("score-create", ingestion_score_events, public_key=True)
        register_ingestion_handler("score-delete", ingestion_score_delete_events)
        register_score_loader(score_map_by_trace)
        register_trace_deletion_handler(score_delete_for_traces)
        register_page_panel("trace", trace_scores_panel)
        register_page_panel("session", session_scores_panel)
        register_evaluator_type(EvaluatorType.DETERMINISTIC, deterministic_run)
        register_evaluator_type(EvaluatorType.SEMANTIC_SIMILARITY, similarity_run)
        register_trace_write_handler(live_writes_handle)
        register_connection_deletion_handler(evaluation_rules_pause_for_connection)

        from evals.analytics import register_score_views

        register_score_views()

        from evals.alert_metrics import register_evals_alert_metrics

        register_evals_alert_metrics()

        from evals.dashboards import register_score_charts

        register_score_charts()
