from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        from feedback.admin.annotation_actions import add_to_annotation_queue
        from feedback.admin.panels import prompt_comments_panel, session_comments_panel, trace_comments_panel
        from feedback.admin.trace_panel import trace_feedback_panel
        from feedback.policy import BrowserFeedbackPolicy
        from feedback.services.comments import comment_delete_for_traces
        from observability import extensions
        from prompts.extensions import register_page_panel as register_prompt_page_panel

        extensions.register_browser_policy(BrowserFeedbackPolicy())
        extensions.register_page_panel("trace", trace_feedback_panel)
        extensions.register_page_panel("trace", trace_comments_panel)
        extensions.register_page_panel("session", session_comments_panel)
        extensions.register_trace_deletion_handler(comment_delete_for_traces)
        register_prompt_page_panel("prompt", prompt_comments_panel)
        for changelist in ("trace", "observation", "session"):
            extensions.register_admin_action(changelist, add_to_annotation_queue)

        from feedback.alert_metrics import register_feedback_alert_metrics

        register_feedback_alert_metrics()

        from feedback.dashboards import register_feedback_dashboard

        register_feedback_dashboard()
