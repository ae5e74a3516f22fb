from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "observability"

    def ready(self):
        from observability.selectors import prompt_version_insights
        from prompts.insights import register_version_insight

        register_version_insight(prompt_version_insights)

        import observability.media.signals  # noqa: F401 (connects the file clean-up)
        import observability.signals  # noqa: F401 (a trace saved through the ORM keeps its trace_tag rows)
        from aistrale.api.request_body import register_path_limit
        from observability.media.urls import UPLOAD_PREFIX, upload_body_limit

        register_path_limit(UPLOAD_PREFIX, upload_body_limit)

        from aistrale.llm.sink import register_call_sink
        from aistrale.tasks import broker
        from observability.llm_calls import CallTracesFlush, trace_llm_call

        register_call_sink(trace_llm_call)
        broker.add_middleware(CallTracesFlush())

        import observability.gateway.signals  # noqa: F401 (a connection change retires the gateway memo)
        from observability.playground import generation_for_playground, playground_price
        from prompts.playground.sources import register_playground_pricer, register_playground_source

        register_playground_source("generation", generation_for_playground)
        register_playground_pricer(playground_price)

        from observability.analytics.tracing import register_tracing_views

        register_tracing_views()

        from django.conf import settings

        from aistrale.periodic import register_periodic
        from observability.actors import evaluate_alert_rules, refresh_rollups
        from observability.alerts.metrics import register_tracing_alert_metrics

        register_tracing_alert_metrics()
        register_periodic("alerts.evaluate", settings.AISTRALE_ALERTS_EVALUATE_SECONDS, evaluate_alert_rules)
        register_periodic("rollups.refresh", settings.AISTRALE_ROLLUPS_REFRESH_SECONDS, refresh_rollups)

        from observability.dashboards.tracing_charts import register_tracing_charts

        register_tracing_charts()
